"""The integrity stage end to end: tracker and stage on the real spoofed recording, and the
stage's memory of tracks and addresses bounded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from reportkit import fixture

from airpicture.integrity import TrackIntegrity, judged
from airpicture.sensors import load_sheets
from airpicture.sources.scenario import Scenario
from airpicture.track.tracker import ImmGnnTracker
from airpicture.track.windows import scenario_windows
from airpicture.types import PLOT_DTYPE, Integrity, IntegrityReason


def test_the_spoofed_stretch_of_a_real_recording_is_marked_in_the_picture() -> None:
    """noisy_spoofing (a real THY flight at FL380 over Romania whose positions were spoofed for
    ~25 minutes between two silences), tracked and judged as `airpicture track` does: the track
    of its address is suspect or spoofed for kinematics during the stretch, ok before it."""
    rep = fixture("noisy_spoofing.csv.gz")
    gaps = np.flatnonzero(np.diff(rep["time_s"]) > 300.0)
    onset, end = float(rep["time_s"][gaps[0] + 1]), float(rep["time_s"][gaps[1]])
    site = (float(rep["lat"][0]), float(rep["lon"][0]), 0.0)
    sheets = load_sheets([{"id": "merged", "kind": "adsb", "lat": site[0], "lon": site[1], "alt_m": 0.0,
                           "update_period_s": 1.0, "sigma_position_m": 10.0}])  # fmt: skip
    scn = Scenario(
        path=Path("."), sensors=sheets, site={"lat": site[0], "lon": site[1], "alt_m": 0.0}, zones=[],
        start_s=float(rep["time_s"][0]) - 1, end_s=float(rep["time_s"][-1]) + 1,
        plots=np.zeros(0, PLOT_DTYPE), reports=rep, platforms={}, active=[0],
    )  # fmt: skip
    trk = ImmGnnTracker(scn.sensors, scn.site_lla)
    itg = TrackIntegrity(scn.sensors, scn.site_lla)
    before, during = [], []
    for pic in judged(trk, itg, scenario_windows(scn, 1.0, False)):
        for g, why in zip(pic.integrity.tolist(), pic.integrity_reason.tolist(), strict=True):
            if pic.time_s < onset:
                before.append(g)
            elif onset + 300.0 < pic.time_s < end:
                during.append((g, why))
    assert len(before) > 600 and set(before) == {Integrity.OK}
    assert len(during) > 300  # (the track is lost now and then in the stretch: it jumps)
    marked = [w for g, w in during if g != Integrity.OK]
    assert len(marked) > 0.9 * len(during) and set(marked) == {IntegrityReason.KINEMATICS}
