"""The truth table's batched look-ups equal the per-target numpy calls they replace."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.eval.truth import TruthTable, hash_unit, silent_aircraft

ORIGIN = (48.86, 2.29, 60.0)


def _table(rng: np.random.Generator, sizes: list[int], t0: float = 1.7e9) -> TruthTable:
    names, t = [], []
    for i, n in enumerate(sizes):
        names += [f"x{i}"] * n
        t += sorted(rng.choice(np.arange(0, 400, 0.5), n, replace=False) + t0)
    t = np.array(t)
    order = rng.permutation(len(t))  # file order need not be sorted
    names_a = np.array(names)[order]
    lat = 48.8 + rng.uniform(0, 0.1, len(t))
    return TruthTable.build(
        names_a,
        np.full(len(t), "aircraft"),
        t[order],
        lat,
        np.full(len(t), 2.3),
        rng.uniform(0, 3000, len(t)),
        ORIGIN,
    )


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), t0=st.sampled_from([0.0, 1.7e9, 12.25]))
def test_interp_matches_np_interp(seed: int, t0: float) -> None:
    rng = np.random.default_rng(seed)
    tt = _table(rng, [1, 2, 7, 40], t0)
    for k in range(len(tt)):
        s = slice(tt.start[k], tt.stop[k])
        x = np.concatenate([tt.t[s], t0 + rng.uniform(-20, 420, 30)])  # on samples, between, outside
        got = tt.interp(tt.alt, np.full(len(x), k), x)
        np.testing.assert_array_equal(got, np.interp(x, tt.t[s], tt.alt[s]))


def test_names_in_first_appearance_order_and_kind_of_last_row() -> None:
    tt = TruthTable.build(
        np.array(["b", "a", "b"]),
        np.array(["bird", "drone", "aircraft"]),
        np.array([0.0, 0.0, 1.0]),
        np.full(3, 48.9),
        np.full(3, 2.3),
        np.zeros(3),
        ORIGIN,
    )
    assert tt.names.tolist() == ["b", "a"]
    assert tt.kinds.tolist() == ["aircraft", "drone"]


def test_present_needs_a_sample_within_one_and_a_half_seconds() -> None:
    t = np.array([0.0, 1.0, 2.0, 10.0, 11.0])
    tt = TruthTable.build(
        np.full(5, "a"), np.full(5, "aircraft"), t, np.full(5, 48.9), np.full(5, 2.3), np.zeros(5), ORIGIN
    )
    x = np.array([-0.1, 0.0, 3.5, 3.6, 6.0, 8.5, 11.0, 11.2])
    assert tt.present(np.zeros(len(x), np.int64), x).tolist() == [
        False,
        True,
        True,
        False,
        False,
        True,
        True,
        False,
    ]
    assert tt.at_or_after(np.zeros(3, np.int64), np.array([1.0, 1.5, 20.0])).tolist() == [1, 2, 4]


def test_silent_aircraft_follows_the_name_hash_and_ceiling() -> None:
    # FNV-1a 32 of "a" is 0xe40c292c (published test vector of the FNV reference code)
    assert hash_unit("a") == 0xE40C292C / 2**32
    names = np.array(["low1", "low2", "low3", "high", "bird"])
    kinds = np.array(["aircraft"] * 4 + ["bird"])
    alt = np.array([500.0, 2900.0, 2999.0, 5000.0, 100.0])
    tt = TruthTable.build(names, kinds, np.zeros(5), np.full(5, 48.9), np.full(5, 2.3), alt, ORIGIN)
    assert silent_aircraft(tt, {"p_no_transponder": 1.0}).tolist() == [True, True, True, False, False]
    assert not silent_aircraft(tt, {}).any()
    half = silent_aircraft(tt, {"p_no_transponder": 0.5})
    assert half.tolist() == [hash_unit(n) < 0.5 and n.startswith("low") for n in names.tolist()]
