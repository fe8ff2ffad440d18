"""FeedWindows with several feeds: a window closes at the watermark (the oldest newest time of the
feeds still delivering), so a feed whose batch comes a moment after another's never lands behind
a picture already made; a feed that falls silent stops holding the others back."""

from __future__ import annotations

import time

import numpy as np

from airpicture.track import FeedWindows
from airpicture.types import REPORT_DTYPE


def batch(sensor: int, times: list[float]) -> np.ndarray:
    out = np.zeros(len(times), REPORT_DTYPE)
    out["time_s"], out["sensor"], out["ident"] = times, sensor, 100 + sensor
    return out


def test_a_window_waits_for_the_feed_behind_and_takes_reports_up_to_the_watermark() -> None:
    w = FeedWindows(1.0, hold_s=10.0)
    first = w.add(batch(0, [100.0]))
    assert first is not None and first.until == 100.0  # the first batch publishes at once
    assert w.add(batch(1, [100.5])) is None  # feed 1 at 100.5, feed 0 at 100: nothing passed 101
    assert w.add(batch(0, [101.0, 103.0, 105.0])) is None  # feed 1 still at 100.5: the window waits
    got = w.add(batch(1, [101.5, 102.0]))
    assert got is not None and got.until == 102.0
    assert got.reports["time_s"].tolist() == [100.5, 101.0, 101.5, 102.0]  # sorted, both feeds
    late = w.add(batch(1, [104.0]))  # what lay past the watermark went to the next window
    assert late is not None and late.reports["time_s"].tolist() == [103.0, 104.0]


def test_a_silent_feed_stops_holding_the_picture_after_hold_s() -> None:
    w = FeedWindows(1.0, hold_s=0.2)
    assert w.add(batch(0, [100.0])) is not None
    assert w.add(batch(1, [100.0])) is None
    assert w.add(batch(0, [102.0])) is None  # feed 1 is current and behind
    time.sleep(0.3)
    got = w.add(batch(0, [103.0]))  # feed 1 has said nothing for 0.3 s: feed 0 alone is feed time
    assert got is not None and got.until == 103.0 and len(got.reports) == 3


def test_a_feed_far_behind_is_not_waited_for() -> None:
    w = FeedWindows(1.0, hold_s=10.0, max_lag_s=30.0)
    assert w.add(batch(0, [1000.0])) is not None
    assert w.add(batch(1, [900.0])) is None  # a receiver with a clock 100 s behind
    got = w.add(batch(0, [1002.0]))  # feed 0 alone is feed time; feed 1's report is not lost
    assert got is not None and got.until == 1002.0 and got.reports["time_s"].tolist() == [900.0, 1002.0]
