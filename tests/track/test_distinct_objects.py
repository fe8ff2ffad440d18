"""Which tracks are one object: a flock's birds are several (merge), a track far out of reach of a
lost one is another object (stitch), a manoeuvre the filter lost is still the same one."""

from __future__ import annotations

import numpy as np
import pytest
import trackkit as tk

from airpicture.config import TrackSettings
from airpicture.track.gate import gate_table
from airpicture.track.manage import stitch
from airpicture.track.motion import motion
from airpicture.track.table import CONFIRMED, TrackTable
from airpicture.types import REPORT_DTYPE

NO_REPORTS = np.zeros(0, REPORT_DTYPE)


@pytest.mark.parametrize("seed", [0, 2])
def test_a_flock_is_held_as_its_birds(seed: int) -> None:
    """Six birds 40 m apart flying together, 2 km from a site radar that resolves them (range
    sigma 5 m, 14 m across): the radar gives six plots a scan, so the tracks it measured in one
    scan are six objects and are not merged. Merging them (their states agree within the 6-D
    gate) left plots that started new tracks that confirmed and were merged again: before, 104-132
    confirmations, 31-43 ids, at times one bird of six held."""
    rng = np.random.default_rng(seed)
    offsets = [(dx, dy) for dx in (-40.0, 0.0, 40.0) for dy in (-20.0, 20.0)]
    birds = [tk.straight((1500.0 + dx, 1500.0 + dy, 150.0), (-7.0, -7.0, 0.0)) for dx, dy in offsets]
    scans = range(180)
    plots = np.concatenate(
        [tk.radar_plots(b, scans, rng, spec=tk.RADAR_3D, pd=0.95) for b in birds]
        + [tk.clutter_plots(scans, rng, spec=tk.RADAR_3D)]
    )
    trk, pictures = tk.track(plots, NO_REPORTS, tk.T0 + 180, sensors=[tk.RADAR_3D])
    ids: set[int] = set()
    held = []
    for pic in pictures:
        near = [tk.near(pic, b, 30.0) for b in birds]
        ids |= set(pic.track[np.any([tk.near(pic, b, 100.0) for b in birds], axis=0)].tolist())
        if pic.time_s > tk.T0 + 60:
            held.append(sum(bool(n.any()) for n in near))
    assert np.median(held) == 6 and min(held) >= 4
    assert len(ids) <= 18
    assert trk.stats.confirmed <= 20


def _lost_and_new(new_at: tuple[float, float]) -> tuple[TrackTable, np.ndarray, float]:
    """A confirmed track lost 12 s ago (its last plot gave it a wrong 260 m/s; position known to
    30 m) and a track just confirmed at new_at, at 7 m/s known to 1.4 m/s."""
    tb = TrackTable(n_sensors=1)
    lost, new = tb.allocate(2)
    t = tk.T0 + 100.0
    m = motion(300.0, 30.0)
    for r, x, sd, when in (
        (lost, [0.0, 0.0, 150.0, 250.0, -80.0, 0.0], [30.0, 30.0, 30.0, 100.0, 100.0, 5.0], t - 12.0),
        (new, [*new_at, 150.0, 5.0, 5.0, 0.0], [15.0, 15.0, 20.0, 1.0, 1.0, 1.0], t),
    ):
        tb.xc[r] = x
        tb.Pc[r] = np.diag(np.square(sd))
        tb.x[r] = x
        tb.P[r] = np.diag(np.square(sd))
        tb.mu[r] = m.prior
        tb.t[r] = tb.t_update[r] = tb.t_first[r] = when
        tb.status[r] = CONFIRMED
    tb.miss_lp[lost] = np.log(1e-3)  # unpublished: below p_still_there
    return tb, np.array([new]), t


def test_a_lost_track_is_not_continued_out_of_reach() -> None:
    """The lost track's prediction is kilometres wide after 12 s (its manoeuvre modes and its
    velocity's 100 m/s sigma), so a new track 1.6 km from where it was lost gates. But at its own
    7 m/s the new object covers 200 m in 12 s: it is another object and keeps its own id. Before
    the reach test, it took the lost track's id (and its class history)."""
    st = TrackSettings()
    tb, new, t = _lost_and_new((1500.0, 500.0))
    own = int(tb.id[new[0]])
    assert stitch(tb, new, t, motion(300.0, 30.0).accel2, st, gate_table(st.p_gate)) == 0
    assert tb.id[new[0]] == own
    # the same track 100 m from where the lost one was: reachable, and it continues it
    tb, new, t = _lost_and_new((100.0, 0.0))
    assert stitch(tb, new, t, motion(300.0, 30.0).accel2, st, gate_table(st.p_gate)) == 1
    assert tb.id[new[0]] == 1


def test_an_aircraft_lost_in_a_turn_keeps_its_id() -> None:
    """An aircraft at 200 m/s turning at 7 deg/s (2.5 g, past the turn modes' 0.4 g), seen by a
    4 s radar at Pd 0.9 among clutter: the filter loses it in the turn and a new track confirms
    on it; stitching gives the new track the lost one's id (the reach test lets a true
    continuation through)."""
    rng = np.random.default_rng(3)
    path = tk.turning((20_000.0, 10_000.0, 3000.0), 200.0, 270.0, 7.0, (40.0, 70.0))
    plots = np.concatenate([tk.radar_plots(path, range(40), rng, pd=0.9), tk.clutter_plots(range(40), rng)])
    trk, pictures = tk.track(plots, NO_REPORTS, tk.T0 + 160)
    ids: set[int] = set()
    for pic in pictures:
        ids |= set(pic.track[tk.near(pic, path, 500.0)].tolist())
    assert trk.stats.stitched == 1 and trk.stats.confirmed == 2
    assert len(ids) == 1
