"""Argument types shared by the subcommands: a value out of range is refused by argparse with one
line naming the option, before anything runs (a negative speed would run the clock backwards, a
latitude of 95 would put the site nowhere)."""

from __future__ import annotations

import argparse
import math


def _number(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return v


def positive(text: str) -> float:
    """A number > 0 (a replay speed, a period)."""
    v = _number(text)
    if v <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, not {text}")
    return v


def latitude(text: str) -> float:
    """WGS-84 latitude in degrees, -90..90."""
    v = _number(text)
    if not -90.0 <= v <= 90.0:
        raise argparse.ArgumentTypeError(f"a latitude is -90..90 degrees, not {text}")
    return v


def longitude(text: str) -> float:
    """WGS-84 longitude in degrees, -180..180."""
    v = _number(text)
    if not -180.0 <= v <= 180.0:
        raise argparse.ArgumentTypeError(f"a longitude is -180..180 degrees, not {text}")
    return v


def port(text: str) -> int:
    """A TCP port, 0..65535 (0: any free port, as the system picks it)."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= v < 65536:
        raise argparse.ArgumentTypeError(f"a TCP port is 0..65535, not {text}")
    return v


__all__ = ["latitude", "longitude", "port", "positive"]
