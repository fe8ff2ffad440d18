"""Shared dtypes, array aliases and small typed records.

Measurements travel between stages as numpy structured arrays (one row per measurement), so a
source can hand the tracker thousands of them in one call. Units are SI; times are UTC epoch s.

Identities are int64: an ICAO 24-bit address is its own value (< 2**24); a Remote ID serial is
`remoteid_ident(serial)` (bit 62 set). `-1` means "no identity".
"""

from __future__ import annotations

import enum
import hashlib
import math
from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

NO_IDENT = -1
REMOTEID_BIT = 1 << 62

#: A radar plot. azimuth/elevation in radians; elevation NaN for a 2-D radar, altitude_m NaN
#: without Mode C; sensor is the index into the scenario's sensor list.
PLOT_DTYPE = np.dtype(
    [
        ("time_s", "f8"),
        ("sensor", "i4"),
        ("range_m", "f8"),
        ("azimuth_rad", "f8"),
        ("elevation_rad", "f8"),
        ("altitude_m", "f8"),
        ("ident", "i8"),
    ]
)

#: A cooperative position report (ADS-B, Remote ID): the object says where it is and who it is.
#: speed/track/vrate NaN when not carried; track_rad clockwise from true north.
REPORT_DTYPE = np.dtype(
    [
        ("time_s", "f8"),
        ("sensor", "i4"),
        ("ident", "i8"),
        ("lat", "f8"),
        ("lon", "f8"),
        ("altitude_m", "f8"),
        ("speed_mps", "f8"),
        ("track_rad", "f8"),
        ("vrate_mps", "f8"),
    ]
)


class Code(enum.IntEnum):
    """An int8 code kept in arrays (track tables, pictures, stores), with the label sinks print.

    A member is its int (`Integrity.SPOOFED == 2`, so arrays hold the same numbers); `.label` and
    `str()` give its printable name (`"spoofed"`). Decode array values with `label_of` / `labels`,
    which look each value up in the enum, never by position in a list.
    """

    @property
    def label(self) -> str:
        return self.name.lower()

    def __str__(self) -> str:
        return self.label

    @classmethod
    def label_of(cls, code: int, default: str | None = None) -> str:
        """The label of an int code; `default` for a value that is no member (None: ValueError)."""
        try:
            return cls(int(code)).label
        except ValueError:
            if default is None:
                raise
            return default

    @classmethod
    def labels(cls, codes: npt.ArrayLike, default: str | None = None) -> npt.NDArray[np.object_]:
        """Labels (object array of str, same shape) of an array of codes; see `label_of`."""
        a = np.asarray(codes)
        out = np.empty(a.shape, dtype=object)
        for value in np.unique(a).tolist():
            out[a == value] = cls.label_of(value, default)
        return out


class ObjectClass(Code):
    """What a track is (picture.cls): the classifier's call, UNKNOWN when not sure enough."""

    UNKNOWN = 0
    AIRCRAFT = 1
    DRONE = 2
    BIRD = 3


class Integrity(Code):
    """Whether a cooperative track's reports are believed (picture.integrity): SUSPECT awaits radar
    corroboration, SPOOFED is found false (kept and marked, not deleted)."""

    OK = 0
    SUSPECT = 1
    SPOOFED = 2


class IntegrityReason(Code):
    """The strongest evidence behind a track's integrity mark (picture.integrity_reason)."""

    NONE = 0
    RADAR_SILENT = 1  # a radar that surely covers it keeps missing it
    REPLAY_TWIN = 2  # another address flies the same path at a constant offset
    KINEMATICS = 3  # moves as no aircraft can (jumps against its velocity, speed, climb, turn)
    TWO_PLACES = 4  # one address reported at two places at once
    BEYOND_RANGE = 5  # heard from beyond its receiver's range
    RECEIVER_MISS = 6  # one receiver hears it, another that should does not
    QUALITY = 7  # NIC/NACp/SIL contradict how the position behaves


class TrackStatus(Code):
    """A track's life in the tracker's table: TENTATIVE until its score confirms it."""

    TENTATIVE = 0
    CONFIRMED = 1


class AlertKind(Code):
    """Why an alert is raised; the code is the kind part of the alert rules' keys, the label is
    Alert.kind. GNSS_INTERFERENCE is of an area (an H3 cell), not of a track: its alerts carry
    track -1 and the cell as their identity."""

    ZONE_ENTRY = 0
    PREDICTED_ENTRY = 1
    LOITERING = 2
    UNCOOPERATIVE = 3
    GNSS_INTERFERENCE = 4


#: Object class labels, index = code (ObjectClass); for code that lists the classes (the web
#: console's legend, the simulator's sheets). Decode a code with ObjectClass, not by position here.
CLASSES = tuple(m.label for m in ObjectClass)


def icao_ident(icao24: str) -> int:
    """The ident of an ICAO 24-bit address given as 6 hex digits."""
    return int(icao24, 16)


def remoteid_ident(serial: str) -> int:
    """A stable ident for a Remote ID serial number / session id (bit 62 marks Remote ID)."""
    h = int.from_bytes(hashlib.blake2b(serial.encode(), digest_size=7).digest(), "big")
    return REMOTEID_BIT | h


def ident_name(ident: int, names: dict[int, str] | None = None) -> str:
    """Printable identity: 6 hex digits for ICAO, the known serial for Remote ID, '' for none."""
    if ident < 0:
        return ""
    if names and ident in names:
        return names[ident]
    if ident < (1 << 24):
        return f"{ident:06x}"
    return f"rid:{ident & ((1 << 56) - 1):014x}"


@dataclass
class Rejects:
    """Counts of rejected input by reason, for one source; shown in run reports, stats and the UI."""

    source: str
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, reason: str, n: int = 1) -> None:
        if n:
            self.counts[reason] += n

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        if not self.counts:
            return f"{self.source}: no rejects"
        parts = ", ".join(f"{k}={v}" for k, v in sorted(self.counts.items()))
        return f"{self.source}: {self.total} rejected ({parts})"


@dataclass
class Picture:
    """The published air picture at one time: every confirmed track, as arrays (one row per track).

    x : (N, 6) float64 [e n u ve vn vu] in the site's East-North-Up frame (m, m/s)
    P : (N, 6, 6) float64 covariance of x
    lat, lon, alt_m : (N,) WGS-84 position of the track
    cls : (N,) int8 ObjectClass code; cls_p : (N,) probability of that class
    ident : (N,) int64 identity fused into the track (NO_IDENT if none)
    sensors : (N,) int64 bit mask of the sensors (by index) that updated the track
    last_update_s : (N,) time of the last measurement; integrity : (N,) int8 Integrity code
    mode_c : (N,) bool: a reported (Mode C / ADS-B / Remote ID) altitude has updated the track
    names : ident -> printable identity (callsign, Remote ID serial) where a source knows one
    info : ident -> what the cooperative source says of it beyond position (Remote ID: serial,
        operator location, operator id, self-ID text; Mode S: callsign, category, squawk, NIC...)
    row_time : (N,) time each row's state refers to: a track updated since the previous picture is
        given as filtered at its last measurement, the others predicted to time_s (None: all time_s)
    radar_hits : (N,) int radar plots that updated the track (None: not known)
    seen_n : (N, S) int measurements each sensor (by index) gave the track (None: not known)
    crowd_n : (N, S) int scans of each sensor in which the track gated more than one plot (None: not
        known): one object gives one plot a scan, a flock several
    denied_n : (N, S) int scans of each sensor in which the track gated a plot another track got,
        and got none (None: not known): no miss of its object, which may have made that plot
    manoeuvre_p : (N,) probability that the track is manoeuvring (its IMM's non-quiet modes)
    first_s : (N,) time the track started
    integrity_reason : (N,) int8 IntegrityReason of the integrity mark (None: not judged)
    integrity_l10 : (N,) log10 likelihood ratio spoofed : real of all the integrity evidence
    cls_terms : (N, 7, 3) the classifier's log-likelihood terms per kind (assess.classify.TERMS x
        KINDS), None until assessed: what cls_p was computed from (assess.classify.explain)
    alt_sigma_m : (N,) 1-sigma of the height (None: not known); alt_known : (N,) the height was
        measured and is still good to publish (None: every height is). alt_m always holds the
        estimate (the stages after the tracker reason with it and its sigma); what is published
        is `published_alt_m()`, NaN where the height is unknown.
    """

    time_s: float
    track: IntArray
    x: FloatArray
    P: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt_m: FloatArray
    cls: npt.NDArray[np.int8]
    cls_p: FloatArray
    ident: IntArray
    sensors: IntArray
    last_update_s: FloatArray
    integrity: npt.NDArray[np.int8]
    mode_c: BoolArray
    names: dict[int, str] = field(default_factory=dict)
    row_time: FloatArray | None = None
    info: dict[int, dict[str, object]] = field(default_factory=dict)
    radar_hits: IntArray | None = None
    seen_n: npt.NDArray[np.int32] | None = None
    crowd_n: npt.NDArray[np.int32] | None = None
    denied_n: npt.NDArray[np.int32] | None = None
    manoeuvre_p: FloatArray | None = None
    first_s: FloatArray | None = None
    integrity_reason: npt.NDArray[np.int8] | None = None
    integrity_l10: FloatArray | None = None
    cls_terms: FloatArray | None = None
    alt_sigma_m: FloatArray | None = None
    alt_known: BoolArray | None = None

    def __len__(self) -> int:
        return len(self.track)

    def published_alt_m(self) -> FloatArray:
        """(N,) the heights to publish: alt_m, NaN where the height was never measured or is stale."""
        if self.alt_known is None or len(self.alt_known) != len(self.alt_m):
            return self.alt_m
        return np.where(self.alt_known, self.alt_m, np.nan)


ALERT_KINDS = tuple(m.label for m in AlertKind)
ALERT_STATES = ("raised", "updated", "cleared")


@dataclass
class Alert:
    """One step of an alert's life, for a human operator (FORMAT.md "Alerts" plus the explanation).

    alert: stable id of the alert (same across raised/updated/cleared); track: track id;
    zone: zone name ('' when none); kind: an AlertKind label; state in ALERT_STATES;
    cls: the track's ObjectClass label; message: one sentence saying why; evidence: the numbers
    behind it (distances, times, speeds...). Writers serialise it through `to_record`.
    """

    time_s: float
    alert: str
    track: int
    zone: str
    kind: str
    state: str
    lat: float
    lon: float
    alt_m: float
    identity: str = ""
    cls: str = "unknown"
    message: str = ""
    evidence: dict[str, float | str] = field(default_factory=dict)

    def to_record(self, *, json_safe: bool = False) -> dict[str, Any]:
        """The alert as one flat record: the serialisation every writer of alerts starts from
        (alerts.csv, JSON lines, webhook, web console, history store). Keys are ALERT_FIELDS in
        order; values plain Python (float, int, str; evidence a new dict).

        json_safe: non-finite floats (a lost track's position...) become None, here and in evidence.
        """
        rec: dict[str, Any] = {
            "time_s": float(self.time_s),
            "alert": self.alert,
            "track": int(self.track),
            "zone": self.zone,
            "kind": self.kind,
            "state": self.state,
            "lat": float(self.lat),
            "lon": float(self.lon),
            "alt_m": float(self.alt_m),
            "identity": self.identity,
            "cls": self.cls,
            "message": self.message,
            "evidence": dict(self.evidence),
        }
        if json_safe:
            rec = {k: _finite_or_none(v) for k, v in rec.items()}
            rec["evidence"] = {k: _finite_or_none(v) for k, v in self.evidence.items()}
        return rec

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Alert:
        """The inverse of `to_record` (either form: None reads back as NaN)."""
        v = dict(record)
        for k in ("time_s", "lat", "lon", "alt_m"):
            v[k] = float("nan") if v[k] is None else float(v[k])
        v["track"] = int(v["track"])
        v["evidence"] = {k: float("nan") if e is None else e for k, e in (v.get("evidence") or {}).items()}
        return cls(**v)


#: The fields of an alert record (Alert.to_record), in order.
ALERT_FIELDS = tuple(f.name for f in fields(Alert))


def _finite_or_none(v: object) -> object:
    return None if isinstance(v, float) and not math.isfinite(v) else v


@dataclass
class SourceStats:
    """What one input is doing, for stats, the API and the UI. last_message_s: the last message's
    time (feed time); silent_s: host seconds since it arrived (NaN: not measured, e.g. a file)."""

    name: str
    kind: str
    messages: int = 0
    rate_per_s: float = 0.0
    last_message_s: float = float("nan")
    status: str = "idle"
    reconnects: int = 0
    rejects: Rejects | None = None
    silent_s: float = float("nan")

    def stopped(self, stale_s: float = float("inf")) -> bool:
        """Whether this input has stopped delivering: silent for over `stale_s` host seconds, or
        its status says so ("stale", "down..."). Sources without a host age have only the status."""
        if self.silent_s == self.silent_s and self.silent_s > stale_s:  # NaN: not measured
            return True
        return self.status == "stale" or self.status.startswith("down")


__all__ = [
    "ALERT_FIELDS",
    "ALERT_KINDS",
    "ALERT_STATES",
    "CLASSES",
    "NO_IDENT",
    "PLOT_DTYPE",
    "REMOTEID_BIT",
    "REPORT_DTYPE",
    "Alert",
    "AlertKind",
    "BoolArray",
    "Code",
    "FloatArray",
    "IntArray",
    "Integrity",
    "IntegrityReason",
    "ObjectClass",
    "Picture",
    "Rejects",
    "SourceStats",
    "TrackStatus",
    "icao_ident",
    "ident_name",
    "remoteid_ident",
]
