"""Reader of the scenario folder format (FORMAT.md): sensors.json, meta.json, plots.csv, adsb.csv,
platforms.csv. It never opens truth.csv, ghosts.csv or config.json: they hold the answer.

Rows are parsed a whole column at a time. A malformed row (wrong field count, non-numeric or NaN
value, angle or range out of bounds, unknown sensor, a time far out of order) becomes a reject
counted by reason; a file that cannot be read at all raises SourceError.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice, repeat
from pathlib import Path
from typing import Any

import numpy as np

from airpicture.errors import ConfigError, SourceError
from airpicture.sensors import RadarSheet, SensorSheet, load_sheets
from airpicture.sources.timeorder import TimeOrder
from airpicture.types import NO_IDENT, PLOT_DTYPE, REPORT_DTYPE, FloatArray, Rejects

#: CSV lines parsed at a time: the strings of one chunk are held, the parsed rows of all.
CHUNK_ROWS = 100_000

PLOT_COLUMNS = ("time_s", "sensor", "range_m", "azimuth_deg", "elevation_deg", "altitude_m", "identity")
ADSB_COLUMNS = ("time_s", "sensor", "icao24", "lat", "lon", "altitude_m", "speed_mps", "track_deg")


@dataclass
class Scenario:
    """What a tracker may know of a scenario: sensor sheets, site, zones and the measurements."""

    path: Path
    sensors: list[SensorSheet]  # validated at load (airpicture.sensors)
    site: dict[str, Any]
    zones: list[dict[str, Any]]
    start_s: float
    end_s: float
    plots: np.ndarray  # PLOT_DTYPE, time-ordered
    reports: np.ndarray  # REPORT_DTYPE, time-ordered
    platforms: dict[int, tuple[FloatArray, FloatArray]] = field(
        default_factory=dict
    )  # sensor -> (t, [lat lon alt])
    rejects: dict[str, Rejects] = field(default_factory=dict)
    active: list[int] = field(default_factory=list)  # indices of the sensors in use
    names: dict[int, str] = field(default_factory=dict)  # ident -> display name, from added sources
    info: dict[int, dict[str, Any]] = field(default_factory=dict)  # ident -> source data (see Picture)
    #: load_scenario(stream=True): the CSV files, read as the windows need them (plots and reports
    #: then hold only rows added in memory, e.g. `track --modes`)
    files: ScenarioFiles | None = None

    def plot_chunks(self) -> list[Iterator[np.ndarray]]:
        """The plots as time-ordered streams of chunks: the file's, read as needed, and those held."""
        return [*([self.files.plots()] if self.files else []), iter([self.plots])]

    def report_chunks(self) -> list[Iterator[np.ndarray]]:
        """The reports as time-ordered streams of chunks: the file's first, then those held."""
        return [*([self.files.reports()] if self.files else []), iter([self.reports])]

    def sensors_used(self) -> set[int]:
        """Sensors with rows (of a streamed file: rows that name it, before the row checks)."""
        used = set(np.unique(self.plots["sensor"]).tolist()) | set(np.unique(self.reports["sensor"]).tolist())
        return used | (self.files.census()[0] if self.files else set())

    def rows(self) -> int:
        """Measurements (of a streamed file: its lines that name a sensor in use)."""
        return len(self.plots) + len(self.reports) + (self.files.census()[1] if self.files else 0)

    @property
    def site_lla(self) -> tuple[float, float, float]:
        return float(self.site["lat"]), float(self.site["lon"]), float(self.site.get("alt_m", 0.0))

    def sensor_index(self, sensor_id: str) -> int:
        return next(i for i, s in enumerate(self.sensors) if s.id == sensor_id)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except OSError as e:
        raise SourceError(f"cannot read {path}: {e.strerror or e}") from None
    except ValueError as e:
        raise SourceError(f"{path} is not valid JSON: {e}") from None


def _csv_chunks(
    path: Path,
    columns: tuple[str, ...],
    rejects: Rejects,
    skip: frozenset[str] = frozenset(),
) -> Iterator[np.ndarray]:
    """The rows of a CSV file as (n, fields) arrays of strings, CHUNK_ROWS lines at a time (issue
    13: the whole text split at once held 7-13 x the file): header checked, rows with a wrong
    field count rejected, blank lines ignored; rows whose second field (the sensor) is in `skip`
    are left out before any parsing."""
    if not path.exists() and path.with_name(path.name + ".gz").exists():
        path = path.with_name(path.name + ".gz")
    elif not path.exists():
        return
    try:
        with path.open("rb") as probe:
            packed = probe.read(2) == b"\x1f\x8b"  # gzip by its content, whatever the file's name says
        with gzip.open(path, "rt") if packed else path.open() as f:
            first = f.readline()
            if not first:
                return
            header = first.strip().split(",")
            if tuple(header[: len(columns)]) != columns:
                raise SourceError(f"{path}: header {first[:80]!r} is not {','.join(columns)}")
            while body := [line.rstrip("\r\n") for line in islice(f, CHUNK_ROWS)]:
                rows = _split(body, len(header), rejects)
                if skip and len(rows):
                    rows = rows[~np.fromiter(map(skip.__contains__, rows[:, 1]), bool, len(rows))]
                if len(rows):
                    yield rows
    except UnicodeDecodeError as e:
        raise SourceError(f"cannot read {path}: not UTF-8 text (byte {e.start}: a binary file?)") from None
    except (OSError, EOFError) as e:
        raise SourceError(f"cannot read {path}: {e}") from None


def _split(body: list[str], n_fields: int, rejects: Rejects) -> np.ndarray:
    # one split of the whole chunk instead of one per line: check the comma count of every line
    # first, so that a short line never shifts the fields of the lines after it
    commas = np.fromiter(map(str.count, body, repeat(",")), np.int64, len(body))
    ok = commas == n_fields - 1
    if not ok.all():
        bad = np.flatnonzero(~ok)
        rejects.add("field_count", sum(1 for i in bad if body[i].strip()))
        body = [body[i] for i in np.flatnonzero(ok)]
    if not body:
        return np.zeros((0, n_fields), object)
    return np.array(",".join(body).split(","), dtype=object).reshape(len(body), n_fields)


def _floats(col: np.ndarray, rejects: Rejects, name: str, required: bool) -> tuple[FloatArray, np.ndarray]:
    """A column as float64 (empty -> NaN) and a mask of the rows that hold a bad value."""
    arr = np.array(col, dtype=object)  # a copy: the empty cells are filled below
    empty = arr == ""
    arr[empty] = "nan"
    try:
        out = arr.astype(np.float64)
        bad = np.zeros(len(col), bool)
    except ValueError:  # rare: find the offending cells one by one
        out = np.full(len(col), np.nan)
        bad = np.zeros(len(col), bool)
        for i, v in enumerate(arr):
            try:
                out[i] = float(v)
            except ValueError:
                bad[i] = True
        rejects.add(f"non_numeric_{name}", int(bad.sum()))
    nan_bad = np.isnan(out) & ~bad & (~empty if not required else np.ones(len(col), bool))
    if required:
        rejects.add(f"missing_{name}", int((nan_bad & empty).sum()))
        rejects.add(f"nan_{name}", int((nan_bad & ~empty).sum()))
    else:
        rejects.add(f"nan_{name}", int(nan_bad.sum()))
    inf = np.isinf(out)
    rejects.add(f"inf_{name}", int(inf.sum()))
    return out, bad | nan_bad | inf


def _unused(ids: dict[str, int], wanted: set[int], of_kind: set[int]) -> frozenset[str]:
    """Names of the sensors of the right kind that are not in use: their rows are skipped."""
    return frozenset(name for name, i in ids.items() if i in of_kind and i not in wanted)


def _sensor_ids(
    col: np.ndarray, ids: dict[str, int], rejects: Rejects, wanted: set[int], of_kind: set[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Sensor index of each row, and the rows to drop: unknown ids and ids of the wrong kind of
    sensor (a rejected row each), sensors not in use (skipped by choice, not counted)."""
    lookup = np.fromiter(map(ids.get, col, repeat(-1)), np.int32, len(col))
    unknown = lookup < 0
    rejects.add("unknown_sensor", int(unknown.sum()))
    wrong = ~unknown & ~np.isin(lookup, list(of_kind))
    rejects.add("wrong_sensor_kind", int(wrong.sum()))
    skip = ~unknown & ~wrong & ~np.isin(lookup, list(wanted))
    return lookup, unknown | wrong | skip


def stream_plots(
    path: Path, ids: dict[str, int], sensors: list[SensorSheet], wanted: set[int], rej: Rejects
) -> Iterator[np.ndarray]:
    """plots.csv as PLOT_DTYPE rows in time order, a chunk at a time, in bounded memory; malformed,
    far out of order and bad-identity rows counted in `rej`."""
    radars = {i for i, s in enumerate(sensors) if s.kind == "radar"}
    max_r = np.array([s.max_range_m if isinstance(s, RadarSheet) else np.inf for s in sensors] + [np.inf])

    def bad_identity(rows: np.ndarray, late: np.ndarray) -> np.ndarray:
        bad = ~late & (rows["ident"] == -2)
        rej.add("bad_identity", int(bad.sum()))
        return bad

    order = TimeOrder(rej, bad_identity)
    for rows in _csv_chunks(path, PLOT_COLUMNS, rej, _unused(ids, wanted, radars)):
        if len(out := order.push(_plot_rows(rows, ids, rej, wanted, radars, max_r))):
            yield out
    if (rest := order.close()) is not None and len(rest):
        yield rest


def read_plots(
    path: Path, ids: dict[str, int], sensors: list[SensorSheet], wanted: set[int]
) -> tuple[np.ndarray, Rejects]:
    rej = Rejects(str(path.name))
    parts = list(stream_plots(path, ids, sensors, wanted, rej))
    return (np.concatenate(parts) if parts else np.zeros(0, PLOT_DTYPE)), rej


def _plot_rows(
    rows: np.ndarray,
    ids: dict[str, int],
    rej: Rejects,
    wanted: set[int],
    radars: set[int],
    max_range: np.ndarray,
) -> np.ndarray:
    """One chunk of plots.csv as PLOT_DTYPE rows that pass the row checks (time order and a
    malformed identity are judged on the whole file; a bad identity is -2 here)."""
    cols = rows.T
    sensor, drop = _sensor_ids(cols[1], ids, rej, wanted, radars)
    t, b0 = _floats(cols[0], rej, "time", True)
    r, b1 = _floats(cols[2], rej, "range", True)
    az, b2 = _floats(cols[3], rej, "azimuth", True)
    el, b3 = _floats(cols[4], rej, "elevation", False)
    alt, b4 = _floats(cols[5], rej, "altitude", False)
    bad = drop | b0 | b1 | b2 | b3 | b4
    max_r = max_range[sensor]
    out_r = ~bad & ((r <= 0) | (r > 1.5 * max_r))
    out_az = ~bad & ((az < 0) | (az > 360))
    out_el = ~bad & ((el < -90) | (el > 90))
    out_alt = ~bad & ((alt < -1500) | (alt > 30000))
    for name, m in (
        ("range_out_of_bounds", out_r),
        ("azimuth_out_of_bounds", out_az),
        ("elevation_out_of_bounds", out_el),
        ("altitude_out_of_bounds", out_alt),
    ):
        rej.add(name, int(m.sum()))
    keep = ~(bad | out_r | out_az | out_el | out_alt)
    out = np.zeros(int(keep.sum()), PLOT_DTYPE)
    out["time_s"], out["sensor"], out["range_m"] = t[keep], sensor[keep], r[keep]
    out["azimuth_rad"], out["elevation_rad"] = np.radians(az[keep]), np.radians(el[keep])
    out["altitude_m"], out["ident"] = alt[keep], _idents(cols[6][keep], NO_IDENT)
    return out


_HEX = frozenset("0123456789abcdefABCDEF")


def _is_hex(v: str) -> bool:
    """Hex digits only: int(v, 16) alone would take a sign, a 0x prefix, underscores or spaces."""
    return bool(v) and all(c in _HEX for c in v)


def _idents(col: np.ndarray, empty: int) -> np.ndarray:
    """A column of 6-hex-digit addresses as int64: `empty` for an empty cell, -2 for a malformed one.
    Only the non-empty cells are looked at one by one (radar plots mostly carry none)."""
    out = np.full(len(col), empty, dtype=np.int64)
    given = np.flatnonzero(col != "")
    out[given] = [int(v, 16) if len(v) == 6 and _is_hex(v) else -2 for v in col[given]]
    return out


def stream_adsb(
    path: Path, ids: dict[str, int], wanted: set[int], cooperative: set[int], rej: Rejects
) -> Iterator[np.ndarray]:
    """adsb.csv as REPORT_DTYPE rows in time order, a chunk at a time, in bounded memory;
    `cooperative`: indices of the receivers they may name."""
    if not wanted & cooperative:  # none of its receivers in use: nothing to read
        return
    order = TimeOrder(rej)
    for rows in _csv_chunks(path, ADSB_COLUMNS, rej, _unused(ids, wanted, cooperative)):
        if len(out := order.push(_adsb_rows(rows, ids, rej, wanted, cooperative))):
            yield out
    if (rest := order.close()) is not None and len(rest):
        yield rest


def read_adsb(
    path: Path, ids: dict[str, int], wanted: set[int], cooperative: set[int] | None = None
) -> tuple[np.ndarray, Rejects]:
    """adsb.csv rows; `cooperative`: indices of the receivers they may name (default: any)."""
    cooperative = set(ids.values()) if cooperative is None else cooperative
    rej = Rejects(str(path.name))
    parts = list(stream_adsb(path, ids, wanted, cooperative, rej))
    return (np.concatenate(parts) if parts else np.zeros(0, REPORT_DTYPE)), rej


def _adsb_rows(
    rows: np.ndarray, ids: dict[str, int], rej: Rejects, wanted: set[int], cooperative: set[int]
) -> np.ndarray:
    """One chunk of adsb.csv as REPORT_DTYPE rows that pass the row checks (time order is judged
    on the whole file)."""
    cols = rows.T
    sensor, drop = _sensor_ids(cols[1], ids, rej, wanted, cooperative)
    t, b0 = _floats(cols[0], rej, "time", True)
    lat, b1 = _floats(cols[3], rej, "lat", True)
    lon, b2 = _floats(cols[4], rej, "lon", True)
    alt, b3 = _floats(cols[5], rej, "altitude", False)
    spd, b4 = _floats(cols[6], rej, "speed", False)
    trk, b5 = _floats(cols[7], rej, "track", False)
    bad = drop | b0 | b1 | b2 | b3 | b4 | b5
    oob = ~bad & (
        (np.abs(lat) > 90)
        | (np.abs(lon) > 180)
        | (spd < 0)
        | (spd > 1500)
        | (trk < 0)
        | (trk > 360)
        | (alt < -1500)
        | (alt > 30000)
    )
    rej.add("value_out_of_bounds", int(oob.sum()))
    bad |= oob
    ident = _idents(cols[2], -2)
    rej.add("bad_icao24", int((~bad & (ident == -2)).sum()))
    keep = ~(bad | (ident == -2))
    out = np.zeros(int(keep.sum()), REPORT_DTYPE)
    out["time_s"], out["sensor"], out["ident"] = t[keep], sensor[keep], ident[keep]
    out["lat"], out["lon"], out["altitude_m"] = lat[keep], lon[keep], alt[keep]
    out["speed_mps"], out["track_rad"] = spd[keep], np.radians(trk[keep])
    out["vrate_mps"] = np.nan
    return out


def read_platforms(path: Path, ids: dict[str, int]) -> dict[int, tuple[FloatArray, FloatArray]]:
    rej = Rejects(path.name)
    chunks = list(_csv_chunks(path, ("time_s", "sensor", "lat", "lon", "alt_m"), rej))
    out: dict[int, tuple[FloatArray, FloatArray]] = {}
    if not chunks:
        return out
    rows = np.concatenate(chunks)
    cols = rows.T
    sid = np.array([ids.get(s, -1) for s in cols[1]])
    vals = np.column_stack([_floats(cols[k], rej, "nav", True)[0] for k in (0, 2, 3, 4)])
    for s in np.unique(sid[sid >= 0]):
        v = vals[(sid == s) & np.isfinite(vals).all(axis=1)]
        v = v[np.argsort(v[:, 0])]
        out[int(s)] = (v[:, 0], v[:, 1:])
    return out


@dataclass
class ScenarioFiles:
    """A scenario's plots.csv and adsb.csv, read a chunk at a time each time they are iterated
    (`track` on a recording of any length holds a few chunks, not every row); their rejects are
    counted into the Scenario's as the rows go by."""

    path: Path
    sheet: list[SensorSheet]
    ids: dict[str, int]
    wanted: set[int]
    rejects: tuple[Rejects, Rejects]
    _census: tuple[set[int], int] | None = None

    @property
    def cooperative(self) -> set[int]:
        return {i for i, s in enumerate(self.sheet) if s.kind in ("adsb", "remoteid")}

    def plots(self) -> Iterator[np.ndarray]:
        return stream_plots(self.path / "plots.csv", self.ids, self.sheet, self.wanted, self.rejects[0])

    def reports(self) -> Iterator[np.ndarray]:
        return stream_adsb(self.path / "adsb.csv", self.ids, self.wanted, self.cooperative, self.rejects[1])

    def census(self) -> tuple[set[int], int]:
        """(sensors in use that rows name, how many rows name one): one pass over the files, for
        the window length and the measurement rate, before any window is tracked."""
        if self._census is None:
            used: set[int] = set()
            n = 0
            for name, columns in (("plots.csv", PLOT_COLUMNS), ("adsb.csv", ADSB_COLUMNS)):
                for rows in _csv_chunks(self.path / name, columns, Rejects(name)):
                    names, counts = np.unique(rows[:, 1], return_counts=True)
                    for k, c in zip(names.tolist(), counts.tolist(), strict=True):
                        if self.ids.get(k, -1) in self.wanted:
                            used.add(self.ids[k])
                            n += c
            self._census = (used, n)
        return self._census


def load_scenario(path: str | Path, sensors: list[str] | None = None, stream: bool = False) -> Scenario:
    """Read a scenario folder; `sensors` keeps only the named sensor ids (the others' rows are skipped).
    stream: leave plots.csv and adsb.csv on disk, to be read window by window (Scenario.files)."""
    p = Path(path)
    if not p.is_dir():
        raise SourceError(f"{p} is not a scenario folder")
    raw = _read_json(p / "sensors.json")
    meta = _read_json(p / "meta.json")
    if not isinstance(raw, list):
        raise ConfigError(f"{p / 'sensors.json'}: expected a list of sensor objects")
    try:
        sheet = load_sheets(raw)
    except ConfigError as e:
        raise ConfigError(f"{p / 'sensors.json'}: {e}") from None
    ids = {s.id: i for i, s in enumerate(sheet)}
    if sensors:
        unknown = [s for s in sensors if s not in ids]
        if unknown:
            raise ConfigError(f"unknown sensor id(s) {','.join(unknown)}; the scenario has {','.join(ids)}")
    wanted = {ids[s] for s in sensors} if sensors else set(ids.values())
    files = None
    if stream:
        rp, ra = Rejects("plots.csv"), Rejects("adsb.csv")
        files = ScenarioFiles(p, sheet, ids, wanted, (rp, ra))
        plots, reports = np.zeros(0, PLOT_DTYPE), np.zeros(0, REPORT_DTYPE)
    else:
        plots, rp = read_plots(p / "plots.csv", ids, sheet, wanted)
        reports, ra = read_adsb(
            p / "adsb.csv", ids, wanted, {i for i, s in enumerate(sheet) if s.kind in ("adsb", "remoteid")}
        )
    try:
        site = meta["site"]
        start, end = float(meta["start_s"]), float(meta["end_s"])
    except (KeyError, TypeError, ValueError):
        raise ConfigError(f"{p / 'meta.json'}: needs site, start_s and end_s") from None
    return Scenario(
        path=p,
        sensors=sheet,
        site=site,
        zones=list(meta.get("zones", [])),
        start_s=start,
        end_s=end,
        plots=plots,
        reports=reports,
        platforms=read_platforms(p / "platforms.csv", ids),
        rejects={"plots": rp, "adsb": ra},
        active=sorted(wanted),
        files=files,
    )


__all__ = [
    "Scenario",
    "ScenarioFiles",
    "load_scenario",
    "read_adsb",
    "read_plots",
    "stream_adsb",
    "stream_plots",
]
