"""`airpicture eval SCENARIO_DIR TRACKS.csv`: the project's tracking figures (same definitions and
numbers as the shared score.py), as a table or JSON, with an optional PNG of GOSPA over time."""

from __future__ import annotations

import argparse

FIGURES = """\
Every --step s the air picture is the newest row of each track in the last --window s; rows marked
integrity=spoofed are not in it. Pictures in the first --warmup s are not scored (their pairings
count when a track is judged false). Only targets some sensor could see are counted.

figures (JSON keys):
  gospa_m       mean GOSPA (p=2, alpha=2, cut-off): error, missed and false in one number
  rms_m         horizontal RMS error of paired tracks; alt_rms_m: altitude, rows with alt_m
  coverage      share of observable target-pictures that had a track
  missed, false targets without a track, tracks without a target, per picture
  missed_why    the missed target-pictures by the track last paired with the target: before_first
                (none yet), no_track (not in the picture), track_off (beyond the cut-off), taken
                (paired with another target); per kind in by_kind
  id_switches   changes of the track paired with a target, per target-hour
  false_tracks  tracks in >= 3 pictures paired in fewer than half, per hour
  class_acc     share of paired rows whose class is the target's kind
  integrity     (scenarios with ghosts.csv) ghosts: spoofed ICAO addresses; flagged: those with a
                row (identity = the address) marked suspect or spoofed; median_s_to_flag: median
                seconds from a ghost's first adsb.csv report to its first flagged row;
                real_flagged: other identities ever flagged (best 0). Uses every row.
  alerts        (--alerts) drone zone entries and loitering found, recall, median latency,
                alerts on birds or nothing per hour

airpicture eval campaign --help: the warning campaign over many simulated sites.
"""


def configure(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = FIGURES
    p.add_argument("scenario", help="scenario folder (meta.json, sensors.json, truth.csv, ...)")
    p.add_argument("tracks", help="tracks.csv written by a tracker")
    p.add_argument("--step", type=float, default=4.0, help="seconds between pictures (4)")
    p.add_argument(
        "--window", type=float, default=6.0, help="a picture holds each track's newest row of this many s (6)"
    )
    p.add_argument("--cutoff", type=float, default=1000.0, help="GOSPA cut-off in metres (1000)")
    p.add_argument("--warmup", type=float, default=60.0, help="seconds at the start that are not scored (60)")
    p.add_argument("--kinds", default="aircraft,drone,bird", help="kinds of target to count (comma list)")
    p.add_argument("--sensors", help="only count targets these sensor ids could see (comma list)")
    p.add_argument("--minutes", type=float, help="score only the first MINUTES of the scenario")
    p.add_argument("--alerts", help="alerts.csv to score against the drones' zone entries and loitering")
    p.add_argument("--plot", help="write a PNG of GOSPA and track/target counts over time here")
    p.add_argument("--json", action="store_true", help="print JSON instead of the table")
    p.add_argument(
        "--crlb",
        action="store_true",
        help="also the posterior Cramér-Rao bound on the horizontal error next to the achieved RMS, "
        "per kind and per sensor set, and the coverage an estimator at the bound reaches next to the "
        "achieved (docs/crlb.md); with --plot, also PLOT's stem + '-crlb.png'",
    )


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from airpicture.errors import ConfigError
    from airpicture.eval import EvalConfig, load_reference, read_tracks, score_alerts, score_tracks
    from airpicture.eval.metrics import picture_times
    from airpicture.eval.missed import missed_why
    from airpicture.eval.report import format_table, plot, to_json

    for name in ("step", "window", "cutoff"):
        if not getattr(args, name) > 0:
            raise ConfigError(f"--{name} must be positive")
    cfg = EvalConfig(
        step_s=args.step,
        window_s=args.window,
        cutoff_m=args.cutoff,
        warmup_s=args.warmup,
        kinds=tuple(k for k in args.kinds.split(",") if k),
        sensors=tuple(args.sensors.split(",")) if args.sensors else None,
        minutes=args.minutes,
    )
    ref = load_reference(args.scenario)
    if cfg.sensors is not None:
        unknown = set(cfg.sensors) - {s.id for s in ref.sensors}
        if unknown:
            raise ConfigError(f"unknown sensor id(s) {','.join(sorted(unknown))}")
    rows = read_tracks(args.tracks, ref.origin)
    scores = score_tracks(ref, rows, cfg)
    picture = rows.select(rows.integrity != "spoofed")  # the rows score_tracks pairs
    why = missed_why(ref, picture, scores, cfg)
    alerts = score_alerts(ref, args.alerts, end_s=picture_times(ref, cfg)[1]) if args.alerts else None
    title = f"{Path(args.scenario).name}: {Path(args.tracks).name}"
    if args.plot:
        plot(scores, args.plot, title)
    bounds = None
    if args.crlb:
        from airpicture.eval.crlb import compare, format_bounds, plot_bounds, target_bounds

        table = target_bounds(ref, sensors=cfg.sensors)
        bounds = compare(ref, picture, scores, table, cfg.cutoff_m, cfg.window_s)
        if args.plot:
            crlb_png = Path(args.plot).with_name(Path(args.plot).stem + "-crlb.png")
            plot_bounds(bounds, crlb_png, f"{title}: horizontal error and its bound")
    if args.json:
        out = to_json(scores, alerts, why)
        if bounds is not None:
            crlb: dict[str, object] = {
                group: {
                    r.label: {"pairs": r.pairs, "rms_m": round(r.rms_m, 1), "bound_m": round(r.bound_m, 1)}
                    for r in rows_
                }
                for group, rows_ in (("by_kind", bounds.by_kind), ("by_sensor_set", bounds.by_set))
            }
            out["crlb"] = crlb
            crlb["coverage"] = {
                r.label: {
                    "possible": r.possible,
                    "achieved": round(r.achieved, 4),
                    "at_bound": round(r.at_bound, 4),
                    "before_first_measurement": r.before_first,
                }
                for r in bounds.coverage
            }
        print(json.dumps(out))
    else:
        print(format_table(scores, cfg, alerts, title=f"airpicture eval — {title}", why=why))
        if bounds is not None:
            print(format_bounds(bounds, table.names))
        if args.plot:
            print(f"plot: {args.plot}")
    return 0
