"""Errors every layer may raise and the command line knows how to report."""

from __future__ import annotations

LOOPBACK = "127.0.0.1"  # every service binds here unless told otherwise


class ConfigurationError(Exception):
    """A setting is missing or unusable. The message is one line that names the setting and the
    fix; ``fusionhub``'s entry point prints it and exits with status 2, without a traceback."""
