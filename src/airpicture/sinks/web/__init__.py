"""The operator console: a live web map of the air picture, alerts and sensors (FastAPI + MapLibre).

    state = LiveState(sensors, zones, site)            # producers: publish_picture / _alerts / _stats
    serve_console(state, host, port, token=None)       # blocking; Ctrl-C / SIGTERM stop it cleanly
    Player(state, timeline, speed).start()             # replay a Timeline of Frames and alert steps

Pieces: live.py (state and compact deltas), hub.py (websocket fan-out, bounded per-client queues),
app.py (REST, websocket, static page), security.py (who may connect, headers), models.py (the
OpenAPI models), replay.py (timeline and player), static/ (the page; vendored MapLibre; basemap).

Design choices:
- Offline: MapLibre GL JS and a Natural Earth basemap are served from the package; no tiles, CDN,
  glyph or sprite URL. The style has no `glyphs`, so MapLibre draws no text: labels, tracks, trails
  and speed leaders are drawn on a 2-D canvas over the map (canvas text cannot carry markup, and
  2,000 moving tracks cost no GeoJSON re-tiling: ~60 fps in headless software rendering,
  benchmarks/bench_web.py). MapLibre draws the basemap, zones and sensor coverage.
- Hostile text (callsigns, Remote ID serials, operator ids, alert messages) reaches the DOM only
  through textContent; the CSP has no inline script and no eval.
- The tracker is never slowed by a browser: deltas are built once per picture, each client has a
  bounded queue that drops its oldest message and then resyncs the client with one snapshot.
"""

from airpicture.sinks.web.app import create_app, serve_console
from airpicture.sinks.web.live import Frame, LiveState, MapZone, SensorSite
from airpicture.sinks.web.replay import Player, Timeline

__all__ = ["Frame", "LiveState", "MapZone", "Player", "SensorSite", "Timeline", "create_app", "serve_console"]
