"""Tracking a scenario from ASTERIX over UDP gives the picture tracking it from plots.csv gives,
to the ASTERIX resolution: `airpicture sim --asterix`'s encoder, a real UDP socket, the replay
server, the receiver and the tracker, on the first minutes of the bundled Paris radar plots."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from pathlib import Path

import numpy as np
import pytest

from airpicture.sim.asterix import radar_datagrams, write_raw
from airpicture.sources.asterix import FT_M, NM_M
from airpicture.sources.asterix_feed import AsterixStream, elevation_of, height_of
from airpicture.sources.asterix_live import AsterixUdpSource, serve_asterix
from airpicture.sources.scenario import Scenario, load_scenario
from airpicture.track.tracker import ImmGnnTracker
from airpicture.track.windows import scenario_windows
from airpicture.types import Picture

PARIS = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "data" / "paris"
MINUTES = 3


@pytest.fixture(scope="module")
def radar() -> Scenario:
    scn = load_scenario(PARIS, ["TMA1", "SITE1"])
    scn.end_s = scn.start_s + MINUTES * 60
    scn.plots = scn.plots[scn.plots["time_s"] < scn.end_s]
    return scn


def quantised(scn: Scenario) -> np.ndarray:
    """plots.csv at CAT048's resolution, computed here without the codec: time 1/128 s, range
    1/256 NM, azimuth 360/2^16 deg, Mode C 1/4 FL, 3-D height 1/4 FL (then its elevation)."""
    p = scn.plots.copy()
    height = np.full(len(p), np.nan)  # measured, before its range is rounded
    for s in np.unique(p["sensor"]).tolist():
        m = p["sensor"] == s
        height[m] = height_of(p["range_m"][m], p["elevation_rad"][m], scn.sensors[s].alt_m)
    p["time_s"] = np.round(p["time_s"] % 86400 * 128) / 128 + (p["time_s"] // 86400) * 86400
    p["range_m"] = np.round(p["range_m"] / NM_M * 256) / 256 * NM_M
    lsb = 2 * np.pi / 65536
    p["azimuth_rad"] = np.round(p["azimuth_rad"] / lsb) % 65536 * lsb
    p["altitude_m"] = np.round(p["altitude_m"] / FT_M / 25) * 25 * FT_M
    for s in np.unique(p["sensor"]).tolist():
        m = (p["sensor"] == s) & np.isfinite(p["elevation_rad"])
        h = np.round(height[m] / FT_M / 25) * 25 * FT_M
        p["elevation_rad"][m] = elevation_of(p["range_m"][m], h, scn.sensors[s].alt_m)
    return p


def over_udp(scn: Scenario, path: Path) -> tuple[np.ndarray, AsterixStream]:
    """Replay the recording over UDP on the loopback and receive it, as a radar's network would."""
    stream = AsterixStream(scn.sensors, reference_s=scn.start_s)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    src = AsterixUdpSource(stream, "127.0.0.1", port)

    async def go() -> list[np.ndarray]:
        got: list[np.ndarray] = []
        sent = asyncio.create_task(serve_asterix(path, udp=("127.0.0.1", port), speed=1000.0))

        async def take() -> None:
            async for plots, _ in src.abatches():
                got.append(plots)
                if sent.done() and src.messages >= sent.result():
                    return

        await asyncio.wait_for(take(), 120)
        return got

    parts = asyncio.run(go())
    plots = np.concatenate(parts)
    return plots[np.argsort(plots["time_s"], kind="stable")], stream


def pictures(scn: Scenario, plots: np.ndarray) -> list[Picture]:
    scn = dataclasses.replace(scn, plots=plots)
    trk = ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms)
    return [trk.step(w) for w in scenario_windows(scn, 1.0, False)]


def test_tracking_from_asterix_over_udp_is_tracking_plots_csv_to_its_resolution(
    radar: Scenario, tmp_path: Path
) -> None:
    path = tmp_path / "paris.ast"
    write_raw(path, radar_datagrams(radar.plots, radar.sensors))
    received, stream = over_udp(radar, path)
    assert stream.rejects.total == 0, stream.rejects.summary()
    assert stream.scans[0].north_markers >= MINUTES * 60 / radar.sensors[0].scan_period_s - 1
    assert stream.scans[0].period_s == radar.sensors[0].scan_period_s

    expect = quantised(radar)
    assert len(received) == len(expect)
    key = np.lexsort
    a = received[key((received["azimuth_rad"], received["range_m"], received["sensor"], received["time_s"]))]
    b = expect[key((expect["azimuth_rad"], expect["range_m"], expect["sensor"], expect["time_s"]))]
    for f in ("time_s", "range_m", "azimuth_rad", "elevation_rad", "altitude_m"):
        np.testing.assert_allclose(a[f], b[f], rtol=0, atol=1e-6, err_msg=f)
    assert (a["ident"] == b["ident"]).all() and (a["sensor"] == b["sensor"]).all()

    from_asterix, from_csv = pictures(radar, received), pictures(radar, expect)
    assert len(from_asterix) == len(from_csv)
    tracks = 0
    for p, q in zip(from_asterix, from_csv, strict=True):
        assert p.time_s == q.time_s
        np.testing.assert_array_equal(p.track, q.track)
        np.testing.assert_allclose(p.x[:, :3], q.x[:, :3], rtol=0, atol=1e-3)
        tracks += len(p)
    assert tracks > 0
    # against the unrounded plots.csv: the rounding (7 m in range, 7.6 m in height, which is
    # up to 0.4 deg of elevation for a drone 1 km from the site radar) changes some decisions
    raw = pictures(radar, radar.plots)
    shift, rows, both = [], 0, 0
    for p, q in zip(from_asterix, raw, strict=True):
        common, i, j = np.intersect1d(p.track, q.track, return_indices=True)
        shift += np.linalg.norm(p.x[i, :2] - q.x[j, :2], axis=1).tolist()
        rows, both = rows + len(np.union1d(p.track, q.track)), both + len(common)
    print(
        f"track rows in both pictures: {both / rows:.3f}; horizontal shift median "
        f"{np.median(shift):.1f} m, 95th percentile {np.percentile(shift, 95):.1f} m"
    )
    assert both / rows > 0.9 and np.median(shift) < 10
