"""The radars' estimated biases (sensor registration) in `/api/sensors`, through the ASGI client,
and in the replay timeline the scenario console plays them from."""

from __future__ import annotations

import math
import warnings

from web_helpers import paris_state

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

from airpicture.sinks.web import Timeline, create_app
from airpicture.track.registration import RadarBias

EST = RadarBias("TMA1", 99.2, 0.198, 0.51, 0.4, 0.001, 0.003, 1500.0, 8, True, 1.7e9)


def test_api_sensors_shows_each_radars_estimate() -> None:
    state = paris_state()
    with TestClient(create_app(state), base_url="http://127.0.0.1:8080", client=("127.0.0.1", 5)) as c:
        assert all(s["registration"] is None for s in c.get("/api/sensors").json())
        assert state.publish_registration({"TMA1": EST.as_dict()}) is not None
        assert state.publish_registration({"TMA1": EST.as_dict()}) is None  # unchanged: nothing sent
        by_name = {s["name"]: s for s in c.get("/api/sensors").json()}
        reg = by_name["TMA1"]["registration"]
        assert reg["applied"] is True and reg["range_m"] == 99.2 and reg["time_s"] == 0.51
        assert by_name["SITE1"]["registration"] is None
        assert "Registration" in c.get("/openapi.json").json()["components"]["schemas"]


def test_an_estimate_without_pairings_has_no_time_and_the_timeline_keeps_them_in_order() -> None:
    fresh = RadarBias("SITE1", 0.0, 0.0, 0.0, 500.0, 1.0, 2.0, 0.0, 0, False, math.nan)
    assert fresh.as_dict()["last_pair_s"] is None and "sensor" not in fresh.as_dict()
    tl = Timeline(0.0, 100.0)
    tl.add_biases(10.0, {"TMA1": fresh.as_dict()})
    tl.add_biases(20.0, {"TMA1": EST.as_dict()})
    tl.add_biases(15.0, {})  # out of order: ignored
    assert tl.biases_at(5.0) == {} and tl.biases_at(12.0)["TMA1"]["applied"] is False
    assert tl.biases_at(25.0)["TMA1"]["applied"] is True
