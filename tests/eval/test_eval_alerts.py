"""Alert scoring on a hand-built scenario: two zone entries and a loitering phase."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from evalkit import START, ZONE, latlon, write_csv, write_scenario

from airpicture.eval import load_reference, score_alerts, zone_events
from airpicture.eval.alerts import zone_origin


def _d1(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """East-west back and forth through the zone at 20 m/s, 100 m above the site (period 500 s)."""
    m = np.mod(t, 500)
    return -2990 + 20 * np.where(m < 250, m, 500 - m), np.zeros_like(t), np.full(len(t), 160.0)


def _loiter(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flies west at 30 m/s to (3000, 3000), then circles it (radius 200 m, 100 s a turn)."""
    a = 2 * np.pi * (t - 100) / 100
    e = np.where(t < 100, 6000 - 30 * t, 3000 + 200 * np.sin(a))
    n = np.where(t < 100, 3000.0, 3000 + 200 * np.cos(a))
    return e, n, np.full(len(t), 100.0)


TARGETS = {
    "d1": ("drone", _d1, (0, 700)),
    "hi": (
        "drone",
        lambda t: (np.zeros_like(t), -2990 + 20 * t, np.full(len(t), 760.0)),
        (0, 700),
    ),  # above ceiling
    "b": (
        "bird",
        lambda t: (np.full(len(t), -500.0), np.full(len(t), -2500.0), np.full(len(t), 100.0)),
        (0, 700),
    ),
    "loiter0": ("drone", _loiter, (0, 700)),
}


def _pos(name: str, tp: float) -> tuple[float, float]:
    e, n, _ = TARGETS[name][1](np.array([tp]))
    lat, lon = latlon(e, n)
    return float(lat[0]), float(lon[0])


def test_zone_entries_and_loitering_events(tmp_path: Path) -> None:
    ref = load_reference(write_scenario(tmp_path / "s", TARGETS, duration_s=700, zones=[ZONE]))
    got = [(ev.kind, ev.zone, ev.target, ev.time_s - START) for ev in zone_events(ref)]
    # d1 inside at t' 100..199, 301..400 (back within 120 s: same entry), 600..700 (a new entry)
    assert got == [
        ("zone", "core", "d1", 100.0),
        ("zone", "core", "d1", 600.0),
        ("loitering", "", "loiter0", 89.0),
    ]


def test_alert_score(tmp_path: Path) -> None:
    ref = load_reference(write_scenario(tmp_path / "s", TARGETS, duration_s=700, zones=[ZONE]))
    nowhere = latlon([10_000.0], [10_000.0])
    rows = [
        (70, "predicted_entry", "core", "raised", *_pos("d1", 70)),  # 30 s early: detects entry @100
        (110, "zone_entry", "core", "raised", *_pos("d1", 110)),  # same event again: first one counts
        (95, "loitering", "", "raised", *_pos("loiter0", 95)),  # 6 s late
        (50, "zone_entry", "core", "raised", *_pos("b", 50)),  # on a bird: false
        (50, "zone_entry", "core", "raised", nowhere[0][0], nowhere[1][0]),  # on nothing: false
        (55, "zone_entry", "core", "cleared", nowhere[0][0], nowhere[1][0]),  # not raised: ignored
        (300, "uncooperative", "", "raised", *_pos("d1", 300)),  # on a drone, no event: neither
        (620, "zone_entry", "elsewhere", "raised", *_pos("d1", 620)),  # wrong zone: entry @600 missed
        (700, "zone_entry", "core", "raised", *_pos("d1", 700)),  # 100 s after: too late
    ]
    path = write_csv(
        tmp_path / "alerts.csv",
        ["time_s", "alert", "track", "zone", "kind", "state", "lat", "lon"],
        [(START + r[0], f"A{i}", i, r[2], r[1], r[3], r[4], r[5]) for i, r in enumerate(rows)],
    )
    s = score_alerts(ref, path)
    assert (s.events, s.detected, s.false_alerts) == (3, 2, 2)
    assert s.recall == pytest.approx(2 / 3)
    assert sorted(s.latencies_s.tolist()) == [-30.0, 6.0]
    assert s.median_latency_s == -12.0
    assert s.false_per_hour == pytest.approx(2 / (700 / 3600))
    assert [ev.time_s - START for ev in s.missed_events] == [600.0]
    assert s.as_dict() == {
        "events": 3,
        "detected": 2,
        "recall": 0.667,
        "median_latency_s": -12.0,
        "false_per_hour": 10.29,
    }


@pytest.mark.parametrize(("dt", "detected"), [(-301, False), (-300, True), (60, True), (61, False)])
def test_alert_window_is_300_s_before_to_60_s_after(tmp_path: Path, dt: int, detected: bool) -> None:
    ref = load_reference(write_scenario(tmp_path / "s", TARGETS, duration_s=700, zones=[ZONE]))
    t = 600 + dt  # the second entry of d1
    path = write_csv(
        tmp_path / "a.csv",
        ["time_s", "alert", "track", "zone", "kind", "state", "lat", "lon"],
        [(START + t, "A", 1, "core", "zone_entry", "raised", *_pos("d1", t))],
    )
    s = score_alerts(ref, path)
    assert s.detected == int(detected)
    assert s.latencies_s.tolist() == ([float(dt)] if detected else [])


def test_a_zone_event_says_how_its_drone_came_to_be_in_the_zone(tmp_path: Path) -> None:
    """Only a drone that flew in can be warned before it is inside; one first seen inside (there
    when the recording began, taking off, or first seen aloft) at best once its track is judged."""
    hover = lambda e, n, alt: lambda t: (np.full(len(t), e), np.full(len(t), n), np.full(len(t), alt))  # noqa: E731
    targets = {
        "d1": ("drone", _d1, (0, 700)),  # flies in at t' 100, and again at 600
        "there": ("drone", hover(100.0, 0.0, 160.0), (0, 700)),
        "up": ("drone", lambda t: (np.zeros_like(t), np.full(len(t), 200.0), 62 + 2 * (t - 200)), (200, 300)),
        "pop": ("drone", hover(-200.0, 100.0, 160.0), (400, 500)),
    }
    ref = load_reference(write_scenario(tmp_path / "s", targets, duration_s=700, zones=[ZONE]))
    zone = [ev for ev in zone_events(ref) if ev.kind == "zone"]
    got = {(ev.target, ev.time_s - START): zone_origin(ref, ev) for ev in zone}
    assert got == {
        ("d1", 100.0): "entered",
        ("d1", 600.0): "entered",
        ("there", 0.0): "inside at start",
        ("up", 200.0): "took off inside",
        ("pop", 400.0): "appeared inside",
    }
