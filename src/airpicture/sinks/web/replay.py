"""Replay into the console: a timeline of recorded frames and alerts, played at N x with pause and seek.

`Timeline` grows while the tracker works (the player can play what exists while the rest is being
computed); `Player` runs a clock thread that publishes the frames whose time has come into a
`LiveState`. Seek republishes the frame at the new time as a reset (clients resync), with the
history before it and the state of every alert at that time.

Locks (issue 13: the console deadlocked when the player waited for the live state while a snapshot
under the live state's lock waited for the player): the player's lock is taken before the live
state's, never after. The live state never calls the player: the player sends it its status
(`LiveState.publish_replay`), and `Player.status()` reads an immutable copy without a lock.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable, Iterable
from types import MappingProxyType
from typing import Any

from airpicture.sinks.web.live import Frame, LiveState
from airpicture.types import Alert

#: Beyond this many due frames in one tick the player jumps (seeks) instead of sending each delta.
MAX_FRAMES_PER_TICK = 20


class Timeline:
    """Frames (time-ordered) and alert steps of a recording; safe to grow from another thread."""

    def __init__(self, start_s: float | None = None, end_s: float | None = None) -> None:
        self._lock = threading.Lock()
        self.frames: list[Frame] = []
        self.times: list[float] = []
        self.alerts: list[Alert] = []
        self.alert_times: list[float] = []
        self.start_s = start_s
        self.end_s = end_s
        self.complete = False
        # the radars' estimated biases (sensor registration) over time: (time, sensor -> estimate)
        self.bias_times: list[float] = []
        self.biases: list[dict[str, dict[str, Any]]] = []

    def add_frame(self, frame: Frame) -> None:
        with self._lock:
            if self.times and frame.time_s <= self.times[-1]:
                return  # a replay must move forward; a repeated time adds nothing
            self.frames.append(frame)
            self.times.append(frame.time_s)
            if self.start_s is None:
                self.start_s = frame.time_s

    def add_alerts(self, alerts: Iterable[Alert]) -> None:
        with self._lock:
            for a in alerts:
                i = bisect.bisect_right(self.alert_times, a.time_s)
                self.alert_times.insert(i, a.time_s)
                self.alerts.insert(i, a)

    def add_biases(self, t: float, biases: dict[str, dict[str, Any]]) -> None:
        """The radars' estimated biases at time t (kept in time order; a few per minute)."""
        with self._lock:
            if not self.bias_times or t > self.bias_times[-1]:
                self.bias_times.append(t)
                self.biases.append(biases)

    def biases_at(self, t: float) -> dict[str, dict[str, Any]]:
        """The newest biases at or before t ({} before the first)."""
        with self._lock:
            i = bisect.bisect_right(self.bias_times, t) - 1
            return self.biases[i] if i >= 0 else {}

    def finish(self) -> None:
        with self._lock:
            self.complete = True
            if self.times:
                self.end_s = max(self.end_s or self.times[-1], self.times[-1])

    @property
    def available_s(self) -> float:
        with self._lock:
            return self.times[-1] if self.times else (self.start_s or 0.0)

    def index_at(self, t: float) -> int:
        """Index of the newest frame at or before t (-1 if none)."""
        with self._lock:
            return bisect.bisect_right(self.times, t) - 1

    def frame(self, i: int) -> Frame:
        with self._lock:
            return self.frames[i]

    def frames_between(self, lo: int, hi: int) -> list[Frame]:
        with self._lock:
            return self.frames[max(lo, 0) : hi]

    def alerts_between(self, t0: float, t1: float) -> list[Alert]:
        """Alert steps with t0 < time <= t1."""
        with self._lock:
            return self.alerts[
                bisect.bisect_right(self.alert_times, t0) : bisect.bisect_right(self.alert_times, t1)
            ]


class Player:
    """Plays a `Timeline` into a `LiveState` at `speed` x real time; controlled by `command`."""

    def __init__(
        self,
        state: LiveState,
        timeline: Timeline,
        speed: float = 1.0,
        loop: bool = False,
        tick_s: float = 0.1,
    ) -> None:
        self.state = state
        self.timeline = timeline
        self.speed = speed
        self.loop = loop
        self.tick_s = tick_s
        self.paused = False
        self.t = timeline.start_s or 0.0
        self._idx = -1  # index of the last frame published
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_status = 0.0
        self.on_second: Callable[[float], object] | None = None  # called about once a second with t
        self._status: MappingProxyType[str, Any] = MappingProxyType({})
        self._freeze()
        state.replay = self
        state.publish_replay(self.status(), emit=False)

    def _freeze(self) -> None:
        """Copy the clock out for readers on other threads (they never take the player's lock)."""
        tl = self.timeline
        self._status = MappingProxyType(
            {
                "t": self.t,
                "start_s": tl.start_s or self.t,
                "end_s": tl.end_s,
                "speed": self.speed,
                "paused": self.paused,
                "loop": self.loop,
            }
        )

    def status(self) -> dict[str, Any]:
        """The replay clock; lock-free (the timeline's own lock is a leaf: it calls nothing)."""
        st = dict(self._status)
        avail = self.timeline.available_s
        st["available_s"] = avail
        if st["end_s"] is None:
            st["end_s"] = avail
        return st

    def command(self, action: str, t: float | None = None, speed: float | None = None) -> None:
        with self._lock:
            if action == "pause":
                self.paused = True
            elif action == "play":
                self.paused = False
            elif action == "speed" and speed is not None and speed > 0:
                self.speed = speed
            elif action == "seek" and t is not None:
                self.seek(t)
            self._freeze()
            self.state.publish_replay(self.status())

    def seek(self, t: float) -> None:
        with self._lock:
            tl = self.timeline
            t = min(max(t, tl.start_s or t), tl.available_s)
            self.t = t
            i = tl.index_at(t)
            self._idx = i
            self._freeze()
            self.state.publish_replay(self.status(), emit=False)  # in the snapshot that follows
            if i >= 0:
                self.state.publish_frame(tl.frame(i), reset=True)
                self.state.load_history(tl.frames_between(i + 1 - (self.state.history.maxlen or 0), i + 1))
            # the alerts raised by t, and no other: a loop back to the start (before the first
            # frame) drops the previous pass's, whose ids the next pass raises again
            self.state.publish_alerts(tl.alerts_between(float("-inf"), t), replace=True)

    def step(self, dt: float) -> None:
        """Advance the clock by dt wall seconds and publish what became due."""
        with self._lock:
            tl = self.timeline
            if self.paused:
                return
            t0 = self.t
            self.t = min(self.t + dt * self.speed, tl.available_s)
            i = tl.index_at(self.t)
            if i - self._idx > MAX_FRAMES_PER_TICK:
                self.seek(self.t)
            else:
                for f in tl.frames_between(self._idx + 1, i + 1):
                    self.state.publish_frame(f, reset=self._idx < 0)
                    self._idx += 1
                new = tl.alerts_between(t0, self.t)
                if new:
                    self.state.publish_alerts(new)
            if tl.complete and tl.end_s is not None and self.t >= tl.end_s:
                if self.loop and tl.start_s is not None:
                    self.seek(tl.start_s)
                else:
                    self.paused = True
            self._freeze()

    def run(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(self.tick_s):
            now = time.monotonic()
            self.step(now - last)
            last = now
            if now - self._last_status >= 1.0:
                self._last_status = now
                self.state.publish_replay(self.status())
                if self.on_second is not None:
                    self.on_second(self.t)

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.run, name="console-replay", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


__all__ = ["MAX_FRAMES_PER_TICK", "Player", "Timeline"]
