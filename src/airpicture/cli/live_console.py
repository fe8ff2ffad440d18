"""The live console's pipeline: feeds (Mode S, Remote ID) -> tracker -> integrity -> assessor ->
LiveState (and a store).

`LivePipeline.on_reports` takes the feeds' batches (from run_feeds' consumer thread); `tick` runs on
the host clock, every `publish_s`, whatever the feeds do (issue 13, defect 3: a silent feed used to
freeze the picture, its stats and the health looking live):
  - the feeds' stats are published, so a silent feed shows "stale" / "down" and its silence;
  - a sensor that stops delivering raises a "sensor_stale" alert, cleared when it comes back;
  - while no window comes, the tracker steps on empty windows at host-clock time, so the tracks
    coast and expire by the tracker's own rules instead of standing on the map.
The pipeline's lock orders the two threads' use of the tracker; it is taken before the live
state's lock and never inside it.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from airpicture.config import Settings
    from airpicture.sinks.web import LiveState
    from airpicture.sources.live import FeedClient


class LivePipeline:
    """One live console's stages (tracker, integrity, assessor) between feeds and a LiveState."""

    def __init__(
        self,
        clients: Sequence[FeedClient],
        state: LiveState,
        stages: tuple[Any, Any, Any],
        settings: Settings,
        writer: Any = None,
        gnss: Any = None,
    ) -> None:
        from airpicture.assess.staleness import SensorWatch
        from airpicture.track.windows import FeedWindows

        self.clients, self.state, self.writer = list(clients), state, writer
        self.gnss = gnss  # the GNSS interference map (integrity.gnss_alerts.GnssWatch), fed by the decoders
        self.min_aircraft = settings.gnss.min_aircraft
        self.tracker, self.integrity, self.assessor = stages
        self.publish_s = settings.console.publish_s
        self.windows = FeedWindows(self.publish_s)
        sites = {n: (s.lat, s.lon) for n, s in state.sites.items()}
        self.watch = SensorWatch(settings.feeds.stale_s, sites)
        self._lock = threading.Lock()
        self._last = (-math.inf, time.monotonic())  # (last picture time, host time it was made)
        self.coasted = 0  # empty windows stepped while the feeds were silent
        self.outs: list[Any] = []  # network sinks (ASTERIX CAT062, SAPIENT): each picture, its alerts

    def on_reports(self, reports: np.ndarray) -> None:
        from airpicture.sources.live import describe_feeds

        window = self.windows.add(reports, *describe_feeds(self.clients, reports["ident"]))
        if window is not None:
            with self._lock:
                if window.until > self._last[0]:
                    self._publish(window)
        got = self.gnss.tick() if self.gnss is not None else None  # (the decoders' thread: it feeds it)
        if got is not None:
            from airpicture.sinks.gnss import feature_collection

            steps, cells = got
            self.state.publish_alerts(steps)
            self.state.publish_gnss(feature_collection(cells.current(self.min_aircraft)))
            if self.writer is not None:
                self.writer.submit_alerts(steps)

    def tick(self) -> None:
        """Stats, sensor alerts and (while the feeds are silent) a coasting picture, on the host clock."""
        from airpicture.track.base import Measurements

        with self._lock:
            stats = [c.stats for c in self.clients]
            shown = stats + ([self.writer.stats()] if self.writer is not None else [])
            shown += [self.gnss.stats] if self.gnss is not None else []
            t_pic, at = self._last
            idle = time.monotonic() - at
            if math.isfinite(t_pic) and idle >= 2 * self.publish_s:
                self.coasted += 1
                self._publish(Measurements(t_pic + idle))
                t_pic = self._last[0]
            self.state.publish_stats(shown)
            alerts = self.watch.update(stats, t_pic if math.isfinite(t_pic) else time.time())
            if alerts:
                self.state.publish_alerts(alerts)
                if self.writer is not None:
                    self.writer.submit_alerts(alerts)
            if self.writer is not None:  # copies: the feeds go on counting into theirs
                self.writer.submit_stats(
                    t_pic if math.isfinite(t_pic) else time.time(), [dataclasses.replace(s) for s in stats]
                )

    def _publish(self, window: Any) -> None:
        self.integrity.observe(window)
        pic = self.integrity.judge(self.tracker.step(window))
        alerts = self.assessor.update(pic)
        self.state.publish_alerts(alerts)
        self.state.publish_picture(pic)
        for sink in self.outs:
            sink.send_picture(pic)
            sink.send_alerts(alerts)
        if self.writer is not None:
            self.writer.submit_picture(pic)
            self.writer.submit_alerts(alerts)
        self._last = (pic.time_s, time.monotonic())


def run_live_console(
    feeds: list[tuple[str, tuple[str, int]]],
    site: tuple[float, float, float],
    zones_file: str | None,
    host: str,
    port: int,
    token: str | None,
    settings: Settings | None = None,
    store: str | None = None,
    asterix_out: tuple[str, int] | None = None,
    partitions: Any = None,
    sapient_out: tuple[str, int] | None = None,
) -> None:
    """Decode, track and assess live Mode S / ADS-B and Remote ID feeds (fmt "beast", "avr", "sbs"
    or "remoteid") and serve the picture until Ctrl-C; store: also record the history (pictures,
    alerts, the feeds' stats) there; asterix_out: also send each picture as CAT062 to this UDP
    address / multicast group; sapient_out: each picture and its alerts to this SAPIENT fusion node;
    partitions: options with .partitions N and .ray (`run --partitions`): the picture split by
    region, fanned in."""
    import asyncio
    import contextlib

    from airpicture.assess import TrackAssessor, load_zones
    from airpicture.cli.warm import ensure_compiled
    from airpicture.config import load_settings
    from airpicture.integrity import TrackIntegrity
    from airpicture.integrity.gnss_alerts import GnssWatch
    from airpicture.sensors import live_receivers
    from airpicture.sinks.web import LiveState, MapZone, SensorSite, serve_console
    from airpicture.sinks.web.live import display_of
    from airpicture.sinks.web.security import check_bind
    from airpicture.sources.live import FeedClient, ModesStream, run_feeds
    from airpicture.track.tracker import ImmGnnTracker

    settings = settings or load_settings()
    check_bind(host, token)
    ensure_compiled(settings)  # before the URL is printed: a page then shows tracks, not a blank map
    site_d = {"lat": site[0], "lon": site[1], "alt_m": site[2]}
    clients = [
        FeedClient(fmt, h, p, receiver=site[:2], sensor=i, feeds=settings.feeds)
        for i, (fmt, (h, p)) in enumerate(feeds)
    ]
    kinds = ["remoteid" if fmt == "remoteid" else "adsb" for fmt, _ in feeds]
    sheets = live_receivers([c.name for c in clients], *site, kinds)
    zones = load_zones(zones_file, site_d) if zones_file else []
    state = LiveState(
        sensors=[SensorSite.from_sheet(s) for s in sheets],
        zones=[MapZone.from_meta(z) for z in ([] if not zones_file else _zone_dicts(zones_file))],
        site=site_d,
        **display_of(settings),
    )
    stack = contextlib.ExitStack()  # the regions' actors, when partitioned
    tracker: Any = ImmGnnTracker(sheets, site, settings=settings.track, registration=settings.registration)
    if partitions is not None and partitions.partitions:
        from airpicture.cli.run import partitioned

        tracker = partitioned(stack, sheets, site, settings, partitions)
    stages = (
        tracker,
        # a live feed's sheet puts its receiver at the site: where it hears from cannot be judged
        TrackIntegrity(sheets, site, settings=settings.integrity, reports=settings.reports, placed=False),
        TrackAssessor(sheets, site_d, zones, settings.assess),
    )
    writer = None
    if store:
        from airpicture.sinks.store import StoreWriter, open_store

        state.history_store = open_store(store)  # a selected track's history; acks recorded
        writer = StoreWriter(open_store(store), **settings.store.model_dump())
    gnss = GnssWatch(settings.gnss, site[:2])  # the decoded tables keep NIC / NACp; reports do not
    for c in clients:
        if isinstance(c.stream, ModesStream):
            c.stream.on_messages = gnss.add
    pipeline = LivePipeline(clients, state, stages, settings, writer, gnss)
    from airpicture.cli import sapient
    from airpicture.cli.asterix import out_sink

    outs = (out_sink(asterix_out, settings.asterix), sapient.out_sink(sapient_out, settings.sapient, site))
    pipeline.outs = [s for s in outs if s is not None]
    stop = threading.Event()

    def feed_loop() -> None:
        loop = asyncio.new_event_loop()
        task = loop.create_task(run_feeds(clients, pipeline.on_reports, stats_out=None))
        while not stop.is_set() and not task.done():
            loop.run_until_complete(asyncio.sleep(0.2))
        task.cancel()
        loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
        loop.close()

    def heartbeat() -> None:
        while not stop.wait(pipeline.publish_s):
            pipeline.tick()

    workers = [
        threading.Thread(target=feed_loop, name="console-feeds", daemon=True),
        threading.Thread(target=heartbeat, name="console-heartbeat", daemon=True),
    ]
    for w in workers:
        w.start()
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    print(f"airpicture console: http://{shown}:{port}/  (live: {len(clients)} feed(s); Ctrl-C stops)")
    try:
        serve_console(state, host, port, token)
    finally:
        stop.set()
        for w in workers:
            w.join(timeout=1.5)  # within the shutdown grace (SHUTDOWN_GRACE_S)
        if writer is not None:
            writer.close(timeout_s=2.0, close_store=True)
        if state.history_store is not None:
            state.history_store.close()
        for sink in pipeline.outs:
            sink.close()
        stack.close()


def _zone_dicts(path: str) -> list[dict[str, Any]]:
    """The zones of a file as meta.json-style dicts, for drawing."""
    import json
    from pathlib import Path

    obj = json.loads(Path(path).read_text())
    return obj if isinstance(obj, list) else []


__all__ = ["LivePipeline", "run_live_console"]
