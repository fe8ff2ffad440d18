"""`airpicture track SCENARIO_DIR --out tracks.csv [--sensors ID,ID] [--alerts alerts.csv]`;
`airpicture track --ray [ADDRESS] SCENARIO_DIR... --out DIR|tracks.csv`: in time chunks (cli/track_ray.py).

The picture of each window is classified and checked against the zones (the scenario's
meta.json zones, plus --zones) before it is written, so tracks.csv carries each track's class.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

#: Measurements per second of data above which tracking and assessment overlap in two threads:
#: the compiled kernels release the GIL, but each hand-off costs, so it pays only when a picture
#: is a lot of work. Measured: Paris (30/s) 1.65 s serial, 2.1 s overlapped; a 500-aircraft
#: hour of `airpicture sim` (83/s) 7.1 s serial, 5.5 s overlapped.

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import numpy as np

    from airpicture.sources.scenario import Scenario
    from airpicture.track.registration import RadarBias
    from airpicture.types import Picture, Rejects


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "scenario",
        nargs="*",
        help="scenario folder (sensors.json, meta.json, plots.csv, adsb.csv); several with --ray",
    )
    p.add_argument(
        "--out",
        default="tracks.csv",
        help="tracks.csv to write (default: %(default)s); with --ray / --workers also a folder for "
        "the Parquet partitions (a tracks.csv's go to <name>.parts/)",
    )
    p.add_argument("--sensors", help="use only these sensor ids (comma list)")
    p.add_argument(
        "--period",
        type=float,
        default=1.0,
        help="publish the picture every PERIOD s, or at every revisit of the fastest sensor in use "
        "when that is shorter (default %(default)s)",
    )
    p.add_argument("--alerts", help="write the operator alerts (FORMAT.md 'Alerts') to this CSV")
    p.add_argument(
        "--biases",
        metavar="CSV",
        help="write each radar's estimated biases (sensor registration) every 10 s of data to this CSV",
    )
    p.add_argument("--zones", help="more protected zones: a GeoJSON file or a JSON list of circles")
    p.add_argument(
        "--modes",
        help="also track the aircraft of this Mode S / ADS-B recording (Beast, AVR, SBS or JSON lines), "
        "received at the site",
    )
    p.add_argument(
        "--remoteid",
        help="also track the drones of this Remote ID capture (pcap, pcapng or JSON lines) heard at the site",
    )
    p.add_argument(
        "--asterix",
        metavar="RECORDING",
        help="take the radar plots from this ASTERIX CAT048/034 recording (raw blocks or pcap / pcapng "
        "of UDP) instead of plots.csv; each radar's SAC/SIC is in its sheet (sensors.json)",
    )
    p.add_argument(
        "--asterix-out",
        metavar="FILE",
        help="also write the picture as ASTERIX CAT062 system tracks (raw data blocks) to FILE",
    )
    p.add_argument(
        "--overlap",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="assess and write in a second thread while tracking (default: when the scenario has "
        "output.overlap_rate measurements per second or more; see `airpicture config show`)",
    )
    from airpicture.cli.track_ray import configure_ray

    configure_ray(p)
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar (default: when stderr is a terminal)",
    )


def run(args: argparse.Namespace) -> int:
    import time

    from airpicture.cli.track_ray import chunked, run_chunked

    if chunked(args):
        return run_chunked(args)

    from airpicture.assess import TrackAssessor, load_zones, write_alerts_csv, zones_from_config
    from airpicture.cli.main import settings_of
    from airpicture.cli.warm import ensure_compiled
    from airpicture.integrity import TrackIntegrity
    from airpicture.sinks.export import TracksCsvWriter
    from airpicture.sources.scenario import load_scenario
    from airpicture.track.tracker import ImmGnnTracker
    from airpicture.track.warm import warm_up
    from airpicture.track.windows import scenario_windows

    t_start = time.perf_counter()
    settings = settings_of(args)
    # streamed: plots.csv and adsb.csv are read as the windows need them, so memory does not grow
    # with the recording's length (issue 13); rows are written as the pictures are made. With
    # --asterix the recording's plots replace the file's: those are read whole and dropped.
    sensors = args.sensors.split(",") if args.sensors else None
    scn = load_scenario(args.scenario[0], sensors, stream=not args.asterix)
    if args.modes:
        add_modes(scn, args.modes)
    if args.remoteid:
        add_remoteid(scn, args.remoteid)
    if args.asterix:
        from airpicture.cli.asterix import plots_from_asterix

        plots_from_asterix(scn, args.asterix)
    t_read = time.perf_counter() - t_start
    t0 = time.perf_counter()
    ensure_compiled(settings)  # a fresh install compiles here, saying so, not silently inside the run
    warm_up([scn.sensors[i] for i in scn.active], scn.site_lla)  # the kernels of the sensors in use
    t_warm = time.perf_counter() - t0
    trk = ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms, settings.track, settings.registration)
    biases = BiasLog(args.biases) if args.biases else None
    integrity = TrackIntegrity(
        scn.sensors, scn.site_lla, scn.platforms, scn.active, settings.integrity, settings.reports
    )
    zones = zones_from_config(scn.zones, scn.site) + (load_zones(args.zones, scn.site) if args.zones else [])
    assessor = TrackAssessor(scn.sensors, scn.site, zones, settings.assess)
    alerts = []
    busy = integrity_s = assess_s = 0.0
    cat062 = None
    if args.asterix_out:
        from airpicture.sinks.asterix import AsterixSink

        cat062 = AsterixSink(path=args.asterix_out, settings=settings.asterix)
    n_plots = n_reports = 0
    with TracksCsvWriter(args.out, forget_s=settings.output.forget_s) as out:

        def tracked() -> Iterator[Picture]:
            """Judged pictures: the integrity stage sees each window, then its picture, in this
            thread (in the order the tracker made them, whatever thread assesses them)."""
            nonlocal busy, integrity_s, n_plots, n_reports, t_read
            windows = scenario_windows(scn, args.period, args.progress)
            while True:
                t0 = time.perf_counter()
                window = next(windows, None)
                if window is None:
                    return
                t1 = time.perf_counter()
                n_plots, n_reports = n_plots + len(window.plots), n_reports + len(window.reports)
                integrity.observe(window)
                t2 = time.perf_counter()
                pic = trk.step(window)
                t3 = time.perf_counter()
                integrity.judge(pic)
                if biases is not None:
                    biases.log(pic.time_s, trk.registration.estimates())
                t_read += t1 - t0  # the files are parsed as the windows need them
                busy += t3 - t2
                integrity_s += (t2 - t1) + (time.perf_counter() - t3)
                yield pic

        def assess_and_write(pic: Picture) -> None:
            nonlocal alerts, assess_s
            t0 = time.perf_counter()
            alerts += assessor.update(pic)  # fills the picture's classes
            assess_s += time.perf_counter() - t0
            out.write(pic)
            if cat062 is not None:
                cat062.send_picture(pic)

        rate = scn.rows() / max(scn.end_s - scn.start_s, 1.0)
        overlap = args.overlap if args.overlap is not None else rate >= settings.output.overlap_rate
        if overlap:
            consume_behind(tracked(), assess_and_write)
        else:
            for pic in tracked():
                assess_and_write(pic)
    if args.alerts:
        write_alerts_csv(args.alerts, alerts)
    if cat062 is not None:
        cat062.close()
    total = time.perf_counter() - t_start
    n = n_plots + n_reports
    s = trk.stats
    print(f"{n_plots} plots + {n_reports} reports over {scn.end_s - scn.start_s:.0f} s of data")
    print(
        f"tracker {busy:.3f} s ({n / max(busy, 1e-9):,.0f} measurements/s; file parsing and the "
        f"{t_warm:.2f} s kernel start-up excluded"
        + ("; wall time, sharing the CPU with assessment and writing in a second thread" if overlap else "")
        + "); "
        f"whole run {total:.3f} s ({n / max(total, 1e-9):,.0f}/s, reading {t_read:.3f} s); "
        f"integrity {integrity_s:.3f} s"
    )
    print(
        f"tracks started {s.started}, confirmed {s.confirmed}, deleted {s.deleted}, merged {s.merged}, "
        f"stitched {s.stitched}, shown tentative numbers kept {s.handed_over}, "
        f"fused with ADS-B {s.fused}, quarantined {s.quarantined}; {out.rows} rows -> {args.out}"
    )
    raised = sum(a.state == "raised" for a in alerts)
    print(
        f"assessment {assess_s:.3f} s; {len(zones)} zones, {raised} alerts raised"
        + (f" -> {args.alerts}" if args.alerts else "")
    )
    if cat062 is not None:
        print(cat062.summary())
    for b in trk.registration.estimates():
        print(
            f"registration {b.sensor}: range {b.range_m:+.1f} m, azimuth {b.azimuth_deg:+.3f} deg, "
            f"time {b.time_s:+.3f} s (sigma {b.sigma_range_m:.1f} m, {b.sigma_azimuth_deg:.3f} deg, "
            f"{b.sigma_time_s:.3f} s; {b.pairs:.0f} pairings) "
            + (
                "reference radar"
                if b.reference
                else f"applied {b.applied_range_m:+.1f} m, {b.applied_azimuth_deg:+.3f} deg, "
                f"{b.applied_time_s:+.3f} s"
                if b.applied
                else "not applied"
            )
            + (" (part known only relative to the other radars, not applied)" if b.relative else "")
        )
    if trk.registration.radars:
        counts = sorted(trk.registration.counts.items())
        print("registration plots: " + ", ".join(f"{k} {v}" for k, v in counts))
    for rej in scn.rejects.values():
        print(f"rejects {rej.summary()}")
    if biases is not None:
        biases.close()
    if trk.rejects:
        print("rejects tracker: " + ", ".join(f"{k}={v}" for k, v in sorted(trk.rejects.items())))
    sys.stdout.flush()
    return 0


class BiasLog:
    """`--biases CSV`: the radars' estimated biases (track/registration.py RadarBias) every
    period_s of data."""

    HEADER = (
        "time_s,sensor,range_m,azimuth_deg,time_offset_s,sigma_range_m,sigma_azimuth_deg,"
        "sigma_time_s,pairs,applied,applied_range_m,applied_azimuth_deg,applied_time_s,relative\n"
    )

    def __init__(self, path: str, period_s: float = 10.0) -> None:
        self.f = open(path, "w")  # noqa: SIM115 - closed by close() at the end of the run
        self.f.write(self.HEADER)
        self.period_s = period_s
        self.next_s = -float("inf")

    def log(self, t: float, biases: list[RadarBias]) -> None:
        if t < self.next_s:
            return
        self.next_s = t + self.period_s
        for b in biases:
            self.f.write(
                f"{t:.1f},{b.sensor},{b.range_m:.2f},{b.azimuth_deg:.5f},{b.time_s:.4f},"
                f"{b.sigma_range_m:.2f},{b.sigma_azimuth_deg:.5f},{b.sigma_time_s:.4f},"
                f"{b.pairs:.0f},{int(b.applied)},{b.applied_range_m:.2f},{b.applied_azimuth_deg:.5f},"
                f"{b.applied_time_s:.4f},{int(b.relative)}\n"
            )

    def close(self) -> None:
        self.f.close()


def consume_behind(pictures: Iterator[Picture], consume: Callable[[Picture], None], depth: int = 64) -> None:
    """Hand each picture to `consume` in a second thread, in order, while the next ones are
    tracked: the tracker's and the assessment's compiled kernels release the GIL, so on two
    cores tracking and what follows it (assessment, writing) overlap. At most `depth` pictures
    wait; an error in `consume` stops the run and is raised here."""
    import queue
    import threading

    q: queue.Queue[Picture | None] = queue.Queue(maxsize=depth)
    failed: list[BaseException] = []

    def work() -> None:
        while (pic := q.get()) is not None:
            if failed:
                continue  # drain, so the producer never blocks on a full queue
            try:
                consume(pic)
            except BaseException as e:
                failed.append(e)

    th = threading.Thread(target=work, name="consume-pictures", daemon=True)
    th.start()
    try:
        for pic in pictures:
            if failed:
                break
            q.put(pic)
    finally:
        q.put(None)
        th.join()
    if failed:
        raise failed[0]


def _add_receiver(
    scn: Scenario, sensor_id: str, kind: str, rows: np.ndarray, source: tuple[str, Rejects]
) -> None:
    """Add a cooperative receiver at the site and merge its reports into the scenario's, in time
    order. source: (the recording's path, its rejects): reports outside the scenario's time span
    are counted there (`outside_span`); a recording with none inside is an error, not a silent no-op."""
    import numpy as np

    from airpicture.errors import ConfigError
    from airpicture.sensors import load_sheets

    path, rejects = source
    inside = (rows["time_s"] >= scn.start_s) & (rows["time_s"] <= scn.end_s)
    if len(rows) and not inside.any():
        t = rows["time_s"]
        raise ConfigError(
            f"{path}: its {len(rows)} reports ({_utc(t.min())} .. {_utc(t.max())}) all lie outside the "
            f"scenario's time span ({_utc(scn.start_s)} .. {_utc(scn.end_s)}): nothing to merge"
        )
    if not inside.all():
        rejects.add("outside_span", int((~inside).sum()))
        rows = rows[inside]

    site = {"lat": scn.site["lat"], "lon": scn.site["lon"], "alt_m": scn.site.get("alt_m", 0.0)}
    scn.sensors += load_sheets(
        [
            {
                "id": sensor_id,
                "kind": kind,
                **site,
                "update_period_s": 1.0,
                "p_loss": 0.3,
                "sigma_position_m": 10.0,
            }
        ]
    )
    scn.active.append(len(scn.sensors) - 1)
    reports = np.concatenate([scn.reports, rows])
    scn.reports = reports[np.argsort(reports["time_s"], kind="stable")]


def add_modes(scn: Scenario, path: str) -> None:
    """Decode a Mode S recording (local CPR against the site) and merge its airborne position
    reports as one more ADS-B receiver; callsigns and Mode S data go with each aircraft."""
    import numpy as np

    from airpicture.sources.modes import describe
    from airpicture.sources.replay import ModesFileSource

    src = ModesFileSource(
        path, receiver=(float(scn.site["lat"]), float(scn.site["lon"])), sensor=len(scn.sensors)
    )
    src.keep_tables = False
    batches = []
    for b in src.batches():  # described batch by batch: the decoder forgets aircraft long gone
        batches.append(b)
        names, info = describe([src.stream.registry], b["ident"])
        scn.names.update(names)
        scn.info.update(info)
    rows = np.concatenate(batches) if batches else np.zeros(0, scn.reports.dtype)
    _add_receiver(scn, "MODES1", "adsb", rows, (path, src.stream.rejects))
    scn.rejects["modes"] = src.stream.rejects


def add_remoteid(scn: Scenario, path: str) -> None:
    """Merge the Location reports of a Remote ID capture into the scenario as one more
    cooperative sensor (a receiver at the site); serials and operator data go with each drone."""
    from airpicture.sources.remoteid_carriers import read_remoteid

    rows, registry = read_remoteid(path, sensor=len(scn.sensors))
    _add_receiver(scn, "RID1", "remoteid", rows, (path, registry.rejects))
    scn.names.update(registry.names())
    scn.info.update({int(k): dict(v) for k, v in registry.drones().items()})
    scn.rejects["remoteid"] = registry.rejects


def _utc(t: float) -> str:
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(t)))
