"""Reports -> squitters -> Beast file -> the project's own decoder, with and without jammers."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from airpicture.cli.main import main
from airpicture.errors import ConfigError
from airpicture.sim import SimConfig, Simulation
from airpicture.sim.squitter import (
    NO_POSITION,
    POSITION,
    STATUS,
    VELOCITY,
    Jammer,
    Quality,
    distance_m,
    side_file,
    squitters,
    truth,
    write_recording,
)
from airpicture.sources.modes import KT
from airpicture.sources.replay import decode_file
from airpicture.types import REPORT_DTYPE

PARIS = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "data" / "paris"
T0 = 1_700_000_000.0
CENTRE = (51.48, -0.05)  # the Greenwich meridian runs through it: negative and positive longitudes


def flights(n: int = 40, duration_s: float = 600.0, seed: int = 3, p_loss: float = 0.3) -> np.ndarray:
    """REPORT_DTYPE rows of n aircraft on straight legs within ~60 km of CENTRE, 1 Hz, some lost."""
    rng = np.random.default_rng(seed)
    t = T0 + np.arange(0.0, duration_s, 1.0)
    icao = rng.choice(np.arange(0x400000, 0x500000), n, replace=False)
    e0, n0 = rng.uniform(-60e3, 60e3, (2, n))
    spd, hdg = rng.uniform(60, 260, n), rng.uniform(0, 2 * np.pi, n)
    alt0, vz = rng.uniform(300, 12000, n), rng.choice([0.0, 0.0, 8.0, -6.0], n)
    dt = (t - T0)[:, None]
    e, no = e0 + spd * np.sin(hdg) * dt, n0 + spd * np.cos(hdg) * dt
    r = np.zeros(e.size, REPORT_DTYPE)
    r["time_s"] = np.repeat(t, n)
    r["ident"] = np.tile(icao, len(t))
    r["lat"] = (CENTRE[0] + np.degrees(no / 6_371_008.8)).ravel()
    r["lon"] = (CENTRE[1] + np.degrees(e / (6_371_008.8 * np.cos(np.radians(CENTRE[0]))))).ravel()
    r["altitude_m"] = np.clip(alt0 + vz * dt, 100, 13000).ravel()
    r["speed_mps"], r["track_rad"] = np.tile(spd, len(t)), np.tile(hdg, len(t))
    r["vrate_mps"] = np.nan  # as adsb.csv: the encoder derives it from the altitudes
    return r[rng.random(len(r)) >= p_loss]


def decoded(tmp_path: Path, reports: np.ndarray, **kw: object) -> tuple[np.ndarray, dict, np.ndarray]:
    """Decode the recording of `reports`: (message table with UTC times, side file, squitter kinds)."""
    sq = squitters(reports, **kw)  # type: ignore[arg-type]
    side = write_recording(tmp_path / "frames.bin", sq, jammers=kw.get("jammers", ()), start_s=T0)  # type: ignore[arg-type]
    table, src = decode_file(tmp_path / "frames.bin")
    truth = json.loads(side.read_text())
    table["time_s"] += truth["t0_s"]
    assert len(table) == len(sq) and src.stream.rejects.counts.keys() <= {"cpr_zone"}
    return table, truth, sq.kind


def match(table: np.ndarray, reports: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Decoded positions and the report each came from (same address, same time)."""
    pos = table[np.isfinite(table["lat"])]
    key = lambda ident, t: ident * 1e7 + (t - T0)  # noqa: E731
    r = reports[np.lexsort((reports["time_s"], reports["ident"]))]
    kr, kp = key(r["ident"], r["time_s"]), key(pos["icao"], pos["time_s"])
    i = np.clip(np.searchsorted(kr, kp - 1e-4), 0, len(r) - 1)
    assert (np.abs(kr[i] - kp) < 1e-4).all()  # every decoded position is one of the reports
    return pos, r[i]


def test_positions_velocity_and_quality_decode_back(tmp_path: Path) -> None:
    reports = flights()
    table, truth, _ = decoded(tmp_path, reports)
    pos, rep = match(table, reports)
    n_aircraft = len(np.unique(reports["ident"]))
    # every report gives a position except each aircraft's first (no pair yet, no receiver given)
    assert len(pos) >= len(reports) - n_aircraft - 5
    assert (distance_m(pos["lat"], pos["lon"], rep["lat"], rep["lon"]) < 5.2).all()  # a CPR step: 5.1 m
    assert (pos["lon"] < 0).any() and (pos["lon"] > 0).any()
    assert (np.abs(pos["altitude_m"] - rep["altitude_m"]) <= 12.5 * 0.3048 + 1e-6).all()
    assert (np.abs(pos["speed_mps"] - rep["speed_mps"]) <= 0.71 * KT).all()
    assert (pos["nic"] == 8).all() and (pos["nacp"] == 10).all() and (pos["sil"] == 3).all()
    assert truth["aircraft"] == n_aircraft and truth["jammers"] == [] and truth["affected"] == []
    calls = {c for c in table["callsign"].tolist() if c}
    assert len(calls) == n_aircraft and all(c.startswith("AP") for c in calls)


def test_jammed_aircraft_broadcast_nic_0_nacp_0_only_inside_the_circle_and_span(tmp_path: Path) -> None:
    reports = flights(n=60)
    jam = Jammer(CENTRE[0] + 0.1, CENTRE[1] - 0.2, 25e3, T0 + 120, T0 + 420)
    table, truth, _ = decoded(tmp_path, reports, jammers=[jam])
    pos, rep = match(table, reports)
    inside = distance_m(rep["lat"], rep["lon"], jam.lat, jam.lon) <= jam.radius_m
    during = (rep["time_s"] >= jam.start_s) & (rep["time_s"] <= jam.end_s)
    hit = inside & during
    assert hit.sum() > 100 and (~hit).sum() > 1000
    assert (pos["nic"][hit] == 0).all() and (pos["nacp"][hit] == 0).all()
    assert (pos["nic"][~hit] == 8).all() and (pos["nacp"][~hit] == 10).all()
    assert {a["icao24"] for a in truth["affected"]} >= {f"{a:06x}" for a in np.unique(pos["icao"][hit])}
    assert truth["jammers"][0]["start_rel_s"] == 120 and truth["jammers"][0]["radius_km"] == 25


def test_position_loss_sends_altitude_only_and_no_velocity(tmp_path: Path) -> None:
    reports = flights(n=60)
    jam = Jammer(CENTRE[0], CENTRE[1], 40e3, T0 + 100, T0 + 300)
    table, truth, kind = decoded(tmp_path, reports, jammers=[jam], quality=Quality(p_position_loss=1.0))
    _, rep = match(table, reports)
    hit = (distance_m(rep["lat"], rep["lon"], jam.lat, jam.lon) <= jam.radius_m) & (
        (rep["time_s"] >= jam.start_s) & (rep["time_s"] <= jam.end_s)
    )
    assert not hit.any()  # no jammed report gave a position
    lost = (kind == NO_POSITION).sum()
    assert lost > 100 and (table["tc"] == 0).sum() == lost  # rs1090: bds "NoPosition" (no altitude)
    assert truth["affected"] and all(a["position_lost"] for a in truth["affected"])


def test_ghosts_are_immune_to_jammers() -> None:
    r = flights(n=10, duration_s=60)
    ghost = int(r["ident"][0])
    jam = [Jammer(*CENTRE, 500e3, T0, T0 + 60)]  # everyone, all the time
    sq = squitters(r, jammers=jam, immune=[ghost])
    assert not sq.jammed[sq.icao == ghost].any() and sq.jammed[sq.icao != ghost].all()


def test_status_leads_each_aircraft_and_repeats_every_2_5_s() -> None:
    sq = squitters(flights(n=5, p_loss=0.0))
    for a in np.unique(sq.icao):
        k, t = sq.kind[sq.icao == a], sq.time_s[sq.icao == a]
        gaps = np.diff(t[k == STATUS])  # on the 1 Hz reports: 3, 2, 3, 2 s...
        assert k[0] == STATUS and gaps.max() <= 3.0 + 1e-6 and abs(gaps.mean() - 2.5) < 0.05
        assert np.diff(t[k == POSITION]).max() <= 1.0 + 1e-6


def test_bad_reports_are_counted_not_encoded() -> None:
    r = flights(n=3, duration_s=20)
    r["lat"][0], r["ident"][1], r["ident"][2], r["altitude_m"][3] = np.nan, -1, 1 << 24, 30000.0
    sq = squitters(r)
    assert dict(sq.rejects.counts) == {"no_position": 1, "bad_icao24": 2, "altitude_unknown": 1}
    assert len(np.unique(sq.icao)) == 3


def test_same_reports_same_bytes() -> None:
    r = flights(n=10, duration_s=60)
    jam = [Jammer(*CENTRE, 30e3, T0 + 10, T0 + 40)]
    q = Quality(p_position_loss=0.5)
    assert squitters(r, jammers=jam, quality=q).beast() == squitters(r[::-1], jammers=jam, quality=q).beast()


def test_jammer_option_parsing() -> None:
    j = Jammer.parse("48.9,-2.5,30,60,600", start_s=T0)
    assert j == Jammer(48.9, -2.5, 30e3, T0 + 60, T0 + 600)
    for bad in ("48.9,2.5,30,60", "48.9,2.5,-1,0,60", "91,2,3,0,60", "48,2,3,60,0", "a,b,c,d,e"):
        with pytest.raises(ConfigError):
            Jammer.parse(bad, start_s=T0)
    with pytest.raises(ConfigError):
        Quality(nacp=12)


def test_simulated_reports_in_memory() -> None:
    sim = Simulation(SimConfig(aircraft=20, drones=0, birds=0, ghosts=1, duration_s=60, seed=5))
    reports = np.concatenate([f.reports for f in sim.frames()])
    sq = squitters(reports)
    assert len(sq) > 2 * len(reports) and set(np.unique(sq.icao)) == set(np.unique(reports["ident"]))


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text().splitlines()))


def test_cli_from_scenario_then_decode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rec" / "paris.bin"
    assert main(["sim", "--from-scenario", str(PARIS), "--modes-out", str(out),
                 "--jammer", "48.86,2.29,40,300,900"]) == 0  # fmt: skip
    assert "frames/s" in capsys.readouterr().out
    truth = json.loads(side_file(out).read_text())
    assert truth["jammers"][0]["start_s"] == truth["start_s"] + 300 and truth["affected"]
    assert truth["immune"] == ["f00000", "f00001"]  # the scenario's ghosts.csv.gz
    assert main(["decode", str(out), "--out", str(tmp_path / "d.csv")]) == 0
    rows = [r for r in _csv(tmp_path / "d.csv") if r["lat"]]
    adsb = {(r["icao24"], round(float(r["time_s"]))): r for r in _csv_gz(PARIS / "adsb.csv.gz")}
    assert len(rows) > 0.9 * len(adsb)
    far = 0
    for r in rows:
        a = adsb[(r["icao24"], round(float(r["time_s"]) + truth["t0_s"]))]
        far += distance_m(float(r["lat"]), float(r["lon"]), float(a["lat"]), float(a["lon"])) > 5.2
    assert far == 0
    t_rel = np.array([float(r["time_s"]) + truth["t0_s"] - truth["start_s"] for r in rows])
    nic = np.array([int(r["nic"]) for r in rows])
    lat, lon = np.array([[float(r["lat"]), float(r["lon"])] for r in rows]).T
    ghost = np.isin([r["icao24"] for r in rows], truth["immune"])
    inside = (distance_m(lat, lon, 48.86, 2.29) <= 40e3) & (t_rel >= 300) & (t_rel <= 900)
    hit = inside & ~ghost
    assert hit.any() and (nic[hit] == 0).all() and (nic[~hit] == 8).all()
    assert (inside & ghost).any()  # a ghost flew through the jammed area and kept NIC 8


def _csv_gz(path: Path) -> list[dict[str, str]]:
    import gzip

    return list(csv.DictReader(gzip.decompress(path.read_bytes()).decode().splitlines()))


def test_cli_sim_writes_frames_beside_the_scenario(tmp_path: Path) -> None:
    out = tmp_path / "scn"
    args = ["sim", str(out), "--targets", "8", "--drones", "0", "--birds", "0", "--duration", "60"]
    assert main([*args, "--modes-out", str(out / "frames.bin"), "--jammer", "48.86,2.29,100,0,30"]) == 0
    table, _ = decode_file(out / "frames.bin")
    ghosts = (out / "ghosts.csv").read_text().split()[1:]
    heard = {f"{a:06x}" for a in np.unique(table["icao"])}
    assert set(ghosts) <= heard and len(heard) >= 8
    assert (table["nic"] == 0).any() and (table["nic"] == 8).any()


def test_cli_refuses_unclear_requests(tmp_path: Path) -> None:
    assert main(["sim", str(tmp_path / "x"), "--from-scenario", str(PARIS), "--modes-out", "f.bin"]) == 1
    assert main(["sim", "--from-scenario", str(PARIS)]) == 1
    assert main(["sim", str(tmp_path / "y"), "--jammer", "48,2,10,0,60"]) == 1
    assert main(["sim", "--from-scenario", str(PARIS), "--modes-out", str(tmp_path / "f.bin"),
                 "--jammer", "48,2,10"]) == 1  # fmt: skip


SHARED = Path(__file__).resolve().parents[3] / "shared"


@pytest.mark.skipif(not (SHARED / "eval" / "make_scenario.py").exists(), reason="needs ../shared")
def test_quickstart_trajectories_through_make_scenario(tmp_path: Path) -> None:
    """The real quickstart trajectories, made a scenario by make_scenario.py, as Beast frames."""
    import subprocess
    import sys

    cfg = json.loads((SHARED / "scenarios" / "paris" / "config.json").read_text())
    cfg.update(trajectories=str(SHARED / "data" / "quickstart.json.gz"), offset_s=0, duration_s=300)
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    make = [
        sys.executable,
        str(SHARED / "eval" / "make_scenario.py"),
        str(tmp_path / "cfg.json"),
        str(tmp_path / "s"),
    ]
    subprocess.run(make, check=True, capture_output=True)
    out = tmp_path / "f.bin"
    assert main(["sim", "--from-scenario", str(tmp_path / "s"), "--modes-out", str(out)]) == 0
    table, _ = decode_file(out)
    adsb = _csv(tmp_path / "s" / "adsb.csv")
    t0 = json.loads(side_file(out).read_text())["t0_s"]
    by_key = {(r["icao24"], round(float(r["time_s"]), 3)): r for r in adsb}
    pos = table[np.isfinite(table["lat"])]
    assert len(pos) > 0.9 * len(adsb)
    for p in pos:
        a = by_key[(f"{p['icao']:06x}", round(float(p["time_s"]) + t0, 3))]
        assert distance_m(p["lat"], p["lon"], float(a["lat"]), float(a["lon"])) < 5.2


def test_side_file_spans_each_jammed_aircraft() -> None:
    r = flights(n=30, duration_s=300)
    jam = [Jammer(*CENTRE, 40e3, T0 + 50, T0 + 200)]
    sq = squitters(r, jammers=jam)
    got = {a["icao24"]: (a["first_s"], a["last_s"]) for a in truth(sq, jam, T0, Quality())["affected"]}
    hit = jam[0].covers(r["time_s"], r["lat"], r["lon"])
    spans = {a: r["time_s"][hit & (r["ident"] == a)] for a in np.unique(r["ident"][hit]).tolist()}
    want = {f"{a:06x}": (tt.min(), tt.max()) for a, tt in spans.items()}
    assert got == want and len(want) > 3


def test_no_velocity_frame_without_a_speed() -> None:
    r = flights(n=4, duration_s=30, p_loss=0.0)
    r["speed_mps"][r["ident"] == r["ident"][0]] = np.nan
    sq = squitters(r)
    assert not ((sq.kind == VELOCITY) & (sq.icao == r["ident"][0])).any()
    assert ((sq.kind == VELOCITY) & (sq.icao != r["ident"][0])).sum() == (r["ident"] != r["ident"][0]).sum()
    assert len(sq.hex()) == len(sq) and all(h.startswith("8d") for h in sq.hex())
