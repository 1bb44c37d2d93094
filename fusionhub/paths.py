"""Folders the hub writes to, created when first needed.

Nothing assumes a folder left behind by an earlier run: each writer calls ``ensure_dir`` with the
setting that chooses the folder, so a fresh machine works and an unusable folder fails in one
line that says which setting to change.
"""

from __future__ import annotations

import os
from pathlib import Path

from fusionhub.errors import ConfigurationError


def ensure_dir(path: Path, setting: str) -> Path:
    """Create ``path`` (and its parents) if missing and check it is writable; returns it.

    Called by every component before it writes under a configured folder (Faust's data dir, the
    broker's data and cache dirs, logs, the SQLite file's folder, demo runs). Raises
    ``ConfigurationError`` naming ``setting`` when the folder cannot be created or written.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise ConfigurationError(
            f"cannot create folder {path} ({reason}): set {setting} to a writable folder"
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigurationError(f"folder {path} is not writable: set {setting} to one that is")
    return path


def home_dir(kind: str) -> Path:
    """``$XDG_DATA_HOME/fusionhub`` or ``$XDG_CACHE_HOME/fusionhub``, with the XDG defaults
    (``~/.local/share``, ``~/.cache``); the spec says to ignore a relative value.

    The default of the settings that choose folders (``Settings.data_dir``, the broker's
    cache); read when settings are built, never later."""
    variable, fallback = {
        "cache": ("XDG_CACHE_HOME", ".cache"),
        "data": ("XDG_DATA_HOME", ".local/share"),
    }[kind]
    given = os.environ.get(variable, "")
    base = Path(given) if given and Path(given).is_absolute() else Path.home() / fallback
    return base / "fusionhub"
