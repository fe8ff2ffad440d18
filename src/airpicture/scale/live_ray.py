"""The regions of the partitioned live picture as Ray actors (`airpicture run --ray [ADDRESS]`).

Each region is a `Region` (region.py) in an actor that Ray restarts when its process dies
(max_restarts). A restarted actor comes back with a fresh tracker; the driver notices (the call in
flight fails, or the actor answers with a new incarnation), restores it from its last checkpoint
and replays the windows since, so the picture of that very window is whole again: it heals within
one scan, and no track changes id. Checkpoints are taken every checkpoint_s of feed time; the bytes
stay in Ray's object store, owned by the driver, so they outlive the actor's process. The replay
log holds the windows since the last checkpoint, no more. An actor past its restarts, or that does
not answer within step_timeout_s, is replaced by a new one, restored the same way.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import ray
from ray.exceptions import ActorUnavailableError, GetTimeoutError, RayActorError

from airpicture.config import PartitionSettings
from airpicture.errors import ScaleError
from airpicture.scale.region import Region
from airpicture.track.base import Measurements
from airpicture.types import Picture

_FAILED = (RayActorError, ActorUnavailableError, GetTimeoutError)


def start(address: str | None, num_cpus: int | None = None) -> None:
    """Connect to the Ray at `address`, or start a local one (no dashboard); once per process."""
    if not ray.is_initialized():
        ray.init(address=address, num_cpus=num_cpus if address is None else None,
                 include_dashboard=False, log_to_driver=False, configure_logging=False)  # fmt: skip


class RayRegions:
    """One actor per region (a `RegionPool`, live.py). `build`: the Region arguments per region."""

    def __init__(
        self, build: Sequence[tuple[Any, ...]], settings: PartitionSettings, address: str | None
    ) -> None:
        start(address)
        self.settings = settings
        cpus = settings.actor_cpus
        if address is None:  # a local Ray: the regions share its CPUs
            cpus = min(cpus, float(ray.cluster_resources().get("CPU", 1.0)) / max(len(build), 1))
        self._actor_class: Any = ray.remote(Region).options(
            num_cpus=cpus, max_restarts=settings.max_restarts, max_task_retries=0
        )
        self.build = list(build)
        self.actors: list[Any] = [self._actor_class.remote(*b) for b in self.build]
        ray.get([a.stats.remote() for a in self.actors])  # up and tracking before the first window
        self.incarnation: list[str | None] = [None] * len(self.actors)
        self.checkpoints: list[Any] = [None] * len(self.actors)  # ObjectRef of the bytes, or None
        self.log: list[list[Measurements]] = [[] for _ in self.actors]
        self._t_checkpoint = -float("inf")
        self.restarts = 0
        self.recovery_s: list[float] = []

    def step(self, windows: Sequence[Measurements]) -> list[Picture]:
        refs = [a.step.remote(w) for a, w in zip(self.actors, windows, strict=True)]
        for log, w in zip(self.log, windows, strict=True):
            log.append(w)
        out: list[Picture] = []
        for r, ref in enumerate(refs):
            try:
                inc, pic = ray.get(ref, timeout=self.settings.step_timeout_s)
                if self.incarnation[r] not in (None, inc):
                    pic = self._recover(r)  # restarted between two calls
                else:
                    self.incarnation[r] = inc
            except _FAILED:
                pic = self._recover(r)
            out.append(pic)
        t = windows[0].until if windows else 0.0
        if t >= self._t_checkpoint + self.settings.checkpoint_s:
            self._checkpoint(t)
        return out

    def kill(self, region: int) -> None:
        """Kill one region's actor process (Ray restarts it): the failure the tests make."""
        ray.kill(self.actors[region], no_restart=False)

    def _checkpoint(self, t: float) -> None:
        refs = [a.checkpoint.remote() for a in self.actors]
        ready, _ = ray.wait(
            refs, num_returns=len(refs), timeout=self.settings.step_timeout_s, fetch_local=False
        )
        done = {r.hex() for r in ready}
        for i, ref in enumerate(refs):
            if ref.hex() in done:
                self.checkpoints[i] = ref
                self.log[i] = []
        self._t_checkpoint = t

    def _recover(self, r: int) -> Picture:
        """Restore region r from its checkpoint and replay its log (the window in flight last);
        the picture of that window."""
        t0 = time.perf_counter()
        self.restarts += 1
        for attempt in range(1, 4):
            try:
                ref = self.actors[r].restore.remote(self.checkpoints[r], self.log[r])
                inc, pic = ray.get(ref, timeout=self.settings.step_timeout_s)
                break
            except _FAILED:
                if attempt >= 2:  # past its restarts, or hung: a new actor, restored the same way
                    ray.kill(self.actors[r], no_restart=True)
                    self.actors[r] = self._actor_class.remote(*self.build[r])
                time.sleep(0.1)
        else:
            raise ScaleError(f"region {r}: its actor could not be restored")
        self.incarnation[r] = inc
        self.recovery_s.append(time.perf_counter() - t0)
        return pic

    def stats(self) -> dict[str, Any]:
        rec = self.recovery_s
        return {"restarts": self.restarts, "recovery_s_last": round(rec[-1], 2) if rec else None}

    def close(self) -> None:
        for a in self.actors:
            ray.kill(a, no_restart=True)
        self.actors = []


__all__ = ["RayRegions", "start"]
