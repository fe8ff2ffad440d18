"""The code enums of airpicture.types: their values are the codes the arrays hold (track table,
pictures, alert keys), their labels the text the sinks write."""

import numpy as np
import pytest

from airpicture import integrity
from airpicture.assess.alerts import _KINDS, _NK
from airpicture.assess.classify import KIND_CODES, KINDS
from airpicture.track import table
from airpicture.types import (
    ALERT_KINDS,
    CLASSES,
    AlertKind,
    Code,
    Integrity,
    ObjectClass,
    TrackStatus,
)

ENUMS = (ObjectClass, Integrity, TrackStatus, AlertKind)


@pytest.mark.parametrize("enum", ENUMS)
def test_codes_are_dense_int8_values(enum: type[Code]) -> None:
    assert [int(m) for m in enum] == list(range(len(enum)))
    assert all(np.int8(m) == m for m in enum)
    assert [m.label for m in enum] == [m.name.lower() for m in enum]


def test_the_track_table_and_integrity_codes_are_the_enums() -> None:
    assert (table.TENTATIVE, table.CONFIRMED) == (TrackStatus.TENTATIVE, TrackStatus.CONFIRMED)
    assert (integrity.OK, integrity.SUSPECT, integrity.SPOOFED) == (
        Integrity.OK,
        Integrity.SUSPECT,
        Integrity.SPOOFED,
    )


def test_object_classes() -> None:
    assert CLASSES == ("unknown", "aircraft", "drone", "bird")
    assert all(ObjectClass(code).label == label for code, label in enumerate(CLASSES))
    # the classifier's likelihood columns write these codes into picture.cls
    assert ObjectClass.labels(KIND_CODES).tolist() == list(KINDS) == ["aircraft", "drone", "bird"]


def test_alert_kinds_are_the_alert_keys_codes() -> None:
    assert ALERT_KINDS == ("zone_entry", "predicted_entry", "loitering", "uncooperative", "gnss_interference")
    assert len(AlertKind) == _NK
    # the track alerts' rules write these kinds; gnss_interference is of a cell (integrity/gnss_alerts.py)
    assert AlertKind.labels(_KINDS).tolist() == list(ALERT_KINDS[:4])


def test_labels_and_text() -> None:
    assert Integrity.SPOOFED == 2 and Integrity.SPOOFED.label == "spoofed"
    assert str(Integrity.SUSPECT) == f"{Integrity.SUSPECT}" == "suspect"
    assert ObjectClass.label_of(np.int8(2)) == "drone"
    assert ObjectClass.label_of(9, default="unknown") == "unknown"
    with pytest.raises(ValueError):
        Integrity.label_of(3)
    codes = np.array([[2, 0], [1, 2]], dtype=np.int8)
    assert Integrity.labels(codes).tolist() == [["spoofed", "ok"], ["suspect", "spoofed"]]
    assert ObjectClass.labels(np.array([1, -1, 7]), default="unknown").tolist() == [
        "aircraft",
        "unknown",
        "unknown",
    ]
    assert ObjectClass.labels(np.zeros(0, np.int8)).shape == (0,)
