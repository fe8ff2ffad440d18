"""StoreWriter under a slow or failing disk: bounded queues, drop-oldest, batching, failures counted."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from test_store import make_alert, make_picture

from airpicture.errors import SinkError
from airpicture.sinks.store import StoreWriter
from airpicture.sinks.store.sqlite import SqliteStore
from airpicture.types import Alert, Picture, SourceStats


class GatedStore(SqliteStore):
    """A real SQLite store whose writes wait for `gate` (a disk that stalls) and may fail on demand."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.fail_next = False
        self.batches: list[int] = []

    def write(
        self,
        pictures: Iterable[Picture] = (),
        alerts: Iterable[Alert] = (),
        stats: Iterable[tuple[float, Sequence[SourceStats]]] = (),
    ) -> None:
        pictures = list(pictures)
        self.entered.set()
        assert self.gate.wait(30.0)
        if self.fail_next:
            self.fail_next = False
            raise SinkError("disk full")
        self.batches.append(len(pictures))
        super().write(pictures, alerts, stats)


def test_a_stalled_disk_drops_the_oldest_pictures_and_counts_them(tmp_path: Path) -> None:
    store = GatedStore(tmp_path / "h.db")
    w = StoreWriter(store, max_pictures=8, max_batch=100)
    w.submit_picture(make_picture(0.0, [1]))
    assert store.entered.wait(10.0)  # the writer holds picture 0 and is stuck on the disk
    t_submit = time.perf_counter()
    for t in range(1, 31):
        w.submit_picture(make_picture(float(t), [1, 2]))
    w.submit_alerts([make_alert(5.0, "A", "raised")])
    submit_s = time.perf_counter() - t_submit
    assert w.pending == 9 and w.counters.dropped_pictures == 22
    store.gate.set()
    assert w.flush(30.0)
    w.close()
    # Picture 0 (in flight) and the newest 8 are kept; the alert is never pushed out by pictures.
    np.testing.assert_array_equal(store.picture_times(), [0.0, *range(23, 31)])
    assert len(store.alerts()) == 1
    assert store.batches == [1, 8]  # the backlog went in as one transaction
    c = w.counters
    assert (c.written_pictures, c.dropped_pictures, c.commits, c.failed_batches) == (9, 22, 2, 0)
    assert submit_s < 1.0  # the producer never waited for the disk
    store.close()


def test_events_queue_drops_stats_before_alerts(tmp_path: Path) -> None:
    store = GatedStore(tmp_path / "h.db")
    w = StoreWriter(store, max_events=4)
    w.submit_picture(make_picture(0.0, [1]))
    assert store.entered.wait(10.0)
    w.submit_stats(1.0, [SourceStats("radar-1", "radar")])
    w.submit_stats(2.0, [SourceStats("radar-1", "radar")])
    w.submit_alerts([make_alert(float(t), f"A{t}", "raised") for t in range(4)])
    assert w.counters.dropped_events == 2
    store.gate.set()
    w.close()
    assert store.counts()["source_stats"] == 0
    assert sorted(a.alert.alert for a in store.alerts()) == ["A0", "A1", "A2", "A3"]
    store.close()


def test_a_failed_write_is_counted_and_the_writer_goes_on(tmp_path: Path) -> None:
    store = GatedStore(tmp_path / "h.db")
    store.fail_next = True
    store.gate.set()
    w = StoreWriter(store)
    w.submit_picture(make_picture(0.0, [1]))
    assert w.flush(10.0)
    w.submit_picture(make_picture(1.0, [1]))
    w.close(close_store=False)
    assert w.counters.failed_batches == 1 and w.counters.last_error == "disk full"
    np.testing.assert_array_equal(store.picture_times(), [1.0])
    store.close()


def test_writer_keeps_only_the_retention_window(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "h.db")
    with StoreWriter(store, max_batch=1, keep_s=10.0, prune_every_s=5.0) as w:
        for t in range(40):
            w.submit_picture(make_picture(float(t), [1, 2]))
            w.submit_alerts([make_alert(float(t), f"A{t}", "raised")])
        assert w.flush(30.0)
    span = store.time_range()
    assert span is not None and span[1] == 39.0
    # Pruned at most prune_every_s ago: the oldest kept record is 10 to 15 s older than the newest.
    assert 24.0 <= span[0] <= 29.0
    assert min(a.alert.time_s for a in store.alerts()) == span[0]
    assert w.counters.pruned_rows == 4 * int(span[0])  # per second: 2 tracks, 1 picture, 1 alert
    store.close()
