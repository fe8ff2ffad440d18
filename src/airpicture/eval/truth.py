"""Ground truth of a scenario as one struct-of-arrays table, and the scoring side of the scenario.

All targets' samples are concatenated, sorted by target then time; target k owns rows
[start[k], stop[k]). Look-ups for many (target, time) pairs at once go through one integer key
(target * W + rank of the time among all truth times), so the searches are exact for any float
times and need no loop over targets.

Horizontal positions are on the ground plane of the site (altitude 0), as score.py compares them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from airpicture.errors import ConfigError, RecordError, SourceError
from airpicture.eval.csvio import open_text, read_columns, resolve, to_float
from airpicture.geo import geodetic_to_enu
from airpicture.sensors import SensorSheet, load_sheets
from airpicture.types import BoolArray, FloatArray, IntArray

TRUTH_COLUMNS = ("time_s", "target", "kind", "lat", "lon", "alt_m")


@dataclass
class TruthTable:
    """Every target's trajectory, concatenated (M rows, K targets).

    names, kinds : (K,) str, in order of first appearance in truth.csv
    start, stop : (K,) int64 row range of each target
    t, e, n, alt, lat, lon : (M,) float64 time (s), ground-plane east/north (m), altitude (m), degrees
    """

    names: np.ndarray
    kinds: np.ndarray
    start: IntArray
    stop: IntArray
    t: FloatArray
    e: FloatArray
    n: FloatArray
    alt: FloatArray
    lat: FloatArray
    lon: FloatArray
    _u: FloatArray = field(repr=False)  # sorted unique truth times
    _key: IntArray = field(repr=False)  # target * W + rank of t in _u, ascending

    @classmethod
    def build(
        cls,
        names: np.ndarray,
        kinds: np.ndarray,
        t: FloatArray,
        lat: FloatArray,
        lon: FloatArray,
        alt: FloatArray,
        origin: tuple[float, float, float],
    ) -> TruthTable:
        """From per-row arrays in file order (any order of rows)."""
        uniq, first, inv = np.unique(names, return_index=True, return_inverse=True)
        by_first = np.argsort(first, kind="stable")  # target order = first appearance
        code = np.empty(len(uniq), np.int64)
        code[by_first] = np.arange(len(uniq))
        row_code = code[inv]
        K = len(uniq)
        # kind of a target: its last row's (score.py keeps overwriting a dict)
        last = np.full(K, -1, np.int64)
        np.maximum.at(last, row_code, np.arange(len(row_code)))
        order = np.lexsort((t, row_code))
        counts = np.bincount(row_code, minlength=K)
        stop = np.cumsum(counts)
        enu = geodetic_to_enu(lat[order], lon[order], 0.0, origin[0], origin[1], 0.0)
        u = np.unique(t)
        key = row_code[order] * (len(u) + 1) + np.searchsorted(u, t[order])
        return cls(
            names=uniq[by_first],
            kinds=kinds[last],
            start=stop - counts,
            stop=stop,
            t=t[order],
            e=enu[:, 0],
            n=enu[:, 1],
            alt=alt[order],
            lat=lat[order],
            lon=lon[order],
            _u=u,
            _key=key,
        )

    def __len__(self) -> int:
        return len(self.names)

    @property
    def t_first(self) -> FloatArray:
        return self.t[self.start]

    @property
    def t_last(self) -> FloatArray:
        return self.t[self.stop - 1]

    def count_before(self, k: IntArray, x: FloatArray, inclusive: bool) -> IntArray:
        """For each pair: how many samples of target k[i] have t < x[i] (t <= x[i] if inclusive)."""
        q = np.searchsorted(self._u, x, side="right" if inclusive else "left")
        return np.searchsorted(self._key, k * (len(self._u) + 1) + q, side="left") - self.start[k]

    def interp(self, values: FloatArray, k: IntArray, x: FloatArray) -> FloatArray:
        """np.interp(x[i], t_k, values_k) for every pair at once (same formula, same clamping).

        values : (M,) one of the table's columns; k : (P,) target index; x : (P,) time.
        """
        k = np.asarray(k, np.int64)
        x = np.asarray(x, np.float64)
        lo, hi = self.start[k], self.stop[k] - 1
        j = np.clip(lo + self.count_before(k, x, inclusive=True) - 1, lo, hi)
        j1 = np.minimum(j + 1, hi)
        dt = self.t[j1] - self.t[j]
        with np.errstate(invalid="ignore", divide="ignore"):
            slope = (values[j1] - values[j]) / dt
            out = slope * (x - self.t[j]) + values[j]
        exact = (self.t[j] == x) | (x < self.t[lo]) | (j1 == j)
        out = np.where(exact, values[j], out)
        return np.where(x >= self.t[hi], values[hi], out)

    def present(self, k: IntArray, x: FloatArray, max_gap_s: float = 1.5) -> BoolArray:
        """Whether target k[i] is known to be there at x[i]: within its span, and a sample within
        max_gap_s (a gap in the recording means we do not know)."""
        n = self.stop[k] - self.start[k]
        j = self.count_before(k, x, inclusive=False)
        a = self.t[self.start[k] + np.minimum(j, n - 1)]
        b = self.t[self.start[k] + np.maximum(j - 1, 0)]
        inside = (self.t_first[k] <= x) & (x <= self.t_last[k])
        return inside & (np.minimum(np.abs(a - x), np.abs(b - x)) <= max_gap_s)

    def at_or_after(self, k: IntArray, x: FloatArray) -> IntArray:
        """Row index of target k[i]'s first sample at or after x[i] (its last sample if none)."""
        n = self.stop[k] - self.start[k]
        return self.start[k] + np.minimum(self.count_before(k, x, inclusive=False), n - 1)


@dataclass
class Reference:
    """What scoring knows of a scenario: meta, sensor sheets, how it was made, platforms, truth and
    the spoofed ADS-B ghosts."""

    path: Path
    meta: dict[str, Any]
    sensors: list[SensorSheet]
    config: dict[str, Any]
    platforms: dict[str, tuple[FloatArray, FloatArray]]  # sensor id -> (t (T,), [lat lon alt] (3, T))
    truth: TruthTable
    ghosts: dict[str, float] | None = None  # see read_ghosts; None: no ghosts.csv

    @property
    def origin(self) -> tuple[float, float, float]:
        s = self.meta["site"]
        return float(s["lat"]), float(s["lon"]), float(s["alt_m"])

    @property
    def start_s(self) -> float:
        return float(self.meta["start_s"])

    @property
    def end_s(self) -> float:
        return float(self.meta["end_s"])


def _json(path: Path) -> Any:
    try:
        with open_text(path) as f:
            return json.load(f)
    except (OSError, EOFError) as e:
        raise SourceError(f"cannot read {path}: {e}") from None
    except ValueError as e:
        raise ConfigError(f"{path} is not valid JSON: {e}") from None


def read_ghosts(folder: Path) -> dict[str, float] | None:
    """The spoofed ICAO addresses of ghosts.csv (lower case) -> the time of each one's first report
    in adsb.csv (NaN if it has none); None when the scenario has no ghosts.csv."""
    path = folder / "ghosts.csv"
    if not resolve(path).exists():
        return None
    first = dict.fromkeys((a.lower() for a in read_columns(path, ("icao24",))["icao24"]), math.nan)
    adsb = folder / "adsb.csv"
    if first and resolve(adsb).exists():
        cols = read_columns(adsb, ("time_s", "icao24"))
        icao = np.char.lower(np.array(cols["icao24"], dtype=str))
        is_ghost = np.isin(icao, list(first))
        t = to_float([v for v, g in zip(cols["time_s"], is_ghost, strict=True) if g], "time_s", adsb)
        names, inv = np.unique(icao[is_ghost], return_inverse=True)
        earliest = np.full(len(names), np.inf)
        np.minimum.at(earliest, inv.reshape(-1), t)
        first.update(zip(names.tolist(), earliest.tolist(), strict=True))
    return first


def load_reference(folder: str | Path) -> Reference:
    """Read meta.json, sensors.json, config.json (optional), platforms.csv (optional), truth.csv,
    ghosts.csv (optional; with the ghosts' reports in adsb.csv); each may be gzip-compressed
    (NAME.gz), as in the bundled scenario."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SourceError(f"{folder} is not a scenario folder")
    meta = _json(folder / "meta.json")
    try:
        sensors = load_sheets(_json(folder / "sensors.json"))
    except ConfigError as e:
        raise ConfigError(f"{folder / 'sensors.json'}: {e}") from None
    config = _json(folder / "config.json") if resolve(folder / "config.json").exists() else {}
    if "site" not in meta or "start_s" not in meta or "end_s" not in meta:
        raise ConfigError(f"{folder / 'meta.json'} lacks site, start_s or end_s")
    platforms: dict[str, tuple[FloatArray, FloatArray]] = {}
    nav_path = folder / "platforms.csv"
    if resolve(nav_path).exists():
        nav = read_columns(nav_path, ("time_s", "sensor", "lat", "lon", "alt_m"))
        vals = [to_float(nav[c], c, nav_path) for c in ("time_s", "lat", "lon", "alt_m")]
        sensor = np.array(nav["sensor"], dtype=str)
        for sid in dict.fromkeys(nav["sensor"]):
            m = sensor == sid
            platforms[sid] = (vals[0][m], np.stack([v[m] for v in vals[1:]]))
    path = folder / "truth.csv"
    cols = read_columns(path, TRUTH_COLUMNS)
    t, lat, lon, alt = (to_float(cols[c], c, path) for c in ("time_s", "lat", "lon", "alt_m"))
    if not np.isfinite(t).all():
        raise RecordError("non-finite time_s", source=str(path))
    site = meta["site"]
    origin = (float(site["lat"]), float(site["lon"]), float(site["alt_m"]))
    names, kinds = np.array(cols["target"], dtype=str), np.array(cols["kind"], dtype=str)
    truth = TruthTable.build(names, kinds, t, lat, lon, alt, origin)
    return Reference(folder, meta, sensors, config, platforms, truth, read_ghosts(folder))


def hash_unit(*parts: str) -> float:
    """make_scenario's stable number in [0, 1) for a name (FNV-1a, 32 bit)."""
    h = 2166136261
    for ch in "/".join(parts):
        h = ((h ^ ord(ch)) * 16777619) & 0xFFFFFFFF
    return h / 2**32


def silent_aircraft(truth: TruthTable, config: dict[str, Any]) -> BoolArray:
    """(K,) bool: aircraft that carry no transponder (no ADS-B, no Mode C): a share p_no_transponder,
    chosen by name hash, of those that never climb above silent_max_alt_m — as make_scenario does."""
    p = float(config.get("p_no_transponder", 0.0))
    ceiling = float(config.get("silent_max_alt_m", 3000.0))
    top = np.maximum.reduceat(truth.alt, truth.start) if len(truth) else np.zeros(0)
    low = (truth.kinds == "aircraft") & (top <= ceiling)
    return low & np.array([hash_unit(str(n)) < p for n in truth.names], dtype=bool)


__all__ = [
    "TRUTH_COLUMNS",
    "Reference",
    "TruthTable",
    "hash_unit",
    "load_reference",
    "read_ghosts",
    "silent_aircraft",
]
