import io
import json

import pytest
from test_jsonl_samples import sample_alert, sample_picture

from airpicture.errors import SinkError
from airpicture.sinks.jsonl import JsonLinesSink


def test_jsonl_file_alerts_and_tracks(tmp_path) -> None:
    path = tmp_path / "out.jsonl"
    s = JsonLinesSink(path, tracks=True)
    s.send_alerts([sample_alert(), sample_alert("cleared")])
    s.send_picture(sample_picture())
    s.close()
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [x["type"] for x in lines] == ["alert", "alert", "track", "track", "track", "track"]
    assert lines[0]["state"] == "raised" and lines[0]["evidence"]["depth_m"] == 120.0
    assert lines[3]["class"] == "aircraft" and lines[3]["identity"] == "3944f5"
    assert lines[4]["identity"] == "SN1" and lines[5]["class"] == "bird"


def test_jsonl_stream_without_tracks_and_nan_as_null() -> None:
    buf = io.StringIO()
    s = JsonLinesSink(buf)
    a = sample_alert()
    a.lat = float("nan")
    s.send_alerts([a])
    s.send_picture(sample_picture())  # tracks not asked for
    (line,) = buf.getvalue().splitlines()
    assert json.loads(line)["lat"] is None


def test_jsonl_unwritable_is_a_sink_error(tmp_path) -> None:
    with pytest.raises(SinkError):
        JsonLinesSink(tmp_path / "no" / "such" / "dir.jsonl")
    buf = io.StringIO()
    s = JsonLinesSink(buf)
    buf.close()
    with pytest.raises(SinkError):
        s.send_alerts([sample_alert()])
