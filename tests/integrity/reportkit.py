"""Test kit of the report-integrity tests: the bundled real fixtures, receivers around Paris, a
windowed run of ReportIntegrity, and attacks injected into real reports."""

from __future__ import annotations

import gzip
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from airpicture.config import IntegritySettings, ReportIntegritySettings
from airpicture.integrity.reports import ReportIntegrity
from airpicture.sensors import load_sheets
from airpicture.sim.sensors import metres_to_degrees
from airpicture.types import REPORT_DTYPE

DATA = Path(__file__).resolve().parents[1] / "data" / "integrity"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
#: An address is flagged when its evidence passes the integrity stage's `suspect_lr`.
FLAG = float(np.log10(IntegritySettings().suspect_lr))
SITE = (48.86, 2.29, 60.0)
#: The Paris scenario's receiver and a second one at CDG.
RECEIVERS = load_sheets(
    [
        {"id": "ADSB1", "kind": "adsb", "lat": 48.86, "lon": 2.29, "alt_m": 60, "max_range_m": 250000,
         "update_period_s": 1.0, "p_loss": 0.4, "sigma_position_m": 8},
        {"id": "ADSB2", "kind": "adsb", "lat": 49.01, "lon": 2.55, "alt_m": 100, "max_range_m": 180000,
         "update_period_s": 1.0, "p_loss": 0.3, "sigma_position_m": 15},
    ]
)  # fmt: skip
#: A receiver whose position says nothing (a feed merged from many receivers): no range stated.
MERGED = [{"id": "merged", "kind": "adsb", "lat": 48.86, "lon": 2.29, "update_period_s": 1.0,
           "sigma_position_m": 10.0}]  # fmt: skip


def fixture(name: str) -> np.ndarray:
    """A bundled REPORT_DTYPE table (make_fixtures.py)."""
    with gzip.open(DATA / name, "rt") as f:
        rows = np.loadtxt(f, delimiter=",", skiprows=1)
    out = np.zeros(len(rows), REPORT_DTYPE)
    for k, name_ in enumerate(REPORT_DTYPE.names or ()):
        out[name_] = rows[:, k]
    return out


@dataclass
class Outcome:
    """What a run found: per address its peak evidence (log10 LR, reason), and the times and
    reasons of the windows in which it was flagged."""

    checker: ReportIntegrity
    peak: dict[int, tuple[float, int]] = field(default_factory=dict)
    flags: dict[int, list[tuple[float, int]]] = field(default_factory=dict)

    def flagged(self, among: set[int] | None = None) -> set[int]:
        return {i for i in self.flags if among is None or i in among}

    def first_flag(self, ident: int) -> float:
        return self.flags[ident][0][0] if ident in self.flags else np.inf


def run(
    reports: np.ndarray,
    sensors: object,
    window_s: float = 1.0,
    info: Mapping[int, Mapping[str, object]] | None = None,
    settings: ReportIntegritySettings | None = None,
    site: tuple[float, float, float] = SITE,
) -> Outcome:
    """ReportIntegrity over the reports in windows of window_s; evidence read after each window
    for the addresses of that window."""
    checker = ReportIntegrity(sensors, site, settings)  # type: ignore[arg-type]
    out = Outcome(checker)
    t = reports["time_s"]
    t0 = np.floor(t.min())
    edges = t0 + window_s * np.arange(int(np.ceil((t.max() - t0) / window_s)) + 2)
    idx = np.searchsorted(t, edges)
    for k in range(len(edges) - 1):
        win = reports[idx[k] : idx[k + 1]]
        checker.observe(win, float(edges[k + 1]), info)
        if not len(win):
            continue
        ids = np.unique(win["ident"])
        llr, why = checker.evidence(ids)
        for i, v, y in zip(ids.tolist(), llr.tolist(), why.tolist(), strict=True):
            if v > out.peak.get(i, (0.0, 0))[0]:
                out.peak[i] = (v, y)
            if v >= FLAG:
                out.flags.setdefault(i, []).append((float(edges[k + 1]), y))
    return out


def shifted(reports: np.ndarray, de_m: float, dn_m: float) -> np.ndarray:
    """The reports moved de_m east and dn_m north."""
    out = reports.copy()
    dlat, dlon = metres_to_degrees(out["lat"], np.full(len(out), de_m), np.full(len(out), dn_m))
    out["lat"] += dlat
    out["lon"] += dlon
    return out


def merge(*parts: np.ndarray) -> np.ndarray:
    allr = np.concatenate(parts)
    return allr[np.argsort(allr["time_s"], kind="stable")]


__all__ = [
    "DATA",
    "FLAG",
    "MERGED",
    "RECEIVERS",
    "SHARED",
    "SITE",
    "Outcome",
    "fixture",
    "merge",
    "run",
    "shifted",
]
