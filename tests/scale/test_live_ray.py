"""The partitioned live picture on a local Ray: the regions as actors give the in-process picture,
and a region whose actor is killed comes back from its checkpoint within the same window."""

from __future__ import annotations

import csv
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from crossing import SENSORS, SITE, crossing, tiling

from airpicture.cli.main import main
from airpicture.config import PartitionSettings, Settings
from airpicture.scale.live import PartitionedTracker

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from test_console_live import free_port
from test_gnss_live import serve, stop

PARIS = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "data" / "paris"

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


def test_run_with_ray_on_a_live_feed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`airpicture run --partitions 2 --ray` on a replayed Beast feed, on the module's Ray."""
    frames = tmp_path / "paris.bin"
    assert main(["sim", "--from-scenario", str(PARIS), "--modes-out", str(frames)]) == 0
    feed, out = free_port(), tmp_path / "tracks.csv"
    server = serve(frames, feed)
    try:
        time.sleep(1.5)
        site = ["--lat", "48.86", "--lon", "2.29"]
        code = main(["run", "--beast", f"127.0.0.1:{feed}", *site, "--duration", "15", "--stats-every", "60",
                     "--out", str(out), "--partitions", "2", "--ray"])  # fmt: skip
    finally:
        stop(server)
    assert code == 0
    err = capsys.readouterr().err
    assert "partitions: regions=2" in err and "restarts=0" in err
    with out.open() as f:
        rows = list(csv.DictReader(f))
    per_picture = Counter((r["time_s"], r["identity"]) for r in rows if r["identity"])
    assert per_picture and max(per_picture.values()) == 1
