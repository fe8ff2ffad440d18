"""WGS-84 conversions against published values and closed-form round trips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.geo import (
    A,
    B,
    EnuFrame,
    ecef_to_geodetic,
    enu_to_geodetic,
    geodetic_to_ecef,
    geodetic_to_enu,
    rotation,
)


def test_geographiclib_cartconvert_examples() -> None:
    # The worked examples of GeographicLib's CartConvert manual page (values printed to 1 cm):
    #   echo 33.3 44.4 6000 | CartConvert            -> 3816209.60 3737108.55 3485109.57
    #   echo 33.3 44.4 6000 | CartConvert -l 33 44 20 -> 37288.97 33374.29 5783.64
    np.testing.assert_allclose(
        geodetic_to_ecef(33.3, 44.4, 6000), [3816209.60, 3737108.55, 3485109.57], atol=0.01
    )
    np.testing.assert_allclose(
        geodetic_to_enu(33.3, 44.4, 6000, 33, 44, 20), [37288.97, 33374.29, 5783.64], atol=0.01
    )


def test_axes_and_poles() -> None:
    np.testing.assert_allclose(geodetic_to_ecef(0, 0, 0), [A, 0, 0], atol=1e-9)
    np.testing.assert_allclose(geodetic_to_ecef(0, 90, 0), [0, A, 0], atol=1e-9)
    np.testing.assert_allclose(geodetic_to_ecef(90, 0, 0), [0, 0, B], atol=1e-9)
    lat, _, alt = ecef_to_geodetic([0.0, 0.0, -B - 1000.0])
    assert lat == pytest.approx(-90.0) and alt == pytest.approx(1000.0, abs=1e-6)


def test_rotation_is_orthonormal_and_up_is_the_ellipsoid_normal() -> None:
    R = rotation([48.8, -33.0, 89.9], [2.3, 151.2, -170.0])
    assert R.shape == (3, 3, 3)
    np.testing.assert_allclose(R @ R.swapaxes(-1, -2), np.broadcast_to(np.eye(3), (3, 3, 3)), atol=1e-15)
    # Going 1 m straight up from a point moves it by the 'up' row of the rotation.
    d = geodetic_to_ecef(48.8, 2.3, 101.0) - geodetic_to_ecef(48.8, 2.3, 100.0)
    np.testing.assert_allclose(d, R[0, 2], atol=1e-8)


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(-89.99, 89.99),
    lon=st.floats(-180, 180),
    alt=st.floats(-500, 400_000),
)
def test_ecef_round_trip_below_a_millimetre(lat: float, lon: float, alt: float) -> None:
    la, lo, h = ecef_to_geodetic(geodetic_to_ecef(lat, lon, alt))
    back = geodetic_to_ecef(la, lo, h)
    assert np.linalg.norm(back - geodetic_to_ecef(lat, lon, alt)) < 1e-3
    assert h == pytest.approx(alt, abs=1e-3)


def test_enu_round_trip_at_200_km_below_a_centimetre() -> None:
    rng = np.random.default_rng(1)
    lat0, lon0, alt0 = 48.85, 2.35, 35.0
    bearing = rng.uniform(0, 2 * np.pi, 500)
    rng_m = rng.uniform(0, 200_000, 500)
    enu = np.column_stack([rng_m * np.sin(bearing), rng_m * np.cos(bearing), rng.uniform(-100, 15_000, 500)])
    lat, lon, alt = enu_to_geodetic(enu, lat0, lon0, alt0)
    np.testing.assert_allclose(geodetic_to_enu(lat, lon, alt, lat0, lon0, alt0), enu, atol=0.01)
    frame = EnuFrame(lat0, lon0, alt0)
    np.testing.assert_allclose(frame.to_enu(lat, lon, alt), enu, atol=0.01)
    la2, lo2, al2 = frame.to_geodetic(enu)
    np.testing.assert_allclose(la2, lat, atol=1e-9)  # 1e-9 deg ~ 0.1 mm
    np.testing.assert_allclose(lo2, lon, atol=1e-9)
    np.testing.assert_allclose(al2, alt, atol=1e-4)


def test_enu_of_a_point_200_km_north_matches_the_meridian_arc() -> None:
    # Along a meridian, the ENU north coordinate of a point on the ellipsoid is the chord's
    # projection: compare with the closed form from the two ECEF positions.
    lat0, lat1 = 45.0, 45.0 + 200_000 / 111_132.0
    p0, p1 = geodetic_to_ecef(lat0, 5.0, 0.0), geodetic_to_ecef(lat1, 5.0, 0.0)
    chord = np.linalg.norm(p1 - p0)
    e, n, u = geodetic_to_enu(lat1, 5.0, 0.0, lat0, 5.0, 0.0)
    assert e == pytest.approx(0.0, abs=1e-6)
    assert np.hypot(n, u) == pytest.approx(chord, abs=1e-6)
    assert u < -3000  # the curvature drop at 200 km is about 3.1 km


def test_moving_origin_broadcasts_per_point() -> None:
    lat = np.array([48.9, 49.0, 49.1])
    lon = np.array([2.3, 2.4, 2.5])
    alt = np.array([1000.0, 2000.0, 3000.0])
    lat0 = np.array([48.8, 48.7, 48.6])
    lon0 = np.array([2.2, 2.1, 2.0])
    alt0 = np.array([9000.0, 9000.0, 9000.0])
    out = geodetic_to_enu(lat, lon, alt, lat0, lon0, alt0)
    for i in range(3):
        np.testing.assert_allclose(out[i], geodetic_to_enu(lat[i], lon[i], alt[i], lat0[i], lon0[i], alt0[i]))
    back = enu_to_geodetic(out, lat0, lon0, alt0)
    np.testing.assert_allclose(back[0], lat, atol=1e-10)
    np.testing.assert_allclose(back[2], alt, atol=1e-5)
