"""A scenario's radar plots as the ASTERIX a radar head would send: CAT048 target reports and
CAT034 north markers, in time order, one data block per radar and sector (an eighth of a scan).

    datagrams = radar_datagrams(plots, sensors)   # [(time_s, bytes)], each one data block
    write_raw("plots.ast", datagrams)             # what `track --asterix` and `replay` read

Per plot: I010 the radar's SAC/SIC (its sheet's, else 0 / 1 + its index), I140 time of day,
I020 TYP (PSR; SSR + PSR with a Mode C altitude; Mode S roll-call + PSR with an address),
I040 slant range and azimuth, I090 Mode C flight level, I110 height (3-D radars: from the
elevation, `asterix_feed.height_of`), I220 Mode S address. Per radar and scan: a CAT034 north
marker with I041 its rotation period. A plot beyond CAT048's 256 NM is not written (counted).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from airpicture.sensors import RadarSheet, SensorSheet
from airpicture.sources.asterix import EDITIONS, FT_M, NM_M, NORTH_MARKER
from airpicture.sources.asterix_feed import height_of, source_codes
from airpicture.types import Rejects

CAT048, CAT034 = EDITIONS[48], EDITIONS[34]
MAX_RHO_NM = 256.0 - 1 / 256
SECTORS = 8


def _plot_record(p: np.void, sac: int, sic: int, sheet: RadarSheet) -> object:
    rng, az = float(p["range_m"]), math.degrees(float(p["azimuth_rad"])) % 360.0
    alt, el, ident = float(p["altitude_m"]), float(p["elevation_rad"]), int(p["ident"])
    typ = 7 if ident >= 0 else 3 if alt == alt else 1
    items: dict[str, object] = {
        "010": (("SAC", sac), ("SIC", sic)),
        "140": (float(p["time_s"]) % 86400.0, "s"),
        "020": ((typ << 4,)),
        "040": (("RHO", (rng / NM_M, "NM")), ("THETA", (az if az < 360.0 - 1e-4 else 0.0, "°"))),
    }
    if alt == alt:
        fl = min(max(alt / FT_M / 100.0, -12.0), 1500.0)
        items["090"] = (("V", 0), ("G", 0), ("FL", (fl, "FL")))
    if el == el and sheet.three_d:
        h = float(height_of(rng, el, sheet.alt_m)) / FT_M
        items["110"] = (0, ("3DH", (min(max(h, -8000.0), 51000.0), "ft")))  # 2 spare bits first
    if ident >= 0:
        items["220"] = ident & 0xFFFFFF
    return CAT048.cv_record.create(items)


def _north_marker(t: float, sac: int, sic: int, period_s: float) -> bytes:
    rec = CAT034.cv_record.create(
        {
            "010": (("SAC", sac), ("SIC", sic)),
            "000": NORTH_MARKER,
            "030": (t % 86400.0, "s"),
            "041": (period_s, "s"),
        }
    )
    return bytes(CAT034.create([rec]).unparse().to_bytes())


def radar_datagrams(
    plots: np.ndarray, sensors: list[SensorSheet], rejects: Rejects | None = None
) -> list[tuple[float, bytes]]:
    """(time, data block) of every radar's plots (PLOT_DTYPE, time-ordered) and north markers,
    in time order; a block's time is its last plot's (a radar sends a sector once it is done)."""
    rejects = rejects if rejects is not None else Rejects("asterix")
    codes = {i: sc for sc, i in source_codes(sensors).items()}
    out: list[tuple[float, bytes]] = []
    for s in np.unique(plots["sensor"]).tolist():
        sheet = sensors[s]
        if not isinstance(sheet, RadarSheet):
            rejects.add("not_a_radar", int((plots["sensor"] == s).sum()))
            continue
        sac, sic = codes[s]
        mine = plots[plots["sensor"] == s]
        far = mine["range_m"] / NM_M > MAX_RHO_NM
        rejects.add("beyond_256_nm", int(far.sum()))
        mine = mine[~far]
        period = sheet.scan_period_s
        t0 = math.floor(float(mine["time_s"][0]) / period) * period if len(mine) else 0.0
        slot = np.floor((mine["time_s"] - t0) / (period / SECTORS)).astype(np.int64)
        for k in np.unique(slot).tolist():
            part = mine[slot == k]
            if k % SECTORS == 0 or k == slot[0]:
                out.append(
                    (t0 + k * period / SECTORS, _north_marker(t0 + k // SECTORS * period, sac, sic, period))
                )
            recs = [_plot_record(p, sac, sic, sheet) for p in part]
            for i in range(0, len(recs), 40):  # 40 plots a block keeps it under a 1500-byte MTU
                block = CAT048.create(recs[i : i + 40]).unparse().to_bytes()
                out.append((float(part["time_s"][min(i + 39, len(part) - 1)]), bytes(block)))
    out.sort(key=lambda d: d[0])
    return out


def write_raw(path: str | Path, datagrams: Iterable[tuple[float, bytes]]) -> int:
    """Write the blocks one after another (a raw ASTERIX recording); returns the bytes written."""
    data = b"".join(d for _, d in datagrams)
    Path(path).write_bytes(data)
    return len(data)


__all__ = ["radar_datagrams", "write_raw"]
