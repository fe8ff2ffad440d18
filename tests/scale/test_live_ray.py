"""The partitioned live picture on a local Ray: the regions as actors give the in-process picture,
and a region whose actor is killed comes back from its checkpoint within the same window."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from crossing import SENSORS, SITE, crossing, tiling

from airpicture.config import PartitionSettings, Settings
from airpicture.scale.live import PartitionedTracker

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.ray


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_a_killed_region_heals_within_the_window_and_keeps_its_ids() -> None:
    settings = Settings(partition=PartitionSettings(checkpoint_s=20.0))
    windows = list(crossing(16, 150, seed=3))
    local = PartitionedTracker(SENSORS, SITE, None, settings, tiling(2))
    on_ray = PartitionedTracker(SENSORS, SITE, None, settings, tiling(2), ray_address="local")
    pool = on_ray.pool
    try:
        for k, w in enumerate(windows):
            if k == 95:  # mid-way between two checkpoints: the replay log is not empty
                pool.kill(1)  # type: ignore[attr-defined]
            a, b = local.step(w), on_ray.step(w)
            # the same picture every window, the killed one's included: nothing lost, no new ids
            assert (a.track == b.track).all() and (a.ident == b.ident).all(), k
            np.testing.assert_allclose(a.x, b.x, atol=1e-6)
        stats = on_ray.stats()
        assert stats["restarts"] == 1 and stats["recovery_s_last"] is not None
        assert on_ray.fanin.stats.handovers >= 10
    finally:
        on_ray.close()
