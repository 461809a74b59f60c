"""The one numba wrapper every kernel uses.

All numba flags live here. Compilation is lazy (no signatures are given, so importing a
kernel module compiles nothing); the on-disk cache is on unless the environment variable
``PRECISEMKT_NUMBA_CACHE`` is ``0``; ``fastmath`` stays off unless a kernel asks for it and
its test proves it safe (functions defined outside a file, e.g. in a notebook, cannot be
cached and are compiled without it). ``import precisemkt`` does not import this module; the domain
subpackages that hold kernels do, when they are first used.

The on-disk cache and editing kernels: numba checks a cached kernel against the modification
time of the file that defines it, not of the files its callees live in. A kernel that calls
a helper from another module (e.g. ``precisemkt._vmath``) keeps running the old helper's
machine code after the helper is edited. While developing kernels, set
``PRECISEMKT_NUMBA_CACHE=0`` (everything is compiled afresh in each process and nothing is
written), or delete the ``__pycache__`` folders after the edit. This replaces the old rule
that a kernel's call chain stays in one file: kernels may call helpers anywhere in
``precisemkt``. ``precisemkt warmup`` fills the cache ahead of time (for images and CI).

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
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

__all__ = ["CACHE", "float_bits", "float_from_bits", "njit", "prange"]

F = TypeVar("F", bound=Callable[..., Any])

prange = numba.prange

CACHE: bool = os.environ.get("PRECISEMKT_NUMBA_CACHE", "1").strip().lower() not in {
    "0",
    "false",
    "no",
    "off",
}


def njit(
    *, parallel: bool = False, fastmath: bool = False, vectorize: bool = False, inline: bool = False
) -> Callable[[F], F]:
    """Return a decorator that compiles a kernel lazily with precisemkt's flags.

    Parameters
    ----------
    parallel : bool, default False
        Let ``prange`` loops run on all cores.
    fastmath : bool, default False
        Allow unsafe floating-point re-ordering; only for kernels whose tests prove it safe.
    vectorize : bool, default False
        Compile for SIMD loops: numba's ``error_model="numpy"`` (float division by zero
        gives inf or NaN instead of raising, which removes the per-division check that stops
        LLVM from vectorising a loop) and fused multiply-add (the ``contract`` fast-math
        flag only: one rounding instead of two, no re-ordering). Only for kernels whose
        callers have validated the inputs and that use no exact-arithmetic tricks (such as
        Dekker's product); every helper such a kernel calls needs it too.
    inline : bool, default False
        Inline the function into its numba callers (``inline="always"``). For small math
        helpers called in loops meant to vectorise: LLVM's own inliner declines a helper that
        is called several times in one loop body, and a loop with a call does not vectorise.

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
            jit = numba.njit(
                cache=cache,
                parallel=parallel,
                fastmath=True if fastmath else ({"contract"} if vectorize else False),
                error_model="numpy" if vectorize else "python",
                inline="always" if inline else "never",
                nogil=True,
            )
            return cast(F, jit(func))

        try:
            return compile_with(CACHE)
        except RuntimeError:
            # numba can only cache functions defined in a file (not in a notebook cell,
            # ``python -c`` or a doctest); those are compiled without the disk cache.
            return compile_with(False)

    return decorate


# Bit casts between float64 and int64 for kernels (vectorisable math builds 2**k from its
# bits). ``np.float64(v).view(np.int64)`` compiles to a call that stops vectorisation;
# these compile to one LLVM ``bitcast``. They live here, not in a domain's _kernels.py,
# because they are compiler plumbing rather than a kernel. Like every helper called from
# another file, an edit to them is not seen by cached kernels: develop with
# PRECISEMKT_NUMBA_CACHE=0 (see the module docstring).
def _float_bits(typingctx: Any, value: Any) -> Any:
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


def _float_from_bits(typingctx: Any, value: Any) -> Any:
    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


#: The IEEE-754 bit pattern of a float64 as an int64 (callable inside kernels only).
float_bits = cast(Callable[[float], int], intrinsic(_float_bits))
#: The float64 with the IEEE-754 bit pattern of an int64 (callable inside kernels only).
float_from_bits = cast(Callable[[int], float], intrinsic(_float_from_bits))
