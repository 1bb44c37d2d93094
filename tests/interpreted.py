"""Import fusionhub from its ``.py`` sources even where compiled extensions sit beside them.

Used by the test that runs the same conversion interpreted and compiled: ``install()`` must run
before anything of fusionhub is imported in that process.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path


class _SourcesFirst(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "fusionhub" and not fullname.startswith("fusionhub."):
            return None
        name = fullname.rpartition(".")[2]
        for entry in path if path is not None else sys.path:
            folder = Path(entry or ".") / name
            if (folder / "__init__.py").is_file():
                return importlib.util.spec_from_file_location(
                    fullname, folder / "__init__.py", submodule_search_locations=[str(folder)]
                )
            module = Path(entry or ".") / f"{name}.py"
            if module.is_file():
                return importlib.util.spec_from_file_location(fullname, module)
        return None


def install() -> None:
    """Make every later ``fusionhub`` import come from source."""
    sys.meta_path.insert(0, _SourcesFirst())
