"""The GNSS interference map on synthetic decoded tables (gnsskit) and on the real CDG frames:
jammed cells light up within one bin of onset, nothing else does, the live path (many batches)
gives the batch map, and the state stays bounded."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from gnsskit import SITE, T0, Jammer, cells_reaching, traffic

from airpicture.cli.gnss import replay
from airpicture.cli.main import main
from airpicture.config import GnssSettings
from airpicture.integrity.gnss import DEGRADED, GOOD, UNRATED, GnssMap, cell_name, rate
from airpicture.integrity.gnss_alerts import GnssWatch
from airpicture.sources.modes import MESSAGE_DTYPE
from airpicture.sources.replay import decode_file

CDG = Path(__file__).resolve().parents[1] / "data" / "modes" / "raw_frames_cdg.jsonl.gz"
S = GnssSettings()
WHOLE = S.model_copy(update={"keep_s": float("inf")})


def rows(*quality: tuple[int, int, int], icao: int = 1, t: float = T0 + 10) -> np.ndarray:
    m = np.zeros(len(quality), MESSAGE_DTYPE)
    m["time_s"], m["icao"], m["lat"], m["lon"] = t, icao, SITE[0], SITE[1]
    m["nic"], m["nacp"], m["nucp"] = np.array(quality).T
    return m


def test_a_message_is_degraded_good_or_unrated() -> None:
    m = rows((8, -1, 7), (6, -1, 7), (-1, -1, -1), (-1, -1, 5), (8, 7, 7), (-1, 9, -1), (7, 8, 6))
    assert rate(m, S).tolist() == [GOOD, DEGRADED, UNRATED, DEGRADED, DEGRADED, GOOD, GOOD]


def test_aircraft_are_counted_once_per_cell_and_bin_and_unrated_apart() -> None:
    good, bad, unknown = (8, 9, 7), (0, 0, 0), (-1, -1, -1)
    m = np.concatenate(
        [
            rows(*[good] * 50, icao=1),
            rows(*[bad] * 50, icao=2),
            rows(good, bad, good, icao=3),  # degraded once in the bin: a degraded aircraft there
            rows(unknown, unknown, icao=4),  # nothing known: not counted as good
            rows(unknown, good, icao=5),
        ]
    )
    g = GnssMap(WHOLE)
    assert g.add(m) == len(m)
    c = g.cells()
    assert len(c) == 1
    assert (c.aircraft[0], c.degraded[0], c.unrated[0]) == (4, 2, 1)
    assert c.share[0] == 0.5 and c.interference[0]  # (2 - 1) / 4 >= 10 %


@pytest.mark.parametrize(
    ("n_good", "n_bad", "interference"),
    [(2, 1, False), (18, 2, False), (17, 3, True), (1, 1, False), (2, 0, False), (1, 2, True)],
)
def test_one_faulty_aircraft_is_not_interference(n_good: int, n_bad: int, interference: bool) -> None:
    m = np.concatenate(
        [rows((8, 9, 7), icao=i) for i in range(n_good)]
        + [rows((0, 0, 0), icao=100 + i) for i in range(n_bad)]
    )
    g = GnssMap(WHOLE)
    g.add(m)
    assert g.cells().interference.tolist() == [interference]  # min 3 aircraft, (bad - 1) / n >= 0.1


def test_surface_and_unlocated_rows_are_not_mapped() -> None:
    m = rows((0, 0, 0), (0, 0, 0), (0, 0, 0))
    m["surface"][0] = True
    m["lat"][1] = np.nan
    m["icao"][2] = -1
    assert GnssMap(WHOLE).add(m) == 0


JAMMERS = [
    Jammer(SITE[0], SITE[1], 15_000, T0 + 600, T0 + 1500),  # on the site, small
    Jammer(SITE[0] + 0.5, SITE[1] - 0.6, 40_000, T0 + 700, T0 + 1700),  # 70 km off, mid-size
    Jammer(SITE[0] - 0.3, SITE[1] + 0.5, 80_000, T0 + 500, T0 + 1900),  # wide
]


@pytest.mark.parametrize("jam", JAMMERS, ids=["site-15km", "70km-off-40km", "wide-80km"])
def test_jammed_cells_light_up_within_one_bin_and_nothing_else(jam: Jammer) -> None:
    m = traffic(jammers=(jam,), seed=3)
    g = GnssMap(WHOLE)
    g.add(m, now_s=float(m["time_s"].max()))
    c = g.cells()
    lit = c.take(c.interference)
    reach = cells_reaching(jam, S.resolution)
    # nothing lights up outside the jammer's reach, or outside its span (a bin overlapping it)
    assert set(lit.cell.tolist()) <= reach
    assert np.all((lit.end_s > jam.start_s) & (lit.start_s < jam.end_s))
    # the jammer's own cell lights up in the bin of onset or the next, and in every full bin of
    # the span that had enough aircraft
    import h3

    centre = h3.api.numpy_int.latlng_to_cell(jam.lat, jam.lon, S.resolution)
    mine = c.take(c.cell == centre)
    onset_bin = np.floor(jam.start_s / S.bin_s) * S.bin_s
    first = mine.start_s[mine.interference].min()
    assert first <= onset_bin + S.bin_s, first - jam.start_s
    full = (mine.start_s >= jam.start_s) & (mine.end_s <= jam.end_s) & (mine.aircraft >= S.min_aircraft)
    assert full.sum() >= 3 and mine.interference[full].all()


@pytest.mark.parametrize("nacp", [9, -1], ids=["with-status", "no-status"])
def test_an_untouched_recording_is_quiet(nacp: int) -> None:
    m = traffic(seed=5, nacp=nacp)
    g = GnssMap(WHOLE)
    g.add(m)
    c = g.cells()
    assert len(c) > 50 and c.aircraft.sum() > 1000
    assert not c.interference.any() and c.degraded.sum() == 0


def test_the_live_path_in_many_batches_gives_the_batch_map() -> None:
    m = traffic(n=80, duration_s=1200, jammers=(JAMMERS[0],), seed=1)
    whole = GnssMap(WHOLE)
    whole.add(m, now_s=float(m["time_s"].max()))
    live = GnssMap(WHOLE)
    cuts = np.sort(np.random.default_rng(0).choice(len(m), 300, replace=False))
    for part in np.split(m, cuts):
        live.add(part)
        if len(part) % 7 == 0:
            live.cells()  # merges half-way, as a live tick would
    live.add(m[:0], now_s=float(m["time_s"].max()))
    a, b = whole.cells(), live.cells()
    for f in a.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


def test_live_state_is_bounded_and_late_messages_counted() -> None:
    s = GnssSettings(keep_s=600.0)
    g = GnssMap(s)
    m = traffic(n=60, duration_s=4 * 3600, every_s=4.0, seed=2)
    edges = np.searchsorted(m["time_s"], np.arange(T0, T0 + 4 * 3600, 5.0))
    sizes = []
    for lo, hi in itertools.pairwise(edges):
        g.add(m[lo:hi])
        sizes.append(g.state_size())
        if lo % 50 == 0:
            g.cells()
    g.cells()
    # ~6 bins of 60 aircraft, each in one or two cells a bin; the 4 hours would hold ~120 bins
    assert g.state_size() < 60 * 2 * (600 / s.bin_s + 2)
    assert g.cells().start_s.min() >= g.now_s - 600 - 2 * s.bin_s
    assert g.rejects.total == 0
    assert g.add(m[:50]) == 0 and g.rejects.counts["late"] == 50


def test_the_alert_is_raised_within_one_bin_and_cleared_after_recovery() -> None:
    jam = JAMMERS[0]
    steps = replay(GnssWatch(S, SITE), traffic(jammers=(jam,), seed=3))
    raised = [a for a in steps if a.state == "raised"]
    cleared = [a for a in steps if a.state == "cleared"]
    assert raised and {a.alert for a in raised} == {a.alert for a in cleared}
    assert all(a.kind == "gnss_interference" and a.track == -1 for a in steps)
    assert min(a.time_s for a in raised) - jam.start_s <= S.bin_s
    assert all(jam.start_s <= a.time_s <= jam.end_s for a in raised)
    # recovery: clear_bins full bins after the jammer stops, seen once the last has closed
    assert all(jam.end_s < a.time_s <= jam.end_s + (S.clear_bins + 1) * S.bin_s + S.update_s for a in cleared)
    assert all(a.evidence["distance_m"] <= S.alert_range_m + 30_000 for a in raised)


def test_a_jammer_far_from_the_site_raises_no_alert_but_is_mapped() -> None:
    jam = Jammer(SITE[0] - 1.1, SITE[1], 15_000, T0 + 600, T0 + 1500)  # ~120 km south
    m = traffic(jammers=(jam,), seed=3)
    assert replay(GnssWatch(S, SITE), m) == []
    g = GnssMap(WHOLE)
    g.add(m)
    assert g.cells().interference.any()


def test_the_real_cdg_flight_lights_up_nothing() -> None:
    table, _ = decode_file(CDG, receiver=(49.0097, 2.5479))
    g = GnssMap(WHOLE)
    assert g.add(table) > 5000
    c = g.cells()
    assert len(c) > 20 and c.unrated.sum() == 0  # every airborne position carries a NIC
    assert not c.interference.any() and c.degraded.sum() == 0
    assert replay(GnssWatch(S, (49.0097, 2.5479)), table) == []


def test_the_gnss_command_writes_one_feature_per_cell_and_bin(tmp_path: Path) -> None:
    out, alerts = tmp_path / "map.geojson", tmp_path / "alerts.csv"
    code = main(["gnss", str(CDG), "--lat", "49.0097", "--lon", "2.5479", "--out", str(out),
                 "--alerts", str(alerts)])  # fmt: skip
    assert code == 0
    fc = json.loads(out.read_text())
    feats = fc["features"]
    assert fc["type"] == "FeatureCollection" and len(feats) > 20
    keys = {"h3", "start_s", "end_s", "aircraft", "degraded", "share", "interference"}
    assert all(keys <= f["properties"].keys() for f in feats)
    assert len({(f["properties"]["h3"], f["properties"]["start_s"]) for f in feats}) == len(feats)
    assert not any(f["properties"]["interference"] for f in feats)
    ring = feats[0]["geometry"]["coordinates"][0]
    assert feats[0]["geometry"]["type"] == "Polygon" and ring[0] == ring[-1] and len(ring) == 7
    assert all(f["properties"]["end_s"] - f["properties"]["start_s"] == S.bin_s for f in feats)
    assert alerts.read_text().splitlines()[1:] == []
    assert cell_name(np.uint64(0x841FB47FFFFFFFF)) == "841fb47ffffffff"


def test_the_gnss_command_says_what_is_wrong(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gnss", str(tmp_path / "none.bin"), "--out", str(tmp_path / "m.geojson")]) == 1
    assert main(["gnss", str(CDG), "--alerts", "a.csv", "--out", str(tmp_path / "m.geojson")]) == 1
    err = capsys.readouterr().err
    assert "none.bin" in err and "--alerts needs the site" in err


def test_a_position_off_the_globe_is_a_counted_reject() -> None:
    m = rows((8, 9, 7), (8, 9, 7), (8, 9, 7))
    m["lat"][0], m["lon"][1] = 95.0, 400.0
    g = GnssMap(WHOLE)
    assert g.add(m) == 1 and g.rejects.counts["bad_position"] == 2


def test_the_live_view_shows_the_previous_bin_while_the_newest_is_young() -> None:
    old = np.concatenate(
        [rows((8, 9, 7), icao=i, t=T0 + 10) for i in range(2)] + [rows((0, 0, 0), icao=9, t=T0 + 10)]
    )
    old = np.concatenate([old, rows((0, 0, 0), icao=8, t=T0 + 20)])
    young = rows((8, 9, 7), icao=1, t=T0 + S.bin_s + 5)  # one aircraft, 5 s into the next bin
    g = GnssMap(S)
    g.add(np.concatenate([old, young]), now_s=T0 + S.bin_s + 5)
    c = g.cells()
    assert len(c) == 2 and c.closed.tolist() == [True, False]
    assert c.latest().start_s.tolist() == [T0 + S.bin_s]
    shown = c.current(S.min_aircraft)
    assert shown.start_s.tolist() == [T0] and shown.interference.tolist() == [True]
