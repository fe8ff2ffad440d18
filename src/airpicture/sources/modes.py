"""Mode S / ADS-B decoding: hex frames in, a decoded message table and tracker reports out.

Library choice (benchmarks/bench_decode.py, the 57,793 real CDG frames, one core, CPU time):
rs1090 0.7 decodes a batch at ~80k frames/s (Rust; one dict per frame, None when the CRC fails),
pyModeS 3.6.1's batch decoder with CPR at ~35k frames/s. rs1090 decodes every field here. Its
Comm-B inference (trying every BDS decoder on each DF20/21, ~57 us a frame) is not used: a DF20/21
is decoded as the DF4/5 it extends, its address taken from the CRC (pyModeS) and BDS 2,0 decoded
alone; bytes -> tracker reports then runs at ~120k frames/s. Registers 4,0 / 5,0 / 6,0 are then
inferred and decoded by pyModeS with the aircraft's known velocity (sources/commb.py), only for
addresses already heard in a CRC-checked format: ~40 us a Comm-B reply, which halves the decode
rate of the CDG flight (42 % of its frames are DF20/21: 48k -> 26k frames/s CPU on a shared core),
still several times what a busy receiver hears.

CPR is not left to rs1090: its batch call keeps aircraft state only within one call, has no
airborne decoding against the receiver position, and does not check that an even/odd pair lies
in one latitude zone. A live stream is decoded in many small batches, so the state must outlive
them. `ModesDecoder` therefore keeps per-aircraft CPR state itself and resolves positions with
pyModeS's public CPR functions (`pyModeS.position`), which do the zone check:

1. global: the newest frame of the other parity of the same aircraft less than 10 s old;
2. local against the aircraft's own last position (< 10 s) when no pair is available;
3. local against the receiver (`receiver=(lat, lon)`) for the first frames of an aircraft.
   Valid only for aircraft within 180 NM of the receiver (the usual 1090 MHz range).
Surface positions (BDS 0,6) are always local: against the aircraft's last position, else the
receiver; without either they stay unresolved. A resolved airborne position that jumps further
than an aircraft can fly since the last one is rejected ("cpr_jump") and the state reset.

Quality: NUCp from the type code (rs1090), NIC from the type code plus supplements
(pyModeS's DO-260 tables; without a known version/supplement the lower value is taken),
NACp / SIL / version / NIC-A from operational status (BDS 6,5) and NACp from BDS 6,2.
Emitter category "A0".."D7" from the identification message (set B6 = UAV).

Live state expires (readsb's TRACK_STALE / aircraft TTL, pyModeS v3 `PipeDecoder.eviction_ttl`).
Each per-address entry is stale, no longer decoded against, once not refreshed for its time: a
CPR frame after `CPR_PAIR_S`, a velocity after `max_velocity_age_s` (both 10 s), the last position
and the operational status (version, NIC-A, NACp, SIL) after `STALE_S` (100 s). All of an
address's state is removed once `EXPIRE_S` (600 s) old, by a sweep that runs at most once per
`SWEEP_S` (60 s) of feed time; removed aircraft are counted (`notes["expired"]`). The registry
therefore holds the aircraft heard in the last ~11 minutes, not every address heard since the start.
"""

from __future__ import annotations

import math
import re
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import rs1090

# pyModeS 3: `pyModeS.position` (CPR) and `pyModeS.util` (CRC) are public API (its docs/api.md and
# util's docstring). The DO-260A/B NIC-by-type-code tables exist only in the private
# `pyModeS._uncertainty` (neither pyModeS nor rs1090 decodes NIC publicly), hence the pyproject
# bound `pyModeS>=3.6,<4` and the pinned lock; `nic_of` is the one place that reads them.
from pyModeS._uncertainty import TC_NICv1_lookup, TC_NICv2_lookup
from pyModeS.position import (
    airborne_position_pair,
    airborne_position_with_ref,
    surface_position_with_ref,
)
from pyModeS.util import crc

from airpicture.sources.base import StateExpiry
from airpicture.sources.commb import CommB, decode_commb, known_state
from airpicture.sources.plausible import (
    altitude_check,
    commb_velocity_check,
    jump_check,
    velocity_check,
)
from airpicture.types import REPORT_DTYPE, Rejects

FT = 0.3048
KT = 1852.0 / 3600.0
FPM = FT / 60.0
CPR_PAIR_S = 10.0
#: An entry not refreshed for this long is stale: the decoder no longer decodes against it. For the
#: last position it is the local-CPR reference, which must lie within half a zone (~180 NM) of the
#: aircraft; 100 s at 700 m/s is 70 km, and past it the receiver is the safer reference. For the
#: quality (version, NIC-A, NACp, SIL) it is 40 operational-status broadcasts missed (DO-260B: every
#: 2.5 s airborne): the aircraft left coverage and its integrity may have changed meanwhile.
STALE_S = 10 * CPR_PAIR_S
#: An address not heard for this long is expired: all its state is removed. 10 minutes, readsb's
#: aircraft TTL: it bridges a reception gap (a turn masking the antenna, a low segment under the
#: horizon, a feed reconnect) without losing the callsign (ADS-B sends it every 5 s, Comm-B only when
#: a ground station asks for it), and bounds the registry to ~10 minutes of arrivals.
EXPIRE_S = 600.0
#: Expired entries are swept at most this often (feed time): a sweep walks every entry, so running it
#: per batch would cost O(aircraft) per frame batch; memory is held at most EXPIRE_S + SWEEP_S.
SWEEP_S = 60.0
#: At most this many aircraft are held (busy receivers hear ~2,000): a flood of valid frames with
#: ever new addresses (a replay attack, a broken transponder farm) would otherwise fill EXPIRE_S of
#: arrivals. Past it the least recently heard go first, counted in notes["evicted"].
MAX_AIRCRAFT = 20_000
#: Surface frames heard before any reference (no receiver, no fix of the aircraft yet: a taxi
#: before take-off) wait for the aircraft's first fix, at most this long and this many per
#: aircraft (a 30-minute taxi at 2 Hz); past either the oldest go, counted (notes["surface_unheld"]).
HOLD_SURFACE_S = 1800.0
HOLD_SURFACE_MAX = 4096
#: A surface position resolved later lies within this of the fix it was resolved against (the
#: aircraft taxied to the runway it took off from); further, it is dropped (notes).
HOLD_SURFACE_RADIUS_M = 30_000.0
#: The receiver (--lat/--lon) is checked against global decodes: each global pair's frame is also
#: decoded against the receiver; after RECEIVER_MIN_DISAGREE disagreements outnumbering the
#: agreements, the receiver is judged inconsistent and no longer used. At most RECEIVER_CHECKS
#: comparisons are made (each costs a decode).
RECEIVER_MIN_DISAGREE = 3
RECEIVER_CHECKS = 200
RECEIVER_AGREE_M = 1000.0
UAV_CATEGORY = "B6"

#: One decoded message. NaN / -1 / "" where the message does not carry the field.
#: cpr: 0 none, 1 global pair, 2 local vs own track, 3 local vs receiver, 4 surface, 5 surface
#: resolved later against the aircraft's first fix (file decodes: `ModesDecoder.pop_backfill`).
#: bds: the Comm-B register of a DF20/21 ("40", "50", "60"; sources/commb.py), whose ground
#: speed / true track / vertical rate go in speed_mps / track_rad / vrate_mps.
MESSAGE_DTYPE = np.dtype(
    [
        ("time_s", "f8"),
        ("icao", "i8"),
        ("df", "i1"),
        ("tc", "i1"),
        ("lat", "f8"),
        ("lon", "f8"),
        ("altitude_m", "f8"),
        ("speed_mps", "f8"),
        ("track_rad", "f8"),
        ("vrate_mps", "f8"),
        ("callsign", "U8"),
        ("squawk", "U4"),
        ("category", "U2"),
        ("nic", "i1"),
        ("nacp", "i1"),
        ("nucp", "i1"),
        ("sil", "i1"),
        ("surface", "?"),
        ("cpr", "i1"),
        ("bds", "U3"),
        ("selected_altitude_m", "f8"),
        ("roll_rad", "f8"),
        ("tas_mps", "f8"),
        ("ias_mps", "f8"),
        ("mach", "f8"),
        ("heading_rad", "f8"),
    ]
)
MessageArray = npt.NDArray[np.void]

_DF = {str(d): d for d in range(25)}
_CRC_CHECKED = (11, 17, 18)
#: What a callsign / squawk outside an extended squitter came from: a Comm-B reply's BDS 2,0, or
#: the identity field of a surveillance reply (DF5/21)
_REPLY_SOURCE = {"callsign": "commb", "squawk": "modes"}
_NAN = math.nan
_HEX = re.compile("[0-9a-fA-F]*")


@dataclass
class AircraftInfo:
    """What is known of one aircraft, from all its messages so far (the 'aircraft registry')."""

    icao: int
    callsign: str = ""
    category: str = ""
    squawk: str = ""
    nic: int = -1
    nacp: int = -1
    nucp: int = -1
    sil: int = -1
    version: int = -1
    nica: int = 0
    last_seen_s: float = _NAN
    #: time of the last operational status / target state (version, NIC-A, NACp, SIL)
    quality_s: float = _NAN
    #: kind of message each of callsign / squawk last came from: "adsb" (extended squitter), "commb"
    #: (a Comm-B reply, BDS 2,0), "modes" (a surveillance identity reply), "sbs" (another decoder)
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def is_uav(self) -> bool:
        return self.category == UAV_CATEGORY


def describe(
    registries: list[dict[int, AircraftInfo]], idents: npt.NDArray[np.int64]
) -> tuple[dict[int, str], dict[int, dict[str, object]]]:
    """Callsigns and what Mode S says of each aircraft beyond position (Picture.info), for the
    identities of one batch only: a live run hears thousands of aircraft a day, and passing every
    registry entry with every batch would cost more with each one.

    Only known fields are given (no "" / -1 placeholders); "uav" only with a known category. The
    key "sources" maps the fields that did not come from ADS-B to the kind of message they came
    from ("commb", "modes", "sbs"; see `AircraftInfo.sources`), the display name following the
    callsign, so that an identity book can rank them (track/identity.py)."""
    names: dict[int, str] = {}
    info: dict[int, dict[str, object]] = {}
    for i in np.unique(idents).tolist():
        for reg in registries:
            a = reg.get(i)
            if a is None:
                continue
            if a.callsign:
                names[i] = a.callsign
            known = (("callsign", a.callsign), ("category", a.category), ("squawk", a.squawk))
            d: dict[str, object] = {k: v for k, v in known if v}
            for k, q in (("nic", a.nic), ("nacp", a.nacp), ("nucp", a.nucp), ("sil", a.sil)):
                if q >= 0:
                    d[k] = q
            if a.category:
                d["uav"] = a.is_uav
            sources = {k: v for k, v in a.sources.items() if k in d and v != "adsb"}
            if "callsign" in sources:
                sources["name"] = sources["callsign"]
            if sources:
                d["sources"] = sources
            info[i] = d
            break
    return names, info


@dataclass
class _Cpr:
    """CPR state of one aircraft: last frame of each parity, last resolved position, last accepted
    altitude, and the surface frames still waiting for a reference (time, odd, lat_cpr, lon_cpr,
    row: the message's index in the decoder's output)."""

    even: tuple[float, int, int] | None = None
    odd: tuple[float, int, int] | None = None
    pos: tuple[float, float, float] | None = None  # (time, lat, lon)
    alt: tuple[float, float] | None = None  # (time, altitude_m) last accepted
    alt_rejected: tuple[float, float] | None = None  # the last altitude rejected against it
    #: pos was decoded against the receiver (directly, or locally from such a position): the next
    #: global decode of the aircraft checks the receiver; surface: it was a surface position
    via_rx: bool = False
    via_rx_surface: bool = False
    held: deque[tuple[float, int, int, int, int]] = field(default_factory=deque)

    @property
    def last_s(self) -> float:
        """Time of the newest frame or position held."""
        held = self.held[-1][0] if self.held else -math.inf
        return max(held, *(x[0] if x is not None else -math.inf for x in (self.even, self.odd, self.pos)))


@dataclass
class _Velocity:
    time_s: float
    speed_mps: float
    track_rad: float
    vrate_mps: float
    #: "adsb" (BDS 0,9) or "commb" (BDS 5,0 + 6,0, used only while no ADS-B velocity is fresh)
    source: str = "adsb"


def _category(hexframe: str) -> str:
    """Emitter category from the ME type code (1..4 = set D..A) and CA bits of an identification."""
    b = int(hexframe[8:10], 16)
    tc, ca = b >> 3, b & 7
    return "DCBA"[tc - 1] + str(ca) if 1 <= tc <= 4 else ""


def _surveillance(frame: str, first: int) -> str:
    """The DF4/DF5 frame a DF20/21 extends: same DF-less header, MB and parity left out.

    rs1090 infers the Comm-B register of every DF20/21 by trying each decoder, ~57 us a frame
    against ~6 us for a DF4/5 (benchmarks/bench_decode.py); only altitude / identity and the
    BDS 2,0 callsign are used here, so the header is decoded as the short format it extends,
    the address is recovered from the full frame's CRC (pyModeS) and BDS 2,0 is decoded alone.
    """
    return f"{first - 0x80:02x}{frame[2:8]}000000"


def _bds20(frame: str) -> str:
    """Callsign of a Comm-B reply holding BDS 2,0 (aircraft identification), else ''."""
    if frame[8:10] != "20":
        return ""
    try:
        return str(rs1090.decode_bds20(frame).get("callsign", ""))
    except (ValueError, AssertionError):
        return ""


def nic_of(tc: int, version: int, nica: int, nicb: int) -> int:
    """NIC of a position message (DO-260A/B tables); -1 when the type code has none."""
    table = TC_NICv2_lookup if version >= 2 else TC_NICv1_lookup
    entry = table.get(tc)
    if entry is None:
        return -1
    if isinstance(entry, int):
        return entry
    key = (nica << 1 | nicb) if version >= 2 else nica
    return entry.get(key, min(entry.values()))


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance: exact enough for the few-km jumps it screens."""
    dlon = (lon2 - lon1 + 180.0) % 360.0 - 180.0
    return 111_195.0 * math.hypot(lat2 - lat1, dlon * math.cos(math.radians(lat1)))


def reports_from_table(
    table: MessageArray, sensor: int, include_surface: bool = False
) -> npt.NDArray[np.void]:
    """REPORT_DTYPE rows: one per resolved airborne position (velocity merged at decode time)."""
    sel = np.isfinite(table["lat"])
    if not include_surface:
        sel &= ~table["surface"]
    t = table[sel]
    r = np.empty(len(t), REPORT_DTYPE)
    r["time_s"] = t["time_s"]
    r["sensor"] = sensor
    r["ident"] = t["icao"]
    for k in ("lat", "lon", "altitude_m", "speed_mps", "track_rad", "vrate_mps"):
        r[k] = t[k]
    return r


class ModesDecoder:
    """Stateful Mode S decoder for one receiver (CPR, velocity and registry outlive batches).

    `decode(times, frames)` never raises on bad frames: each one becomes a counted reject.
    Per-address state expires (`expire_s`, swept every `sweep_s` of feed time; module docstring).
    """

    def __init__(
        self,
        receiver: tuple[float, float] | None = None,
        sensor: int = 0,
        source: str = "modes",
        max_velocity_age_s: float = 10.0,
        expire_s: float = EXPIRE_S,
        sweep_s: float = SWEEP_S,
        max_aircraft: int = MAX_AIRCRAFT,
        backfill: bool = False,
    ) -> None:
        self.receiver = receiver
        #: keep the surface positions resolved after their message was returned, for
        #: `pop_backfill` (a file decode); a live feed has moved on and only counts them
        self.backfill = backfill
        self.sensor = sensor
        self.rejects = Rejects(source)
        self.notes: Counter[str] = Counter()  # non-reject events: unresolved CPR, expired aircraft...
        self.registry: dict[int, AircraftInfo] = {}
        self.max_velocity_age_s = max_velocity_age_s
        self.expiry = StateExpiry(expire_s, sweep_s)
        self.max_aircraft = max_aircraft
        self._cpr: dict[int, _Cpr] = {}
        self._vel: dict[int, _Velocity] = {}
        self._commb: dict[int, dict[str, tuple[float, CommB]]] = {}
        self.messages = 0
        #: receiver check: global decodes that agree / disagree with a decode against `receiver`
        self.receiver_check: Counter[str] = Counter()
        self.receiver_inconsistent = False
        #: the receiver gave surface positions that the aircraft's own global decode contradicts
        #: (a surface reference must lie within 45 NM, an airborne one within 180 NM)
        self.receiver_inconsistent_surface = False
        self._backfill: list[tuple[int, float, float]] = []

    @property
    def reference(self) -> tuple[float, float] | None:
        """The receiver position when it is used as an airborne CPR reference (None once judged
        inconsistent with global decodes)."""
        return None if self.receiver_inconsistent else self.receiver

    @property
    def surface_reference(self) -> tuple[float, float] | None:
        """The receiver position when it is used as a surface CPR reference."""
        return None if self.receiver_inconsistent_surface else self.reference

    def pop_backfill(self) -> list[tuple[int, float, float]]:
        """Surface positions resolved after their message was returned: (row, lat, lon), row
        counting every message this decoder returned since it was made (a file decode writes them
        into its table; a live feed has moved on, as surface reports are not tracked)."""
        out, self._backfill = self._backfill, []
        return out

    # -- public -------------------------------------------------------------------------------

    def decode(self, times: npt.NDArray[np.float64], frames: list[str]) -> MessageArray:
        """Decode hex frames (14 or 28 hex digits, validated by the framing layer).

        times : (N,) float64 UTC s; frames : N hex strings. Returns MESSAGE_DTYPE rows for the
        frames that decoded (rejects are counted, not returned).
        """
        frames, times = self._valid(frames, times)
        if not frames:
            return np.empty(0, MESSAGE_DTYPE)
        first = [int(f[:2], 16) for f in frames]
        commb = [i for i, b in enumerate(first) if b >= 0xA0 and b < 0xB0 and len(frames[i]) == 28]
        todo = frames
        if commb:  # DF20/21 as the DF4/5 they extend (see _surveillance)
            todo = frames[:]
            for i in commb:
                todo[i] = _surveillance(frames[i], first[i])
        decoded: list[Any] = rs1090.decode(todo, batch=max(1, len(todo)))
        for i in commb:
            d = decoded[i]
            if d is not None:
                f = frames[i]
                d["df"] = "20" if first[i] < 0xA8 else "21"
                d["icao24"] = f"{crc(f):06x}"
                d["callsign"] = _bds20(f)
        ok = [i for i, d in enumerate(decoded) if d is not None]
        if len(ok) < len(frames):
            for i in set(range(len(frames))).difference(ok):
                self.rejects.add("crc" if first[i] >> 3 in _CRC_CHECKED else "undecodable")
        dec = [decoded[i] for i in ok]
        fr = [frames[i] for i in ok]
        t = np.asarray(times, np.float64)[ok]
        tl = t.tolist()
        # columns every format carries, built in C-speed comprehensions; ADS-B below, per message
        c = _Columns(len(dec))
        c.df = [_DF.get(d["df"], -1) for d in dec]
        hexes = [d.get("icao24") or "" for d in dec]
        address = {h: int(h, 16) if h else -1 for h in set(hexes)}  # per batch: no state to expire
        c.icao = [address[h] for h in hexes]
        c.alt = [_NAN if (a := d.get("altitude")) is None else a * FT for d in dec]
        c.squawk = [d.get("squawk") or "" for d in dec]
        c.callsign = [d.get("callsign") or "" for d in dec]
        for k, df in enumerate(c.df):
            if df == 17 or df == 18:
                self._adsb(k, tl[k], fr[k], c.icao[k], dec[k], c)
            elif (df == 20 or df == 21) and len(fr[k]) == 28 and c.icao[k] in self.registry:
                self._commb_reply(k, tl[k], fr[k], c.icao[k], c)
        self._update_registry(c, tl)
        out = np.empty(len(dec), MESSAGE_DTYPE)
        c.fill(out, t)
        self.messages += len(dec)
        now = float(np.median(t)) if len(t) else math.nan  # one corrupted timestamp does not sweep
        if self.expiry.due(now):
            self.expire(now)
        if len(self.registry) > self.max_aircraft:
            self._evict()
        return out

    def _evict(self) -> None:
        """Drop the least recently heard aircraft down to 90 % of max_aircraft (a bounded registry
        under a flood of new addresses; readsb's aircraft table has a fixed size too)."""
        keep = int(self.max_aircraft * 0.9)

        def heard(k: int) -> float:
            t = self.registry[k].last_seen_s
            return t if t == t else -math.inf  # never heard (NaN) goes first

        order = sorted(self.registry, key=heard)
        for icao in order[: len(order) - keep]:
            del self.registry[icao]
            self._cpr.pop(icao, None)
            self._vel.pop(icao, None)
            self._commb.pop(icao, None)
        self.notes["evicted"] += len(order) - keep

    def expire(self, now_s: float) -> int:
        """Remove the state of every address not heard for `expire_s` at feed time `now_s` (the
        registry by its last frame, CPR and velocity state by their own times, which are never
        newer); count the aircraft removed in `notes["expired"]` and return that count."""
        gone = self.expiry.drop(self.registry, now_s, lambda a: a.last_seen_s)
        self.expiry.drop(self._cpr, now_s, lambda st: st.last_s)
        self.expiry.drop(self._vel, now_s, lambda v: v.time_s)
        self.expiry.drop(self._commb, now_s, lambda d: max(x[0] for x in d.values()))
        self.notes["expired"] += gone
        return gone

    def state_sizes(self) -> dict[str, int]:
        """Entries held per per-address table (what expiry bounds)."""
        return {"registry": len(self.registry), "cpr": len(self._cpr), "velocity": len(self._vel),
                "commb": len(self._commb)}  # fmt: skip

    def _update_registry(self, c: _Columns, t: list[float]) -> None:
        """Latest identity per aircraft. Address/parity formats (DF0/4/5/16/20/21) carry no
        checkable CRC: they only update aircraft already heard in a CRC-checked format, so a
        corrupted frame cannot invent an aircraft."""
        reg = self.registry
        for icao, df in zip(c.icao, c.df, strict=True):
            if df in _CRC_CHECKED and icao >= 0 and icao not in reg:
                reg[icao] = AircraftInfo(icao)
        for icao, ts in dict(zip(c.icao, t, strict=True)).items():
            if icao in reg:
                reg[icao].last_seen_s = ts
        for name in ("callsign", "squawk", "category"):
            col = getattr(c, name)
            latest = {i: (v, df) for i, v, df in zip(c.icao, col, c.df, strict=True) if v and i in reg}
            for icao, (v, df) in latest.items():
                a = reg[icao]
                setattr(a, name, v)
                if name != "category":  # category: only ever from ADS-B identification
                    a.sources[name] = "adsb" if df == 17 or df == 18 else _REPLY_SOURCE[name]

    def _valid(
        self, frames: list[str], times: npt.NDArray[np.float64]
    ) -> tuple[list[str], npt.NDArray[np.float64]]:
        """Keep frames of 14 or 28 hex digits: rs1090 aborts the process on anything else."""
        if _HEX.fullmatch("".join(frames)) and all(len(f) in (14, 28) for f in frames):
            return frames, times
        ok = []
        for i, f in enumerate(frames):
            if len(f) not in (14, 28):
                self.rejects.add("length")
            elif not _HEX.fullmatch(f):
                self.rejects.add("hex")
            else:
                ok.append(i)
        return [frames[i] for i in ok], np.asarray(times)[ok]

    def reports(self, table: MessageArray, include_surface: bool = False) -> npt.NDArray[np.void]:
        """REPORT_DTYPE rows for this decoder's sensor (see `reports_from_table`)."""
        return reports_from_table(table, self.sensor, include_surface)

    # -- one message --------------------------------------------------------------------------

    def _adsb(self, i: int, t: float, frame: str, icao: int, d: dict[str, Any], c: _Columns) -> None:
        bds = d.get("bds")
        tc = int(frame[8:10], 16) >> 3
        c.tc[i] = tc
        if bds == "05" or bds == "06":
            self._position(i, t, icao, tc, d, c, surface=bds == "06")
        elif bds == "09":
            gs = d.get("groundspeed")
            trk = d.get("track")
            vr = d.get("vertical_rate")
            v = _Velocity(
                t,
                gs * KT if gs is not None else _NAN,
                math.radians(trk) if trk is not None else _NAN,
                vr * FPM if vr is not None else _NAN,
            )
            last = self._vel.get(icao)
            fresh = (
                last is not None and last.source == "adsb" and 0 <= t - last.time_s <= self.max_velocity_age_s
            )
            anchor = (last.speed_mps, last.track_rad) if fresh and last is not None else None
            why = velocity_check(
                v.speed_mps, v.track_rad, v.vrate_mps, t - last.time_s if last else 0.0, anchor
            )
            if why is not None:
                self.rejects.add(why)
                return
            c.speed[i], c.track[i], c.vrate[i] = v.speed_mps, v.track_rad, v.vrate_mps
            self._vel[icao] = v
        elif bds == "08":
            c.category[i] = _category(frame)
        elif bds == "65":
            info = self.registry.get(icao) or self.registry.setdefault(icao, AircraftInfo(icao))
            info.version = d.get("version", info.version)
            info.nica = d.get("NICa", info.nica) or 0
            info.nacp = c.nacp[i] = d.get("NACp", -1)
            info.sil = c.sil[i] = d.get("SIL", -1)
            info.quality_s = t
        elif bds == "62":
            nacp = d.get("NACp")
            if nacp is not None:
                info = self.registry.setdefault(icao, AircraftInfo(icao))
                info.nacp = c.nacp[i] = nacp
                info.quality_s = t
        elif bds == "61":
            sq = d.get("squawk")
            if sq:
                c.squawk[i] = sq

    def _commb_reply(self, i: int, t: float, frame: str, icao: int, c: _Columns) -> None:
        """Comm-B 4,0 / 5,0 / 6,0 of a DF20/21 (sources/commb.py). A 5,0 ground speed / track that
        disagrees with the aircraft's fresh ADS-B velocity is a misread register: rejected. With
        no fresh ADS-B velocity, 5,0 (+ the last 6,0 vertical rate) is the aircraft's velocity."""
        v = self._vel.get(icao)
        adsb = (
            v
            if v is not None and v.source == "adsb" and 0 <= t - v.time_s <= self.max_velocity_age_s
            else None
        )
        last = self._commb.get(icao, {})
        six = last.get("60")
        ref_six = six[1] if six is not None and t - six[0] <= STALE_S else None
        known = known_state(adsb.speed_mps if adsb else _NAN, adsb.track_rad if adsb else _NAN, ref_six)
        cb = decode_commb(frame, known)
        if cb is None:
            return
        if cb.bds == "50" and adsb is not None:
            why = commb_velocity_check(cb.groundspeed_mps, cb.true_track_rad, t - adsb.time_s,
                                       (adsb.speed_mps, adsb.track_rad))  # fmt: skip
            if why is not None:
                self.rejects.add(why)
                return
        c.bds[i] = cb.bds
        c.selected_alt[i], c.roll[i], c.tas[i] = cb.selected_altitude_m, cb.roll_rad, cb.tas_mps
        c.ias[i], c.mach[i], c.heading[i] = cb.ias_mps, cb.mach, cb.heading_rad
        if cb.bds == "50":
            c.speed[i], c.track[i] = cb.groundspeed_mps, cb.true_track_rad
        elif cb.bds == "60":
            c.vrate[i] = cb.vrate_mps
        self._commb.setdefault(icao, {})[cb.bds] = (t, cb)
        if cb.bds == "50" and adsb is None and cb.groundspeed_mps == cb.groundspeed_mps:
            vr = ref_six.vrate_mps if ref_six is not None else _NAN
            self._vel[icao] = _Velocity(t, cb.groundspeed_mps, cb.true_track_rad, vr, "commb")

    def _position(
        self, i: int, t: float, icao: int, tc: int, d: dict[str, Any], c: _Columns, surface: bool
    ) -> None:
        info = self.registry.get(icao)
        if info is None:
            info = self.registry[icao] = AircraftInfo(icao)
        nucp = d.get("NUCp", -1)
        if t - info.quality_s <= STALE_S:  # False for NaN: no status heard yet
            version, nica, nacp, sil = info.version, info.nica, info.nacp, info.sil
        else:  # stale (or never heard): unknown, and NIC from the conservative table entry
            version, nica, nacp, sil = -1, 0, -1, -1
        nic = nic_of(tc, version, nica, d.get("NICb", 0) or 0)
        c.nucp[i], c.nic[i], c.nacp[i], c.sil[i] = nucp, nic, nacp, sil
        info.nucp, info.nic = nucp, nic
        c.surface[i] = surface
        odd = 1 if d.get("parity") == "odd" else 0
        lat_cpr, lon_cpr = d.get("lat_cpr", 0), d.get("lon_cpr", 0)
        st = self._cpr.get(icao)
        if st is None:
            st = self._cpr[icao] = _Cpr()
        if st.pos is not None and t - st.pos[0] > STALE_S:
            st.pos = None  # stale: do not decode locally against an hour-old position
        baro = not surface and tc <= 18  # GNSS heights (TC 20-22) differ from baro by design
        if baro and st.alt is not None and t - st.alt[0] <= STALE_S:
            why = altitude_check(c.alt[i], t - st.alt[0], st.alt[1])
            last = st.alt_rejected
            agree = last is not None and altitude_check(c.alt[i], t - last[0], last[1]) is None
            if why is not None and agree:
                why = None  # two in a row agree with each other, not with the anchor: the anchor was wrong
                self.notes["altitude_reanchored"] += 1
            if why is not None:  # the altitude and the CPR of this frame are not trusted
                self.rejects.add(why)
                st.alt_rejected = (t, c.alt[i])
                c.alt[i] = _NAN
                return
            st.alt_rejected = None
        if baro and c.alt[i] == c.alt[i]:
            st.alt = (t, c.alt[i])
        if surface:
            gs, trk = d.get("groundspeed"), d.get("track")
            if gs is not None:
                c.speed[i] = gs * KT
            if trk is not None:
                c.track[i] = math.radians(trk)
            ref = (st.pos[1], st.pos[2]) if st.pos is not None else self.surface_reference
            if ref is None:
                self._hold(st, (t, odd, lat_cpr, lon_cpr, self.messages + i))
                return
            lat, lon = surface_position_with_ref(odd, lat_cpr, lon_cpr, ref[0], ref[1])
            method = 4
        else:
            frame_state = (t, lat_cpr, lon_cpr)
            other = st.even if odd else st.odd
            if odd:
                st.odd = frame_state
            else:
                st.even = frame_state
            pos: tuple[float, float] | None = None
            method = 0
            if other is not None and abs(t - other[0]) <= CPR_PAIR_S:  # 10.0 s apart pairs (rs1090, pyModeS)
                even_f, odd_f = (other, frame_state) if odd else (frame_state, other)
                pos = airborne_position_pair(even_f[1], even_f[2], odd_f[1], odd_f[2], even_is_newer=not odd)
                method = 1
                if pos is None:
                    self.rejects.add("cpr_zone")
                else:
                    self._check_receiver(odd, lat_cpr, lon_cpr, pos)
            if pos is None and st.pos is not None and t - st.pos[0] < CPR_PAIR_S:
                pos = airborne_position_with_ref(odd, lat_cpr, lon_cpr, st.pos[1], st.pos[2])
                method = 2
            ref = self.reference
            if pos is None and st.pos is None and ref is not None:
                pos = airborne_position_with_ref(odd, lat_cpr, lon_cpr, *ref)
                method = 3
            if pos is None:
                self.notes["cpr_unresolved"] += 1
                return
            lat, lon = pos
        if st.pos is not None:
            why = jump_check(_distance_m(st.pos[1], st.pos[2], lat, lon), t - st.pos[0], surface)
            # a receiver-based chain meets a decode that does not depend on the receiver: a global
            # pair, or (after a take-off) an airborne decode against a surface position, exact as
            # long as that position is within 180 NM, where a surface reference must be within 45
            if st.via_rx and (method == 1 or (st.via_rx_surface and not surface)):
                self._receiver_evidence(why is None, st.via_rx_surface)
            if why is not None:
                self.rejects.add(why)
                st.pos = None
                st.even = st.odd = None
                st.via_rx = st.via_rx_surface = False
                return
        if not -90.0 <= lat <= 90.0:
            self.rejects.add("cpr_range")
            return
        lon = (lon + 180.0) % 360.0 - 180.0
        from_rx = method == 3 or (method == 4 and st.pos is None)
        st.via_rx = from_rx or (st.via_rx and method != 1)
        st.via_rx_surface = (from_rx and surface) or (st.via_rx_surface and st.via_rx)
        st.pos = (t, lat, lon)
        c.lat[i], c.lon[i], c.cpr[i] = lat, lon, method
        v = self._vel.get(icao)
        if not surface and v is not None and t - v.time_s <= self.max_velocity_age_s:
            c.speed[i], c.track[i], c.vrate[i] = v.speed_mps, v.track_rad, v.vrate_mps
        if st.held:
            self._resolve_held(st, lat, lon)

    def _hold(self, st: _Cpr, frame: tuple[float, int, int, int, int]) -> None:
        """Keep a surface frame that has no reference yet, for the aircraft's first fix."""
        st.held.append(frame)
        while len(st.held) > HOLD_SURFACE_MAX or frame[0] - st.held[0][0] > HOLD_SURFACE_S:
            st.held.popleft()
            self.notes["surface_unheld"] += 1
        self.notes["surface_held"] += 1

    def _resolve_held(self, st: _Cpr, lat: float, lon: float) -> None:
        """Resolve the waiting surface frames against the aircraft's first fix (lat, lon)."""
        for _, odd, lat_cpr, lon_cpr, row in st.held:
            la, lo = surface_position_with_ref(odd, lat_cpr, lon_cpr, lat, lon)
            if _distance_m(lat, lon, la, lo) <= HOLD_SURFACE_RADIUS_M:
                if self.backfill:
                    self._backfill.append((row, la, (lo + 180.0) % 360.0 - 180.0))
                self.notes["surface_backfilled"] += 1
            else:
                self.notes["surface_held_far"] += 1
        st.held.clear()

    def _check_receiver(self, odd: int, lat_cpr: int, lon_cpr: int, pos: tuple[float, float]) -> None:
        """Compare a global decode with the same frame decoded against the receiver (a receiver
        more than ~180 NM from the traffic gives a wrong local decode, silently)."""
        if self.receiver is None or self.receiver_inconsistent:
            return
        chk = self.receiver_check
        if chk["agree"] + chk["disagree"] >= RECEIVER_CHECKS:
            return
        local = airborne_position_with_ref(odd, lat_cpr, lon_cpr, *self.receiver)
        ok = local is not None and _distance_m(pos[0], pos[1], local[0], local[1]) <= RECEIVER_AGREE_M
        self._receiver_evidence(ok, False)

    def _receiver_evidence(self, agree: bool, surface: bool) -> None:
        """Count one comparison of the receiver with a global decode; judge it inconsistent once
        the disagreements outnumber the agreements (airborne: at least RECEIVER_MIN_DISAGREE of
        them; surface: one, as it comes from a whole receiver-based chain of an aircraft)."""
        chk = self.receiver_check
        key = "surface_" if surface else ""
        chk[key + ("agree" if agree else "disagree")] += 1
        least = 1 if surface else RECEIVER_MIN_DISAGREE
        if agree or chk[key + "disagree"] < least or chk[key + "disagree"] <= chk[key + "agree"]:
            return
        if surface:
            self.receiver_inconsistent_surface = True
        else:
            self.receiver_inconsistent = True
        self.notes["receiver_inconsistent"] += 1
        for state in self._cpr.values():  # positions decoded against it are no references
            if state.via_rx and (state.via_rx_surface or not surface):
                state.pos = None
                state.via_rx = state.via_rx_surface = False


class _Columns:
    """Column buffers filled message by message (numpy item assignment is slower than lists)."""

    def __init__(self, n: int) -> None:
        nan = [_NAN] * n
        self.icao = [-1] * n
        self.df = [-1] * n
        self.tc = [-1] * n
        self.lat, self.lon, self.alt = nan[:], nan[:], nan[:]
        self.speed, self.track, self.vrate = nan[:], nan[:], nan[:]
        self.callsign = [""] * n
        self.squawk = [""] * n
        self.category = [""] * n
        self.nic, self.nacp, self.nucp, self.sil = [-1] * n, [-1] * n, [-1] * n, [-1] * n
        self.surface = [False] * n
        self.cpr = [0] * n
        self.bds = [""] * n
        self.selected_alt, self.roll, self.tas = nan[:], nan[:], nan[:]
        self.ias, self.mach, self.heading = nan[:], nan[:], nan[:]

    def fill(self, out: MessageArray, times: npt.NDArray[np.float64]) -> None:
        out["time_s"] = times
        for name, col in (
            ("icao", self.icao),
            ("df", self.df),
            ("tc", self.tc),
            ("lat", self.lat),
            ("lon", self.lon),
            ("altitude_m", self.alt),
            ("speed_mps", self.speed),
            ("track_rad", self.track),
            ("vrate_mps", self.vrate),
            ("callsign", self.callsign),
            ("squawk", self.squawk),
            ("category", self.category),
            ("nic", self.nic),
            ("nacp", self.nacp),
            ("nucp", self.nucp),
            ("sil", self.sil),
            ("surface", self.surface),
            ("cpr", self.cpr),
            ("bds", self.bds),
            ("selected_altitude_m", self.selected_alt),
            ("roll_rad", self.roll),
            ("tas_mps", self.tas),
            ("ias_mps", self.ias),
            ("mach", self.mach),
            ("heading_rad", self.heading),
        ):
            out[name] = col


__all__ = [
    "EXPIRE_S",
    "FPM",
    "FT",
    "HOLD_SURFACE_S",
    "KT",
    "MESSAGE_DTYPE",
    "STALE_S",
    "SWEEP_S",
    "UAV_CATEGORY",
    "AircraftInfo",
    "MessageArray",
    "ModesDecoder",
    "describe",
    "nic_of",
    "reports_from_table",
]
