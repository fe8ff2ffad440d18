"""The units a person reads: metric (m, m/s, km) or aviation (ft and flight levels, kt, NM, ft/min).

Inside, everything is SI (STYLE.md); these are for text only: alert messages (assess/alerts.py)
and the console, which receives `table(units)` in its snapshot and formats its labels, track list
and track panel with those factors, so that the page and the alerts say the same thing.

    fmt_speed(51.4, "aviation") -> "100 kt"       fmt_height(300.0, "metric") -> "300 m"
"""

from __future__ import annotations

from typing import Literal

Units = Literal["metric", "aviation"]
UNITS: tuple[Units, ...] = ("metric", "aviation")

#: quantity -> (factor from SI, suffix) per system; altitude labels in aviation are flight levels
_TABLE: dict[str, dict[str, tuple[float, str]]] = {
    "metric": {"height": (1.0, "m"), "speed": (1.0, "m/s"), "distance": (1e-3, "km"), "vrate": (1.0, "m/s")},
    "aviation": {
        "height": (1 / 0.3048, "ft"),
        "speed": (3600 / 1852, "kt"),
        "distance": (1 / 1852, "NM"),
        "vrate": (60 / 0.3048, "ft/min"),
    },
}


def table(units: Units) -> dict[str, object]:
    """What the console needs to format like the alerts: {name, height: [factor, suffix], ...}."""
    return {"name": units, **{q: list(v) for q, v in _TABLE[units].items()}}


def _fmt(quantity: str, value: float, units: Units, digits: int) -> str:
    factor, suffix = _TABLE[units][quantity]
    return f"{value * factor:.{digits}f} {suffix}"


def fmt_height(m: float, units: Units) -> str:
    return _fmt("height", m, units, 0)


def fmt_speed(mps: float, units: Units, digits: int = 0) -> str:
    return _fmt("speed", mps, units, digits)


def fmt_distance(m: float, units: Units) -> str:
    """Long distances (km / NM, one decimal)."""
    return _fmt("distance", m, units, 1)


def fmt_length(m: float, units: Units) -> str:
    """Short distances (m / ft, whole)."""
    return _fmt("height", m, units, 0)


__all__ = ["UNITS", "Units", "fmt_distance", "fmt_height", "fmt_length", "fmt_speed", "table"]
