"""Scoring of a tracker's output against a scenario's truth: GOSPA, RMS, coverage, ID switches,
false tracks, class accuracy, integrity (spoofed ghosts flagged) and alerts — the definitions (and
numbers) of the shared score.py.

    ref = load_reference("scenarios/paris")
    scores = score_tracks(ref, read_tracks("tracks.csv", ref.origin), EvalConfig())
    print(scores.as_dict())
"""

from airpicture.eval.alerts import AlertScores, Event, score_alerts, zone_events
from airpicture.eval.gospa import Assignment, assign, assign_sparse, gospa
from airpicture.eval.integrity import IntegrityScores, score_integrity
from airpicture.eval.metrics import (
    EvalConfig,
    KindScores,
    Series,
    TrackRows,
    TrackScores,
    read_tracks,
    score_tracks,
)
from airpicture.eval.truth import Reference, TruthTable, load_reference, read_ghosts, silent_aircraft
from airpicture.eval.visibility import observable, radar_horizon

__all__ = [
    "AlertScores",
    "Assignment",
    "EvalConfig",
    "Event",
    "IntegrityScores",
    "KindScores",
    "Reference",
    "Series",
    "TrackRows",
    "TrackScores",
    "TruthTable",
    "assign",
    "assign_sparse",
    "gospa",
    "load_reference",
    "observable",
    "radar_horizon",
    "read_ghosts",
    "read_tracks",
    "score_alerts",
    "score_integrity",
    "score_tracks",
    "silent_aircraft",
    "zone_events",
]
