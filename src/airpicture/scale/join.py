"""Join the pictures of time chunks (scale/chunks.py) into one, as one long run would have made it.

Each row has one owner: the chunk whose core [start_s, end_s) holds its time; the lead-in rows of a
chunk only serve to match its tracks. A track that spans a boundary keeps one id: chunk k's tracks
in its lead-in [lead_s, start_s) are matched to the joined picture's tracks of that window, by
identity when both carry one (ICAO address, Remote ID serial), else by position and velocity
agreement, one to one (optimal assignment). A chunk's track that matches takes the joined track's
id; the others get new ids.

Tables hold the tracks.csv columns (sinks/export.py HEADER), `track` an int64 id.
"""

from __future__ import annotations

import csv
import inspect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree

from airpicture.scale.chunks import Chunk
from airpicture.sinks.export import HEADER, TracksCsvWriter

COLUMNS = tuple(HEADER.strip().split(","))
SCHEMA = pa.schema(
    [
        ("time_s", pa.float64()),
        ("track", pa.int64()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("alt_m", pa.float64()),
        ("class", pa.string()),
        ("class_p", pa.float64()),
        ("identity", pa.string()),
        ("integrity", pa.string()),
        ("integrity_reason", pa.string()),
        ("integrity_log10_lr", pa.float64()),
    ]
)
EARTH_R_M = 6_371_000.0
#: Last rows of a published track are at most this far apart in time: the writer writes a row at
#: least every coast_every_s (4 s), twice that for margin.
ROW_GAP_S = 2 * inspect.signature(TracksCsvWriter).parameters["coast_every_s"].default


@dataclass(frozen=True)
class JoinGates:
    """How close two tracks must be in the overlap to be one (BatchSettings holds the defaults)."""

    gate_m: float  # RMS horizontal distance over the common span, no identity to go by
    speed_mps: float  # ...and mean velocities this close
    ident_gate_m: float  # same identity: a sanity bound only
    reach_mps: float  # prefilter: fastest closing of two last positions a few s apart


@dataclass
class JoinStats:
    boundaries: int = 0
    by_identity: int = 0
    by_kinematics: int = 0
    new_in_lead: int = 0  # a chunk's tracks with owned rows that started a new id at a boundary
    per_boundary: list[int] = field(default_factory=list)  # tracks carried over, per boundary


@dataclass
class OverlapTracks:
    """Rows of one window grouped by track: ids (T,), row slices into t, x (N, 2) ENU m, ident (T,)."""

    ids: np.ndarray
    bounds: np.ndarray  # (T + 1,) row offsets
    t: np.ndarray
    x: np.ndarray
    ident: list[str]

    def rows(self, i: int) -> slice:
        return slice(int(self.bounds[i]), int(self.bounds[i + 1]))


def _group(t: np.ndarray, track: np.ndarray, xy: np.ndarray, ident: np.ndarray) -> OverlapTracks:
    order = np.lexsort((t, track))
    t, track, xy, ident = t[order], track[order], xy[order], ident[order]
    ids, first = np.unique(track, return_index=True)
    bounds = np.append(first, len(track))
    # the newest identity a track carried in the window ("" when none)
    last_ident = []
    for i in range(len(ids)):
        named = [v for v in ident[bounds[i] : bounds[i + 1]].tolist() if v]
        last_ident.append(named[-1] if named else "")
    return OverlapTracks(ids, bounds, t, xy, last_ident)


def _enu(lat: np.ndarray, lon: np.ndarray, lat0: float) -> np.ndarray:
    # equirectangular about the window's mean latitude: the gates are a few km, where its error
    # (well under 1 %) is far below the tracks' own
    return np.column_stack(
        [EARTH_R_M * math.cos(math.radians(lat0)) * np.radians(lon), EARTH_R_M * np.radians(lat)]
    )


def _pair_cost(a: OverlapTracks, i: int, b: OverlapTracks, j: int, gates: JoinGates) -> float:
    """Cost of calling a's track i and b's track j one (lower is better), inf when they are not."""
    ia, ib = a.ident[i], b.ident[j]
    if ia and ib and ia != ib:
        return math.inf
    ta, xa, tb, xb = a.t[a.rows(i)], a.x[a.rows(i)], b.t[b.rows(j)], b.x[b.rows(j)]
    lo, hi = max(ta[0], tb[0]), min(ta[-1], tb[-1])
    if hi < lo:
        return math.inf
    ts = np.unique(np.concatenate([ta[(ta >= lo) & (ta <= hi)], tb[(tb >= lo) & (tb <= hi)]]))

    def at(t: np.ndarray, tt: np.ndarray, xx: np.ndarray) -> np.ndarray:
        return np.column_stack([np.interp(t, tt, xx[:, 0]), np.interp(t, tt, xx[:, 1])])

    pa_, pb = at(ts, ta, xa), at(ts, tb, xb)
    d = float(np.sqrt(np.mean(np.sum((pa_ - pb) ** 2, axis=1))))
    if ia and ia == ib:
        return d / gates.ident_gate_m - 2.0 if d < gates.ident_gate_m else math.inf
    dv = 0.0
    if hi - lo > 0:
        dv = float(np.hypot(*((pa_[-1] - pa_[0]) - (pb[-1] - pb[0]))) / (hi - lo))
    if d >= gates.gate_m or dv >= gates.speed_mps:
        return math.inf
    return d / gates.gate_m + dv / gates.speed_mps


def match_tracks(a: OverlapTracks, b: OverlapTracks, gates: JoinGates) -> list[tuple[int, int, bool]]:
    """One-to-one matches (index in a, index in b, by identity) of the tracks of one window."""
    if not len(a.ids) or not len(b.ids):
        return []
    last_a = a.x[a.bounds[1:] - 1]
    last_b = b.x[b.bounds[1:] - 1]
    reach = gates.ident_gate_m + gates.reach_mps * ROW_GAP_S
    cand = cKDTree(last_b).query_ball_point(last_a, reach)
    pairs = [(i, j) for i, js in enumerate(cand) for j in js]
    if not pairs:
        return []
    ua = sorted({i for i, _ in pairs})
    ub = sorted({j for _, j in pairs})
    ra, rb = {v: k for k, v in enumerate(ua)}, {v: k for k, v in enumerate(ub)}
    cost = np.full((len(ua), len(ub)), np.inf)
    for i, j in pairs:
        cost[ra[i], rb[j]] = _pair_cost(a, i, b, j, gates)
    finite = np.isfinite(cost)
    if not finite.any():
        return []
    big = float(np.abs(cost[finite]).max()) * 10 + 10.0
    rows, cols = linear_sum_assignment(np.where(finite, cost, big))
    return [
        (ua[r], ub[c], bool(a.ident[ua[r]]) and a.ident[ua[r]] == b.ident[ub[c]])
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
        if finite[r, c]
    ]


def _window(tab: pa.Table, lo: float, hi: float, lat0: float) -> OverlapTracks:
    t = tab.column("time_s").to_numpy()
    keep = (t >= lo) & (t < hi)
    sub = tab.filter(pa.array(keep))
    xy = _enu(sub.column("lat").to_numpy(), sub.column("lon").to_numpy(), lat0)
    ident = np.array(sub.column("identity").fill_null("").to_pylist(), dtype=object)
    return _group(sub.column("time_s").to_numpy(), sub.column("track").to_numpy(), xy, ident)


def join(
    parts: Sequence[pa.Table], chunks: Sequence[Chunk], gates: JoinGates
) -> tuple[list[pa.Table], JoinStats]:
    """The joined picture, one table per chunk (its owned rows, tracks renumbered 1.. in order
    of first appearance, a track carried over a boundary keeping its id), and how it was joined."""
    stats = JoinStats()
    out: list[pa.Table] = []
    next_id = 1
    lats = [p.column("lat").to_numpy() for p in parts if p.num_rows]
    lat0 = float(np.mean(np.concatenate(lats))) if lats else 0.0
    for tab, c in zip(parts, chunks, strict=True):
        tab = tab.cast(SCHEMA)
        given: dict[int, int] = {}
        b: OverlapTracks | None = None
        if c.index and out and c.lead_s < c.start_s:
            stats.boundaries += 1
            done = pa.concat_tables(out[-_back(chunks, c) :])
            a = _window(done, c.lead_s, c.start_s, lat0)
            b = _window(tab, c.lead_s, c.start_s, lat0)
            matches = match_tracks(a, b, gates)
            for i, j, by_ident in matches:
                given[int(b.ids[j])] = int(a.ids[i])
                stats.by_identity += by_ident
                stats.by_kinematics += not by_ident
            stats.per_boundary.append(len(matches))
        t = tab.column("time_s").to_numpy()
        owned = (t >= c.start_s) & ((t < c.end_s) | (c.index == len(chunks) - 1))
        if c.index == 0:
            owned |= t < c.start_s
        mine = tab.filter(pa.array(owned))
        local = mine.column("track").to_numpy()
        _, first = np.unique(local, return_index=True)
        if b is not None:  # tracks of the lead-in that go on with a new id
            stats.new_in_lead += len(set(b.ids.tolist()) & set(local.tolist()) - set(given))
        for k in local[np.sort(first)].tolist():
            if k not in given:
                given[k] = next_id
                next_id += 1
        ids = np.array([given[k] for k in local.tolist()], dtype=np.int64)
        out.append(mine.set_column(mine.schema.get_field_index("track"), "track", pa.array(ids)))
    return out, stats


def _back(chunks: Sequence[Chunk], c: Chunk) -> int:
    """How many chunks before c own rows in its lead-in (more than one when overlap > chunk_s)."""
    return sum(1 for p in chunks[: c.index] if p.end_s > c.lead_s)


def _alt(v: float | None) -> str:
    """A height as tracks.csv writes it: empty when nobody measured it (None or NaN)."""
    return "" if v is None or v != v else f"{v:.1f}"


def write_tracks_csv(tables: Sequence[pa.Table], path: str | Path) -> int:
    """The joined picture as tracks.csv, formatted as the single run's writer formats it
    (sinks/export.py TracksCsvWriter); returns the rows written."""
    n = 0
    with open(path, "w", newline="") as f:
        f.write(HEADER)
        w = csv.writer(f, lineterminator="\n")
        for tab in tables:
            c = {name: tab.column(name).to_pylist() for name in COLUMNS}
            for r in range(tab.num_rows):
                l10 = c["integrity_log10_lr"][r]
                w.writerow(
                    (
                        f"{c['time_s'][r]:.2f}",
                        c["track"][r],
                        f"{c['lat'][r]:.6f}",
                        f"{c['lon'][r]:.6f}",
                        _alt(c["alt_m"][r]),
                        c["class"][r],
                        f"{c['class_p'][r]:.3f}",
                        c["identity"][r] or "",
                        c["integrity"][r],
                        c["integrity_reason"][r] or "",
                        "" if l10 is None else f"{l10:.1f}",
                    )
                )
            n += tab.num_rows
    return n


__all__ = [
    "COLUMNS",
    "SCHEMA",
    "JoinGates",
    "JoinStats",
    "OverlapTracks",
    "join",
    "match_tracks",
    "write_tracks_csv",
]
