"""The math of sensor registration (track/registration.py): how a radar's systematic errors show in
its plots, and the recursive least-squares estimate of them. Pure batched numpy functions.

Measurement model. A radar with biases b = [dr, daz, dt] (range m, azimuth rad, time-stamp s)
stamps a plot of an object at true time t0 with time t = t0 + dt, and measures
    z = h(x(t0) - o(t0)) + [dr, daz] + noise
where h gives [slant range, azimuth] of a position relative to the antenna o. Against a reference
x_ref(t) (an ADS-B report moved to the plot's stamped time t) the residual is, to first order,
    y = z - h(x_ref(t) - o(t)) = H b + noise,     H = [[1, 0, -rdot], [0, 1, -azdot]]
with rdot, azdot the rates of the object's range and azimuth seen from the (possibly moving)
antenna: the time offset's Jacobian. The plots' spread over approaching and receding, left- and
right-crossing objects is what makes the three biases separable; `observability` measures it.

Estimate (information form, exponential forgetting with time constant tau):
    L <- lam L + sum_k H_k^T W_k H_k,   e <- lam e + sum_k H_k^T W_k y_k,   lam = exp(-dT / tau)
    b = (L + L0)^-1 e,                  Pb = (L + L0)^-1
L0 = diag(1 / prior sigma^2) is a zero-mean prior that is never forgotten (it keeps Pb finite
without data). W_k = w_k R_k^-1 with R_k the plot's noise plus the reference's projected noise,
and w_k a Huber weight of the normalised residual (so an occasional wrong pairing pulls little).

Two radars. A plot of radar B placed in site ENU from its range and azimuth as measured (its
height held) is p_B = x(t_B) - (v - v_oB) dt_B + G_B [dr_B, daz_B]; moved to A's plot time with
the track's velocity it is a reference for A's plot like an ADS-B report, whose own biases enter:
    y = H_A b_A + H_B b_B + noise,   H_B = [-J_A G_B, J_A (v - v_oB)]
with J_A = d(range, azimuth of A)/d(position). All radars' biases are then one vector b (n = 3 per
radar) and one information matrix, solved jointly with the ADS-B pairings (their H has one block).
What no pairing fixes stays at the prior's zero: without ADS-B or a reference radar, a time
offset common to all radars (everything late alike looks the same as nothing late), and nearly so
a common azimuth offset (it shows only through the baseline between the radars).
`observable_part` splits the estimate into the directions known well enough and the rest.

Letters: y (K, 2) residual [m, rad]; H (K, 2, n); R (K, 2, 2); L (n, n); e (n,); G (K, 3, 2)
d(position)/d(range, azimuth); C (K, 3, 3) a plot's position covariance; J (K, 2, 3).
"""

from __future__ import annotations

import numpy as np

from airpicture.types import FloatArray, IntArray


def wrap(a: FloatArray) -> FloatArray:
    """Angles (rad) to [-pi, pi)."""
    return np.asarray((a + np.pi) % (2 * np.pi) - np.pi)


def polar(d: FloatArray, Mr: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Relative positions d (K, 3) in site ENU, rotated by Mr (K, 3, 3) into the antenna's own
    east/north/up -> (slant range (K,), azimuth (K,) rad clockwise from north, local (K, 3))."""
    loc = np.einsum("kij,kj->ki", Mr, d)
    r = np.linalg.norm(loc, axis=1)
    return r, np.arctan2(loc[:, 0], loc[:, 1]), loc


def residuals(
    r: FloatArray,
    az: FloatArray,
    ref_p: FloatArray,
    ref_v: FloatArray,
    o: FloatArray,
    Mr: FloatArray,
    o_v: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Residuals of K plots against their references, and the model's Jacobian.

    r, az : (K,) the plots as stamped (m, rad); ref_p, ref_v : (K, 3) reference position at the
    plot's stamped time and its velocity, site ENU; o, Mr : (K, 3), (K, 3, 3) the antenna and the
    site-ENU -> antenna-ENU rotation at that time; o_v : (K, 3) the antenna's velocity.
    Returns y (K, 2) [m, rad], H (K, 2, 3), rho (K,) horizontal range (m, for projecting noise)
    and el (K,) the reference's elevation (rad, to check a 3-D radar's pairing).
    """
    rr, aa, loc = polar(ref_p - o, Mr)
    vloc = np.einsum("kij,kj->ki", Mr, ref_v - o_v)
    rho2 = np.maximum(loc[:, 0] ** 2 + loc[:, 1] ** 2, 1.0)
    r_dot = np.einsum("ki,ki->k", loc, vloc) / np.maximum(rr, 1.0)
    az_dot = (loc[:, 1] * vloc[:, 0] - loc[:, 0] * vloc[:, 1]) / rho2
    y = np.column_stack([r - rr, wrap(az - aa)])
    H = np.zeros((len(r), 2, 3))
    H[:, 0, 0] = 1.0
    H[:, 1, 1] = 1.0
    H[:, 0, 2] = -r_dot
    H[:, 1, 2] = -az_dot
    return y, H, np.sqrt(rho2), np.arctan2(loc[:, 2], np.sqrt(rho2))


def plot_points(
    r: FloatArray,
    az: FloatArray,
    o: FloatArray,
    Mr: FloatArray,
    du: FloatArray,
    third: IntArray,
    R3: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Radar plots placed in site ENU with their range and azimuth as measured (not corrected):
    r, az (K,); o, Mr the antenna at the plot's stamped time; du (K,) the plot's height above the
    antenna (as the tracker placed it: measured elevation or altitude); third (K,) 1 elevation /
    2 altitude measured; R3 (K, 3, 3) the plot's noise [range azimuth third]. Returns p (K, 3),
    G (K, 3, 2) d p / d(range, azimuth) with the measured elevation (1) or height (2) held,
    C (K, 3, 3) the covariance of p."""
    rho = np.sqrt(np.maximum(r * r - du * du, 1.0))
    s, c = np.sin(az), np.cos(az)
    z = np.zeros_like(r)
    loc = np.column_stack([rho * s, rho * c, du])
    elev = third == 1
    d_r = np.where(
        elev[:, None], loc / np.maximum(r, 1.0)[:, None], np.column_stack([r / rho * s, r / rho * c, z])
    )
    d_az = np.column_stack([rho * c, -rho * s, z])
    # the third component: elevation (du = r sin el) or height (du, with rho giving way)
    d_h = np.column_stack([-du / rho * s, -du / rho * c, np.ones_like(r)])
    d_3 = np.where(elev[:, None], d_h * rho[:, None], d_h)
    Gl = np.stack([d_r, d_az, d_3], axis=-1)  # (K, 3, 3) antenna-local
    G3 = Mr.swapaxes(-1, -2) @ Gl  # back to site ENU
    p = o + np.einsum("kji,kj->ki", Mr, loc)
    return p, G3[:, :, :2], G3 @ R3 @ G3.swapaxes(-1, -2)


def polar_jacobian(p: FloatArray, o: FloatArray, Mr: FloatArray) -> FloatArray:
    """J (K, 2, 3): d(slant range, azimuth)/d(site-ENU position) of points p seen from o, Mr."""
    loc = np.einsum("kij,kj->ki", Mr, p - o)
    r = np.maximum(np.linalg.norm(loc, axis=1), 1.0)
    rho2 = np.maximum(loc[:, 0] ** 2 + loc[:, 1] ** 2, 1.0)
    Jl = np.zeros((len(p), 2, 3))
    Jl[:, 0] = loc / r[:, None]
    Jl[:, 1, 0], Jl[:, 1, 1] = loc[:, 1] / rho2, -loc[:, 0] / rho2
    return np.asarray(Jl @ Mr)


def reference_jacobian(J: FloatArray, G: FloatArray, rel_v: FloatArray) -> FloatArray:
    """H_B (K, 2, 3): how the biases of the radar whose plot is the reference show in the
    residual. J (K, 2, 3) of the measuring radar at the reference; G (K, 3, 2) of the reference
    plot; rel_v (K, 3) the object's velocity relative to the reference radar's antenna."""
    H = np.empty((len(J), 2, 3))
    H[:, :, :2] = -J @ G
    H[:, :, 2] = np.einsum("kij,kj->ki", J, rel_v)
    return H


def observable_part(
    b: FloatArray, Pb: FloatArray, unit: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The part of an estimate b (n,), Pb (n, n) known to within `unit` (n,) sigmas: in units of
    `unit`, the eigen-directions of Pb with variance under 1 (the others, left to the prior, are
    projected out). Returns (that part of b (n,), its covariance (n, n), the directions not
    known (n, m), in units of `unit`)."""
    C = Pb / np.outer(unit, unit)
    lam, U = np.linalg.eigh(C)
    known = lam <= 1.0
    Pi = U[:, known] @ U[:, known].T
    return unit * (Pi @ (b / unit)), np.outer(unit, unit) * (Pi @ C @ Pi), U[:, ~known]


def normalised(y: FloatArray, H: FloatArray, R: FloatArray, b: FloatArray, Pb: FloatArray) -> FloatArray:
    """d^2 (K,) of each residual against the current estimate b (n,), Pb (n, n):
    (y - H b)^T S^-1 (y - H b) with S = H Pb H^T + R."""
    e = y - H @ b
    S = H @ Pb @ H.swapaxes(-1, -2) + R
    return np.asarray(np.einsum("ki,ki->k", e, np.linalg.solve(S, e[..., None])[..., 0]))


def huber(d2: FloatArray, k: float) -> FloatArray:
    """Huber weights (K,) of normalised residuals: 1 inside k sigma, k / |d| beyond."""
    d = np.sqrt(np.maximum(d2, 1e-12))
    return np.asarray(np.minimum(1.0, k / d))


def accumulate(
    L: FloatArray, e: FloatArray, lam: float, y: FloatArray, H: FloatArray, R: FloatArray, w: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """One batch into the information: L (n, n), e (n,) forgotten by lam, plus sum of H^T W H and
    H^T W y with W = w R^-1; H (K, 2, n) over every radar's biases (a pairing of two radars has
    two blocks), R (K, 2, 2)."""
    W = np.linalg.inv(R) * w[:, None, None]
    HtW = H.swapaxes(-1, -2) @ W  # (K, n, 2)
    return lam * L + np.einsum("kij,kjl->il", HtW, H), lam * e + np.einsum("kij,kj->i", HtW, y)


def solve(L: FloatArray, e: FloatArray, L0: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The estimate b (3,) and its covariance Pb (3, 3) from the information and the prior."""
    Pb = np.asarray(np.linalg.inv(L + L0), dtype=np.float64)
    return Pb @ e, Pb


__all__ = [
    "accumulate",
    "huber",
    "normalised",
    "observable_part",
    "plot_points",
    "polar",
    "polar_jacobian",
    "reference_jacobian",
    "residuals",
    "solve",
    "wrap",
]
