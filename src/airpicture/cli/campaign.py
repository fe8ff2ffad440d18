"""`airpicture eval campaign --runs N --seed S --out report/`: the warning campaign (see
airpicture.eval.campaign): a family of simulated sites, each tracked, assessed and scored, pooled
into recall, latency, false alerts per site-hour, class accuracy and class flips with 95 %
intervals, written as report.md with PNGs, summary.json and runs.jsonl."""

from __future__ import annotations

import argparse
import sys

EPILOG = """\
Each site-run is drawn from (seed, index) alone: a site anywhere, one or two site radars (drone
and bird Pd 0.5-0.95, 0-8 clutter plots per scan, a quarter of them 2-D), with or without a
long-range radar and an ADS-B receiver, 2-8 drones (hover, loiter, transit, low and slow, take-off
inside the zone, racers up to 35 m/s), 0-40 birds in flocks or alone, 10-60 aircraft. The same
seed gives the same campaign: a fixed seed is a regression suite; the published figure uses a seed
not used in development.

summary.json keys: runs, events, recall (+ _ci), latency_median_s, latency_p90_s (+ _ci),
false_per_site_hour (+ _ci), class_acc (by kind, + class_acc_ci), class_flips_per_track_hour
(+ _ci), by_event_kind, zone_by_origin (entered, inside at start, took off inside, appeared
inside), false_by_alert_kind, reliability (rows and right ones per probability
bin), missed_events (each with what the picture showed of its object), missed_shown (their
count by that class; none: no track), failures. Exit status 1 when a run failed, 0 otherwise
(goals missed or met: the report says which).

  airpicture eval campaign --runs 200 --seed 2026 --out campaign/
"""


def configure(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.prog = "airpicture eval campaign"
    p.description = __doc__.split("\n\n")[0].split(": ", 1)[1].replace("\n", " ")
    p.epilog = EPILOG
    p.add_argument("campaign", choices=["campaign"], help=argparse.SUPPRESS)
    p.add_argument("--runs", type=int, default=200, help="site-runs (default %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="campaign seed (default %(default)s)")
    p.add_argument(
        "--duration", type=float, default=1800.0, help="seconds per site-run (default %(default)s)"
    )
    p.add_argument("--out", default="campaign", help="report folder (default %(default)s)")
    p.add_argument("--jobs", type=int, default=None, help="processes (default: one per core)")
    p.add_argument(
        "--keep", action="store_true", help="keep each run's scenario, tracks and alerts in OUT/runs/"
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a line per finished run on stderr (default: when stderr is a terminal)",
    )


def run(args: argparse.Namespace) -> int:
    import shlex
    import shutil
    import time
    from pathlib import Path

    from airpicture.errors import ConfigError
    from airpicture.eval.campaign import goals_met, plan_campaign, run_campaign, summarise, write_report

    if args.runs < 1 or not args.duration >= 300 or (args.jobs is not None and args.jobs < 1):
        raise ConfigError("--runs and --jobs must be >= 1, --duration >= 300 s")
    out = Path(args.out)
    work = out / "runs"
    show = sys.stderr.isatty() if args.progress is None else args.progress
    finished = 0
    t0 = time.perf_counter()

    def done(r: object) -> None:
        nonlocal finished
        finished += 1
        if show:
            print(f"campaign: {finished}/{args.runs} runs, {time.perf_counter() - t0:.0f} s", file=sys.stderr)

    results = run_campaign(
        plan_campaign(args.runs, args.seed, args.duration), work, jobs=args.jobs, keep=args.keep,
        config=args.config, done=done,
    )  # fmt: skip
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    summary = summarise(results, args.seed, args.duration)
    summary["wall_s"] = round(time.perf_counter() - t0, 1)
    command = "airpicture eval campaign " + " ".join(
        shlex.quote(a)
        for a in (f"--runs={args.runs}", f"--seed={args.seed}", f"--duration={args.duration:g}")
    )
    summary["command"] = command
    write_report(results, summary, out, command)
    print(
        f"{summary['runs']} site-runs ({summary['site_hours']} site-hours) "
        f"in {summary['wall_s']:.0f} s -> {out}/"
    )
    for key, op, bound, v, met in goals_met(summary):
        print(f"  {key:28s} {v!s:>8s}  goal {op} {bound:g}  {'met' if met else 'NOT met'}")
    for f in summary["failures"]:
        print(f"  failed: {f}", file=sys.stderr)
    return 1 if summary["runs_failed"] else 0
