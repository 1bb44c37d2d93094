from __future__ import annotations

import base64
import re
import uuid
from unittest import mock

import pytest

from fusionhub.broker.launcher import new_cluster_id

pytestmark = pytest.mark.unit


def test_cluster_ids_are_22_url_safe_characters_never_starting_with_a_dash() -> None:
    for _ in range(2000):
        cluster_id = new_cluster_id()
        assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_\-]{21}", cluster_id)


def test_an_id_that_would_start_with_a_dash_is_drawn_again() -> None:
    dash_first = uuid.UUID(bytes=base64.urlsafe_b64decode("-" + "A" * 21 + "=="))
    plain = uuid.UUID(int=1)
    with mock.patch("fusionhub.broker.launcher.uuid.uuid4", side_effect=[dash_first, plain]):
        assert new_cluster_id() == base64.urlsafe_b64encode(plain.bytes).decode().rstrip("=")
