"""``value_object``: immutable for the type checker, a plain slotted dataclass at run time.

A frozen dataclass guards every attribute write at run time and pays for the guard on every
construction (``object.__setattr__`` per field). The hub builds several of these per incoming
report; in the ingest profile, frozen construction was about a seventh of converting one.
Here mypy --strict refuses any assignment to a field (the whole code base is checked), while
equality, hashing (by fields, as a frozen dataclass hashes), ``repr`` and ``dataclasses``
helpers stay those of a frozen dataclass.

Only for modules that run interpreted: mypyc compiles such a class natively and its equality
would be identity. Records that compiled modules build per report are plain classes with an
explicit ``__init__``, which mypyc makes native (a compiled dataclass keeps Python's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

_T = TypeVar("_T")

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform

    @dataclass_transform(frozen_default=True, field_specifiers=(field,))
    def value_object(cls: type[_T]) -> type[_T]:
        """Declare an immutable value type (see the module docstring)."""

else:

    def value_object(cls: Any) -> Any:
        return dataclass(slots=True, unsafe_hash=True)(cls)
