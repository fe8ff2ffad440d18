"""The warnings with the truth's classes: what the tracker and the alert rules reach if the classifier
never erred. Prints a table; nothing here passes or fails.

usage: python benchmarks/class_bound.py CAMPAIGN_DIR [CAMPAIGN_DIR ...] [--jobs 2] [--radius 200]

CAMPAIGN_DIR: the folder of an `airpicture eval campaign ... --keep` (its runs/NNN hold each site's
scenario and the alerts.csv the product wrote). Each run is tracked and assessed again as
`airpicture track` does it, except that every track within --radius m of a truth object is given
that object's kind at P 0.999 (posterior and class shown); a track near nothing keeps the
classifier's. Both alert files are scored as the campaign scores them (eval/alerts.py).

What it tells: the events the alerts miss and the false alerts they raise with a perfect classifier
are the tracker's and the rules' (no track near, a loitering rule that does not fire in time, a track
that swapped objects); the rest of the campaign's are the classifier's. On development seeds 7, 1,
3 and 11 (96 sites of 20 min, 965 events) at 5c2be2a: as run 889 warned and 14 false alerts, with the
truth's classes 945 warned and none.
"""

from __future__ import annotations

import argparse
import glob
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

KINDS = ("aircraft", "drone", "bird")


def bound(run: str, radius_m: float) -> tuple[str, int, int, int, int, int, list[str]]:
    """(run, events, warned as run, warned with the truth's classes, false alerts as run, with the
    truth's classes, the events missed with them)."""
    import tempfile

    from airpicture.assess import TrackAssessor, zones_from_config
    from airpicture.assess.alerts import write_alerts_csv
    from airpicture.config import Settings
    from airpicture.eval.alerts import score_alerts, zone_events
    from airpicture.eval.truth import load_reference
    from airpicture.geo import geodetic_to_enu
    from airpicture.integrity import TrackIntegrity
    from airpicture.sources.scenario import load_scenario
    from airpicture.track.tracker import ImmGnnTracker
    from airpicture.track.windows import scenario_windows
    from airpicture.types import ObjectClass

    codes = np.array([ObjectClass.AIRCRAFT, ObjectClass.DRONE, ObjectClass.BIRD], np.int8)
    settings = Settings()
    scn = load_scenario(run, None, stream=True)
    ref = load_reference(run)
    truth, origin = ref.truth, ref.origin
    kind = np.array([KINDS.index(str(k)) if str(k) in KINDS else 2 for k in truth.kinds])
    tracker = ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms, settings.track, settings.registration)
    integrity = TrackIntegrity(
        scn.sensors, scn.site_lla, scn.platforms, scn.active, settings.integrity, settings.reports
    )
    assessor = TrackAssessor(scn.sensors, scn.site, zones_from_config(scn.zones, scn.site), settings.assess)
    alerts = []
    K = len(truth)
    for window in scenario_windows(scn, 1.0, False):
        integrity.observe(window)
        pic = tracker.step(window)
        integrity.judge(pic)
        f = assessor.features.update(pic)
        post = assessor.classifier.update(pic, f)
        if len(pic) and K:
            t = float(pic.time_s)
            enu = geodetic_to_enu(pic.lat, pic.lon, 0.0, origin[0], origin[1], 0.0).reshape(-1, 3)
            at = np.full(K, t)
            e, n = truth.interp(truth.e, np.arange(K), at), truth.interp(truth.n, np.arange(K), at)
            d = np.hypot(enu[:, 0:1] - e[None, :], enu[:, 1:2] - n[None, :])
            d[:, (t < truth.t_first) | (t > truth.t_last)] = np.inf
            j = np.argmin(d, axis=1)
            near = d[np.arange(len(pic)), j] < radius_m
            sure = np.full((len(pic), 3), 0.0005)
            sure[np.arange(len(pic)), kind[j]] = 0.999
            post = np.where(near[:, None], sure, post)
            pic.cls = np.where(near, codes[kind[j]], pic.cls).astype(np.int8)
            pic.cls_p = np.where(near, 0.999, pic.cls_p)
        alerts += assessor.rules.update(pic, f, post)
    events = zone_events(ref)
    as_run = score_alerts(ref, Path(run) / "alerts.csv")
    with tempfile.TemporaryDirectory() as tmp:
        write_alerts_csv(Path(tmp) / "alerts.csv", alerts)
        truthful = score_alerts(ref, Path(tmp) / "alerts.csv")
    found = truthful.detected_at
    missed = [f"{e.kind} {e.target} at +{e.time_s - ref.start_s:.0f} s" for e in events if e not in found]
    return (
        run,
        len(events),
        sum(e in as_run.detected_at for e in events),
        sum(e in truthful.detected_at for e in events),
        len(as_run.false_kinds),
        len(truthful.false_kinds),
        missed,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=" ".join((__doc__ or "").split("\n\n")[0].split()))
    ap.add_argument("campaigns", nargs="+", help="folders of campaigns run with --keep")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--radius", type=float, default=200.0, help="a track this near an object takes its kind, m"
    )
    a = ap.parse_args()
    runs = [r for c in a.campaigns for r in sorted(glob.glob(str(Path(c) / "runs" / "*")))]
    if not runs:
        raise SystemExit("no runs/NNN under the folders given: run the campaign with --keep")
    tot = np.zeros(5, int)
    print("| run | events | warned | with the truth's classes | false alerts | with the truth's classes |")
    print("|---|---|---|---|---|---|")
    with ProcessPoolExecutor(a.jobs) as ex:
        for run, n, warned, warned_t, false, false_t, missed in ex.map(bound, runs, [a.radius] * len(runs)):
            tot += [n, warned, warned_t, false, false_t]
            print(f"| {run} | {n} | {warned} | {warned_t} | {false} | {false_t} |")
            for m in missed:
                print(f"|   missed with the truth's classes: {m} | | | | | |")
    n, warned, warned_t, false, false_t = tot
    share = f"({warned / max(n, 1):.3f}) | {warned_t} ({warned_t / max(n, 1):.3f})"
    print(f"| all {len(runs)} | {n} | {warned} {share} | {false} | {false_t} |")


if __name__ == "__main__":
    main()
