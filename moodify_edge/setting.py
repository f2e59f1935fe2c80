"""How a configuration key is declared: a dataclass field carrying its documentation and its rules.

``setting(doc, default, min=…, max=…, choices=…, keys=…)`` puts everything validation and the example file
need into the field's ``metadata``, so the schema is the one place a key is described.
"""

from __future__ import annotations

import dataclasses
from typing import Any


def setting(doc: str, default: Any = dataclasses.MISSING, *, factory: Any = dataclasses.MISSING, **rules: Any) -> Any:
    """A schema field with ``doc`` and validation ``rules``; ``factory`` for mutable defaults."""
    if factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=factory, metadata={"doc": doc, **rules})
    return dataclasses.field(default=default, metadata={"doc": doc, **rules})
