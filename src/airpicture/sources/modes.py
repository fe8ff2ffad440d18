"""Mode S / ADS-B decoding: hex frames in, a decoded message table and tracker reports out.

Library choice (benchmarks/bench_decode.py, the 57,793 real CDG frames, one core, CPU time):
rs1090 0.7 decodes a batch at ~80k frames/s (Rust; one dict per frame, None when the CRC fails),
pyModeS 3.6.1's batch decoder with CPR at ~35k frames/s. rs1090 decodes every field here. Its
Comm-B inference (trying every BDS decoder on each DF20/21, ~57 us a frame) is skipped: a DF20/21
is decoded as the DF4/5 it extends, its address taken from the CRC (pyModeS) and BDS 2,0 decoded
alone; bytes -> tracker reports then runs at ~120k frames/s.

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
from collections import Counter
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
#: fastest ground speed believed between two positions of one aircraft (m/s), plus slack
MAX_SPEED_MPS = 700.0
JUMP_SLACK_M = 2000.0
UAV_CATEGORY = "B6"

#: One decoded message. NaN / -1 / "" where the message does not carry the field.
#: cpr: 0 none, 1 global pair, 2 local vs own track, 3 local vs receiver, 4 surface.
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
    """CPR state of one aircraft: last frame of each parity and last resolved position."""

    even: tuple[float, int, int] | None = None
    odd: tuple[float, int, int] | None = None
    pos: tuple[float, float, float] | None = None  # (time, lat, lon)

    @property
    def last_s(self) -> float:
        """Time of the newest frame or position held."""
        return max(x[0] if x is not None else -math.inf for x in (self.even, self.odd, self.pos))


@dataclass
class _Velocity:
    time_s: float
    speed_mps: float
    track_rad: float
    vrate_mps: float


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
    ) -> None:
        self.receiver = receiver
        self.sensor = sensor
        self.rejects = Rejects(source)
        self.notes: Counter[str] = Counter()  # non-reject events: unresolved CPR, expired aircraft...
        self.registry: dict[int, AircraftInfo] = {}
        self.max_velocity_age_s = max_velocity_age_s
        self.expiry = StateExpiry(expire_s, sweep_s)
        self.max_aircraft = max_aircraft
        self._cpr: dict[int, _Cpr] = {}
        self._vel: dict[int, _Velocity] = {}
        self.messages = 0

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
        self.notes["evicted"] += len(order) - keep

    def expire(self, now_s: float) -> int:
        """Remove the state of every address not heard for `expire_s` at feed time `now_s` (the
        registry by its last frame, CPR and velocity state by their own times, which are never
        newer); count the aircraft removed in `notes["expired"]` and return that count."""
        gone = self.expiry.drop(self.registry, now_s, lambda a: a.last_seen_s)
        self.expiry.drop(self._cpr, now_s, lambda st: st.last_s)
        self.expiry.drop(self._vel, now_s, lambda v: v.time_s)
        self.notes["expired"] += gone
        return gone

    def state_sizes(self) -> dict[str, int]:
        """Entries held per per-address table (what expiry bounds)."""
        return {"registry": len(self.registry), "cpr": len(self._cpr), "velocity": len(self._vel)}

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
        if surface:
            gs, trk = d.get("groundspeed"), d.get("track")
            if gs is not None:
                c.speed[i] = gs * KT
            if trk is not None:
                c.track[i] = math.radians(trk)
            ref = (st.pos[1], st.pos[2]) if st.pos is not None else self.receiver
            if ref is None:
                self.notes["surface_no_reference"] += 1
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
            if other is not None and abs(t - other[0]) < CPR_PAIR_S:
                even_f, odd_f = (other, frame_state) if odd else (frame_state, other)
                pos = airborne_position_pair(even_f[1], even_f[2], odd_f[1], odd_f[2], even_is_newer=not odd)
                method = 1
                if pos is None:
                    self.rejects.add("cpr_zone")
            if pos is None and st.pos is not None and t - st.pos[0] < CPR_PAIR_S:
                pos = airborne_position_with_ref(odd, lat_cpr, lon_cpr, st.pos[1], st.pos[2])
                method = 2
            if pos is None and st.pos is None and self.receiver is not None:
                pos = airborne_position_with_ref(odd, lat_cpr, lon_cpr, *self.receiver)
                method = 3
            if pos is None:
                self.notes["cpr_unresolved"] += 1
                return
            lat, lon = pos
            if st.pos is not None:
                dist = _distance_m(st.pos[1], st.pos[2], lat, lon)
                if dist > MAX_SPEED_MPS * abs(t - st.pos[0]) + JUMP_SLACK_M:
                    self.rejects.add("cpr_jump")
                    st.pos = None
                    st.even = st.odd = None
                    return
            v = self._vel.get(icao)
            if v is not None and t - v.time_s <= self.max_velocity_age_s:
                c.speed[i], c.track[i], c.vrate[i] = v.speed_mps, v.track_rad, v.vrate_mps
        if not -90.0 <= lat <= 90.0:
            self.rejects.add("cpr_range")
            return
        lon = (lon + 180.0) % 360.0 - 180.0
        st.pos = (t, lat, lon)
        c.lat[i], c.lon[i], c.cpr[i] = lat, lon, method


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
        ):
            out[name] = col


__all__ = [
    "EXPIRE_S",
    "FPM",
    "FT",
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
