"""`airpicture track --ray [ADDRESS] SCENARIO_DIR... --out DIR|tracks.csv [--workers N]`: long
recordings tracked in time chunks, as Ray tasks (a local Ray, or the cluster at ADDRESS), or in a
local process pool when Ray is not installed (`pip install airpicture[ray]`), then joined
(airpicture.scale).
"""

from __future__ import annotations

import argparse
from pathlib import Path

#: options of a single run that the chunked run does not take
SINGLE_ONLY = ("alerts", "modes", "remoteid", "asterix", "asterix_out")


def configure_ray(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--ray",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="track in time chunks as Ray tasks: a local Ray, or the cluster at ADDRESS (host:port, "
        "ray://host:port or auto); without Ray installed, in a local process pool. A folder "
        "given here is taken as the first input",
    )
    p.add_argument(
        "--workers", type=int, help="chunks tracked at once on this machine (default 2; implies chunks)"
    )
    p.add_argument("--chunk-s", type=float, help="core length of a chunk, s (default: batch.chunk_s)")
    p.add_argument(
        "--overlap-s",
        type=float,
        help="lead-in of a chunk, s (default: batch.overlap_s, or derived from the tracker's settings: "
        "track.max_coast_s + one look of the slowest sensor per nat of track.confirm_llr)",
    )


def chunked(args: argparse.Namespace) -> bool:
    """Whether the run is in chunks; checks the inputs either way."""
    from airpicture.errors import ConfigError

    if args.ray and Path(args.ray).is_dir():  # `--ray SCENARIO_DIR`: no address, a local Ray
        args.scenario, args.ray = [args.ray, *args.scenario], ""
    on = args.ray is not None or args.workers is not None
    if not args.scenario:
        raise ConfigError("give a scenario folder")
    if not on and len(args.scenario) > 1:
        raise ConfigError("several scenario folders need --ray or --workers")
    if on:
        given = [f"--{o.replace('_', '-')}" for o in SINGLE_ONLY if getattr(args, o, None)]
        if given:
            raise ConfigError(f"{', '.join(given)}: not with --ray / --workers (a single run only)")
        if args.workers is not None and args.workers < 1:
            raise ConfigError("--workers must be at least 1")
    return on


def run_chunked(args: argparse.Namespace) -> int:
    from airpicture.cli.main import settings_of
    from airpicture.cli.warm import ensure_compiled
    from airpicture.scale.batch import ray_available
    from airpicture.scale.job import BatchJob, run_job

    settings = settings_of(args)
    ensure_compiled(settings)  # the workers load the kernels from the cache compiled here
    use_ray = args.ray is not None
    if use_ray and not ray_available():
        print("Ray is not installed (pip install airpicture[ray]): a local process pool tracks the chunks")
    job = BatchJob(
        inputs=tuple(Path(p) for p in args.scenario),
        out=Path(args.out),
        settings=settings,
        workers=args.workers or 2,
        ray=use_ray,
        address=args.ray or None,
        chunk_s=args.chunk_s,
        overlap_s=args.overlap_s,
        sensors=tuple(args.sensors.split(",")) if args.sensors else None,
        period_s=args.period,
        zones=args.zones,
        progress=args.progress,
    )
    inputs, fig = run_job(job)
    n = sum(r.measurements for r in inputs)
    print(
        f"{sum(len(r.chunks) for r in inputs)} chunks on {fig['backend']} ({job.workers} workers"
        + (f", cluster {job.address}" if job.address else "")
        + f"): {n} measurements in {fig['wall_s']:.1f} s ({fig['rate']:,.0f}/s, lead-ins included), "
        + (f"{fig['retried']} tasks retried" if fig["backend"] == "pool" else "Ray retries failed tasks")
        + f"; slicing the inputs into chunks took {fig['plan_s']:.1f} s before"
    )
    for r in inputs:
        st = r.stats
        print(
            f"{r.scenario}: {len(r.chunks)} chunks of {r.chunks[0].end_s - r.chunks[0].start_s:.0f} s, "
            f"overlap {r.overlap_s:.0f} s; tracking {r.task_s:.1f} s of task time; join {r.join_s:.2f} s: "
            f"{st.boundaries} boundaries, tracks carried over {st.by_identity} by identity + "
            f"{st.by_kinematics} by position and velocity, {st.new_in_lead} new at a boundary; "
            f"{r.rows} rows -> {r.csv or r.folder / 'picture'} (partitions in {r.folder})"
        )
    return 0


__all__ = ["chunked", "configure_ray", "run_chunked"]
