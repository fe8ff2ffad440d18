"""Stone Soup, the reference tracker, on the first minutes of a scenario's radar plots: plots/s.

A plain Stone Soup multi-target tracker (its tutorials' components): nearly-constant-velocity
motion in the radar's horizontal east/north plane, an extended Kalman filter with the radar's
bearing/range measurement model (noise from the sensor's sheet in sensors.json), Mahalanobis
distance hypotheses, global nearest neighbour (GNNWith2DAssignment), two-plot initiation
(MultiMeasurementInitiator) and deletion after 4 scans without an update. Plots come in 1 s
windows, as airpicture publishes its picture, each predicted to its own time. A slant range with a
Mode C altitude is turned into a ground range first; without one it is taken as ground range.

Stone Soup is not an airpicture dependency: install it into a separate virtual environment and run
this script with that Python (it needs only Stone Soup and numpy, not airpicture):

    python3 -m venv /tmp/ssvenv && /tmp/ssvenv/bin/pip install stonesoup
    /tmp/ssvenv/bin/python benchmarks/bench_stonesoup.py [SCENARIO] [--sensor TMA1] [--minutes 1]

Without Stone Soup it prints why and exits 0. The last line is JSON: {"plots", "seconds",
"plots_per_s", ...}. Nothing here passes or fails on timing.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
BUNDLED = ROOT / "src" / "airpicture" / "data" / "paris"
INSTALL = "python3 -m venv /tmp/ssvenv && /tmp/ssvenv/bin/pip install stonesoup"

#: Process noise of both horizontal axes (m^2/s^3) and the prior speed sigma of a new track (m/s).
Q_M2_S3 = 1.0
PRIOR_SPEED_MPS = 300.0
#: Mahalanobis gate (2 measurement dims, ~99.9 %) and the scans without update before deletion.
GATE = 3.7
DELETE_AFTER_SCANS = 4


def read_plots(scenario: Path, sensor: str, minutes: float) -> tuple[dict[str, Any], list[list[float]]]:
    """The sensor's sheet and its plots of the first `minutes` as [t, range_m, azimuth_deg, alt_m]."""
    sheets = json.loads((scenario / "sensors.json").read_text())
    sheet = next(s for s in sheets if s["id"] == sensor)
    start = float(json.loads((scenario / "meta.json").read_text())["start_s"])
    path = scenario / "plots.csv"
    if path.exists():
        text = path.read_text()
    else:  # the bundled copy is gzipped
        import gzip

        text = gzip.decompress((scenario / "plots.csv.gz").read_bytes()).decode()
    plots = []
    for row in csv.DictReader(text.splitlines()):
        t = float(row["time_s"])
        if t >= start + minutes * 60:
            break
        if row["sensor"] == sensor:
            alt = float(row["altitude_m"]) if row["altitude_m"] else math.nan
            plots.append([t, float(row["range_m"]), float(row["azimuth_deg"]), alt])
    return sheet, plots


def run(sheet: dict[str, Any], plots: list[list[float]], window_s: float = 1.0) -> dict[str, float]:
    import numpy as np
    from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
    from stonesoup.deleter.time import UpdateTimeDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.models.measurement.nonlinear import CartesianToBearingRange
    from stonesoup.models.transition.linear import CombinedLinearGaussianTransitionModel, ConstantVelocity
    from stonesoup.predictor.kalman import ExtendedKalmanPredictor
    from stonesoup.tracker.simple import MultiTargetTracker
    from stonesoup.types.detection import Detection
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import ExtendedKalmanUpdater

    sigma_az = math.radians(float(sheet["sigma_azimuth_deg"]))
    sigma_r = float(sheet["sigma_range_m"])
    radar_alt = float(sheet.get("alt_m", 0.0))
    scan_s = float(sheet.get("scan_period_s", 4.0))
    # state [east, v_east, north, v_north] in the radar's horizontal plane; Stone Soup's bearing
    # is counter-clockwise from east, a radar's azimuth clockwise from north
    transition = CombinedLinearGaussianTransitionModel([ConstantVelocity(Q_M2_S3), ConstantVelocity(Q_M2_S3)])
    noise = np.diag([sigma_az**2, sigma_r**2])
    sensor = CartesianToBearingRange(ndim_state=4, mapping=(0, 2), noise_covar=noise)
    predictor = ExtendedKalmanPredictor(transition)
    updater = ExtendedKalmanUpdater(sensor)
    hypothesiser = DistanceHypothesiser(predictor, updater, measure=Mahalanobis(), missed_distance=GATE)
    associator = GNNWith2DAssignment(hypothesiser)
    deleter = UpdateTimeDeleter(dt.timedelta(seconds=DELETE_AFTER_SCANS * scan_s))
    initiator = MultiMeasurementInitiator(
        prior_state=GaussianState(
            np.zeros((4, 1)), np.diag([0.0, PRIOR_SPEED_MPS**2, 0.0, PRIOR_SPEED_MPS**2])
        ),
        measurement_model=sensor,
        deleter=UpdateTimeDeleter(dt.timedelta(seconds=1.5 * scan_s)),
        data_associator=GNNWith2DAssignment(hypothesiser),
        updater=updater,
        min_points=2,
    )

    def detections() -> Iterator[
        tuple[dt.datetime, set[Any]]
    ]:  # (time, set of Detection) per window, as a Stone Soup detector yields them
        epoch = dt.datetime(1970, 1, 1)
        t0 = plots[0][0]
        k, n = 0, len(plots)
        edge = t0 + window_s
        while k < n:
            batch = set()
            while k < n and plots[k][0] < edge:
                t, r, az, alt = plots[k]
                ground = math.sqrt(max(r * r - (alt - radar_alt) ** 2, 0.0)) if alt == alt else r
                bearing = math.atan2(math.cos(math.radians(az)), math.sin(math.radians(az)))
                batch.add(
                    Detection(
                        np.array([[bearing], [ground]]),
                        timestamp=epoch + dt.timedelta(seconds=t),
                        measurement_model=sensor,
                    )
                )
                k += 1
            yield epoch + dt.timedelta(seconds=edge), batch
            edge += window_s

    tracker = MultiTargetTracker(
        initiator=initiator,
        deleter=deleter,
        detector=detections(),
        data_associator=associator,
        updater=updater,
    )
    t_start = time.perf_counter()
    tracks: set[object] = set()
    steps = 0
    for _time, current in tracker:
        tracks |= current
        steps += 1
    seconds = time.perf_counter() - t_start
    return {
        "plots": len(plots),
        "seconds": seconds,
        "plots_per_s": len(plots) / seconds,
        "windows": steps,
        "tracks": len(tracks),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = SHARED / "scenarios" / "paris" if (SHARED / "scenarios" / "paris").exists() else BUNDLED
    ap.add_argument("scenario", nargs="?", type=Path, default=default)
    ap.add_argument("--sensor", default="TMA1", help="the radar whose plots are tracked")
    ap.add_argument("--minutes", type=float, default=1.0, help="first minutes of the plots")
    a = ap.parse_args()
    try:
        import stonesoup
    except ImportError:
        print(f"Stone Soup is not installed for {sys.executable}; skipped. To run it: {INSTALL}, then")
        print(f"  /tmp/ssvenv/bin/python {Path(__file__).relative_to(ROOT)}")
        return 0
    sheet, plots = read_plots(a.scenario, a.sensor, a.minutes)
    if not plots:
        print(f"no {a.sensor} plots in the first {a.minutes:g} min of {a.scenario}")
        return 1
    r = run(sheet, plots)
    print(
        f"Stone Soup {stonesoup.__version__} (EKF + GNN), {a.sensor}, first {a.minutes:g} min of "
        f"{a.scenario.name}: {r['plots']:,} plots in {r['seconds']:.1f} s = {r['plots_per_s']:,.1f} plots/s"
    )
    print(json.dumps({**r, "stonesoup": stonesoup.__version__, "minutes": a.minutes, "sensor": a.sensor}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
