"""One bounded queue + delivery worker, shared by every network sink (webhook, CoT UDP/TCP).

The tracker only ever calls `put`, which never blocks: when the queue is full the oldest item is
dropped and counted. A worker thread delivers items one by one; a delivery that raises `OSError`
or `SinkError` is retried with exponential backoff (base_s, 2*base_s, ... capped at max_s) up to
`attempts` times, then dropped and counted as failed. So a sink that is down costs the tracker
nothing, and an operator sees the loss in `stats`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from airpicture.errors import SinkError

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass
class QueueStats:
    """Counters of one queued sink."""

    queued: int = 0
    sent: int = 0
    dropped: int = 0  # lost to a full queue (oldest first)
    failed: int = 0  # given up after all attempts
    retries: int = 0
    last_error: str = ""


class BoundedQueue(Generic[T]):
    """A thread-safe FIFO of at most `maxsize` items; `put` drops the oldest when full."""

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self._items: deque[T] = deque()
        self._maxsize = maxsize
        self._cond = threading.Condition()
        self.dropped = 0

    def put(self, item: T) -> bool:
        """Append; True if the oldest item had to be dropped to make room."""
        with self._cond:
            full = len(self._items) >= self._maxsize
            if full:
                self._items.popleft()
                self.dropped += 1
            self._items.append(item)
            self._cond.notify()
            return full

    def get(self, timeout: float | None = None) -> T | None:
        """The oldest item, or None if none came within `timeout` seconds."""
        with self._cond:
            if not self._items:
                self._cond.wait(timeout)
            return self._items.popleft() if self._items else None

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)


class QueueWorker(Generic[T]):
    """Delivers the items of a BoundedQueue on a daemon thread, with retry and backoff."""

    def __init__(
        self,
        deliver: Callable[[T], None],
        *,
        name: str = "sink",
        maxsize: int = 1000,
        attempts: int = 5,
        base_s: float = 0.5,
        max_s: float = 30.0,
    ) -> None:
        self.deliver = deliver
        self.name = name
        self.queue: BoundedQueue[T] = BoundedQueue(maxsize)
        self.attempts, self.base_s, self.max_s = attempts, base_s, max_s
        self.stats = QueueStats()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=self._run, name=f"airpicture-{name}", daemon=True)
        self._thread.start()

    def put(self, item: T) -> None:
        """Never blocks; the oldest item goes when the queue is full."""
        self._idle.clear()
        self.queue.put(item)
        self.stats.queued += 1
        self.stats.dropped = self.queue.dropped

    def _run(self) -> None:
        while not self._stop.is_set():
            item = self.queue.get(timeout=0.2)
            if item is None:
                self._idle.set()
                continue
            self._send(item)

    def _send(self, item: T) -> None:
        delay = self.base_s
        for attempt in range(1, self.attempts + 1):
            try:
                self.deliver(item)
                self.stats.sent += 1
                return
            except (OSError, SinkError) as e:
                self.stats.last_error = f"{type(e).__name__}: {e}"
                if attempt == self.attempts or self._stop.is_set():
                    break
                self.stats.retries += 1
                log.debug("%s: attempt %d failed (%s), retry in %.1f s", self.name, attempt, e, delay)
                if self._stop.wait(delay):
                    break
                delay = min(delay * 2.0, self.max_s)
        self.stats.failed += 1
        log.warning("%s: gave up on an item: %s", self.name, self.stats.last_error)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until the queue is empty and the worker idle; False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._idle.wait(max(deadline - time.monotonic(), 0.0)) and len(self.queue) == 0:
                return True
            time.sleep(0.01)
        return False

    def close(self, timeout: float = 2.0) -> None:
        """Deliver what is queued for up to `timeout` s, then stop the worker."""
        self.flush(timeout)
        self._stop.set()
        self.queue.wake()
        self._thread.join(timeout)


__all__ = ["BoundedQueue", "QueueStats", "QueueWorker"]
