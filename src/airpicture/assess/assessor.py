"""The assess stage as one object: classify every track of a picture and run the alert rules.

assessor = TrackAssessor(sensors, site, zones, settings)
for picture in tracker:                 # every ~1 s
    alerts = assessor.update(picture)   # also fills picture.cls / picture.cls_p in place
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from airpicture.assess.alerts import AlertRules
from airpicture.assess.base import AssessSettings, Zone
from airpicture.assess.classify import BayesClassifier
from airpicture.assess.features import FeatureTable, SensorSheet
from airpicture.types import Alert, Picture


class TrackAssessor:
    """Classifier + alert rules over the tracker's pictures.

    sensors: the spec sheets (sensors.json), index = the tracker's sensor index (Picture.sensors
    bits); site: {lat, lon, alt_m} of the protected site (the tracker's ENU origin); zones: see
    assess.zones; settings: AssessSettings (defaults documented in the README, "Alerts and classes").
    """

    def __init__(
        self,
        sensors: list[dict[str, object]],
        site: dict[str, float],
        zones: list[Zone] | None = None,
        settings: AssessSettings | None = None,
    ) -> None:
        self.settings = settings or AssessSettings()
        sheet = SensorSheet.from_specs(sensors)
        self.features = FeatureTable(
            sheet,
            site,
            loiter_window_s=self.settings.loiter_time_s,
            tau_detect_s=self.settings.detect_memory_s,
        )
        self.classifier = BayesClassifier(sheet, self.settings)
        self.rules = AlertRules(zones or [], float(site.get("alt_m", 0.0)), self.settings)

    def update(self, picture: Picture) -> list[Alert]:
        f = self.features.update(picture)
        post = self.classifier.update(picture, f)
        return self.rules.update(picture, f, post)


Assessor = TrackAssessor  # the name the CLI and the brief use


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


__all__ = ["Assessor", "TrackAssessor", "assess_stream"]
