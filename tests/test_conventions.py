"""One vocabulary (issue 13): every public argument and result field is in the glossary of
docs/conventions.md, no retired synonym is used, and no public return type is ``Any``."""

from __future__ import annotations

import inspect
import re

import precisemkt
from tests.conftest import ROOT
from tests.public_names import public_names

PAGE = ROOT / "docs" / "conventions.md"
#: Functions whose result is the caller's own engine frame (Polars, DuckDB, Spark …) for
#: non-pandas input: no annotation can name those types without importing every engine
#: (see docs/conventions.md, "Typed boundary").
ANY_RETURN_ALLOWED = {
    "attribution.path_counts",
    "clv.predict_frame",
    "profiling.compress_summary",
    "profiling.rfm_summary",
    "segmentation.rfm_scores",
}


def glossary() -> tuple[set[str], set[str]]:
    """(allowed names, retired names) from the page's tables."""
    text = PAGE.read_text(encoding="utf-8")
    retired_part = text.split("## Retired names", 1)[1].split("## Every other", 1)[0]
    retired = {
        name
        for line in retired_part.splitlines()
        if line.startswith("| `")
        for name in re.findall(r"`([^`]+)`", line.split("|")[1])
    }
    allowed = set()
    for line in text.replace(retired_part, "").splitlines():
        if line.startswith("| `"):
            allowed.update(re.findall(r"`([^`]+)`", line.split("|")[1]))
    return allowed, retired


def test_every_public_name_is_in_the_glossary() -> None:
    allowed, _ = glossary()
    names = {n for n in public_names() if not n.startswith("_") and not n.endswith("_col")}
    missing = sorted(names - allowed)
    assert not missing, f"add these names to docs/conventions.md: {missing}"


def test_no_retired_name_is_used() -> None:
    _, retired = glossary()
    names = public_names()
    used = {n: sorted(names[n])[:3] for n in retired if n in names}
    assert not used, f"retired names in the public API: {used}"


def test_no_public_function_returns_any() -> None:
    found = []
    for label, func in _public_callables():
        annotation = inspect.signature(func, eval_str=False).return_annotation
        if annotation in ("Any", "typing.Any") and label not in ANY_RETURN_ALLOWED:
            found.append(label)
    assert not found, f"annotate a precise return type: {sorted(found)}"


def _public_callables() -> list[tuple[str, object]]:
    out = []
    for sub in precisemkt.__all__:
        if sub == "__version__":
            continue
        module = getattr(precisemkt, sub)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isclass(obj):
                for cls in obj.__mro__:
                    if cls.__module__.startswith("precisemkt"):
                        out += [
                            (f"{sub}.{name}.{k}", v)
                            for k, v in vars(cls).items()
                            if not k.startswith("_") and inspect.isfunction(v)
                        ]
            elif inspect.isfunction(obj):
                out.append((f"{sub}.{name}", obj))
    return out
