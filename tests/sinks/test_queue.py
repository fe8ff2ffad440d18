import itertools
import threading
import time

import pytest

from airpicture.errors import SinkError
from airpicture.sinks.queue import BoundedQueue, QueueWorker


def test_bounded_queue_drops_oldest_and_counts() -> None:
    q: BoundedQueue[int] = BoundedQueue(3)
    dropped = [q.put(i) for i in range(5)]
    assert dropped == [False, False, False, True, True]
    assert q.dropped == 2
    assert [q.get(0), q.get(0), q.get(0), q.get(0)] == [2, 3, 4, None]
    with pytest.raises(ValueError):
        BoundedQueue(0)


def test_worker_retries_with_backoff_then_delivers() -> None:
    got, calls = [], []

    def deliver(x: int) -> None:
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise ConnectionRefusedError("down")
        got.append(x)

    w: QueueWorker[int] = QueueWorker(deliver, attempts=5, base_s=0.05, max_s=1.0)
    w.put(7)
    assert w.flush(5.0)
    w.close()
    assert got == [7] and w.stats.sent == 1 and w.stats.retries == 2 and w.stats.failed == 0
    gaps = [b - a for a, b in itertools.pairwise(calls)]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1  # exponential: base, then twice base


def test_worker_gives_up_and_counts_failure() -> None:
    def deliver(x: int) -> None:
        raise SinkError("HTTP 500")

    w: QueueWorker[int] = QueueWorker(deliver, attempts=3, base_s=0.01)
    w.put(1)
    w.put(2)
    assert w.flush(5.0)
    w.close()
    assert w.stats.failed == 2 and w.stats.sent == 0 and w.stats.retries == 4
    assert "HTTP 500" in w.stats.last_error


def test_a_hung_sink_never_blocks_the_producer() -> None:
    release = threading.Event()
    got = []

    def deliver(x: int) -> None:
        release.wait(5.0)
        got.append(x)

    w: QueueWorker[int] = QueueWorker(deliver, maxsize=10)
    t0 = time.perf_counter()
    for i in range(1000):
        w.put(i)
    elapsed = time.perf_counter() - t0
    assert elapsed < 0.5
    assert w.stats.queued == 1000 and w.stats.dropped >= 989
    release.set()
    assert w.flush(5.0)
    w.close()
    assert got[-10:] == list(range(990, 1000))  # the newest were kept
