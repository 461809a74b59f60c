"""Hash grouping of customers by exact keys (shared by the CLV predictions and inputs).

The model kernels live in one module per family: :mod:`precisemkt.clv._bgnbd_kernels`,
:mod:`~precisemkt.clv._pnbd_kernels` (with :mod:`~precisemkt.clv._pnbd_quadrature`),
:mod:`~precisemkt.clv._bgbb_kernels`, :mod:`~precisemkt.clv._gg_kernels` and the RFM checks
in :mod:`~precisemkt.clv._rfm_kernels`; the vectorised maths they share is in
:mod:`precisemkt._vmath`.
"""

from __future__ import annotations

import numpy as np

from precisemkt._numba import njit
from precisemkt._typing import FloatArray, IntArray

__all__ = ["group_keys", "probe"]


@njit()
def probe(
    keys: FloatArray, owner: IntArray, bits: tuple[int, int, int], key: tuple[float, float, float]
) -> int:
    """Hash-table position of ``key``: its entry, or the free one to use.

    ``bits`` are the keys' float bit patterns, fully mixed (whole-number floats have all-zero
    low mantissa bits, and a weak mix of them clusters: tens of probes per lookup).
    """
    mask = np.uint64(owner.size - 1)
    h = (
        np.uint64(bits[0]) * np.uint64(0x9E3779B97F4A7C15)
        ^ np.uint64(bits[1]) * np.uint64(0xC2B2AE3D27D4EB4F)
        ^ np.uint64(bits[2]) * np.uint64(0x165667B19E3779F9)
    )
    # MurmurHash3's fmix64 finaliser: every input bit reaches the low bits used below
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    pos: int = np.int64(h & mask)  # type: ignore[assignment]  # numba: int(uint64) is float
    while owner[pos] >= 0 and not (
        keys[pos, 0] == key[0] and keys[pos, 1] == key[1] and keys[pos, 2] == key[2]
    ):
        pos = (pos + 1) & (owner.size - 1)
    return pos


@njit()
def group_keys(
    x: FloatArray, T: FloatArray, t: FloatArray, limit: int
) -> tuple[IntArray, IntArray]:
    """Group rows by the exact triple ``(x[i], T[i], t[i])`` with an open-addressing hash.

    ``x`` and ``T`` are contiguous of one length; ``t`` has length 1 or the same. Returns
    ``slot`` (group of each row) and ``first`` (a representative row per group). The table
    doubles when half full. Once ``limit`` groups exist, grouping is deemed not to pay and
    every remaining row becomes its own group.
    """
    n = x.size
    xb = x.view(np.int64)
    tb_ = T.view(np.int64)
    hb = t.view(np.int64)
    wide = t.size > 1
    keys = np.empty((1024, 3))
    owner = np.full(1024, -1, dtype=np.int64)
    slot = np.empty(n, dtype=np.int64)
    first = np.empty(n, dtype=np.int64)
    groups = 0
    for i in range(n):
        j = i if wide else 0
        if groups >= limit:
            slot[i] = groups
            first[groups] = i
            groups += 1
            continue
        pos = probe(keys, owner, (xb[i], tb_[i], hb[j]), (x[i], T[i], t[j]))
        if owner[pos] >= 0:
            slot[i] = owner[pos]
            continue
        owner[pos] = groups
        keys[pos, 0] = x[i]
        keys[pos, 1] = T[i]
        keys[pos, 2] = t[j]
        slot[i] = groups
        first[groups] = i
        groups += 1
        if 2 * groups > owner.size:  # grow and re-insert every group
            keys = np.empty((2 * owner.size, 3))
            owner = np.full(2 * owner.size, -1, dtype=np.int64)
            for g in range(groups):
                r_ = first[g]
                q = r_ if wide else 0
                pos = probe(keys, owner, (xb[r_], tb_[r_], hb[q]), (x[r_], T[r_], t[q]))
                owner[pos] = g
                keys[pos, 0] = x[r_]
                keys[pos, 1] = T[r_]
                keys[pos, 2] = t[q]
    return slot, first[:groups].copy()
