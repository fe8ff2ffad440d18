"""The assess stage as one object: classify every track of a picture and run the alert rules.

assessor = TrackAssessor(sensors, site, zones, settings)
for picture in tracker:                 # every ~1 s
    alerts = assessor.update(picture)   # also fills picture.cls / picture.cls_p in place
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from airpicture.assess.alerts import AlertRules
from airpicture.assess.base import AssessSettings, Classifier, Zone
from airpicture.assess.classify import BayesClassifier
from airpicture.assess.features import FeatureTable, SensorSheet
from airpicture.sensors import SensorSheet as Sheet
from airpicture.sensors import load_sheets
from airpicture.types import Alert, Picture


class TrackAssessor:
    """The Assessor (assess/base.py) of the tracker's pictures: classifier + alert rules.

    sensors: the spec sheets (sensors.json), index = the tracker's sensor index (Picture.sensors
    bits); site: {lat, lon, alt_m} of the protected site (the tracker's ENU origin); zones: see
    assess.zones; settings: AssessSettings (defaults documented in the README, "Alerts and classes").
    """

    def __init__(
        self,
        sensors: Sequence[Sheet | Mapping[str, Any]],
        site: dict[str, float],
        zones: list[Zone] | None = None,
        settings: AssessSettings | None = None,
    ) -> None:
        self.settings = settings or AssessSettings()
        sensors = load_sheets(sensors)
        sheet = SensorSheet.from_specs(sensors)
        self.features = FeatureTable(
            sheet,
            site,
            tau_speed_s=self.settings.speed_memory_s,
            wander_lag_s=self.settings.wander_lag_s,
            wander_noise_rad=self.settings.wander_noise_rad,
            wander_window_s=self.settings.wander_window_s,
            tau_detect_s=self.settings.detect_memory_s,
            grace_s=self.settings.history_grace_s,
            sample_dt_s=self.settings.loiter_sample_s,
            loiter_window_s=self.settings.loiter_time_s,
        )
        self.classifier: Classifier = BayesClassifier(sheet, self.settings)
        self.rules = AlertRules(zones or [], float(site.get("alt_m", 0.0)), self.settings)
        if not _warm:
            warm_up(sensors, site, zones)

    def update(self, picture: Picture) -> list[Alert]:
        f = self.features.update(picture)
        post = self.classifier.update(picture, f)
        return self.rules.update(picture, f, post)


_warm = False


def warm_up(
    sensors: Sequence[Sheet | Mapping[str, Any]], site: dict[str, float], zones: list[Zone] | None = None
) -> None:
    """Load (or compile, the first time) the numba kernels, once a process, so that the first
    pictures are not late: a throwaway assessor's stages over a picture of one track, alertable at
    once so that the alert rules run too."""
    global _warm
    _warm = True
    settings = AssessSettings(
        alert_min_age_s=0.0, alert_hold_s=0.0, zone_alert_min_age_s=0.0, zone_alert_hold_s=0.0
    )
    a = TrackAssessor(sensors, site, zones, settings)
    pic = Picture(
        time_s=1.7e9,
        track=np.array([1], dtype=np.int64),
        x=np.zeros((1, 6)),
        P=np.eye(6)[None].copy(),
        lat=np.array([float(site["lat"])]),
        lon=np.array([float(site["lon"])]),
        alt_m=np.array([float(site.get("alt_m", 0.0))]),
        cls=np.zeros(1, dtype=np.int8),
        cls_p=np.zeros(1),
        ident=np.array([-1], dtype=np.int64),
        sensors=np.array([1], dtype=np.int64),
        last_update_s=np.array([1.7e9]),
        integrity=np.zeros(1, dtype=np.int8),
        mode_c=np.zeros(1, dtype=bool),
    )
    f = a.features.update(pic)
    a.classifier.update(pic, f)
    a.rules.update(pic, f, np.array([[0.0, 1.0, 0.0]]))


def assess_stream(
    pictures: Iterable[Picture],
    sensors: list[dict[str, object]],
    site: dict[str, float],
    zones: list[Zone] | None = None,
    settings: AssessSettings | None = None,
    alerts_out: list[Alert] | None = None,
) -> Iterator[Picture]:
    """Classify a stream of pictures in place, yielding each; alert steps go to alerts_out."""
    a = TrackAssessor(sensors, site, zones, settings)
    for pic in pictures:
        steps = a.update(pic)
        if alerts_out is not None:
            alerts_out.extend(steps)
        yield pic


__all__ = ["TrackAssessor", "assess_stream", "warm_up"]
