"""The Python API in one page: track, judge and assess the bundled Paris scenario, stage by stage,
as `airpicture track` does, and look at what comes out.

    .venv/bin/python examples/python_api.py [OUT_DIR]

A tracker takes one window of measurements and gives the picture at its end; the integrity stage
marks what it does not believe; the assessor fills each track's class and raises the operator's
alerts; sinks write or show the picture. Every stage reads the same `Picture` (airpicture.types).
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path

import numpy as np

from airpicture.assess import TrackAssessor, write_alerts_csv, zones_from_config
from airpicture.config import load_settings
from airpicture.integrity import TrackIntegrity
from airpicture.sinks.export import TracksCsvWriter
from airpicture.sources.scenario import load_scenario
from airpicture.track.tracker import ImmGnnTracker
from airpicture.track.windows import scenario_windows
from airpicture.types import Integrity, ObjectClass

BUNDLED = Path(__file__).resolve().parents[1] / "src" / "airpicture" / "data" / "paris"


def main(out_dir: Path) -> None:
    settings = load_settings()  # defaults < a --config TOML file < AIRPICTURE_* variables
    scn = load_scenario(BUNDLED)  # sensors.json, meta.json, plots.csv(.gz), adsb.csv(.gz)
    tracker = ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms, settings.track)
    integrity = TrackIntegrity(scn.sensors, scn.site_lla, scn.platforms, scn.active, settings.integrity)
    zones = zones_from_config(scn.zones, scn.site)
    assessor = TrackAssessor(scn.sensors, scn.site, zones, settings.assess)

    out_dir.mkdir(parents=True, exist_ok=True)
    alerts = []
    end = scn.start_s + 600.0  # the first 10 minutes are enough to see every stage at work
    with TracksCsvWriter(out_dir / "tracks.csv") as csv_out:
        for window in scenario_windows(scn, progress=False):
            if window.until > end:
                break
            integrity.observe(window)  # what the picture is made from
            picture = tracker.step(window)  # Measurements -> Picture
            integrity.judge(picture)  # fills picture.integrity
            alerts += assessor.update(picture)  # fills picture.cls / cls_p; returns alert steps
            csv_out.write(picture)
    write_alerts_csv(out_dir / "alerts.csv", alerts)

    # the last picture: one row per confirmed track, as arrays (x in the site's ENU frame, m and m/s)
    speed = np.hypot(picture.x[:, 3], picture.x[:, 4])
    classes = collections.Counter(ObjectClass(c).label for c in picture.cls)
    marked = sum(int(i) != Integrity.OK for i in picture.integrity)
    print(
        f"picture at {picture.time_s:.0f}: {len(picture)} tracks {dict(classes)}, "
        f"{marked} marked by integrity"
    )
    for k in np.argsort(-speed)[:3]:
        name = picture.names.get(int(picture.ident[k]), "-")
        print(f"  track {picture.track[k]} {name:8s} {ObjectClass(picture.cls[k]).label:8s} "
              f"P={picture.cls_p[k]:.2f} {speed[k]:5.0f} m/s at {picture.alt_m[k]:6.0f} m")  # fmt: skip
    raised = [a for a in alerts if a.state == "raised"]
    print(f"{len(raised)} alerts raised; the first: {raised[0].message if raised else '-'}")
    print(f"wrote {out_dir / 'tracks.csv'} and {out_dir / 'alerts.csv'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("example-out"))
