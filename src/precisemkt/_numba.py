"""The one numba wrapper every kernel uses.

All numba flags live here. Compilation is lazy (no signatures are given, so importing a
kernel module compiles nothing); the on-disk cache is on unless the environment variable
``PRECISEMKT_NUMBA_CACHE`` is ``0``; ``fastmath`` stays off unless a kernel asks for it and
its test proves it safe (functions defined outside a file, e.g. in a notebook, cannot be
cached and are compiled without it). ``import precisemkt`` does not import this module; the domain
subpackages that hold kernels do, when they are first used.

Kernels use ``prange`` from here for parallel loops (it is ``numba.prange``). Two rules
learnt the hard way with numba 0.68 (see the profiling and clv kernels):

* keep a ``prange`` body to one call of a serial helper kernel: a branchy body compiled with
  ``parallel=True`` once returned wrong Hessian entries that the serial compile got right;
* never allocate arrays (``np.zeros``, array expressions) inside a serial loop of a
  ``parallel=True`` kernel: each one starts its own parallel region, and on a busy machine
  that turned a 50 ms Lloyd step into 1 s.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

__all__ = ["CACHE", "njit", "prange"]

F = TypeVar("F", bound=Callable[..., Any])

prange = numba.prange

CACHE: bool = os.environ.get("PRECISEMKT_NUMBA_CACHE", "1").strip().lower() not in {
    "0",
    "false",
    "no",
    "off",
}


def njit(*, parallel: bool = False, fastmath: bool = False) -> Callable[[F], F]:
    """Return a decorator that compiles a kernel lazily with precisemkt's flags.

    Parameters
    ----------
    parallel : bool, default False
        Let ``prange`` loops run on all cores.
    fastmath : bool, default False
        Allow unsafe floating-point re-ordering; only for kernels whose tests prove it safe.

    Returns
    -------
    Callable
        A decorator; the decorated function keeps its Python signature for type checkers.

    Examples
    --------
    >>> from precisemkt._numba import njit
    >>> @njit()
    ... def add(a, b):
    ...     return a + b
    >>> add(1, 2)
    3
    """

    def decorate(func: F) -> F:
        def compile_with(cache: bool) -> F:
            jit = numba.njit(cache=cache, parallel=parallel, fastmath=fastmath, nogil=True)
            return cast(F, jit(func))

        try:
            return compile_with(CACHE)
        except RuntimeError:
            # numba can only cache functions defined in a file (not in a notebook cell,
            # ``python -c`` or a doctest); those are compiled without the disk cache.
            return compile_with(False)

    return decorate
