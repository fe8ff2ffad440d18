"""Role contracts of the assess stage and its settings.

    Picture ──► FeatureTable.update ──► Classifier.update ──► AlertRules.update ──► [Alert]
                (per-track history)      (cls, cls_p)          (zones, loitering, uncooperative)

A `Zone` is a protected volume in the site's East-North-Up frame: a horizontal footprint and a
height band in metres above the site. An `Assessor` is the whole stage: picture in, alerts out.
Implementations are named <Algorithm><Role>: `CircleZone`, `PolygonZone` (zones.py),
`BayesClassifier` (classify.py), `TrackAssessor` (assessor.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from airpicture.assess.features import Features
from airpicture.types import Alert, FloatArray, Picture


class Zone(Protocol):
    """A protected volume: footprint in site ENU metres, floor/ceiling in metres above the site."""

    name: str
    floor_m: float
    ceiling_m: float

    def depth(self, en: FloatArray) -> FloatArray:
        """Signed horizontal distance into the footprint, en : (..., 2) [e n] m -> (...) m.

        Positive inside, negative outside, zero on the boundary.
        """
        ...

    def to_geojson(self, site: dict[str, float]) -> dict[str, object]:
        """The zone as a GeoJSON Feature (lon/lat), for maps and round trips."""
        ...


class Classifier(Protocol):
    """Fills picture.cls / picture.cls_p from the tracks' features; returns the posterior (N, K)
    over its kinds (the alert rules read P(drone) from it)."""

    def update(self, picture: Picture, features: Features) -> FloatArray: ...


class Assessor(Protocol):
    """The assess stage: classifies the picture in place and returns the alert steps it caused."""

    def update(self, picture: Picture) -> list[Alert]: ...


@dataclass
class AssessSettings:
    """Thresholds of classification and alerting (the README, "Alerts and classes", explains each
    for operators)."""

    # classification
    prior_aircraft: float = 1 / 3
    prior_drone: float = 1 / 3
    prior_bird: float = 1 / 3
    pd_floor: float = 0.02  # no sensor is certain to see or to miss anything: caps one plot's weight
    kinematic_tau_s: float = 8.0  # a track's smoothed kinematics are worth one look per this age...
    kinematic_max_looks: float = 3.0  # ...up to this many looks
    detect_memory_s: float = 600.0  # detections and misses fade with this time constant
    flock_share: float = 0.05  # prior share of bird tracks that are flocks...
    flock_size: float = 3.0  # ...echoing like this many birds
    llr_clip: float = 30.0  # the most detection evidence counts between two kinds (nats)
    unknown_below_p: float = 0.5  # below this the class shown is "unknown"
    ident_weight: float = 20.0  # nats for a cooperative identity (ICAO -> aircraft, Remote ID -> drone)
    mode_c_weight: float = 8.0  # nats for a transponder altitude (Mode C) without Remote ID
    # which tracks may raise drone alerts (hysteresis on the drone probability)
    alert_drone_p: float = 0.97
    keep_drone_p: float = 0.6
    alert_min_age_s: float = 20.0
    alert_hold_s: float = 15.0  # ...held for this long
    # zones
    predict_horizon_s: float = 60.0
    predict_step_s: float = 2.0
    boundary_margin_m: float = 50.0  # hysteresis band around a footprint and a height band
    clear_after_s: float = 20.0  # a condition must stay false this long before its alert clears
    track_lost_s: float = 15.0  # a track unpublished this long is lost: its alerts clear
    update_every_s: float = 10.0  # an active alert is re-sent ("updated") at most this often
    # loitering
    loiter_time_s: float = 40.0
    loiter_radius_m: float = 400.0
    loiter_turn_deg: float = 120.0
    loiter_steady: float = 0.6
    hover_speed_mps: float = 3.0
    hover_radius_m: float = 150.0
    # uncooperative drones are reported within this distance of the site
    uncooperative_range_m: float = 10000.0


__all__ = ["AssessSettings", "Assessor", "Classifier", "Zone"]
