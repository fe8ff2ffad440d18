"""Assessment: what flies (classification) and what an operator must know about it (alerts)."""

from airpicture.assess.alerts import AlertRules, write_alerts_csv
from airpicture.assess.assessor import TrackAssessor, assess_stream
from airpicture.assess.base import Assessor, AssessSettings, Classifier, Zone
from airpicture.assess.classify import BayesClassifier
from airpicture.assess.features import FeatureTable, SensorSheet
from airpicture.assess.zones import CircleZone, PolygonZone, load_zones, zones_from_config, zones_from_geojson

__all__ = [
    "AlertRules",
    "AssessSettings",
    "Assessor",
    "BayesClassifier",
    "CircleZone",
    "Classifier",
    "FeatureTable",
    "PolygonZone",
    "SensorSheet",
    "TrackAssessor",
    "Zone",
    "assess_stream",
    "load_zones",
    "write_alerts_csv",
    "zones_from_config",
    "zones_from_geojson",
]
