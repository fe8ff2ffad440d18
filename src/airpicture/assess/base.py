"""Role contracts of the assess stage and its settings.

    Picture ──► FeatureTable.update ──► Classifier.update ──► AlertRules.update ──► [Alert]
                (per-track history)      (cls, cls_p)          (zones, loitering, uncooperative)

The stage's thresholds are `AssessSettings` (airpicture.config, `Settings.assess`).

A `Zone` is a protected volume in the site's East-North-Up frame: a horizontal footprint and a
height band in metres above the site. An `Assessor` is the whole stage: picture in, alerts out.
Implementations are named <Algorithm><Role>: `CircleZone`, `PolygonZone` (zones.py),
`BayesClassifier` (classify.py), `TrackAssessor` (assessor.py).
"""

from __future__ import annotations

from typing import Protocol

from airpicture.assess.features import Features
from airpicture.config import AssessSettings  # the stage's settings live with all the others
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


__all__ = ["AssessSettings", "Assessor", "Classifier", "Zone"]
