"""The command-centre read API over the case store (JSON over HTTP), the console it serves on
a port of its own (``fusionhub/api/web``, docs/console.md), and its client.

``ApiService`` serves it (built by ``fusionhub.bootstrap.api``), ``ApiClient`` is what
``fusionhub cases`` talks to it with.
"""

from fusionhub.api.client import ApiClient, ApiError
from fusionhub.api.openapi import openapi_document
from fusionhub.api.reads import CaseReader
from fusionhub.api.service import ApiService

__all__ = [
    "ApiClient",
    "ApiError",
    "ApiService",
    "CaseReader",
    "openapi_document",
]
