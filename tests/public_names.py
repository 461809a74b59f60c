"""The argument and result-field names of the public API (shared by the conventions test)."""

from __future__ import annotations

import dataclasses
import inspect
from collections import defaultdict

import precisemkt

#: Names that are not part of the vocabulary (protocol arguments, internal plumbing).
IGNORED = {"self", "cls", "args", "kwargs"}


def public_names() -> dict[str, set[str]]:
    """Every parameter of a public function or method and every field of a public result
    dataclass, mapped to where it is used (``module.name``)."""
    names: dict[str, set[str]] = defaultdict(set)
    for sub in precisemkt.__all__:
        if sub == "__version__":
            continue
        module = getattr(precisemkt, sub)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            targets = []
            if inspect.isclass(obj):
                if dataclasses.is_dataclass(obj):
                    for field in dataclasses.fields(obj):
                        names[field.name].add(f"{sub}.{name}")
                for cls in obj.__mro__:
                    if not cls.__module__.startswith("precisemkt"):
                        continue
                    for key, value in vars(cls).items():
                        if (not key.startswith("_") or key == "__init__") and callable(value):
                            targets.append((f"{sub}.{name}", value))
            elif callable(obj):
                targets.append((f"{sub}.{name}", obj))
            for where, func in targets:
                try:
                    params = inspect.signature(func).parameters
                except (TypeError, ValueError):
                    continue
                for param in params:
                    if param not in IGNORED:
                        names[param].add(where)
    return dict(names)
