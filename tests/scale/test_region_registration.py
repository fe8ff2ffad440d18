"""The regions of the partitioned picture (scale/region.py) track with the [registration] settings
they are given, as the single tracker does."""

from __future__ import annotations

from airpicture.config import RegistrationSettings, TrackSettings
from airpicture.scale.region import Region

RADAR = {"id": "R1", "kind": "radar", "lat": 52.0, "lon": 4.5, "alt_m": 30, "scan_period_s": 4.0,
         "max_range_m": 120000, "sigma_range_m": 40, "sigma_azimuth_deg": 0.08,
         "reports_altitude": "mode_c", "pd": {"aircraft": 0.9}}  # fmt: skip


def test_a_region_takes_the_registration_settings_and_keeps_them_on_restore() -> None:
    off = Region(0, [RADAR], (52.0, 4.5, 0.0), None, TrackSettings(), RegistrationSettings(enabled=False))
    assert off.tracker.registration.radars == {}
    off.restore(None, [])  # a fresh tracker is built with the same settings
    assert off.tracker.registration.radars == {}
    ref = RegistrationSettings(reference_radars=["R1"])
    on = Region(1, [RADAR], (52.0, 4.5, 0.0), None, TrackSettings(), ref)
    assert [e.reference for e in on.tracker.registration.estimates()] == [True]
