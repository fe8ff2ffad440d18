"""The fan-in of the partitioned live picture: the regions' pictures in, one global picture out,
one copy and one published id per aircraft.

Near a boundary both neighbours track an aircraft (the margin). Copies of one aircraft are found
across regions: the same identity (ICAO address, Remote ID serial), or, without one, positions
within match_m and velocities within match_mps. Each group publishes one copy, the owner's: the
copy deepest inside its own region's core (a copy inside its core has depth > 0; when the two
copies straddle the line, the one further inside wins, so neither a duplicate nor a gap).

Ids: a region's track (region, local id) maps to a published id. A group takes the id its members
already carry (the owner's first); when a track crosses a boundary, the new owner's copy sits in
the same group as the old owner's, so it inherits the id before the old copy is dropped. A group
with no id yet takes the id of its identity, else of a track published within hold_s that is
gone now and whose predicted position and velocity agree (a region restarted, a copy that
confirmed late), else a new id. Every book expires entries unseen for forget_s.

Positions are compared in ECEF and velocities in the ENU frame at each copy's own position, so
regions' frames (each at its tile's centre) do not matter; the picture published is in the
frame of `site`, like a single tracker's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from airpicture.config import PartitionSettings
from airpicture.geo import EnuFrame, geodetic_to_ecef, rotation
from airpicture.scale.idmap import ExpiringMap
from airpicture.scale.partition import Tiling
from airpicture.track.associate import assign
from airpicture.types import FloatArray, IntArray, Picture

#: A region's local track id lives in the low bits of its key in the id book.
_REGION_SHIFT = 40
#: Picture fields that are per-row arrays, gathered from the regions' pictures.
_ROWS = ("track", "x", "P", "lat", "lon", "alt_m", "cls", "cls_p", "ident", "sensors", "last_update_s",
         "integrity", "mode_c", "row_time", "radar_hits", "seen_n", "crowd_n", "denied_n", "manoeuvre_p",
         "first_s", "alt_sigma_m", "alt_known")  # fmt: skip


@dataclass
class FanInStats:
    pictures: int = 0
    copies: int = 0  # region tracks received
    published: int = 0
    suppressed: int = 0  # copies not published: another region's copy of the same aircraft won
    handovers: int = 0  # a published id whose owner region changed
    by_identity: int = 0  # a new group given the id of its identity
    by_motion: int = 0  # ... of a vanished track that agrees in position and velocity
    new_ids: int = 0
    id_conflicts: int = 0  # two groups claimed one id: the later got a new one
    ids_known: int = 0  # entries in the id books now (bounded by forget_s)
    ids_expired: int = 0


class FanIn:
    """Publishes one picture from the regions' pictures of the same time (see the module doc)."""

    def __init__(self, tiling: Tiling, site: tuple[float, float, float], settings: PartitionSettings) -> None:
        self.tiling, self.settings = tiling, settings
        self.frame = EnuFrame(*site)
        self._r_site = rotation(site[0], site[1])
        self._r_region = rotation(*np.array([tiling.centre(r) for r in range(tiling.n)]).T)  # (n, 3, 3)
        self.tracks = ExpiringMap()  # region key -> published id
        self.identities = ExpiringMap()  # identity -> published id
        self._next = 1
        # the last published state of each id, kept hold_s: id, time, ECEF position, ECEF velocity, region
        self._last: dict[str, np.ndarray] = {
            "gid": np.zeros(0, np.int64), "t": np.zeros(0), "pos": np.zeros((0, 3)),
            "vel": np.zeros((0, 3)), "region": np.zeros(0, np.int64), "ident": np.zeros(0, np.int64),
        }  # fmt: skip
        self.stats = FanInStats()

    # ------------------------------------------------------------------ the one entry point
    def publish(self, t: float, pictures: Sequence[Picture]) -> Picture:
        """The global picture at t from each region's picture at t (index = region)."""
        st = self.stats
        rows = _gather(pictures)
        region = np.repeat(np.arange(len(pictures)), [len(p) for p in pictures])
        n = len(region)
        st.pictures += 1
        st.copies += n
        alt = np.nan_to_num(rows["alt_m"], nan=0.0)
        pos = geodetic_to_ecef(rows["lat"], rows["lon"], alt)  # (N, 3)
        # velocity: region ENU -> ECEF -> ENU at the copy (vel_local, for comparing copies)
        vel = np.einsum("kji,kj->ki", self._r_region[region], rows["x"][:, 3:6])
        vel_local = np.einsum("kij,kj->ki", rotation(rows["lat"], rows["lon"]), vel)
        key = (region << _REGION_SHIFT) | rows["track"]
        have = self.tracks.get(key)  # the published id each copy carries (-1: none yet)
        group = self._groups(rows, region, pos, vel_local, have)
        depth = self.tiling.depth_m(rows["lat"], rows["lon"], region)
        # a copy coasting outside its region's core + margin gets no data there: any partner wins
        inside = self.tiling.touching(rows["lat"], rows["lon"])[np.arange(n), region]
        depth = np.where(inside, depth, depth - 1e7)
        # the owner's copy stays published until it is match_m past the line (no flicker between
        # two copies straddling it)
        depth += np.where(region == self._last_region(have), self.settings.match_m, 0.0)
        order = np.lexsort((-depth, group))
        first = np.diff(group[order], prepend=-1) != 0
        rep = order[first]  # (G,) the published copy of each group, in group order
        st.suppressed += n - len(rep)
        gid = self._ids(t, group, rep, have, rows["ident"], pos, vel, region)
        self._remember(t, gid, rep, key, group, rows["ident"], pos, vel, region)
        st.published += len(rep)
        return self._picture(t, pictures, rows, rep, gid, region)

    # ------------------------------------------------------------------ steps
    def _groups(
        self, rows: dict[str, Any], region: IntArray, pos: FloatArray, vel: FloatArray, have: IntArray
    ) -> IntArray:
        """(N,) a group label per copy: copies of one aircraft held by different regions. A copy is
        paired with at most one copy of each other region (nearest neighbour; the same identity or
        the same published id first, two different published ids never), so a flock of birds or a
        cluster of drones near a corner is not chained into one, and a pair once made holds."""
        n, ps = len(region), self.settings
        # a region's copy may coast a little beyond its margin (its data stop there): look wider
        wide = 1.5 * self.tiling.margin_m + 2 * ps.match_m
        edge = np.flatnonzero(self.tiling.touching(rows["lat"], rows["lon"], wide).sum(axis=1) > 1)
        ident = rows["ident"]
        a = b = np.zeros(0, np.int64)
        if len(edge) > 1:
            near = cKDTree(pos[edge]).query_pairs(2 * ps.match_m, output_type="ndarray")
            a, b = edge[near[:, 0]], edge[near[:, 1]]
            known = edge[ident[edge] >= 0]  # the same identity in two regions, however far apart
            o = known[np.argsort(ident[known], kind="stable")]
            same = np.flatnonzero(ident[o][1:] == ident[o][:-1])
            a, b = np.r_[a, o[same]], np.r_[b, o[same + 1]]
        same = (ident[a] >= 0) & (ident[a] == ident[b])
        kept = (have[a] >= 0) & (have[a] == have[b])  # a pair made before: looser gates (a turn)
        dv = np.linalg.norm(vel[a] - vel[b], axis=1)
        ok = (region[a] != region[b]) & ((ident[a] < 0) | (ident[b] < 0) | same)
        ok &= (have[a] < 0) | (have[b] < 0) | kept | same
        ok &= same | (dv < np.where(kept, 2 * ps.match_mps, ps.match_mps))
        a, b, same, kept = a[ok], b[ok], same[ok], kept[ok]
        swap = region[a] > region[b]  # the lower region's copy on the left: one partner per region
        a, b = np.where(swap, b, a), np.where(swap, a, b)
        # a pair found both by identity and by distance is one pair (else a block to solve)
        _, once = np.unique(a * n + b, return_index=True)
        a, b, same, kept = a[once], b[once], same[once], kept[once]
        cost = np.linalg.norm(pos[a] - pos[b], axis=1) / np.where(kept, 2 * ps.match_m, ps.match_m) - 1.0
        cost[same | kept] -= 2.0
        pick = assign(a * self.tiling.n + region[b], b * self.tiling.n + region[a], cost)
        graph = coo_matrix((np.ones(len(pick)), (a[pick], b[pick])), shape=(n, n))
        return connected_components(graph, directed=False)[1].astype(np.int64)

    def _ids(
        self, t: float, group: IntArray, rep: IntArray, have: IntArray, ident: IntArray,
        pos: FloatArray, vel: FloatArray, region: IntArray,
    ) -> IntArray:  # fmt: skip
        """(G,) the published id of each group."""
        st = self.stats
        # a group takes the id its members carry (a handover: the old owner's); of two, the oldest
        order = np.lexsort((np.where(have >= 0, have, np.iinfo(np.int64).max), group))
        first = np.diff(group[order], prepend=-1) != 0
        gid = self._unique(have[order[first]], region[rep])
        unset = gid < 0  # by identity
        if unset.any():
            by_ident = np.where(ident[rep] >= 0, self.identities.get(ident[rep]), -1)
            take = unset & (by_ident >= 0) & ~np.isin(by_ident, gid)
            gid[take] = by_ident[take]
            gid = self._unique(gid, region[rep])
            st.by_identity += int(take.sum())
        free = np.flatnonzero(gid < 0)  # by motion: a vanished track that agrees
        if len(free):
            gone = self._gone(t, gid)
            if len(gone):
                dt = t - self._last["t"][gone]
                guess = self._last["pos"][gone] + self._last["vel"][gone] * dt[:, None]
                k, m = cKDTree(pos[rep[free]]).query(
                    guess, k=4, distance_upper_bound=self.settings.match_m * 3
                )
                ok = np.isfinite(k)
                gi = np.repeat(np.arange(len(gone)), k.shape[1])[ok.ravel()]
                fi = m.ravel()[ok.ravel()]
                dv = np.linalg.norm(self._last["vel"][gone][gi] - vel[rep[free]][fi], axis=1)
                reach = self.settings.match_m + self.settings.match_mps * dt[gi]
                cost = np.where(dv < self.settings.match_mps, k.ravel()[ok.ravel()] / reach - 1.0, 1.0)
                li, ri = self._last["ident"][gone][gi], ident[rep[free]][fi]
                cost[(li >= 0) & (ri >= 0) & (li != ri)] = 1.0
                pick = assign(gi, fi, cost)
                gid[free[fi[pick]]] = self._last["gid"][gone][gi[pick]]
                st.by_motion += len(pick)
        free = np.flatnonzero(gid < 0)
        gid[free] = self._next + np.arange(len(free))
        self._next += len(free)
        st.new_ids += len(free)
        st.handovers += self._handovers(gid, region[rep])
        return gid

    def _unique(self, gid: IntArray, owner: IntArray) -> IntArray:
        """No id published twice: of the groups claiming one, the group whose owner published it
        last keeps it, the others give it up."""
        has = np.flatnonzero(gid >= 0)
        has = has[np.argsort(self._last_region(gid[has]) != owner[has], kind="stable")]
        _, first = np.unique(gid[has], return_index=True)
        lose = np.setdiff1d(np.arange(len(has)), first)
        self.stats.id_conflicts += len(lose)
        out = gid.copy()
        out[has[lose]] = -1
        return out

    def _gone(self, t: float, gid: IntArray) -> IntArray:
        """Rows of the last state: ids published within hold_s and not published now."""
        last = self._last
        return np.flatnonzero((last["t"] >= t - self.settings.hold_s) & ~np.isin(last["gid"], gid))

    def _last_region(self, gid: IntArray) -> IntArray:
        """(K,) the region whose copy published each id last (-1: none)."""
        last = self._last
        if len(last["gid"]) == 0:
            return np.full(len(gid), -1, np.int64)
        o = np.argsort(last["gid"])
        pos = np.clip(np.searchsorted(last["gid"][o], gid), 0, len(o) - 1)
        return np.where(last["gid"][o][pos] == gid, last["region"][o][pos], -1)

    def _handovers(self, gid: IntArray, owner: IntArray) -> int:
        before = self._last_region(gid)
        return int(((before >= 0) & (before != owner)).sum())

    def _remember(
        self, t: float, gid: IntArray, rep: IntArray, key: IntArray, group: IntArray,
        ident: IntArray, pos: FloatArray, vel: FloatArray, region: IntArray,
    ) -> None:  # fmt: skip
        # every copy of a group carries the group's id: the neighbour's copy keeps it after a handover
        g_of = np.empty(int(group.max()) + 1 if len(group) else 0, np.int64)
        g_of[group[rep]] = gid
        self.tracks.put(key, g_of[group], t)
        known = ident[rep] >= 0
        self.identities.put(ident[rep][known], gid[known], t)
        before = t - self.settings.forget_s
        self.tracks.expire(before)
        self.identities.expire(before)
        gone = self._gone(t, gid)
        last = self._last
        now = {"gid": gid, "t": np.full(len(gid), t), "pos": pos[rep], "vel": vel[rep],
               "region": region[rep], "ident": ident[rep]}  # fmt: skip
        self._last = {k: np.concatenate([v, last[k][gone]]) for k, v in now.items()}
        self.stats.ids_known = len(self.tracks) + len(self.identities)
        self.stats.ids_expired = self.tracks.expired + self.identities.expired

    def _picture(
        self, t: float, pictures: Sequence[Picture], rows: dict[str, Any], rep: IntArray, gid: IntArray,
        region: IntArray,
    ) -> Picture:  # fmt: skip
        """The published rows, x and P turned into the site's frame."""
        got: dict[str, Any] = {k: (v[rep] if v is not None else None) for k, v in rows.items()}
        got["track"] = gid
        enu = self.frame.to_enu(got["lat"], got["lon"], np.nan_to_num(got["alt_m"], nan=0.0))
        turn = np.einsum("il,kjl->kij", self._r_site, self._r_region[region[rep]])  # region ENU -> site ENU
        x = got["x"].copy()
        x[:, :3] = enu
        x[:, 3:6] = np.einsum("kij,kj->ki", turn, got["x"][:, 3:6])
        T = np.zeros((len(rep), 6, 6))
        T[:, :3, :3] = T[:, 3:, 3:] = turn
        got["x"], got["P"] = x, T @ got["P"] @ T.swapaxes(-1, -2)
        names: dict[int, str] = {}
        info: dict[int, dict[str, object]] = {}
        for p in pictures:
            names.update(p.names)
            info.update(p.info)
        return Picture(time_s=t, names=names, info=info, **got)


def _gather(pictures: Sequence[Picture]) -> dict[str, Any]:
    """The pictures' per-row arrays, concatenated (an optional field: None unless all have it)."""
    out: dict[str, Any] = {}
    for name in _ROWS:
        parts = [getattr(p, name) for p in pictures]
        out[name] = None if any(v is None for v in parts) or not parts else np.concatenate(parts)
    return out


def stats_line(stats: FanInStats) -> str:
    return " ".join(f"{f.name}={getattr(stats, f.name)}" for f in fields(stats))


__all__ = ["FanIn", "FanInStats", "stats_line"]
