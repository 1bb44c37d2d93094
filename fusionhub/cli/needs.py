"""What each command needs configured, checked before it connects to anything."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from fusionhub.settings import Need, Settings, load_settings

F = TypeVar("F", bound=Callable[..., Any])


def requires(*needs: Need) -> Callable[[F], F]:
    """Decorate a command callback so that its settings are checked first.

    The check runs when the command is invoked, after argument parsing and before the body: a
    missing setting raises ``ConfigurationError``, which ``fusionhub.cli.main.main`` prints as
    one line with exit status 2.
    """

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def checked(*args: Any, **kwargs: Any) -> Any:
            context_settings(click.get_current_context()).require(*needs)
            return command(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate


def context_settings(ctx: click.Context) -> Settings:
    """The settings the ``fusionhub`` group read, or freshly read ones when a command group is
    invoked on its own (as tests do)."""
    found = ctx.find_object(Settings)
    if found is None:
        found = load_settings()
        ctx.find_root().obj = found
    return found
