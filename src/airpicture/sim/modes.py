"""Mode S extended squitter (DF17) encoder: the bits of ADS-B messages, vectorised over reports.

How to use: every function takes (N,) arrays and returns (N, 14) uint8 frames (one DF17 message
per row, CRC included); `frames_hex` turns them into the hex strings decoders read, and
`sources.beast.encode_beast` into a Beast recording. Units are SI at this edge too (m, m/s, rad);
the feet and knots of the message fields are made here.

    from airpicture.sim.modes import position_frames, velocity_frames, status_frames, frames_hex
    f = position_frames(icao, lat, lon, alt_m, odd, nic)        # TC 9-18, CPR even (0) / odd (1)
    v = velocity_frames(icao, speed_mps, track_rad, vrate_mps)  # TC 19 subtype 1 (2 if > 1021 kt)
    i = identification_frames(icao, ["AFR123", ...])            # TC 4 (category set A)
    s = status_frames(icao, nacp, nic)                          # TC 31 v2: NIC-A, NACp, SIL 3
    frames_hex(f)[0]  # '8d4840d6...'
    # pipeline from REPORT_DTYPE rows, with jammers: airpicture.sim.squitter.squitters

Why here (sim/) and not in sources/: this makes test traffic (transponders that do not exist), it
never reads what a receiver heard; sources/ keeps the one decoder, which the tests check it against.

Standards (DO-260B, ICAO Doc 9871): each ME layout is drawn above its encoder. No maintained
library encodes CPR or ADS-B fields (pyModeS 3 and rs1090 only decode), so CPR is written from
DO-260B A.1.7.2 and checked by the tests against rs1090's and pyModeS's decoding. The CRC is
pyModeS's public `util.crc`: a Mode S CRC is linear in the message bits, so the parity of a frame
is the XOR of the parities of its bytes, each taken once from `crc` into an (11, 256) table.
NIC: a decoder reads it from the type code, NIC supplement-B (position) and NIC supplement-A
(operational status); `NIC_FIELDS` gives that triple for each NIC from the decoder's own table
(`sources.modes.nic_of`), with NIC-A = 0 wherever the NIC allows it (9 and 3 need NIC-A = 1).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pyModeS.position import cprNL
from pyModeS.util import crc

from airpicture.sources.modes import FPM, FT, KT, nic_of

U8 = npt.NDArray[np.uint8]
U64 = npt.NDArray[np.uint64]
ArrayLike = npt.ArrayLike

DF17_CA5 = 0x8D  # DF 17, capability 5 (level 2+ transponder, airborne)
CPR_BITS = 17
#: the 6-bit character set of aircraft identification (ICAO Annex 10 vol IV table 3-7); '#' unused
CHARSET = "#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######"
#: 25 ft (Q-bit) altitudes sent: the code reaches 50,175 ft, but rs1090 0.7 drops a frame above 50,000
ALT_MIN_FT, ALT_MAX_FT = -1000.0, 50000.0
VERSION = 2


def _nic_fields() -> dict[int, tuple[int, int, int]]:
    """NIC -> (type code 9..18, NIC-A, NIC-B) for version 2, inverted from the decoder's table."""
    out: dict[int, tuple[int, int, int]] = {}
    for nica in (0, 1):  # NIC-A = 0 first: kept when a NIC has both
        for tc in range(9, 19):
            for nicb in (0, 1):
                nic = nic_of(tc, VERSION, nica, nicb)
                if nic >= 0 and nic not in out and nic_of(tc, VERSION, nica, 1 - nicb) == nic:
                    out[nic] = (tc, nica, 0)  # either NIC-B gives it: send 0
                elif nic >= 0 and nic not in out:
                    out[nic] = (tc, nica, nicb)
    return out


#: NIC 0..11 -> (type code, NIC supplement-A, NIC supplement-B) of a barometric airborne position
NIC_FIELDS = _nic_fields()
_NIC_TABLE = np.array([NIC_FIELDS[n] for n in range(12)], np.uint64)  # (12, 3)


def _crc_table() -> npt.NDArray[np.uint32]:
    """(11, 256): the parity of a 112-bit frame whose only non-zero data byte is byte i = v."""
    t = np.zeros((11, 256), np.uint32)
    for i in range(11):
        for v in range(1, 256):
            frame = bytearray(14)
            frame[i] = v
            t[i, v] = crc(frame.hex())
    return t


_CRC = _crc_table()


def with_parity(data: U8) -> U8:
    """Fill the parity (last 3 bytes) of (N, 14) uint8 DF17 frames; returns `data`."""
    p = np.bitwise_xor.reduce(_CRC[np.arange(11), data[:, :11]], axis=1)
    data[:, 11] = p >> 16
    data[:, 12] = (p >> 8) & 0xFF
    data[:, 13] = p & 0xFF
    return data


def frames_from_me(icao: ArrayLike, me: U64) -> U8:
    """(N, 14) DF17 frames: 0x8D, the 24-bit address, the 56-bit ME field, parity."""
    a = np.asarray(icao, np.uint64)
    n = len(me)
    out = np.empty((n, 14), np.uint8)
    out[:, 0] = DF17_CA5
    for k in range(3):
        out[:, 1 + k] = (a >> np.uint64(16 - 8 * k)) & np.uint64(0xFF)
    for k in range(7):
        out[:, 4 + k] = (me >> np.uint64(48 - 8 * k)) & np.uint64(0xFF)
    return with_parity(out)


def frames_hex(frames: U8) -> list[str]:
    """Hex strings (28 lowercase digits) of (N, 14) frames."""
    h = frames.tobytes().hex()
    return [h[i : i + 28] for i in range(0, len(h), 28)]


def _pack(*fields: tuple[ArrayLike, int]) -> U64:
    """Concatenate (value, width) fields, first = most significant, into uint64 words."""
    me: U64 = np.zeros((), np.uint64)
    for value, width in fields:
        v = np.asarray(value).astype(np.uint64) & np.uint64((1 << width) - 1)
        me = (me << np.uint64(width)) | v
    return np.asarray(me, np.uint64)


# -- CPR (DO-260B A.1.7.2) ---------------------------------------------------------------------


def _nl_edges() -> npt.NDArray[np.float64]:
    """For k = 59 .. 2, the smallest |lat| (deg) whose NL is below k, to the last bit of the
    decoder's own `cprNL` (pyModeS: DO-260B A.1.7.2 d, bisected over its table), so the encoder
    and the decoder never disagree on a zone, not even at an edge."""
    edges = []
    for k in range(59, 1, -1):
        lo, hi = 0.0, 90.0  # cprNL(lo) >= k > cprNL(hi)
        while True:
            mid = (lo + hi) / 2
            if mid in (lo, hi):
                break
            lo, hi = (mid, hi) if cprNL(mid) >= k else (lo, mid)
        edges.append(hi)
    return np.array(edges)


_NL_EDGES = _nl_edges()


def cpr_nl(lat: ArrayLike) -> npt.NDArray[np.int64]:
    """Number of longitude zones NL(lat), 1..59: (N,) float64 deg -> (N,) int64."""
    a = np.abs(np.asarray(lat, np.float64))
    return (59 - np.searchsorted(_NL_EDGES, a, side="right")).astype(np.int64)


def cpr_encode(lat: ArrayLike, lon: ArrayLike, odd: ArrayLike) -> tuple[U64, U64]:
    """Airborne CPR (17 bits): (N,) lat, lon deg and odd (0 even, 1 odd) -> (YZ, XZ) as uint64.

    Dlat = 360 / (60 - i); YZ = floor(2^17 MOD(lat, Dlat) / Dlat + 1/2);
    Rlat = Dlat (YZ / 2^17 + floor(lat / Dlat)); Dlon = 360 / max(NL(Rlat) - i, 1);
    XZ = floor(2^17 MOD(lon, Dlon) / Dlon + 1/2); both sent MOD 2^17. NL is taken at Rlat, the
    latitude a decoder will find, so the longitude zones match on both sides of a zone edge.
    """
    la = np.asarray(lat, np.float64)
    lo = np.asarray(lon, np.float64)
    i = np.asarray(odd, np.int64)
    scale = float(1 << CPR_BITS)
    dlat = 360.0 / (60 - i)
    yz = np.floor(scale * np.mod(la, dlat) / dlat + 0.5)
    rlat = dlat * (yz / scale + np.floor(la / dlat))
    dlon = 360.0 / np.maximum(cpr_nl(rlat) - i, 1)
    xz = np.floor(scale * np.mod(lo, dlon) / dlon + 0.5)
    m = np.uint64((1 << CPR_BITS) - 1)
    return yz.astype(np.uint64) & m, xz.astype(np.uint64) & m


# -- fields ------------------------------------------------------------------------------------


def altitude_code(alt_m: ArrayLike) -> U64:
    """12-bit altitude field, 25 ft steps with the Q bit (bit 8) set; 0 (unknown) where the
    altitude is NaN or outside -1000..50,000 ft (ALT_MAX_FT; above 50,175 ft a transponder switches
    to 100 ft Gillham code, which this encoder does not make)."""
    ft = np.asarray(alt_m, np.float64) / FT
    ok = np.isfinite(ft) & (ft >= ALT_MIN_FT - 12.5) & (ft < ALT_MAX_FT + 12.5)
    n = np.round((np.where(ok, ft, 0.0) - ALT_MIN_FT) / 25.0).astype(np.uint64)
    code = ((n >> np.uint64(4)) << np.uint64(5)) | np.uint64(0x10) | (n & np.uint64(0xF))
    return np.where(ok, code, np.uint64(0))


def position_frames(
    icao: ArrayLike, lat: ArrayLike, lon: ArrayLike, alt_m: ArrayLike, odd: ArrayLike, nic: ArrayLike
) -> U8:
    """Airborne position with barometric altitude (BDS 0,5), type code from the NIC.

    ME: TC(5) SS(2)=0 NIC-B(1) ALT(12) T(1)=0 F(1) LAT-CPR(17) LON-CPR(17)
    nic : (N,) int 0..11 (the NIC-A it needs goes in the operational status, `status_frames`).
    """
    icao, lat, lon, alt_m, odd, nic = np.broadcast_arrays(icao, lat, lon, alt_m, odd, nic)
    f = _NIC_TABLE[np.clip(nic.astype(np.int64), 0, 11)]
    yz, xz = cpr_encode(lat, lon, odd)
    me = _pack((f[:, 0], 5), (0, 2), (f[:, 2], 1), (altitude_code(alt_m), 12), (0, 1), (odd, 1),
               (yz, 17), (xz, 17))  # fmt: skip
    return frames_from_me(icao, me)


def no_position_frames(icao: ArrayLike, alt_m: ArrayLike) -> U8:
    """Airborne position message without a position (TC 0: no navigation fix), altitude only:
    what an aircraft whose GNSS is lost to jamming, without a hybrid fallback, broadcasts."""
    me = _pack((0, 5), (0, 3), (altitude_code(alt_m), 12), (0, 36))
    return frames_from_me(icao, me)


def _speed_field(v: npt.NDArray[np.float64], unit: npt.NDArray[np.float64]) -> tuple[U64, U64]:
    """(sign, 10-bit magnitude + 1) of a velocity component in `unit` kt; 0: not available."""
    mag = np.minimum(np.round(np.abs(v) / unit) + 1, 1023)
    ok = np.isfinite(v)
    return (v < 0).astype(np.uint64), np.where(ok, mag, 0).astype(np.uint64)


def velocity_frames(
    icao: ArrayLike, speed_mps: ArrayLike, track_rad: ArrayLike, vrate_mps: ArrayLike, nacv: ArrayLike = 2
) -> U8:
    """Airborne velocity over ground (BDS 0,9 subtype 1, subtype 2 above 1021 kt).

    ME: TC(5)=19 ST(3) IC(1)=0 IFR(1)=0 NACv(3) S-EW(1) V-EW(10) S-NS(1) V-NS(10)
        VrSrc(1)=0 GNSS S-Vr(1) Vr(9) reserved(2) S-Dif(1)=0 Dif(7)=0 (not available)
    S-EW 1 = west, S-NS 1 = south, S-Vr 1 = down; V = |v| + 1 in 1 kt (4 kt supersonic);
    Vr = |vr| / 64 fpm + 1. NaN gives 0, "not available". VrSrc 0 is geometric in DO-260B and
    pyModeS (rs1090 0.7 labels it "barometric"); airliners commonly send it (the CDG flight does).
    """
    spd = np.asarray(speed_mps, np.float64) / KT
    trk = np.asarray(track_rad, np.float64)
    ew, ns = spd * np.sin(trk), spd * np.cos(trk)
    fast = np.nan_to_num(spd) > 1021.0
    unit = np.where(fast, 4.0, 1.0)
    s_ew, v_ew = _speed_field(ew, unit)
    s_ns, v_ns = _speed_field(ns, unit)
    vr = np.asarray(vrate_mps, np.float64) / FPM
    s_vr, v_vr = (
        (vr < 0).astype(np.uint64),
        np.where(np.isfinite(vr), np.minimum(np.round(np.abs(vr) / 64) + 1, 511), 0),
    )
    nacv = np.broadcast_to(np.asarray(nacv), spd.shape)
    me = _pack((19, 5), (np.where(fast, 2, 1), 3), (0, 2), (nacv, 3), (s_ew, 1), (v_ew, 10), (s_ns, 1),
               (v_ns, 10), (0, 1), (s_vr, 1), (v_vr, 9), (0, 2), (0, 8))  # fmt: skip
    return frames_from_me(icao, me)


def callsign_codes(callsigns: list[str]) -> npt.NDArray[np.uint64]:
    """(N, 8) 6-bit character codes of callsigns, upper-cased and space-padded to 8;
    characters outside A-Z, 0-9 and space raise ValueError (they have no code)."""
    codes = np.zeros((len(callsigns), 8), np.uint64)
    for r, cs in enumerate(callsigns):
        text = cs.upper().ljust(8)
        if len(text) > 8 or any(c == "#" or c not in CHARSET for c in text):
            raise ValueError(f"callsign {cs!r}: at most 8 of A-Z, 0-9, space")
        codes[r] = [CHARSET.index(c) for c in text]
    return codes


def identification_frames(icao: ArrayLike, callsigns: list[str], category: int = 3) -> U8:
    """Aircraft identification and category (BDS 0,8), TC 4 (set A): category 3 = A3 (large).

    ME: TC(5)=4 CA(3) C1..C8 (6 bits each, CHARSET codes)
    """
    c = callsign_codes(callsigns)
    me = _pack((4, 5), (category, 3), *((c[:, k], 6) for k in range(8)))
    return frames_from_me(icao, np.broadcast_to(me, (len(callsigns),)).copy())


def status_frames(icao: ArrayLike, nacp: ArrayLike, nic: ArrayLike, sil: int = 3) -> U8:
    """Airborne operational status, version 2 (BDS 6,5 subtype 0).

    ME: TC(5)=31 ST(3)=0 CC(16) OM(16) VER(3)=2 NIC-A(1) NACp(4) GVA(2)=2 SIL(2) NIC-baro(1)=1
        HRD(1)=0 SIL-supp(1)=0 reserved(1)
    CC: TCAS operational (bit 11 of ME) set; OM: SDA 2. NIC-A is what `nic` needs (NIC_FIELDS),
    so a decoder finds the NIC of the position messages that follow.
    """
    icao, nacp, nic = np.broadcast_arrays(icao, nacp, nic)
    nica = _NIC_TABLE[np.clip(nic.astype(np.int64), 0, 11), 1]
    cc = 1 << 13  # TCAS operational: ME bit 11 of 9..24
    om = 2 << 8  # system design assurance: ME bits 31-32 of 25..40
    me = _pack((31, 5), (0, 3), (np.broadcast_to(cc, nacp.shape), 16), (om, 16), (VERSION, 3),
               (nica, 1), (nacp, 4), (2, 2), (sil, 2), (1, 1), (0, 3))  # fmt: skip
    return frames_from_me(icao, me)


__all__ = [
    "CHARSET",
    "NIC_FIELDS",
    "VERSION",
    "altitude_code",
    "callsign_codes",
    "cpr_encode",
    "cpr_nl",
    "frames_from_me",
    "frames_hex",
    "identification_frames",
    "no_position_frames",
    "position_frames",
    "status_frames",
    "velocity_frames",
    "with_parity",
]
