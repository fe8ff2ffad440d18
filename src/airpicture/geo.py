"""WGS-84 geodetic <-> ECEF <-> local East-North-Up conversions (numpy, vectorised).

Latitude and longitude are in degrees (as in REPORT_DTYPE), altitude is metres above the
ellipsoid, Cartesian coordinates are metres. Every function broadcasts over leading axes, so a
whole batch of reports (and, for moving sensors, one origin per point) converts in one call.

ECEF -> geodetic uses Bowring's iteration on the parametric latitude; three steps give better than
a micrometre anywhere from the ground to satellite altitudes.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from airpicture.types import FloatArray

#: WGS-84 semi-major axis (m), flattening, first eccentricity squared, semi-minor axis (m).
A = 6378137.0
F = 1.0 / 298.257223563
E2 = F * (2.0 - F)
B = A * (1.0 - F)
EP2 = E2 / (1.0 - E2)  # second eccentricity squared

_ArrayLike = npt.ArrayLike


def geodetic_to_ecef(lat: _ArrayLike, lon: _ArrayLike, alt: _ArrayLike) -> FloatArray:
    """Geodetic (deg, deg, m) -> ECEF. Returns (..., 3) float64 [x y z] in m."""
    la = np.radians(np.asarray(lat, dtype=np.float64))
    lo = np.radians(np.asarray(lon, dtype=np.float64))
    h = np.asarray(alt, dtype=np.float64)
    sla, cla = np.sin(la), np.cos(la)
    n = A / np.sqrt(1.0 - E2 * sla * sla)  # prime-vertical radius of curvature
    x = (n + h) * cla * np.cos(lo)
    y = (n + h) * cla * np.sin(lo)
    z = (n * (1.0 - E2) + h) * sla
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


def ecef_to_geodetic(xyz: _ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """ECEF (..., 3) m -> (lat deg, lon deg, alt m), each of shape (...)."""
    p3 = np.asarray(xyz, dtype=np.float64)
    x, y, z = p3[..., 0], p3[..., 1], p3[..., 2]
    lon = np.arctan2(y, x)
    p = np.hypot(x, y)
    beta = np.arctan2(z, (1.0 - F) * p)
    for _ in range(3):
        sb, cb = np.sin(beta), np.cos(beta)
        lat = np.arctan2(z + EP2 * B * sb**3, p - E2 * A * cb**3)
        beta = np.arctan2((1.0 - F) * np.sin(lat), np.cos(lat))
    sla, cla = np.sin(lat), np.cos(lat)
    # This form of the height stays well conditioned at the poles (no division by cos(lat)).
    alt = p * cla + z * sla - A * np.sqrt(1.0 - E2 * sla * sla)
    return np.degrees(lat), np.degrees(lon), alt


def rotation(lat: _ArrayLike, lon: _ArrayLike) -> FloatArray:
    """ECEF -> ENU rotation at (lat, lon) deg: (..., 3, 3); rows are the east, north, up unit vectors."""
    la = np.radians(np.asarray(lat, dtype=np.float64))
    lo = np.radians(np.asarray(lon, dtype=np.float64))
    la, lo = np.broadcast_arrays(la, lo)
    sla, cla, slo, clo = np.sin(la), np.cos(la), np.sin(lo), np.cos(lo)
    zero = np.zeros_like(la)
    rows = [
        [-slo, clo, zero],
        [-sla * clo, -sla * slo, cla],
        [cla * clo, cla * slo, sla],
    ]
    return np.stack([np.stack(r, axis=-1) for r in rows], axis=-2)


def wrap_lon(lon: _ArrayLike) -> FloatArray:
    """Longitudes (deg) into [-180, 180): only those outside move, by 360, so the rest keep every
    bit (a modulo would round them, and a seeded simulation would no longer repeat). A difference of
    two longitudes the same way: the short way round."""
    a = np.asarray(lon, dtype=np.float64)
    return np.where(a >= 180.0, a - 360.0, np.where(a < -180.0, a + 360.0, a))


def geodetic_to_enu(
    lat: _ArrayLike, lon: _ArrayLike, alt: _ArrayLike, lat0: _ArrayLike, lon0: _ArrayLike, alt0: _ArrayLike
) -> FloatArray:
    """Geodetic points -> ENU (..., 3) [e n u] m about origin(s) (lat0, lon0, alt0).

    The origin broadcasts against the points: a scalar origin for a fixed site, arrays of the
    points' shape for a moving sensor (one origin per point).
    """
    d = geodetic_to_ecef(lat, lon, alt) - geodetic_to_ecef(lat0, lon0, alt0)
    return np.einsum("...ij,...j->...i", rotation(lat0, lon0), d)


def enu_to_geodetic(
    enu: _ArrayLike, lat0: _ArrayLike, lon0: _ArrayLike, alt0: _ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """ENU (..., 3) m about origin(s) (lat0, lon0, alt0) -> (lat deg, lon deg, alt m)."""
    R = rotation(lat0, lon0)
    d = np.einsum("...ji,...j->...i", R, np.asarray(enu, dtype=np.float64))
    return ecef_to_geodetic(d + geodetic_to_ecef(lat0, lon0, alt0))


class EnuFrame:
    """A fixed local East-North-Up frame: the tracker's working plane around one site.

    Keeps the origin's ECEF position and rotation so repeated conversions cost one matrix product.
    """

    def __init__(self, lat0: float, lon0: float, alt0: float = 0.0) -> None:
        self.lat0, self.lon0, self.alt0 = float(lat0), float(lon0), float(alt0)
        self.origin_ecef: FloatArray = geodetic_to_ecef(self.lat0, self.lon0, self.alt0)
        self.R: FloatArray = rotation(self.lat0, self.lon0)  # (3, 3) ECEF -> ENU

    def to_enu(self, lat: _ArrayLike, lon: _ArrayLike, alt: _ArrayLike) -> FloatArray:
        """Geodetic (deg, deg, m), shape (N,) -> (N, 3) [e n u] m."""
        return (geodetic_to_ecef(lat, lon, alt) - self.origin_ecef) @ self.R.T

    def to_geodetic(self, enu: _ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(N, 3) [e n u] m -> (lat deg, lon deg, alt m), each (N,)."""
        return ecef_to_geodetic(np.asarray(enu, dtype=np.float64) @ self.R + self.origin_ecef)

    def __repr__(self) -> str:
        return f"EnuFrame(lat0={self.lat0!r}, lon0={self.lon0!r}, alt0={self.alt0!r})"


__all__ = [
    "E2",
    "A",
    "B",
    "EnuFrame",
    "F",
    "ecef_to_geodetic",
    "enu_to_geodetic",
    "geodetic_to_ecef",
    "geodetic_to_enu",
    "rotation",
    "wrap_lon",
]
