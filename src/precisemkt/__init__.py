"""precisemkt: fast, provably correct marketing analytics.

The subpackages are imported lazily, on first attribute access, so ``import precisemkt``
stays fast and compiles nothing::

    import precisemkt as pm
    tx = pm.datasets.load_cdnow()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from precisemkt._version import __version__

if TYPE_CHECKING:
    from precisemkt import (
        attribution,
        basket,
        clv,
        datasets,
        errors,
        experiments,
        plotting,
        privacy,
        profiling,
        recommend,
        report,
        segmentation,
    )

__all__ = [
    "__version__",
    "attribution",
    "basket",
    "clv",
    "datasets",
    "errors",
    "experiments",
    "plotting",
    "privacy",
    "profiling",
    "recommend",
    "report",
    "segmentation",
]

_SUBPACKAGES = frozenset(__all__) - {"__version__"}


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        module = importlib.import_module(f"precisemkt.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'precisemkt' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
