"""The operator console's server: REST + websocket on a `LiveState`, and the static page.

    create_app(state, token=None, loopback_only=True) -> FastAPI
    serve_console(state, host="127.0.0.1", port=8080, token=None)   blocking; Ctrl-C stops it

REST under /api (OpenAPI document at /openapi.json): tracks, one track with history, alerts
and acknowledge, sensors, zones (changes need the token), the GNSS interference map, replay
control, health, metrics.
The websocket /ws sends a snapshot then deltas (see live.py) and takes commands:
{"cmd": "ack", "alert": id}, {"cmd": "pause"/"play"}, {"cmd": "seek", "t": s}, {"cmd": "speed", "speed": x}.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Generator
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles

from airpicture.sinks.web import models, security
from airpicture.sinks.web.guard import ABORT, GuardMiddleware
from airpicture.sinks.web.hub import Hub
from airpicture.sinks.web.live import LiveState, MapZone

#: After Ctrl-C / SIGTERM, the process ends within this many seconds even if something is stuck.
SHUTDOWN_GRACE_S = 4.0

STATIC = Path(str(resources.files("airpicture.sinks.web") / "static"))


#: A websocket client that has not taken one message in this long is cut off (it never reads).
SEND_TIMEOUT_S = 10.0


def _retrieved(task: asyncio.Task[object]) -> None:
    """A done callback that takes a finished task's exception, so asyncio does not log it."""
    if not task.cancelled():
        task.exception()


def create_app(
    state: LiveState,
    token: str | None = None,
    loopback_only: bool = True,
    queue_size: int = 32,
    send_timeout_s: float = SEND_TIMEOUT_S,
) -> FastAPI:
    """The console app for `state`. token: needed off loopback and for zone changes.
    send_timeout_s: a client whose socket takes no message for this long is disconnected."""
    hub = Hub(state, queue_size)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hub.start(asyncio.get_running_loop())
        yield
        hub.stop()

    app = FastAPI(
        title="airpicture console",
        version="1",
        description="Live air picture, alerts, sensors and zones. Observes and informs; controls nothing.",
        lifespan=lifespan,
        docs_url=None,  # the Swagger/ReDoc pages load scripts from a CDN: not on an offline console
        redoc_url=None,
    )

    def headers() -> dict[str, str]:
        tiles = state.display.get("tiles")
        return security.headers(tiles["url"] if tiles else None)

    app.add_middleware(GuardMiddleware, token=token, loopback_only=loopback_only, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # what was wrong and where, without echoing the input back (it may be huge, or hostile)
        detail = [{k: e[k] for k in ("type", "loc", "msg") if k in e} for e in exc.errors()]
        return JSONResponse({"detail": detail}, status_code=422)

    app.state.live = state
    app.state.hub = hub
    started = time.time()

    def require_token(request: Request) -> None:
        if not token:
            raise HTTPException(403, "zone changes need a token configured on the server (--token)")
        cookies = dict(request.cookies)
        given = security.presented_token(request.headers, cookies, dict(request.query_params))
        if not security.token_ok(token, given):
            raise HTTPException(401, "zone changes need the token")

    @app.get("/", include_in_schema=False)
    def index(request: Request) -> Response:
        given = request.query_params.get("token")
        if given is not None:
            resp: Response = RedirectResponse("/", status_code=303)
            if security.token_ok(token, given):
                resp.set_cookie(security.COOKIE, given, httponly=True, samesite="strict")
            return resp
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/about", include_in_schema=False, response_class=HTMLResponse)
    def about() -> Response:
        from airpicture.sinks.web.about import about_html, published

        return HTMLResponse(about_html(published()))

    def basemap(name: str) -> Callable[[], Response]:
        """A basemap layer from the site's own extract (state.basemap_dir) if it has the file, else
        the bundled one; stored gzipped files are sent as they are (the browser inflates them)."""

        def serve() -> Response:
            folders = [Path(state.basemap_dir)] if state.basemap_dir else []
            for folder in [*folders, STATIC / "basemap"]:
                if (folder / f"{name}.gz").is_file():
                    data = (folder / f"{name}.gz").read_bytes()
                    hdrs = {"Content-Encoding": "gzip", "Cache-Control": "max-age=86400"}
                    return Response(data, media_type="application/geo+json", headers=hdrs)
                if (folder / name).is_file():
                    return FileResponse(folder / name, media_type="application/geo+json")
            raise HTTPException(404, f"no basemap layer {name}")

        return serve

    for name in sorted({p.name.removesuffix(".gz") for p in (STATIC / "basemap").glob("*.geojson*")}):
        app.get(f"/static/basemap/{name}", include_in_schema=False)(basemap(name))

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/api/health", response_model=models.Health)
    def health() -> models.Health:
        f = state.frame
        stale, faults = state.problems()
        return models.Health(
            status="waiting" if f is None else "degraded" if stale or faults else "ok",
            time_s=f.time_s if f else None,
            tracks=len(f) if f else 0,
            clients=len(hub.clients),
            uptime_s=time.time() - started,
            stale_sensors=stale,
            faults=faults,
        )

    @app.get("/api/metrics", response_model=models.Metrics)
    def metrics() -> models.Metrics:
        alerts = state.alert_list()
        stale, faults = state.problems()
        return models.Metrics(
            degraded=int(bool(stale or faults)),
            sensors_stale=len(stale),
            faults=len(faults),
            pictures=state.pictures,
            seq=state.seq,
            tracks=len(state.frame) if state.frame else 0,
            alerts=len(alerts),
            alerts_unacknowledged=sum(1 for a in alerts if not a["acknowledged"] and a["state"] != "cleared"),
            clients=len(hub.clients),
            ws_sent=hub.sent,
            ws_dropped=hub.dropped,
            ws_timeouts=hub.timed_out,
            ws_queued=sum(len(c.queue) for c in list(hub.clients.values())),
        )

    @app.get("/metrics", include_in_schema=False, response_class=PlainTextResponse)
    def prometheus() -> str:
        m = metrics()
        return "".join(f"airpicture_console_{k} {v}\n" for k, v in m.model_dump().items())

    @app.get("/api/tracks", response_model=list[models.Track])
    def tracks() -> list[models.Track]:
        f = state.frame
        if f is None:
            return []
        cols = f.columns()
        return [models.Track.from_row({k: v[i] for k, v in cols.items()}) for i in range(len(f))]

    @app.get("/api/tracks/{track_id}", response_model=models.TrackDetail, responses={404: {}})
    def track(track_id: int) -> models.TrackDetail:
        row = state.track(track_id)
        if row is None:
            raise HTTPException(404, f"no track {track_id} in the current picture")
        h = row["history"]
        return models.TrackDetail(
            **models.Track.from_row(row).model_dump(),
            sensor_names=row["sensor_names"],
            evidence=row["evidence"],
            history=models.TrackHistory(
                t=h["t"], lat=h["lat"], lon=h["lon"], alt_m=h["alt"], speed_mps=h["spd"], cls_p=h["p"]
            ),
        )

    @app.get("/api/alerts", response_model=list[models.Alert])
    def alerts(active: bool = False) -> list[models.Alert]:
        rows = state.alert_list()
        if active:
            rows = [a for a in rows if a["state"] != "cleared"]
        return [models.Alert(**a) for a in rows]

    @app.post("/api/alerts/{alert_id}/ack", response_model=models.Alert, responses={404: {}})
    def acknowledge(alert_id: str) -> models.Alert:
        row = state.acknowledge(alert_id)
        if row is None:
            raise HTTPException(404, "no such alert")
        return models.Alert(**row)

    @app.get("/api/sensors", response_model=list[models.Sensor])
    def sensors() -> list[models.Sensor]:
        return [models.Sensor(**s) for s in state.sensor_list()]

    @app.get("/api/zones", response_model=list[models.Zone])
    def zones() -> list[models.Zone]:
        return [models.Zone(**z.__dict__) for z in state.zones.values()]

    @app.post(
        "/api/zones", response_model=models.Zone, status_code=201, dependencies=[Depends(require_token)]
    )
    def create_zone(zone: models.Zone) -> models.Zone:
        if zone.name in state.zones:
            raise HTTPException(409, "a zone with that name exists; use PUT")
        state.set_zone(MapZone(**zone.model_dump()))
        return zone

    @app.put("/api/zones/{name}", response_model=models.Zone, dependencies=[Depends(require_token)])
    def update_zone(name: str, zone: models.Zone) -> models.Zone:
        if zone.name != name:
            raise HTTPException(422, "the zone's name must match the path")
        state.set_zone(MapZone(**zone.model_dump()))
        return zone

    @app.delete("/api/zones/{name}", status_code=204, dependencies=[Depends(require_token)])
    def delete_zone(name: str) -> Response:
        if not state.delete_zone(name):
            raise HTTPException(404, "no such zone")
        return Response(status_code=204)

    @app.get("/api/gnss")
    def gnss() -> dict[str, Any]:
        """The GNSS interference map as GeoJSON: the current bin of each H3 cell (its newest, or the
        one before while the newest is young: CellBins.current), with the properties h3, start_s,
        end_s, aircraft, degraded, unrated, share, interference, closed; empty without a Mode S
        feed."""
        return state.gnss

    @app.get("/api/replay", response_model=models.ReplayStatus, responses={404: {}})
    def replay_status() -> models.ReplayStatus:
        if state.replay is None:
            raise HTTPException(404, "live picture: nothing to replay")
        return models.ReplayStatus(**state.replay.status())

    @app.post("/api/replay", response_model=models.ReplayStatus, responses={404: {}})
    def replay_command(cmd: models.ReplayCommand) -> models.ReplayStatus:
        if state.replay is None:
            raise HTTPException(404, "live picture: nothing to replay")
        state.replay.command(cmd.action, t=cmd.t, speed=cmd.speed)
        return models.ReplayStatus(**state.replay.status())

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        client = hub.connect()

        async def sender() -> None:
            while True:
                text = await hub.next_text(client)
                try:
                    await asyncio.wait_for(websocket.send_text(text), send_timeout_s)
                except TimeoutError:
                    # a client that never reads would hold its queue and the kernel's send buffer
                    # (megabytes) for ever: drop the connection without waiting to flush it
                    hub.timed_out += 1
                    websocket.scope[ABORT]()
                    return

        async def receiver() -> None:
            while True:
                handle_command(state, await websocket.receive_text())

        tasks = [asyncio.create_task(sender()), asyncio.create_task(receiver())]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for t in done:
                exc = t.exception()
                if exc is not None and not isinstance(exc, WebSocketDisconnect | RuntimeError):
                    raise exc
        finally:
            for t in tasks:
                t.cancel()
            # a sender cancelled inside send_text ends with WebSocketDisconnect, not CancelledError:
            # its exception is retrieved when it ends, so it is not logged as "Task exception was
            # never retrieved" (the soak counted 35 such tracebacks in 24 h of churning clients).
            # Not awaited here: a wait in this `finally` is a point where the handler itself can be
            # cancelled, and its caller then sees CancelledError instead of a closed socket.
            for t in tasks:
                t.add_done_callback(_retrieved)
            hub.disconnect(client)

    return app


def handle_command(state: LiveState, text: str) -> bool:
    """Apply one websocket command; False (ignored) if it is not one we know."""
    try:
        cmd = json.loads(text)
    except ValueError:
        return False
    if not isinstance(cmd, dict):
        return False
    name = cmd.get("cmd")
    if name == "ack" and isinstance(cmd.get("alert"), str):
        return state.acknowledge(cmd["alert"]) is not None
    if name in ("pause", "play", "seek", "speed") and state.replay is not None:
        try:
            t = float(cmd["t"]) if name == "seek" else None
            speed = float(cmd["speed"]) if name == "speed" else None
        except (KeyError, TypeError, ValueError):
            return False
        if speed is not None and not 0 < speed <= 1000:
            return False
        state.replay.command(name, t=t, speed=speed)
        return True
    return False


def serve_console(
    state: LiveState,
    host: str = "127.0.0.1",
    port: int = 8080,
    token: str | None = None,
    log_level: str = "warning",
) -> None:
    """Serve the console until Ctrl-C or SIGTERM, then shut down gracefully and return."""
    import uvicorn

    security.check_bind(host, token)
    app = create_app(state, token=token, loopback_only=security.is_loopback(host))
    # No per-message deflate: it compresses every message once per client (its compressor keeps a
    # context per connection), which took a third of the event loop under 200 churning clients
    # (py-spy, benchmarks/churn.py); a console's deltas are small and its clients near.
    config = uvicorn.Config(
        app, host=host, port=port, log_level=log_level, ws="websockets-sansio", ws_per_message_deflate=False
    )
    _quiet_server_class()(config).run()


def _quiet_server_class() -> type:
    import uvicorn

    class QuietServer(uvicorn.Server):
        """uvicorn re-raises Ctrl-C after its graceful shutdown, which tears the event loop down with a
        traceback; here Ctrl-C / SIGTERM only ask the server to stop, and serve_console returns.
        The first signal also arms a watchdog: a shutdown still running SHUTDOWN_GRACE_S later (a
        stuck thread, a blocked event loop) ends the process, so an operator's stop always works."""

        watchdog: threading.Timer | None = None

        def on_signal(self, sig: int, frame: Any) -> None:
            self.handle_exit(sig, frame)
            if self.watchdog is None:
                self.watchdog = threading.Timer(SHUTDOWN_GRACE_S, _force_exit)
                self.watchdog.daemon = True
                self.watchdog.start()

        @contextlib.contextmanager
        def capture_signals(self) -> Generator[None, None, None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            old = {sig: signal.signal(sig, self.on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in old.items():
                    signal.signal(sig, handler)

    return QuietServer


def _force_exit() -> None:
    print(f"airpicture: shutdown took over {SHUTDOWN_GRACE_S:g} s; exiting", file=sys.stderr, flush=True)
    os._exit(3)


__all__ = ["create_app", "handle_command", "serve_console"]
