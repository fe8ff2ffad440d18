"""The operator console: a live web map of the air picture, alerts and sensors (FastAPI + MapLibre).

state = LiveState(sensors, zones, site)        # producers call publish_picture / _alerts / _stats
serve_console(state, host, port, token=None)   # blocking
"""

from airpicture.sinks.web.app import create_app, serve_console
from airpicture.sinks.web.live import Frame, LiveState, SensorSite, Zone
from airpicture.sinks.web.replay import Player, Timeline

__all__ = ["Frame", "LiveState", "Player", "SensorSite", "Timeline", "Zone", "create_app", "serve_console"]
