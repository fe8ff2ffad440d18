"""The sink role: where the air picture and the alerts go (files, HTTP, TAK).

A sink must never stall the tracker: network sinks hand their items to a `QueueWorker`
(sinks/queue.py) and return at once; what they lose is counted in `stats`.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from airpicture.types import Alert, Integrity, IntegrityReason, ObjectClass, Picture, ident_name


class Sink(Protocol):
    """Receives alert steps and (optionally) every published picture."""

    def send_alerts(self, alerts: list[Alert]) -> None: ...

    def send_picture(self, picture: Picture) -> None: ...

    def close(self) -> None: ...


def _clean(v: object) -> object:
    return None if isinstance(v, float) and not math.isfinite(v) else v


def picture_to_dicts(pic: Picture) -> list[dict[str, object]]:
    """One JSON-ready dict per track of the picture (a per-object view: sinks only)."""
    speed = (pic.x[:, 3] ** 2 + pic.x[:, 4] ** 2) ** 0.5
    classes, integrity = ObjectClass.labels(pic.cls), Integrity.labels(pic.integrity)
    why = pic.integrity_reason if pic.integrity_reason is not None else np.zeros(len(pic), np.int8)
    reasons = IntegrityReason.labels(why)
    alt = pic.published_alt_m()
    alt_sigma = pic.alt_sigma_m if pic.alt_sigma_m is not None else np.full(len(pic), np.nan)
    rows = []
    for i in range(len(pic)):
        rows.append(
            {
                "time_s": float(pic.time_s),
                "track": int(pic.track[i]),
                "lat": round(float(pic.lat[i]), 7),
                "lon": round(float(pic.lon[i]), 7),
                "alt_m": _clean(round(float(alt[i]), 1)),
                "alt_sigma_m": _clean(round(float(alt_sigma[i]), 1)),
                "speed_mps": round(float(speed[i]), 1),
                "vrate_mps": round(float(pic.x[i, 5]), 1),
                "class": classes[i],
                "class_p": round(float(pic.cls_p[i]), 3),
                "identity": ident_name(int(pic.ident[i]), pic.names),
                "integrity": integrity[i],
                "integrity_reason": "" if reasons[i] == "none" else reasons[i],
            }
        )
    return rows


__all__ = ["Sink", "picture_to_dicts"]
