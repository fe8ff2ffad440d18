"""Gate: which measurements may belong to which tracks (the hypothesiser).

1. Pre-gate on a grid: a measurement is a candidate for a track when their horizontal distance
   is within the track's 5-sigma radius (its motion within the window, and for a track built
   from reports its time-of-applicability uncertainty, included) plus the measurement's own
   horizontal uncertainty. A grid suits the tracker's case, where the radii are of the same order
   as the cell and the points are spread over a few hundred kilometres: a query looks at a handful
   of cells, so N measurements against K tracks cost O(N log N + K), not O(N K). A 2-D radar
   plot without altitude is placed at a guessed height; it is compared with where the track's
   own such plot would be placed, not with the track (plot_pregate).
2. Mahalanobis gate of each candidate pair in the measurement's own space, at the measurement's
   own time (a rotating beam times each plot), with the log-likelihood of the pair.
3. The cost of a radar pair weighs it against "missed + clutter" with the sensor's Pd and clutter
   density: -2 (log L + log(Pd / (1 - Pd)) - log lambda); only pairs with a negative cost are kept.
"""

from __future__ import annotations

import numpy as np
from scipy.special import chdtri

from airpicture.compiled import jit
from airpicture.track.geometry import Earth
from airpicture.track.linalg import LOG2PI, inv_logdet, mahalanobis
from airpicture.track.measurement import Plots, Reports, ground_at, height, radar_h, radar_innovation
from airpicture.track.motion import Motion, mix, predict_ahead, predict_combined
from airpicture.track.table import TrackColumns
from airpicture.types import FloatArray

#: Grid cell (m): about a typical gate radius.
CELL_M = 4000.0
_STRIDE = 1_000_003  # key = cell_x * _STRIDE + cell_y; cells within +-500,000 of the origin


def gate_table(p_gate: float) -> FloatArray:
    """The Mahalanobis gate (chi-square quantile at p_gate) by measurement dimension (index 0
    unused): a measurement of the object falls inside with probability p_gate."""
    return np.array([np.nan] + [float(chdtri(m, 1.0 - p_gate)) for m in range(1, 7)])


@jit
def near_pairs(pa, ra, pb):
    """All pairs (i, j) with |pa[i] - pb[j]| <= ra[i] (horizontal, m), ordered by i then j."""
    A, B = pa.shape[0], pb.shape[0]
    key = np.empty(B, np.int64)
    for j in range(B):
        key[j] = int(np.floor(pb[j, 0] / CELL_M)) * _STRIDE + int(np.floor(pb[j, 1] / CELL_M))
    order = np.argsort(key, kind="mergesort")
    skey = key[order]
    cap = 4 * (A + B) + 16
    oi = np.empty(cap, np.int64)
    oj = np.empty(cap, np.int64)
    n = 0
    cand = np.empty(B, np.int64)
    for i in range(A):
        if not ra[i] >= 0.0:  # NaN or negative: no pairs
            continue
        nc = 0
        y0 = int(np.floor((pa[i, 1] - ra[i]) / CELL_M))
        y1 = int(np.floor((pa[i, 1] + ra[i]) / CELL_M))
        for gx in range(
            int(np.floor((pa[i, 0] - ra[i]) / CELL_M)), int(np.floor((pa[i, 0] + ra[i]) / CELL_M)) + 1
        ):
            q = np.searchsorted(skey, gx * _STRIDE + y0)
            end = gx * _STRIDE + y1
            while q < B and skey[q] <= end:
                j = order[q]
                if np.hypot(pa[i, 0] - pb[j, 0], pa[i, 1] - pb[j, 1]) <= ra[i]:
                    cand[nc] = j
                    nc += 1
                q += 1
        if nc == 0:
            continue
        if n + nc > cap:
            cap = 2 * (n + nc)
            oi2 = np.empty(cap, np.int64)
            oj2 = np.empty(cap, np.int64)
            oi2[:n], oj2[:n] = oi[:n], oj[:n]
            oi, oj = oi2, oj2
        for a in range(1, nc):  # a few candidates: insertion sort, no allocation
            v, b = cand[a], a - 1
            while b >= 0 and cand[b] > v:
                cand[b + 1] = cand[b]
                b -= 1
            cand[b + 1] = v
        oj[n : n + nc] = cand[:nc]
        oi[n : n + nc] = i
        n += nc
    return oi[:n], oj[:n]


@jit
def pregate(cols, rows, t, half_w, meas_xy, slack, sig_t_report):
    """Candidate pairs (index into rows, measurement) for measurements at times t (K,) within
    half_w of their middle, with horizontal positions meas_xy (K, 2) and uncertainty radii
    slack (K,)."""
    pos, radius = predicted(cols, rows, t.mean(), half_w, sig_t_report)
    return near_within(pos, radius, meas_xy, slack)


@jit
def predicted(cols, rows, t_mid, half_w, sig_t_report):
    """Each row's position predicted to t_mid (A, 3) and its pre-gate radius (A,): 5 sigma
    horizontally, its motion within half_w and, for a track with an identity, its
    time-of-applicability uncertainty along the velocity."""
    A = rows.shape[0]
    pos = np.empty((A, 3))
    radius = np.empty(A)
    t_trk, xcs, Pcs, ident = cols.t, cols.xc, cols.Pc, cols.ident  # fields once, not per track
    for i in range(A):
        k = rows[i]
        dt = t_mid - t_trk[k]
        xc, Pc = xcs[k], Pcs[k]
        for a in range(3):
            pos[i, a] = xc[a] + xc[3 + a] * dt
        var = Pc[0, 0] + Pc[1, 1] + dt * dt * (Pc[3, 3] + Pc[4, 4])
        speed = np.hypot(xc[3], xc[4])
        lag = sig_t_report * speed if ident[k] >= 0 else 0.0
        radius[i] = 5.0 * np.sqrt(var + lag * lag) + half_w * (speed + 30.0) + 100.0
    return pos, radius


@jit
def near_within(pos, radius, meas_xy, slack):
    """Pairs (i, m) whose horizontal distance is within radius[i] + slack[m]."""
    A, K = pos.shape[0], meas_xy.shape[0]
    big = 0.0
    for m in range(K):
        big = max(big, slack[m])
    reach = np.empty(A)
    for i in range(A):
        reach[i] = radius[i] + big
    ci, cm = near_pairs(pos[:, :2], reach, meas_xy)
    keep = np.empty(ci.shape[0], np.bool_)
    for q in range(ci.shape[0]):
        i, m = ci[q], cm[q]
        keep[q] = np.hypot(pos[i, 0] - meas_xy[m, 0], pos[i, 1] - meas_xy[m, 1]) <= radius[i] + slack[m]
    return ci[keep], cm[keep]


@jit
def as_2d_plot(p, o, Mr, h, earth, out):
    """Where a 2-D plot without altitude of an object at site-ENU p puts it (out (3,)): its slant
    range and azimuth from the antenna o, converted at height h as plots_to_enu converts such a plot.
    Returns d(ground range)/d(slant range) there, which stretches distances along the beam."""
    d0, d1, d2 = p[0] - o[0], p[1] - o[1], p[2] - o[2]
    de = Mr[0, 0] * d0 + Mr[0, 1] * d1 + Mr[0, 2] * d2
    dn = Mr[1, 0] * d0 + Mr[1, 1] * d1 + Mr[1, 2] * d2
    du = Mr[2, 0] * d0 + Mr[2, 1] * d1 + Mr[2, 2] * d2
    rk = np.sqrt(de * de + dn * dn + du * du)
    rho, up = ground_at(rk, h, height(o, earth), earth.rn)
    az = np.arctan2(de, dn)
    d = (rho * np.sin(az), rho * np.cos(az), up)
    for i in range(3):
        out[i] = o[i] + Mr[0, i] * d[0] + Mr[1, i] * d[1] + Mr[2, i] * d[2]
    return rk / max(rho, 1.0)


@jit
def plot_pregate(cols, rows, plots, h_2d, half_w, slack, sig_t_report, earth):
    """pregate for a radar batch. A 2-D plot without altitude was put at ground range for the height
    prior h_2d (above the site); an object flying higher is nearer the radar than its plot, by km
    for an aircraft overflying a site radar. Such plots are compared with where each track's own
    2-D plot would be put (as_2d_plot, from the antenna at the batch's middle plot), the track's
    radius stretched along the beam and widened by its height's uncertainty and by the antenna's
    motion within the batch (an airborne radar)."""
    t, third, o, Mr = plots.t, plots.third, plots.o, plots.Mr
    pos, radius = predicted(cols, rows, t.mean(), half_w, sig_t_report)
    K = t.shape[0]
    flat = third == 0
    n_flat = int(flat.sum())
    if n_flat == 0:
        return near_within(pos, radius, plots.pp[:, :2], slack)
    mid = int(np.argmin(np.abs(t - t.mean())))
    drift = 0.0
    for m in range(K):
        if flat[m]:
            drift = max(drift, np.sqrt(((o[m] - o[mid]) ** 2).sum()))
    A = pos.shape[0]
    seen = np.empty((A, 3))
    reach = np.empty(A)
    h = earth.site_alt + h_2d
    for i in range(A):
        stretch = as_2d_plot(pos[i], o[mid], Mr[mid], h, earth, seen[i])
        d = pos[i] - o[mid]
        r = max(np.sqrt((d * d).sum()), 1.0)
        sd_up = np.sqrt(max(cols.Pc[rows[i], 2, 2], 0.0))
        reach[i] = stretch * (radius[i] + 5.0 * abs(d[2]) / r * sd_up + drift)
    idx = np.flatnonzero(flat)
    fi, fm = near_within(seen, reach, plots.pp[idx, :2], slack[idx])
    if n_flat == K:
        return fi, idx[fm]
    rest = np.flatnonzero(~flat)
    ri, rm = near_within(pos, radius, plots.pp[rest, :2], slack[rest])
    ci = np.concatenate((ri, fi))
    cm = np.concatenate((rest[rm], idx[fm]))
    order = np.argsort(ci * K + cm, kind="mergesort")
    return ci[order], cm[order]


@jit
def gate_plot(xc, Pc, mu, dt, o, Mr, third, z, R, sig_t, earth, motion):
    """Mahalanobis d2 and log-likelihood of one plot against one track's combined state,
    predicted to the plot's time; a track built from reports (sig_t > 0) gets its time
    uncertainty along the velocity added."""
    xp = np.empty(6)
    Pp = np.empty((6, 6))
    predict_ahead(xc, Pc, mu, dt, motion, xp, Pp)
    if sig_t > 0.0:
        s2 = sig_t * sig_t
        for a in range(3):
            for b in range(3):
                Pp[a, b] += s2 * xp[3 + a] * xp[3 + b]
    zh = np.empty(3)
    Hp = np.empty((3, 3))
    radar_h(xp, o, Mr, third, earth, zh, Hp)
    y = np.empty(3)
    S = np.empty((3, 3))
    radar_innovation(zh, Hp, Pp[:3, :3], z, R, third, y, S)
    Si = np.empty((3, 3))
    logdet = inv_logdet(S, 3, Si)
    q = mahalanobis(y, Si, 3)
    dim = 3 if third > 0 else 2
    return q, -0.5 * (q + logdet + dim * LOG2PI)


def radar_pairs(cols, rows, plots, pd, h_2d, sig_t_report, gates, earth, motion):
    """Gated pairs of table rows `rows` and a radar's plots: (row, plot, cost, gain, ambiguous).
    h_2d: the height prior (above the site) its 2-D plots without altitude were converted at.

    A plot carrying a Mode S address only pairs with a track of that identity or of none. Only
    pairs more likely than "missed + clutter" are kept (cost < 0 inside the gate); gain is the
    pair's log-likelihood ratio; `ambiguous` says whether some track or plot is in more than one
    pair (then the assignment must choose). gates: gate_table()."""
    # records go in as plain tuples (numba types a tuple's fields in C, a NamedTuple's in Python)
    return _radar_pairs(cols[:], rows, plots[:], pd, h_2d, sig_t_report, gates, earth[:], motion[:])


@jit
def _radar_pairs(cols_f, rows, plots_f, pd, h_2d, sig_t_report, gates, earth_f, motion_f):
    cols, plots, earth, motion = TrackColumns(*cols_f), Plots(*plots_f), Earth(*earth_f), Motion(*motion_f)
    K = plots.t.shape[0]
    slack = np.empty(K)
    for m in range(K):
        slack[m] = 4.0 * np.sqrt(plots.Cpp[m, 0, 0] + plots.Cpp[m, 1, 1])
    half_w = (plots.t.max() - plots.t.min()) / 2 + 0.5
    ci, cm = plot_pregate(cols, rows, plots, h_2d, half_w, slack, sig_t_report, earth)
    cap = ci.shape[0] + 1
    out_k = np.empty(cap, np.int64)
    out_m = np.empty(cap, np.int64)
    cost = np.empty(cap)
    gain = np.empty(cap)
    n = 0
    used_m = np.zeros(K, np.int64)
    n_track = np.zeros(rows.shape[0], np.int64)
    ambiguous = False
    lpd = np.log(pd / (1 - pd + 1e-9))
    # the records' fields once, not per pair
    xc, Pc, mu, t_trk, idents = cols.xc, cols.Pc, cols.mu, cols.t, cols.ident
    pids, thirds, t, o, Mr, z, R, lam = (
        plots.pid,
        plots.third,
        plots.t,
        plots.o,
        plots.Mr,
        plots.z,
        plots.R,
        plots.lam,
    )
    for q in range(ci.shape[0]):
        i, m = ci[q], cm[q]
        k = rows[i]
        pid, ident = pids[m], idents[k]
        if pid >= 0 and ident >= 0 and pid != ident:
            continue
        sig_t = sig_t_report if ident >= 0 else 0.0
        third = thirds[m]
        d2, ll = gate_plot(
            xc[k], Pc[k], mu[k], t[m] - t_trk[k], o[m], Mr[m], third, z[m], R[m], sig_t, earth, motion
        )
        if not d2 < (gates[2] if third == 0 else gates[3]):
            continue
        c = -2.0 * (ll + lpd - np.log(lam[m]))
        if not c < 0.0:
            continue
        out_k[n], out_m[n], cost[n] = k, m, c
        gain[n] = ll + np.log(pd) - np.log(lam[m])
        n += 1
        n_track[i] += 1
        used_m[m] += 1
        if n_track[i] > 1 or used_m[m] > 1:
            ambiguous = True
    return out_k[:n], out_m[:n], cost[:n], gain[:n], ambiguous


def report_pairs(cols, rows, reports, sel, slack, bonus, gates, motion):
    """Gated pairs of identity-less table rows `rows` and the reports `sel` of a new identity
    (fusion: a radar track of the aircraft that starts broadcasting): (row, report, cost), the
    reports taken as spanning a window of +-1 s. The cost
    is d2 + log|S| - bonus, so a pair inside the 6-D gate (of the parts the report carries and the
    track knows: a one-plot track's velocity is only its prior) is taken before a new track is
    started."""
    # records go in as plain tuples (numba types a tuple's fields in C, a NamedTuple's in Python)
    return _report_pairs(cols[:], rows, reports[:], sel, slack, bonus, gates, motion[:])


@jit
def _report_pairs(cols_f, rows, reports_f, sel, slack, bonus, gates, motion_f):
    cols, reports, motion = TrackColumns(*cols_f), Reports(*reports_f), Motion(*motion_f)
    meas_xy = np.empty((sel.shape[0], 2))
    for j in range(sel.shape[0]):
        meas_xy[j, 0], meas_xy[j, 1] = reports.z[sel[j], 0], reports.z[sel[j], 1]
    t = reports.t[sel]
    ci, cm = pregate(cols, rows, t, 1.0, meas_xy, np.full(sel.shape[0], slack), 0.0)
    out_k = np.empty(ci.shape[0], np.int64)
    out_m = np.empty(ci.shape[0], np.int64)
    cost = np.empty(ci.shape[0])
    xp = np.empty(6)
    Pp = np.empty((6, 6))
    c = np.empty(cols.mu.shape[1])
    w = np.empty((c.shape[0], c.shape[0]))
    y = np.empty(6)
    S = np.empty((6, 6))
    Si = np.empty((6, 6))
    for q in range(ci.shape[0]):
        k, p = rows[ci[q]], sel[cm[q]]
        dt = reports.t[p] - cols.t[k]
        mix(cols.mu[k], dt, motion.sojourn, motion.switch, c, w)
        predict_combined(cols.xc[k], cols.Pc[k], c, dt, motion.accel2, xp, Pp)
        # a track of one plot has no velocity but the prior a new track would start from: its
        # velocity says nothing for or against the pair, so only the position is compared
        n_used = 6 if cols.hits[k] > 1 else 3
        dim = 0
        for a in range(6):
            use_a = reports.mask[p, a] and a < n_used
            y[a] = reports.z[p, a] - xp[a] if use_a else 0.0
            dim += 1 if use_a else 0
            for b in range(6):
                both = use_a and reports.mask[p, b] and b < n_used
                S[a, b] = Pp[a, b] + reports.R[p, a, b] if both else (1.0 if a == b else 0.0)
        logdet = inv_logdet(S, 6, Si)
        d2 = mahalanobis(y, Si, 6)
        out_k[q], out_m[q] = k, p
        cost[q] = d2 + logdet - bonus if d2 < gates[max(dim, 1)] else np.inf
    return out_k, out_m, cost


__all__ = [
    "CELL_M",
    "as_2d_plot",
    "gate_plot",
    "gate_table",
    "near_pairs",
    "pregate",
    "radar_pairs",
    "report_pairs",
]
