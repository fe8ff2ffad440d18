"""Warning campaigns: many site-runs the system was not tuned on, each simulated, tracked,
assessed and scored, pooled into figures with 95 % intervals (`airpicture eval campaign`).

    results = run_campaign(plan_campaign(200, seed=7, duration_s=1800), Path("work"), jobs=2)
    summary = summarise(results, seed=7, duration_s=1800)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from airpicture.eval.campaign.plan import SiteRun, plan_campaign, plan_run
from airpicture.eval.campaign.report import markdown, write_report
from airpicture.eval.campaign.runner import RunResult, run_site
from airpicture.eval.campaign.summary import GOALS, goals_met, summarise


def run_campaign(
    runs: Sequence[SiteRun],
    workdir: Path,
    *,
    jobs: int | None = None,
    keep: bool = False,
    config: str | None = None,
    done: Callable[[RunResult], None] | None = None,
) -> list[RunResult]:
    """Run each site-run (in `jobs` processes; 1: in this one) and return the results in run
    order; `done` is called as each one finishes."""
    jobs = max(1, jobs or os.cpu_count() or 1)
    workdir.mkdir(parents=True, exist_ok=True)
    if jobs == 1:
        out = []
        for r in runs:
            out.append(run_site(r, workdir, keep, config))
            if done:
                done(out[-1])
        return out
    results: dict[int, RunResult] = {}
    with ProcessPoolExecutor(jobs) as pool:
        futures = {pool.submit(run_site, r, workdir, keep, config): r.index for r in runs}
        for f in as_completed(futures):
            results[futures[f]] = f.result()
            if done:
                done(results[futures[f]])
    return [results[r.index] for r in runs]


__all__ = [
    "GOALS",
    "RunResult",
    "SiteRun",
    "goals_met",
    "markdown",
    "plan_campaign",
    "plan_run",
    "run_campaign",
    "run_site",
    "summarise",
    "write_report",
]
