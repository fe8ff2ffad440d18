"""`airpicture console`: the operator console on a scenario, tracked live and replayed at N x.

    airpicture console                       # the bundled real Paris scenario at 10x, looping
    airpicture console SCENARIO --speed 30 --port 8080
    airpicture console --host 0.0.0.0 --token SECRET      # reachable from other machines
                                                          # (or the token in $AIRPICTURE_CONSOLE_TOKEN)
    airpicture console --beast 127.0.0.1:30005 --lat 49.01 --lon 2.55   # live: receivers, not a scenario
    airpicture console --beast rx:30005 --remoteid rx:4242 --lat 49.01 --lon 2.55   # and drones

With --beast/--avr/--sbs the console shows the live picture of those Mode S / ADS-B feeds (decoded,
tracked and assessed as they come; the site is --lat/--lon/--alt, zones from --zones) instead of
a scenario, with the GNSS interference map as a layer and its alert (integrity/gnss_alerts.py);
`airpicture replay --serve-beast` can stand in for a receiver. --remoteid adds drone Remote ID
receivers (a TCP stream of JSON lines, one frame a line: sources/remoteid_live.py); drones not
heard for 15 min are forgotten.

The tracker and the assessor run in a thread as fast as they can, recording every picture and
alert into a timeline; the console plays that timeline at --speed with pause, seek and speed
control from the page (the slider only reaches as far as the tracker has got). --store also
writes the history to a store for `airpicture replay --console`.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airpicture.config import Settings
    from airpicture.sinks.web import LiveState, Player, Timeline

BUNDLED = Path(__file__).resolve().parent.parent / "data" / "paris"
TOKEN_ENV = "AIRPICTURE_CONSOLE_TOKEN"  # the configured token, when --token is not given
STATS_EVERY_S = 10.0  # sensor stats written to a store this often (scenario / feed time), s


def configure(p: argparse.ArgumentParser) -> None:
    from airpicture.cli.args import latitude, longitude

    p.add_argument(
        "scenario", nargs="?", default=str(BUNDLED), help="scenario folder (default: bundled Paris)"
    )
    add_server_args(p)
    p.add_argument("--no-loop", action="store_true", help="stop at the end instead of starting again")
    p.add_argument("--store", help="also record the history to this store (SQLite path or postgresql:// URL)")
    from airpicture.cli.run import host_port

    for fmt in ("beast", "avr", "sbs"):
        p.add_argument(f"--{fmt}", type=host_port, action="append", default=[], metavar="HOST:PORT",
                       help=f"live {fmt} feed instead of a scenario; repeat for several")  # fmt: skip
    p.add_argument("--remoteid", type=host_port, action="append", default=[], metavar="HOST:PORT",
                   help="live Remote ID feed (JSON lines of frames, as `airpicture rid` reads); "
                   "repeat for several")  # fmt: skip
    p.add_argument("--lat", type=latitude, help="live: site / receiver latitude (deg)")
    p.add_argument("--lon", type=longitude, help="live: site / receiver longitude (deg)")
    p.add_argument(
        "--alt", type=float, default=0.0, help="live: site / receiver altitude (m) (default: %(default)s)"
    )
    p.add_argument("--zones", help="live: protected zones (GeoJSON or a JSON list of circles)")
    from airpicture.cli import sapient
    from airpicture.cli.asterix import add_out_arg

    add_out_arg(p)  # live feeds: each published picture also as CAT062
    from airpicture.cli.run import add_partition_args

    add_partition_args(p)  # live feeds: the picture split by region, fanned in
    sapient.add_out_arg(p)  # and to a SAPIENT fusion node, with the alerts


def add_server_args(p: argparse.ArgumentParser) -> None:
    """--speed, --port, --host, --token; unset, they come from the settings (console.*)."""
    from airpicture.cli.args import port, positive

    p.add_argument(
        "--speed", type=positive, help="replay speed, N x real time (default: settings console.speed)"
    )
    p.add_argument("--port", type=port, help="HTTP port (default: settings console.port)")
    p.add_argument(
        "--host", help="address to bind; off loopback needs --token (default: settings console.host)"
    )
    p.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV),
        help=f"access token for remote clients and zone changes (default: ${TOKEN_ENV})",
    )


def run(args: argparse.Namespace) -> int:
    from airpicture.cli.main import settings_of
    from airpicture.errors import ConfigError

    settings = settings_of(args)
    c = settings.console
    args.speed = c.speed if args.speed is None else args.speed
    args.port = c.port if args.port is None else args.port
    args.host = c.host if args.host is None else args.host
    args.token = args.token or c.token
    if args.speed <= 0:
        raise ConfigError("--speed must be > 0")
    feeds = [(fmt, hp) for fmt in ("beast", "avr", "sbs", "remoteid") for hp in getattr(args, fmt)]
    from airpicture.cli.run import check_partition_args

    check_partition_args(args)
    if args.partitions and not feeds:
        raise ConfigError("--partitions splits a live picture: give --beast/--avr/--sbs/--remoteid feeds")
    if feeds:
        if args.lat is None or args.lon is None:
            raise ConfigError("a live console needs the site: give --lat and --lon")
        from airpicture.cli.live_console import run_live_console

        run_live_console(
            feeds, (args.lat, args.lon, args.alt), args.zones, args.host, args.port, args.token, settings,
            store=args.store, asterix_out=args.asterix_out, sapient_out=args.sapient_out,
            partitions=args,
        )  # fmt: skip
        return 0
    if args.asterix_out is not None or args.sapient_out is not None:
        raise ConfigError(
            "--asterix-out and --sapient-out send a live console's picture: give --beast/--avr/--sbs feeds"
        )
    run_scenario_console(
        args.scenario,
        args.speed,
        loop=not args.no_loop,
        host=args.host,
        port=args.port,
        token=args.token,
        store=args.store,
        settings=settings,
    )
    return 0


def scenario_state(scn: Any, settings: Settings | None = None) -> LiveState:
    """A LiveState with the scenario's sensors, zones and site, shown as the settings say."""
    from airpicture.config import load_settings
    from airpicture.sinks.web import LiveState, MapZone, SensorSite
    from airpicture.sinks.web.live import display_of

    return LiveState(
        sensors=[SensorSite.from_sheet(s) for s in scn.sensors],
        zones=[MapZone.from_meta(z) for z in scn.zones],
        site=dict(scn.site),
        **display_of(settings or load_settings()),
    )


class ScenarioStats:
    """What each scenario sensor had delivered by replay time t: messages so far, rate over the last
    `window_s`, last message, status (stale after two revisit periods of silence); plus the
    scenario files' rejects by reason (the files, not the sensors, are what rejects are counted
    against when reading a scenario)."""

    def __init__(self, scn: Any, window_s: float = 10.0) -> None:
        import numpy as np

        self.window_s = window_s
        self.sensors = []
        for i, s in enumerate(scn.sensors):
            t = np.concatenate(
                [
                    scn.plots["time_s"][scn.plots["sensor"] == i],
                    scn.reports["time_s"][scn.reports["sensor"] == i],
                ]
            )
            self.sensors.append((s.id, s.kind, np.sort(t), 2.0 * s.revisit_s))
        self.files = dict(scn.rejects)

    def __call__(self, t: float) -> list[Any]:
        import numpy as np

        from airpicture.types import SourceStats

        out = []
        for name, kind, times, stale_s in self.sensors:
            n = int(np.searchsorted(times, t, side="right"))
            n0 = int(np.searchsorted(times, t - self.window_s, side="right"))
            last = float(times[n - 1]) if n else float("nan")
            # silent for two of its revisit periods: stale (issue 13)
            status = "idle" if n == 0 else ("running" if t - last <= stale_s else "stale")
            out.append(SourceStats(name, kind, n, (n - n0) / self.window_s, last, status))
        for fname, rej in self.files.items():
            out.append(SourceStats(f"{fname}.csv", "file", 0, 0.0, float("nan"), "read", 0, rej))
        return out


def track_into(
    scn: Any,
    timeline: Timeline,
    stop: threading.Event,
    store: str | None = None,
    settings: Settings | None = None,
    writer: Any = None,
) -> None:
    """Track and assess the scenario, appending each picture and its alert steps to the timeline.
    store: also write the history there (or through `writer`, a StoreWriter the caller closes),
    with the sensors' stats every STATS_EVERY_S of scenario time."""
    from airpicture.config import load_settings

    settings = settings or load_settings()
    from airpicture.assess.assessor import TrackAssessor
    from airpicture.assess.zones import zones_from_config
    from airpicture.integrity import TrackIntegrity, judged
    from airpicture.sinks.web import Frame
    from airpicture.track.tracker import ImmGnnTracker
    from airpicture.track.windows import scenario_windows

    trk = ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms, settings.track, settings.registration)
    integrity = TrackIntegrity(
        scn.sensors, scn.site_lla, scn.platforms, scn.active, settings.integrity, settings.reports
    )
    assessor = TrackAssessor(scn.sensors, scn.site, zones_from_config(scn.zones, scn.site), settings.assess)
    own = writer is None and store is not None
    if store is not None and writer is None:
        from airpicture.sinks.store import StoreWriter, open_store

        writer = StoreWriter(open_store(store), **settings.store.model_dump())
    stats, stats_at, biases_at = ScenarioStats(scn), -float("inf"), -float("inf")
    try:
        for pic in judged(trk, integrity, scenario_windows(scn, None, False)):
            alerts = assessor.update(pic)
            timeline.add_frame(Frame.from_picture(pic))
            if pic.time_s >= biases_at + STATS_EVERY_S:  # the radars' estimated biases, for the panel
                biases_at = pic.time_s
                timeline.add_biases(pic.time_s, {b.sensor: b.as_dict() for b in trk.registration.estimates()})
            timeline.add_alerts(alerts)
            if writer is not None:
                writer.submit_picture(pic)
                writer.submit_alerts(alerts)
                if pic.time_s - stats_at >= STATS_EVERY_S:  # the sensors' stats, as the README says
                    stats_at = pic.time_s
                    writer.submit_stats(pic.time_s, stats(pic.time_s))
            if stop.is_set():
                return
        timeline.finish()
    finally:
        if own and writer is not None:
            writer.close()
            writer.store.close()


def run_scenario_console(
    scenario_dir: str | Path = BUNDLED,
    speed: float = 10.0,
    loop: bool = True,
    host: str = "127.0.0.1",
    port: int = 8080,
    token: str | None = None,
    store: str | None = None,
    settings: Settings | None = None,
) -> None:
    """Track a scenario with the real tracker and assessor and serve it in the console at `speed` x,
    printing the URL and a progress line, until Ctrl-C. Blocking. settings: the stages' (default:
    defaults and environment)."""
    from airpicture.assess.staleness import SensorWatch
    from airpicture.cli.warm import ensure_compiled
    from airpicture.sinks.web import Player, Timeline, serve_console
    from airpicture.sinks.web.security import check_bind
    from airpicture.sources.scenario import load_scenario

    check_bind(host, token)
    ensure_compiled(settings)  # before the URL is printed: a page then shows tracks, not a blank map
    scn = load_scenario(scenario_dir)
    state = scenario_state(scn, settings)
    timeline = Timeline(scn.start_s, scn.end_s)
    writer = None
    if store:
        from airpicture.config import load_settings
        from airpicture.sinks.store import StoreWriter, open_store

        state.history_store = open_store(store)  # read side; track_into writes through the writer
        writer = StoreWriter(open_store(store), **(settings or load_settings()).store.model_dump())
    stop = threading.Event()
    tracker = threading.Thread(
        target=track_into,
        args=(scn, timeline, stop, None, settings, writer),
        name="console-track",
        daemon=True,
    )
    tracker.start()
    player = Player(state, timeline, speed=speed, loop=loop)
    stats = ScenarioStats(scn)
    watch = SensorWatch(0.0, {s.id: (s.lat, s.lon) for s in scn.sensors})  # the status says when

    def on_second(t: float) -> None:
        now = stats(t)
        state.publish_stats(now + ([writer.stats()] if writer is not None else []))
        state.publish_alerts(watch.update(now, t))
        state.publish_registration(timeline.biases_at(t))

    player.on_second = on_second
    state.publish_stats(stats(scn.start_s))
    player.start()
    progress = threading.Thread(
        target=_progress, args=(state, player, stop), name="console-progress", daemon=True
    )
    progress.start()
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    what = f"{Path(scenario_dir).name} at {speed:g}x"
    print(f"airpicture console: http://{shown}:{port}/  ({what}; Ctrl-C stops)", flush=True)
    try:
        serve_console(state, host, port, token)
    finally:
        stop.set()
        player.stop()
        tracker.join(timeout=3)  # within the shutdown grace (SHUTDOWN_GRACE_S)
        if writer is not None:
            writer.close(timeout_s=2.0, close_store=True)
        if state.history_store is not None:
            state.history_store.close()
        if sys.stderr.isatty():
            print(file=sys.stderr)  # end the status line


def serve_timeline(
    state: LiveState, timeline: Timeline, speed: float, loop: bool, host: str, port: int, token: str | None
) -> Player:
    """Play a finished timeline (stored history) in the console until Ctrl-C; returns the player."""
    from airpicture.sinks.web import Player, serve_console

    player = Player(state, timeline, speed=speed, loop=loop)
    player.start()
    stop = threading.Event()
    threading.Thread(target=_progress, args=(state, player, stop), daemon=True).start()
    print(f"airpicture console: http://{host}:{port}/  (replay at {speed:g}x; Ctrl-C stops)", flush=True)
    try:
        serve_console(state, host, port, token)
    finally:
        stop.set()
        player.stop()
    return player


def timeline_from_store(store: Any) -> Timeline:
    """Every picture and alert step of a history store (airpicture.sinks.store) as a finished timeline."""
    from airpicture.sinks.web import Frame, Timeline

    tl = Timeline()
    for t in store.picture_times():
        p = store.picture_at(float(t))
        if p is not None:
            tl.add_frame(Frame.from_picture(p))
    tl.add_alerts(a.alert for a in reversed(store.alerts(limit=None)))
    tl.finish()
    return tl


def replay_store_console(
    target: str,
    speed: float,
    loop: bool,
    host: str,
    port: int,
    token: str | None,
    settings: Settings | None = None,
) -> None:
    """`airpicture replay STORE --console PORT`: play stored history in the console until Ctrl-C.
    settings: the console's units, tiles and basemap (default: defaults and environment)."""
    from airpicture.config import load_settings
    from airpicture.errors import SourceError
    from airpicture.sinks.store import open_store
    from airpicture.sinks.web import LiveState
    from airpicture.sinks.web.live import display_of
    from airpicture.sinks.web.security import check_bind

    check_bind(host, token)
    with open_store(target) as store:
        timeline = timeline_from_store(store)
        if not timeline.frames:
            raise SourceError(f"{target}: no pictures stored")
        # a store keeps what sources did (stats), not where the sensors stand
        state = LiveState(**display_of(settings or load_settings()))
        state.history_store = store  # a selected track's history comes from the store; acks go to it
        state.acked |= {a.alert.alert for a in store.alerts(limit=None, latest_only=True) if a.acknowledged}
        state.publish_stats(store.latest_stats())
        serve_timeline(state, timeline, speed, loop, host, port, token)


def _progress(state: LiveState, player: Player, stop: threading.Event) -> None:
    """One status line on stderr, rewritten every second (a line every 30 s when not a terminal)."""
    from airpicture.cli.status import StatusLine

    line = StatusLine(sys.stderr, every_s=30.0)
    while not stop.wait(1.0):
        st = player.status()
        f = state.frame
        clock = time.strftime("%H:%M:%S", time.gmtime(st["t"]))
        span = max(st["end_s"] - st["start_s"], 1e-9)
        done = 100.0 * (st["available_s"] - st["start_s"]) / span
        active = sum(1 for a in state.alert_list() if a["state"] != "cleared")
        pace = "paused" if st["paused"] else f"{st['speed']:g}x"
        line.show(
            f"{clock}Z {pace}  tracks {len(f) if f else 0:4d}"
            f"  alerts {active:2d} active  clients {state.clients}  tracked {min(done, 100):3.0f}%"
        )
    line.end()


__all__ = [
    "ScenarioStats",
    "replay_store_console",
    "run_scenario_console",
    "scenario_state",
    "serve_timeline",
    "timeline_from_store",
    "track_into",
]
