"""Time order in bounded memory (issue 13: `track` streams its input): TimeOrder, fed a file's rows
in chunks of any size, keeps and drops exactly the rows the whole-file rule does, in the same
(stable) time order. The oracle below is that rule on the whole column at once (the reader before
streaming)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from airpicture.sources.timeorder import MAX_DISORDER_S, NEIGHBOURS, TimeOrder
from airpicture.types import PLOT_DTYPE, Rejects


def oracle_out_of_order(t: np.ndarray) -> np.ndarray:
    """The whole-file rule: garbled stamps (ahead of the medians of the rows on both sides), then
    rows late behind the newest time before them (stamps set aside)."""
    k = NEIGHBOURS
    pad = np.concatenate([np.full(k, np.nan), t, np.full(k, np.nan)])
    win = np.lib.stride_tricks.sliding_window_view(pad, k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        before = np.nanmedian(win[: len(t)], axis=1)
        after = np.nanmedian(win[k + 1 : k + 1 + len(t)], axis=1)
    spike = (t > before + MAX_DISORDER_S) & (t > after + MAX_DISORDER_S)
    newest = np.maximum.accumulate(np.where(spike, -np.inf, t))
    late = ~spike & (t < np.concatenate(([-np.inf], newest[:-1])) - MAX_DISORDER_S)
    return spike | late


def damaged_times(n: int, rng: np.random.Generator) -> np.ndarray:
    """Times mostly in order at 1-5 rows a second, with jitter (< 30 s disorder, kept), ties,
    garbled stamps an hour ahead, rows far late, and a real gap the rows after it follow."""
    t = 1.7e9 + np.cumsum(rng.exponential(0.4, n))
    t += rng.normal(0, 3, n)  # small disorder: kept, sorted
    t[rng.choice(n, n // 50, replace=False)] += 3600.0  # garbled stamps
    late = rng.choice(n, n // 80, replace=False)
    t[late] -= rng.uniform(40, 500, len(late))  # far behind
    t[n // 2 :] += 900.0  # a real gap
    t[rng.choice(n, n // 20, replace=False)] = np.round(t[rng.choice(n, n // 20, replace=False)])
    return np.round(t, 1)  # ties


@pytest.mark.parametrize("chunk", [1, 7, 8, 9, 100, 5000])
def test_chunks_of_any_size_keep_and_order_exactly_what_the_whole_file_rule_does(chunk: int) -> None:
    rng = np.random.default_rng(chunk)
    rows = np.zeros(4000, PLOT_DTYPE)
    rows["time_s"] = damaged_times(len(rows), rng)
    rows["range_m"] = np.arange(len(rows))  # the file's order, to check the ties' order
    bad = oracle_out_of_order(rows["time_s"])
    kept = rows[~bad]
    want = kept[np.argsort(kept["time_s"], kind="stable")]
    rej = Rejects("plots.csv")
    order = TimeOrder(rej)
    got = [order.push(rows[i : i + chunk]) for i in range(0, len(rows), chunk)]
    got.append(order.close())
    out = np.concatenate(got)
    assert bad.sum() > 100 and rej.counts["time_out_of_order"] == bad.sum()
    np.testing.assert_array_equal(out["range_m"], want["range_m"])


def test_what_it_holds_is_the_last_seconds_not_the_file() -> None:
    order = TimeOrder(Rejects("plots.csv"))
    pushed = released = held = 0
    for k in range(200):  # 200 chunks of 1000 rows, 10 rows a second
        rows = np.zeros(1000, PLOT_DTYPE)
        rows["time_s"] = 1.7e9 + (k * 1000 + np.arange(1000)) / 10
        pushed += len(rows)
        released += len(order.push(rows))
        held = max(held, pushed - released)
    rest = order.close()
    assert rest is not None and released + len(rest) == pushed
    assert held <= 1000 + MAX_DISORDER_S * 10 + NEIGHBOURS + 1  # a chunk and 30 s of rows


def test_an_empty_file_gives_nothing() -> None:
    assert TimeOrder(Rejects("x")).close() is None
