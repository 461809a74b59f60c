"""The grouping engine (``precisemkt._grouping``) against its naive references."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from precisemkt import _grouping
from precisemkt._grouping import bucket_split, group_order, group_rows, group_sequences
from tests.reference import grouping as ref

# floats whose bits matter: signed zeros, NaNs with two payloads, infinities, whole numbers
SPECIAL = [0.0, -0.0, 1.0, 2.0, 39.0, 1.5, np.inf, -np.inf, np.nan, -np.nan, 1e-300]
QUIET_NAN_2 = struct.unpack("<d", struct.pack("<Q", 0x7FF8000000000001))[0]


def bits(value: float) -> int:
    return int(np.array(value).view(np.int64))


def check_rows(keys: np.ndarray, limit: int, size_hint: int = 0) -> None:
    group, first = group_rows(keys, limit, size_hint)
    exp_group, exp_first = ref.groups([tuple(row) for row in keys.tolist()], limit)
    assert group.tolist() == exp_group
    assert first.tolist() == exp_first


@given(
    rows=st.lists(
        st.tuples(st.integers(0, 4), st.sampled_from([*SPECIAL, QUIET_NAN_2])), max_size=300
    ),
    wide=st.booleans(),
    limit=st.integers(1, 400),
)
def test_float_triples_group_by_their_bits(
    rows: list[tuple[int, float]], wide: bool, limit: int
) -> None:
    """The CLV keys: exact ``(x, T, t)`` triples, so -0.0 and 0.0 (and NaN payloads) differ."""
    x = np.array([float(a) for a, _ in rows])
    T = np.array([b for _, b in rows])
    cols = [x, T] + ([np.arange(len(rows)) % 3 * 1.0] if wide else [])
    keys = np.column_stack(cols).view(np.int64) if rows else np.empty((0, len(cols)), np.int64)
    group, first = group_rows(keys, limit)
    expected = ref.groups([tuple(bits(c[i]) for c in cols) for i in range(len(rows))], limit)
    assert (group.tolist(), first.tolist()) == expected


def test_signed_zero_and_nan_payloads_are_distinct_keys() -> None:
    keys = np.array([0.0, -0.0, np.nan, QUIET_NAN_2, -0.0, np.nan]).view(np.int64)
    group, first = group_rows(keys.reshape(-1, 1), 10)
    assert group.tolist() == [0, 1, 2, 3, 1, 2]
    assert first.tolist() == [0, 1, 2, 3]


@given(
    keys=st.lists(st.integers(-(2**63), 2**63 - 1), max_size=200),
    small=st.booleans(),
    limit=st.integers(1, 250),
)
def test_int_codes_match_first_appearance(keys: list[int], small: bool, limit: int) -> None:
    """The privacy keys: one column of codes, a small range (direct table) or any int64."""
    arr = np.array(keys, dtype=np.int64).reshape(-1, 1)
    if small:
        arr %= 50
    check_rows(arr, limit, size_hint=len(keys) // 2)


@given(
    st.lists(st.tuples(st.integers(-3, 3), st.integers(-3, 3), st.integers(0, 1)), max_size=200),
    st.integers(1, 3),
)
def test_several_columns(rows: list[tuple[int, int, int]], k: int) -> None:
    keys = np.array(rows, dtype=np.int64).reshape(-1, 3)[:, :k].copy()
    check_rows(keys, len(rows) + 1)


@pytest.mark.parametrize("n_distinct", [511, 512, 513, 5_000, 70_000])
def test_growth_keeps_every_group(n_distinct: int) -> None:
    # past 512 groups the 1024-slot table doubles, and again and again
    rng = np.random.default_rng(n_distinct)
    values = rng.choice(2**62, n_distinct, replace=False)
    keys = np.column_stack([values[rng.integers(0, n_distinct, 3 * n_distinct)]] * 2)
    keys[:n_distinct, 0] = values  # every value appears
    check_rows(keys, keys.shape[0])
    check_rows(keys, keys.shape[0], size_hint=n_distinct)  # the table starts big enough
    # one column spanning more than 2 n + 1024 takes the hash table too
    check_rows(keys[:, :1].copy(), keys.shape[0])


def test_forced_collisions_never_merge(monkeypatch: pytest.MonkeyPatch) -> None:
    # every key hashes to slot 0: the probe chain must compare whole keys
    monkeypatch.setattr(_grouping, "_row_hash", lambda keys, i: np.uint64(0))
    monkeypatch.setattr(_grouping, "_find", _grouping._find.py_func)
    rng = np.random.default_rng(1)
    keys = rng.integers(0, 40, (700, 2))  # > 512 groups: the table grows while colliding
    keys[:, 1] = np.arange(700) % 600
    group = np.empty(700, dtype=np.int64)
    first = np.empty(700, dtype=np.int64)
    n_groups = _grouping._hash_groups.py_func(keys, 700, 0, group, first)
    exp_group, exp_first = ref.groups([tuple(r) for r in keys.tolist()])
    assert group.tolist() == exp_group
    assert first[:n_groups].tolist() == exp_first


def test_empty_input() -> None:
    group, first = group_rows(np.empty((0, 2), np.int64), 5)
    assert group.size == 0
    assert first.size == 0
    group, first = group_sequences(
        np.empty(0, np.int32), np.empty(0, np.int64), np.empty(0, np.int64)
    )
    assert group.size == 0
    assert first.size == 0


def flat(seqs: list[list[int]], dtype: type) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    ends = np.cumsum(lengths)
    data = np.array([v for s in seqs for v in s], dtype=dtype)
    return data, ends - lengths, ends


@given(
    st.lists(st.lists(st.integers(0, 3), max_size=4), max_size=200),
    st.sampled_from([np.int32, np.int64, np.uint8]),
)
def test_sequences_match_first_appearance(seqs: list[list[int]], dtype: type) -> None:
    """The basket rows (int32 item codes) and channel names (UTF-8 bytes)."""
    group, first = group_sequences(*flat(seqs, dtype))
    assert (group.tolist(), first.tolist()) == ref.groups([tuple(s) for s in seqs])


def test_overlapping_sequences_and_growth() -> None:
    data = np.random.default_rng(2).integers(0, 3, 20_000).astype(np.uint8)
    starts = np.arange(0, 19_990, dtype=np.int64)
    ends = starts + 1 + starts % 9
    group, first = group_sequences(data, starts, ends)
    expected = ref.groups([tuple(data[a:b]) for a, b in zip(starts, ends, strict=True)])
    assert (group.tolist(), first.tolist()) == expected
    assert first.size > 512  # the table grew


def test_sequence_hash_collisions_never_merge(monkeypatch: pytest.MonkeyPatch) -> None:
    # every sequence gets hash 0: equal hashes must still be compared element by element
    monkeypatch.setattr(_grouping, "_fmix64", lambda h: np.uint64(0))
    seqs = [[1, 2], [2, 1], [1, 2], [], [3], [1, 2, 0], [], [3]] * 90
    data, starts, ends = flat(seqs, np.int32)
    with np.errstate(over="ignore"):  # FNV-1a wraps around in plain Python
        group, first = _grouping.group_sequences.py_func(data, starts, ends)
    assert (group.tolist(), first.tolist()) == ref.groups([tuple(s) for s in seqs])


@given(
    st.one_of(
        st.lists(st.integers(-3, 30), max_size=60),  # one key per bucket
        st.lists(st.integers(-5, 200_000), max_size=300),  # buckets of many keys (shift > 0)
    )
)
def test_group_order_matches_stable_sort(keys: list[int]) -> None:
    arr = np.array(keys, dtype=np.int64)
    low = min(keys, default=0)
    span = max(keys, default=0) - low + 1
    values, starts, order = group_order(arr, low, span)
    assert order.tolist() == ref.group_order(keys)
    assert values.tolist() == sorted(set(keys))
    assert np.diff(starts).tolist() == [keys.count(v) for v in sorted(set(keys))]


@given(st.lists(st.integers(0, 20_000), max_size=300))
def test_bucket_split_is_a_stable_scatter(keys: list[int]) -> None:
    arr = np.array(keys, dtype=np.int64)
    span = max(keys, default=0) + 1
    times = np.arange(arr.size, dtype=np.int64) * 7
    amounts = np.arange(arr.size) * 0.5
    shift, bstart, k1, t1, a1 = bucket_split(arr, 0, span, times, amounts)
    order = sorted(range(len(keys)), key=lambda i: keys[i] >> shift)
    assert k1.tolist() == [keys[i] for i in order]
    assert t1.tolist() == [7 * i for i in order]
    assert a1.tolist() == [0.5 * i for i in order]
    assert bstart[-1] == len(keys)
    assert np.all(np.diff(bstart) >= 0)
    assert bstart.size - 1 <= 2**_grouping.BUCKET_BITS
