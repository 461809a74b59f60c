"""Every compiled kernel agrees with its naive twin in tests/reference/attribution.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from precisemkt.attribution import _kernels as K
from tests.reference import attribution as ref

N_CHANNELS = 6
paths_strategy = st.lists(
    st.lists(st.integers(0, N_CHANNELS - 1), min_size=1, max_size=7), min_size=1, max_size=8
)


def flat(paths: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    tokens = np.array([c for p in paths for c in p], dtype=np.int64)
    offsets = np.zeros(len(paths) + 1, np.int64)
    offsets[1:] = np.cumsum([len(p) for p in paths])
    return tokens, offsets


def unflat(tokens: np.ndarray, offsets: np.ndarray) -> list[list[int]]:
    return [tokens[offsets[i] : offsets[i + 1]].tolist() for i in range(offsets.size - 1)]


names_strategy = st.text(
    alphabet=st.sampled_from(["a", "b", "é", "网", " ", "\t", ">", "|"]), max_size=12
)


@given(st.lists(names_strategy, min_size=1, max_size=6), st.sampled_from([">", "|"]))
def test_split_paths(paths: list[str], sep: str) -> None:
    buffer = np.frombuffer("\0".join(paths).encode("utf-8"), np.uint8)
    starts, ends, counts = K.split_paths(buffer, ord(sep))
    expected = ref.split_paths(paths, sep)
    assert counts.tolist() == [len(names) for names in expected]
    got = [buffer[a:b].tobytes().decode("utf-8") for a, b in zip(starts, ends, strict=True)]
    assert got == [name for names in expected for name in names]


@given(paths_strategy)
def test_collapse_repeats(paths: list[list[int]]) -> None:
    tokens, offsets = K.collapse_repeats(*flat(paths))
    assert unflat(tokens, offsets) == [ref.collapse_repeats(p) for p in paths]


@given(paths_strategy, st.integers(1, 4))
def test_window_keys_enumerate_the_reference_windows(paths: list[list[int]], order: int) -> None:
    base = N_CHANNELS + 1
    keys, window_offsets = K.window_keys(*flat(paths), order, base)
    for p, path in enumerate(paths):
        expected = ref.windows(path, order)
        got = keys[window_offsets[p] : window_offsets[p + 1]].tolist()
        assert len(got) == len(expected)
        for key, window in zip(got, expected, strict=True):
            digits = []
            while key:
                digits.append(key % base - 1)
                key //= base
            assert tuple(reversed(digits)) == window


@given(paths_strategy, st.integers(1, 3))
def test_transition_edges_walk_every_path(paths: list[list[int]], order: int) -> None:
    keys, window_offsets = K.window_keys(*flat(paths), order, N_CHANNELS + 1)
    _, inverse = np.unique(keys, return_inverse=True)
    states = inverse.astype(np.int64) + 1
    n_states = int(states.max())
    src, dst, path, kind = K.transition_edges(states, window_offsets, n_states)
    for p in range(len(paths)):
        seq = states[window_offsets[p] : window_offsets[p + 1]].tolist()
        mine = np.flatnonzero(path == p)
        walk = [0, *seq]
        expected = [(walk[i], walk[i + 1], 0) for i in range(len(seq))]
        expected += [(seq[-1], n_states + 1, 1), (seq[-1], n_states + 2, 2)]
        assert list(zip(src[mine], dst[mine], kind[mine], strict=True)) == expected


@pytest.mark.parametrize(
    "model",
    ["first_touch", "last_touch", "last_non_direct", "linear", "position_based", "time_decay"],
)
@given(
    paths=paths_strategy,
    data=st.data(),
    weights=st.sampled_from([(0.4, 0.2, 0.4), (0.3, 0.3, 0.4), (0.0, 1.0, 1e-3), (1.0, 0.0, 0.0)]),
    half_life=st.floats(0.1, 30.0),
    direct=st.integers(-1, N_CHANNELS - 1),
)
def test_touch_weights(
    model: str,
    paths: list[list[int]],
    data: st.DataObject,
    weights: tuple[float, float, float],
    half_life: float,
    direct: int,
) -> None:
    tokens, offsets = flat(paths)
    lags = data.draw(
        st.lists(st.floats(0, 1e4), min_size=tokens.size, max_size=tokens.size), label="lags"
    )
    w = np.array(weights) / sum(weights)
    got = K.touch_weights(
        tokens, offsets, np.array(lags), K.__dict__[model.upper()], direct, *w, half_life
    )
    for p, path in enumerate(paths):
        span = slice(offsets[p], offsets[p + 1])
        expected = ref.touch_weights(path, lags[span], model, direct, tuple(w), half_life)
        np.testing.assert_allclose(got[span], expected, rtol=1e-12, atol=1e-300)
        assert got[span].sum() == pytest.approx(1.0, rel=1e-12)


@given(paths_strategy)
def test_path_masks(paths: list[list[int]]) -> None:
    assert K.path_masks(*flat(paths)).tolist() == [ref.path_mask(p) for p in paths]


@given(st.integers(0, 6), st.integers(1, 3), st.data())
def test_subset_sums(n_bits: int, n_columns: int, data: st.DataObject) -> None:
    size = (1 << n_bits) * n_columns
    flat = data.draw(st.lists(st.floats(-1e3, 1e3), min_size=size, max_size=size))
    values = np.array(flat).reshape(1 << n_bits, n_columns)
    got = K.subset_sums(values, n_bits)
    for g in range(n_columns):
        expected = ref.subset_sums(values[:, g].tolist(), n_bits)
        np.testing.assert_allclose(got[:, g], expected, rtol=1e-12, atol=1e-9)


@given(st.integers(1, 7), st.integers(1, 2), st.data())
def test_shapley_values(n: int, n_games: int, data: st.DataObject) -> None:
    size = (1 << n) * n_games
    v = np.array(data.draw(st.lists(st.floats(-10, 10), min_size=size, max_size=size)))
    v = v.reshape(1 << n, n_games)
    v[0] = 0.0
    got = K.shapley_values(v, n)
    for g in range(n_games):
        expected = ref.shapley_from_game(v[:, g].tolist(), n)
        np.testing.assert_allclose(got[:, g], expected, rtol=1e-10, atol=1e-10)
        assert got[:, g].sum() == pytest.approx(v[-1, g], abs=1e-9)  # efficiency


@given(paths_strategy)
def test_position_credits(paths: list[list[int]]) -> None:
    tokens, offsets = flat(paths)
    got = K.position_credits(tokens, offsets, N_CHANNELS)
    expected = [w for p in paths for w in ref.position_credits(p)]
    np.testing.assert_allclose(got, expected, rtol=1e-14)
