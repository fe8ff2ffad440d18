"""Publish: the picture of the track table at a time, as the Picture the later stages read.

Every confirmed track is in it, except those whose consecutive missed looks leave less than
P_STILL_THERE that the object is still there (they are kept, unpublished, to pick the object up
again); so are the tentative tracks of a Mode C plot from a sensor whose such tracks are mostly
confirmed (existence.py), at their measurements only. A track measured in the last `fresh_s`
seconds is given as filtered at that measurement (row_time), the others predicted to the
picture's time: an estimate at its own time is better than one extrapolated from it.
"""

from __future__ import annotations

import numpy as np

from airpicture.compiled import jit
from airpicture.geo import E2, EP2, A, B, F
from airpicture.track.geometry import Earth
from airpicture.track.measurement import height
from airpicture.track.motion import predict_combined
from airpicture.track.table import CONFIRMED, TrackColumns
from airpicture.track.vertical import vertical_at


@jit
def geodetic(x, y, z):
    """ECEF -> (lat, lon) deg of one point. One Bowring step is within 2e-11 deg (2 micrometres)
    from -500 m to 15 km of height, so the picture takes one."""
    lon = np.arctan2(y, x)
    p = np.hypot(x, y)
    beta = np.arctan2(z, (1.0 - F) * p)
    sb, cb = np.sin(beta), np.cos(beta)
    lat = np.arctan2(z + EP2 * B * sb**3, p - E2 * A * cb**3)
    return np.degrees(lat), np.degrees(lon)


def publish(cols, t, fresh_s, min_lp, accel2, earth, show, v_accel2, reporters):
    """The picture's rows: confirmed tracks whose misses leave them likely still there (miss_lp
    >= min_lp), each at its last measurement when that is fresher than fresh_s, else predicted to
    t; and tentative tracks that may be shown (cols.show) measured by a sensor s with show[s]
    (S,) bool, while fresh. The height of a track that no report stream measured (reporters: the
    bit mask of such sensors) and whose last height was a radar's Mode C is the vertical
    channel's (vertical.py; v_accel2 its modes' acceleration variances). Returns rows, row_time, x (K, 6),
    P (K, 6, 6), lat, lon (deg), height above the ellipsoid and its variance."""
    # records go in as plain tuples (numba types a tuple's fields in C, a NamedTuple's in Python)
    return _publish(cols[:], t, fresh_s, min_lp, accel2, earth[:], show, v_accel2, reporters)


@jit
def _publish(cols_f, t, fresh_s, min_lp, accel2, earth_f, show, v_accel2, reporters):
    cols, earth = TrackColumns(*cols_f), Earth(*earth_f)
    shown = 0
    for s in range(show.shape[0]):
        if show[s]:
            shown |= 1 << s
    rows = np.flatnonzero(
        cols.alive
        & (
            ((cols.status == CONFIRMED) & (cols.miss_lp >= min_lp))
            | (cols.show & ((cols.sensors & shown) != 0) & (t - cols.t < fresh_s))
        )
    )
    K = rows.shape[0]
    row_time = np.empty(K)
    xo = np.empty((K, 6))
    Po = np.empty((K, 6, 6))
    lat = np.empty(K)
    lon = np.empty(K)
    alt = np.empty(K)
    alt_var = np.empty(K)
    Rf, origin = earth.rot, earth.origin
    for i in range(K):
        r = rows[i]
        tr = cols.t[r]
        row_time[i] = tr if t - tr < fresh_s else t
        predict_combined(cols.xc[r], cols.Pc[r], cols.mu[r], row_time[i] - tr, accel2, xo[i], Po[i])
        e, n, u = xo[i, 0], xo[i, 1], xo[i, 2]
        ex = Rf[0, 0] * e + Rf[1, 0] * n + Rf[2, 0] * u + origin[0]
        ey = Rf[0, 1] * e + Rf[1, 1] * n + Rf[2, 1] * u + origin[1]
        ez = Rf[0, 2] * e + Rf[1, 2] * n + Rf[2, 2] * u + origin[2]
        lat[i], lon[i] = geodetic(ex, ey, ez)
        if cols.vt[r] >= cols.t_height[r] and (cols.sensors[r] & reporters) == 0:
            alt[i], alt_var[i] = vertical_at(cols.vx, cols.vcov, cols.vmu, cols.vt, r, row_time[i], v_accel2)
        else:
            alt[i], alt_var[i] = height(xo[i], earth), Po[i, 2, 2]  # d(height)/d(up) = 1 to 1e-3 in range
    return rows, row_time, xo, Po, lat, lon, alt, alt_var


__all__ = ["geodetic", "publish"]
