"""`StoreWriter`: writes to a HistoryStore from a thread, so a slow disk never stalls the tracker.

The tracker calls `submit_picture` / `submit_alerts` / `submit_stats`, which only append to bounded
queues. The thread takes everything queued and writes it in one transaction, so under load it
batches many pictures per commit. When the pictures queue is full the oldest picture is dropped
and counted (`dropped_pictures`); alerts and stats have their own queue and counter, so a flood of
pictures never pushes out an alert.

The writer keeps a reference to each submitted picture until it is written: a producer that
reuses its arrays must submit copies.

A failing store (disk full, database gone) is a fault shown, not a flood of tracebacks (issue 13,
defect 11): the first failure is logged with its traceback, later ones at most once per
`LOG_EVERY_S` as one line with the count; `stats()` reports the writer as a source whose status
says "failing: <error>" until a write succeeds again, with its losses counted by reason.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from airpicture.config import StoreSettings
from airpicture.sinks.store.base import HistoryStore
from airpicture.types import Alert, Picture, Rejects, SourceStats

log = logging.getLogger(__name__)


#: the defaults (airpicture.config, `Settings.store`)
_DEFAULT = StoreSettings()
#: A store that keeps failing is logged at most this often (host seconds).
LOG_EVERY_S = 60.0


@dataclass
class WriterCounters:
    written_pictures: int = 0
    written_alerts: int = 0
    commits: int = 0
    dropped_pictures: int = 0
    dropped_events: int = 0
    failed_batches: int = 0
    lost_pictures: int = 0  # in batches that failed to be written
    lost_events: int = 0
    pruned_rows: int = 0
    last_error: str = ""
    failing: bool = False  # the last write failed


class StoreWriter:
    """Background writer with bounded, drop-oldest queues.

    on_commit(last_picture_time_s) runs in the writer thread after each commit that held a picture
    (NaN when the batch held only alerts/stats); `max_batch` caps pictures per transaction.
    keep_s: retention; every `prune_every_s` of picture time the writer deletes records older than
    keep_s before the newest picture (`counters.pruned_rows`).
    """

    def __init__(
        self,
        store: HistoryStore,
        max_pictures: int = _DEFAULT.max_pictures,
        max_events: int = _DEFAULT.max_events,
        max_batch: int = _DEFAULT.max_batch,
        on_commit: Callable[[float], None] | None = None,
        keep_s: float | None = _DEFAULT.keep_s,
        prune_every_s: float = _DEFAULT.prune_every_s,
    ) -> None:
        self.store = store
        self.counters = WriterCounters()
        self._pictures: deque[Picture] = deque()
        self._alerts: deque[Alert] = deque()
        self._stats: deque[tuple[float, Sequence[SourceStats]]] = deque()
        self._max_pictures = max_pictures
        self._max_events = max_events
        self._max_batch = max_batch
        self._on_commit = on_commit
        self._keep_s = keep_s
        self._prune_every_s = prune_every_s
        self._pruned_at = -math.inf
        self._logged: tuple[float, int] = (-math.inf, 0)  # host time of the last log, failures then
        self._cond = threading.Condition()
        self._busy = False
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
        self._thread.start()

    # ---- producer side (the tracker's thread) ------------------------------------------------
    def submit_picture(self, picture: Picture) -> None:
        with self._cond:
            if len(self._pictures) >= self._max_pictures:
                self._pictures.popleft()
                self.counters.dropped_pictures += 1
            self._pictures.append(picture)
            self._cond.notify()

    def submit_alerts(self, alerts: Iterable[Alert]) -> None:
        with self._cond:
            for a in alerts:
                if len(self._alerts) + len(self._stats) >= self._max_events:
                    self._drop_event()
                self._alerts.append(a)
            self._cond.notify()

    def submit_stats(self, time_s: float, stats: Sequence[SourceStats]) -> None:
        with self._cond:
            if len(self._alerts) + len(self._stats) >= self._max_events:
                self._drop_event()
            self._stats.append((time_s, list(stats)))
            self._cond.notify()

    def _drop_event(self) -> None:
        # Stats snapshots go first: an alert is worth more than one more sample of counters.
        (self._stats or self._alerts).popleft()
        self.counters.dropped_events += 1

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._pictures) + len(self._alerts) + len(self._stats)

    def flush(self, timeout_s: float = 30.0) -> bool:
        """Wait until everything submitted so far is written (or dropped); False on timeout."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while self._pictures or self._alerts or self._stats or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self, timeout_s: float = 30.0, close_store: bool = False) -> None:
        """Write what is queued, stop the thread (and close the store if asked)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout_s)
        if close_store:
            self.store.close()

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- writer thread ------------------------------------------------------------------------
    def _take(self) -> tuple[list[Picture], list[Alert], list[tuple[float, Sequence[SourceStats]]]] | None:
        with self._cond:
            while not (self._pictures or self._alerts or self._stats):
                self._busy = False
                self._cond.notify_all()
                if self._stopping:
                    return None
                self._cond.wait()
            n = min(len(self._pictures), self._max_batch)
            pictures = [self._pictures.popleft() for _ in range(n)]
            alerts, stats = list(self._alerts), list(self._stats)
            self._alerts.clear()
            self._stats.clear()
            self._busy = True
            return pictures, alerts, stats

    def _run(self) -> None:
        while (batch := self._take()) is not None:
            pictures, alerts, stats = batch
            try:
                self.store.write(pictures, alerts, stats)
            except Exception as e:  # supervisor boundary: log, count, keep the thread alive
                with self._cond:
                    c = self.counters
                    c.failed_batches += 1
                    c.lost_pictures += len(pictures)
                    c.lost_events += len(alerts) + len(stats)
                    c.last_error, c.failing = str(e), True
                self._log_failure(len(pictures))
                continue
            with self._cond:
                c = self.counters
                c.failing = False
                c.commits += 1
                c.written_pictures += len(pictures)
                c.written_alerts += len(alerts)
            if self._on_commit is not None:
                self._on_commit(pictures[-1].time_s if pictures else math.nan)
            if pictures and self._keep_s is not None:
                self._retain(float(pictures[-1].time_s), self._keep_s)

    def _log_failure(self, n_pictures: int) -> None:
        now = time.monotonic()
        at, failures_then = self._logged
        c = self.counters
        if failures_then == 0:
            log.exception("history store write failed; %d pictures lost", n_pictures)
        elif now - at >= LOG_EVERY_S:
            log.error(
                "history store still failing (%s): %d failed batches, %d pictures lost so far",
                c.last_error, c.failed_batches, c.lost_pictures,
            )  # fmt: skip
        else:
            return
        self._logged = (now, c.failed_batches)

    def stats(self, name: str = "store") -> SourceStats:
        """The writer as a source in the console's stats: what it wrote, what it lost and why,
        and whether it is failing now."""
        with self._cond:
            c = self.counters
            lost = Rejects(name)
            lost.add("failed_batches", c.failed_batches)
            lost.add("lost_pictures", c.lost_pictures)
            lost.add("lost_events", c.lost_events)
            lost.add("dropped_pictures", c.dropped_pictures)
            lost.add("dropped_events", c.dropped_events)
            status = f"failing: {c.last_error}" if c.failing else "ok"
            return SourceStats(name, "store", c.written_pictures, 0.0, math.nan, status, 0, lost)

    def _retain(self, newest_s: float, keep_s: float) -> None:
        if newest_s - self._pruned_at < self._prune_every_s:
            return
        self._pruned_at = newest_s
        try:
            deleted = self.store.prune(newest_s - keep_s)
        except Exception as e:  # supervisor boundary, as for writes
            log.exception("history store prune failed")
            with self._cond:
                self.counters.last_error = str(e)
            return
        with self._cond:
            self.counters.pruned_rows += sum(deleted.values())
