"""The console's live state: the current picture, alerts, sensors and zones, and the deltas for clients.

Producers (the tracker, the assessor, the replay player) call `publish_picture`, `publish_alerts`,
`publish_stats` from any thread. Each call updates the state under one lock and hands listeners
(the websocket hub) a `Message` whose JSON is built once, whatever the number of clients. A
picture becomes a compact columnar delta: rows that changed (new or moved) and ids that vanished,
numbered by `seq` so a client that missed one can be resynchronised with a full snapshot.

Websocket messages (JSON objects, `type` first; tracks travel as columns named in COLUMNS):
  snapshot  {seq, time, tracks: {id: [...], lat: [...], ...}, alerts: [...], sensors: [...],
             zones: [...], site, classes, replay, display}   the whole state; replaces the client's;
            display: {units: units.table (factors and suffixes the page formats with), tiles:
            {url, attribution} of the optional online raster tiles or null}
  delta     {seq, time, upd: {columns of new/changed rows}, del: [track ids gone]}
  alerts    {replace, alerts: [...]}   upserts by alert id (replace: the list is the whole set)
  sensors   {sensors: [...]};  zones {zones: [...]};  replay {replay: {t, start_s, end_s, ...}}
  gnss      {gnss: FeatureCollection}  the GNSS interference map, a bin per H3 cell (sinks/gnss.py
            features: h3, start_s, end_s, aircraft, degraded, unrated, share, interference, closed)
Columns: id, lat, lon, alt (m; null: height never measured or stale), hdg (deg from north, from the
velocity), spd (m/s horizontal), vr (m/s), cls (ObjectClass code; the snapshot's `classes` lists the
labels by code), p (its probability), lbl (printable name or ''), idn (ICAO hex / rid:...), sen
(sensor bit mask), itg (Integrity code: 0 ok, 1 suspect, 2 spoofed), why (IntegrityReason code of
that mark; the snapshot's `reasons` lists the labels by code), upd (last update time), alts (1-sigma
of the height, m).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from airpicture.assess.classify import explain
from airpicture.config import Settings
from airpicture.sensors import SensorSheet
from airpicture.types import (
    Alert,
    FloatArray,
    IntArray,
    IntegrityReason,
    ObjectClass,
    Picture,
    SourceStats,
    ident_name,
)
from airpicture.units import Units
from airpicture.units import table as units_table

#: Columns of a track row as sent to clients (and their rounding: ~1 m, 1 m, 1 deg, 0.1 m/s).
COLUMNS = (
    "id",
    "lat",
    "lon",
    "alt",
    "hdg",
    "spd",
    "vr",
    "cls",
    "p",
    "lbl",
    "idn",
    "sen",
    "itg",
    "why",
    "upd",
    "alts",
)
_ROUND = {"lat": 5, "lon": 5, "alt": 0, "hdg": 0, "spd": 1, "vr": 1, "p": 2, "upd": 1, "alts": 0}


@dataclass(frozen=True)
class Frame:
    """One picture reduced to what the console shows, rows sorted by track id.

    track : (N,) int64; lat, lon, alt_m : (N,) float64 (alt_m NaN: height unknown, never measured
    or stale); alt_sigma_m : (N,) its 1-sigma (NaN: not known; empty: a picture without it);
    heading_deg : (N,) clockwise from north;
    speed_mps : (N,) horizontal; vrate_mps : (N,); cls : (N,) int8; cls_p : (N,); sensors : (N,) bit mask;
    integrity : (N,) int8; last_update_s : (N,); label : per row, the printable name (callsign,
    ICAO, Remote ID serial or '' if none); ident : per row, the identity string (ICAO hex / rid:...);
    why : (N,) int8 IntegrityReason of the integrity mark (all NONE for a picture not judged).
    evidence : (N, 7, 3) float32 the classifier's log-likelihood terms (Picture.cls_terms), None
    when the picture has none; a replay's frames keep them, LiveState's track history does not.
    """

    time_s: float
    track: IntArray
    lat: FloatArray
    lon: FloatArray
    alt_m: FloatArray
    heading_deg: FloatArray
    speed_mps: FloatArray
    vrate_mps: FloatArray
    cls: npt.NDArray[np.int8]
    cls_p: FloatArray
    sensors: IntArray
    integrity: npt.NDArray[np.int8]
    last_update_s: FloatArray
    label: tuple[str, ...]
    ident: tuple[str, ...]
    why: npt.NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, np.int8))
    evidence: FloatArray | None = None
    alt_sigma_m: FloatArray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def from_picture(cls, p: Picture) -> Frame:
        order = np.argsort(p.track, kind="stable")
        v = p.x[order, 3:6] if len(p) else np.zeros((0, 3))
        heading = np.degrees(np.arctan2(v[:, 0], v[:, 1])) % 360.0
        idents = p.ident[order]
        names = [ident_name(int(i), p.names) for i in idents]
        plain = [ident_name(int(i)) for i in idents]
        return cls(
            time_s=float(p.time_s),
            track=p.track[order].astype(np.int64),
            lat=p.lat[order],
            lon=p.lon[order],
            alt_m=p.published_alt_m()[order],
            alt_sigma_m=(p.alt_sigma_m if p.alt_sigma_m is not None else np.full(len(p), np.nan))[order],
            heading_deg=heading,
            speed_mps=np.hypot(v[:, 0], v[:, 1]),
            vrate_mps=v[:, 2].copy(),
            cls=p.cls[order].astype(np.int8),
            cls_p=p.cls_p[order],
            sensors=p.sensors[order].astype(np.int64),
            integrity=p.integrity[order].astype(np.int8),
            last_update_s=p.last_update_s[order],
            label=tuple(names),
            ident=tuple(plain),
            why=(p.integrity_reason[order] if p.integrity_reason is not None else np.zeros(len(p))).astype(
                np.int8
            ),
            evidence=(
                p.cls_terms[order].astype(np.float32)
                if p.cls_terms is not None and len(p.cls_terms) == len(p)
                else None
            ),
        )

    def __len__(self) -> int:
        return len(self.track)

    def columns(self, rows: npt.NDArray[np.intp] | slice = slice(None)) -> dict[str, list[Any]]:
        """Columnar JSON-ready view of `rows` (rounded, NaN -> None)."""
        arrays: dict[str, Any] = {
            "id": self.track[rows],
            "lat": self.lat[rows],
            "lon": self.lon[rows],
            "alt": self.alt_m[rows],
            "hdg": self.heading_deg[rows],
            "spd": self.speed_mps[rows],
            "vr": self.vrate_mps[rows],
            "cls": self.cls[rows],
            "p": self.cls_p[rows],
            "sen": self.sensors[rows],
            "itg": self.integrity[rows],
            "why": self.why[rows] if len(self.why) == len(self) else np.zeros(len(self), np.int8)[rows],
            "upd": self.last_update_s[rows],
            "alts": (self.alt_sigma_m if len(self.alt_sigma_m) == len(self) else np.full(len(self), np.nan))[
                rows
            ],
        }
        out: dict[str, list[Any]] = {}
        for k, a in arrays.items():
            if k in _ROUND:
                a = np.round(a.astype(np.float64), _ROUND[k])
                out[k] = [None if not math.isfinite(x) else x for x in a.tolist()]
            else:
                out[k] = a.tolist()
        idx = range(len(self))[rows] if isinstance(rows, slice) else rows.tolist()
        out["lbl"] = [self.label[i] for i in idx]
        out["idn"] = [self.ident[i] for i in idx]
        return out

    def row(self, i: int) -> dict[str, Any]:
        cols = self.columns(np.array([i], dtype=np.intp))
        return {k: v[0] for k, v in cols.items()}


def _changed_rows(prev: Frame, cur: Frame) -> tuple[npt.NDArray[np.intp], IntArray]:
    """Rows of `cur` that are new or differ from `prev` (after rounding), and ids gone since `prev`."""
    pos = np.searchsorted(prev.track, cur.track)
    pos_c = np.minimum(pos, max(len(prev) - 1, 0))
    known = (pos < len(prev)) & (prev.track[pos_c] == cur.track) if len(prev) else np.zeros(len(cur), bool)
    changed = ~known
    k = np.flatnonzero(known)
    j = pos_c[k]
    for name, digits in (("lat", 5), ("lon", 5), ("alt_m", 0), ("heading_deg", 0), ("speed_mps", 1)):
        a = np.round(getattr(cur, name)[k], digits)
        b = np.round(getattr(prev, name)[j], digits)
        changed[k] |= ~((a == b) | (np.isnan(a) & np.isnan(b)))
    for name in ("cls", "sensors", "integrity"):
        changed[k] |= getattr(cur, name)[k] != getattr(prev, name)[j]
    if len(cur.why) == len(cur) and len(prev.why) == len(prev):
        changed[k] |= cur.why[k] != prev.why[j]
    changed[k] |= np.round(cur.cls_p[k], 2) != np.round(prev.cls_p[j], 2)
    if len(k):
        changed[k] |= np.asarray(cur.label, dtype=str)[k] != np.asarray(prev.label, dtype=str)[j]
    gone = prev.track[~np.isin(prev.track, cur.track)]
    return np.flatnonzero(changed), gone


@dataclass
class SensorSite:
    """Where a sensor stands and what it covers (from a scenario's sensors.json or the config)."""

    name: str
    kind: str
    lat: float
    lon: float
    alt_m: float = 0.0
    max_range_m: float = 0.0

    @classmethod
    def from_sheet(cls, s: SensorSheet) -> SensorSite:
        """From a validated sheet (airpicture.sensors); no stated range: no coverage ring (0)."""
        return cls(
            name=s.id,
            kind=s.kind,
            lat=s.lat,
            lon=s.lon,
            alt_m=s.alt_m,
            max_range_m=float(s.max_range_m or 0.0),
        )


@dataclass
class MapZone:
    """A protected volume as the console draws it: a circle (lat, lon, radius_m) or a polygon
    ([lon, lat] pairs). A display record; the assess stage's zones are assess.base.Zone."""

    name: str
    kind: str = "circle"
    lat: float = 0.0
    lon: float = 0.0
    radius_m: float = 0.0
    floor_m: float = 0.0
    ceiling_m: float = 1e4
    polygon: list[tuple[float, float]] = field(default_factory=list)

    @classmethod
    def from_meta(cls, d: dict[str, Any]) -> MapZone:
        return cls(
            name=str(d["name"]),
            kind=str(d.get("kind", "circle")),
            lat=float(d.get("lat", 0.0)),
            lon=float(d.get("lon", 0.0)),
            radius_m=float(d.get("radius_m", 0.0)),
            floor_m=float(d.get("floor_m", 0.0)),
            ceiling_m=float(d.get("ceiling_m", 1e4)),
            polygon=[(float(a), float(b)) for a, b in d.get("polygon", [])],
        )


@dataclass(frozen=True)
class Message:
    """What listeners receive: its kind, the picture sequence number it belongs to and its JSON text."""

    kind: str
    seq: int
    text: str


def _json(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), allow_nan=False)


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def alert_dict(a: Alert, acknowledged: bool) -> dict[str, Any]:
    """An alert step as the console sends it: its JSON-safe record (Alert.to_record) with the
    alert id first, and whether an operator acknowledged it."""
    rec = a.to_record(json_safe=True)
    return {"alert": rec.pop("alert"), **rec, "acknowledged": acknowledged}


def display_of(settings: Settings) -> dict[str, Any]:
    """LiveState's display keywords from the settings: the units of the alert texts (assess.units),
    the optional online tiles (console.tile_url / tile_attribution), the site's basemap extract."""
    c = settings.console
    tiles = {"url": c.tile_url, "attribution": c.tile_attribution} if c.tile_url else None
    folder = str(c.basemap_dir) if c.basemap_dir else None
    return {"units": settings.assess.units, "tiles": tiles, "basemap_dir": folder}


class LiveState:
    """Thread-safe current state of the console, with deltas pushed to listeners.

    history_frames: how many past frames are kept for one track's history (the store keeps more).
    max_alerts: alerts kept (oldest cleared ones are forgotten first).
    """

    def __init__(
        self,
        sensors: Sequence[SensorSite] = (),
        zones: Sequence[MapZone] = (),
        site: dict[str, Any] | None = None,
        history_frames: int = 600,
        max_alerts: int = 500,
        units: Units = "metric",
        tiles: dict[str, str] | None = None,
        basemap_dir: str | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self._listeners: list[Callable[[Message], None]] = []
        self.frame: Frame | None = None
        self.seq = 0
        self.history: deque[Frame] = deque(maxlen=history_frames)
        self.sites = {s.name: s for s in sensors}
        self.stats: dict[str, SourceStats] = {}
        self.registration: dict[str, dict[str, Any]] = {}  # radar -> its estimated biases
        self.zones = {z.name: z for z in zones}
        self.site = site or {}
        self.alerts: dict[str, Alert] = {}
        self.acked: set[str] = set()
        self.max_alerts = max_alerts
        # A replay.Player when the console plays history (None when live): commands go to it; this
        # state never calls it (the player sends its status here: publish_replay).
        self.replay: Any = None
        self.replay_status: dict[str, Any] | None = None
        # A history store (airpicture.sinks.store.HistoryStore) to read one track's history from,
        # over history_s before the current picture; None: the frames kept in memory.
        self.history_store: Any = None
        self.history_s = 3600.0
        self.zone_listeners: list[Callable[[list[MapZone]], None]] = []
        self.gnss: dict[str, Any] = {"type": "FeatureCollection", "features": []}
        self.pictures = 0
        self.clients = 0  # websocket clients connected (kept by the hub)
        self.started = time.time()
        # how the page formats numbers (as the alert texts do) and its optional online tiles
        self.display: dict[str, Any] = {"units": units_table(units), "tiles": tiles}
        self.basemap_dir = basemap_dir  # a site's own basemap extract, served before the bundled one
        # every change emits; the snapshot is built once per change however many clients resync
        self._version = 0
        self._snap: tuple[int, Message] | None = None

    # -- listeners -------------------------------------------------------------------------------
    def subscribe(self, fn: Callable[[Message], None]) -> None:
        with self._lock:
            self._listeners.append(fn)

    def unsubscribe(self, fn: Callable[[Message], None]) -> None:
        with self._lock:
            if fn in self._listeners:
                self._listeners.remove(fn)

    def _emit(self, kind: str, payload: dict[str, Any]) -> Message:
        self._version += 1
        msg = Message(kind, self.seq, _json({"type": kind, "seq": self.seq, **payload}))
        for fn in list(self._listeners):
            fn(msg)
        return msg

    # -- producers -------------------------------------------------------------------------------
    def publish_picture(self, picture: Picture) -> Message:
        return self.publish_frame(Frame.from_picture(picture))

    def publish_frame(self, frame: Frame, reset: bool = False) -> Message:
        """Make `frame` current. reset=True (a replay seek) drops the history and resyncs clients."""
        with self._lock:
            prev = self.frame
            self.frame = frame
            self.seq += 1
            self.pictures += 1
            if reset:
                self.history.clear()
            self.history.append(
                frame if frame.evidence is None else dataclasses.replace(frame, evidence=None)
            )
            if prev is None or reset:
                return self._emit("snapshot", self._snapshot_payload())
            rows, gone = _changed_rows(prev, frame)
            return self._emit(
                "delta", {"time": frame.time_s, "upd": frame.columns(rows), "del": gone.tolist()}
            )

    def load_history(self, frames: Iterable[Frame]) -> None:
        """Replace the per-track history (a replay seek fills it with the frames before the new time)."""
        with self._lock:
            self.history.clear()
            self.history.extend(frames)

    def publish_alerts(self, alerts: Iterable[Alert], replace: bool = False) -> Message | None:
        """Record alert steps (latest state per alert id). replace=True: `alerts` is the whole set."""
        with self._lock:
            if replace:
                self.alerts.clear()
            changed = []
            for a in alerts:
                self.alerts.pop(a.alert, None)  # re-insert: dict order = most recent last
                self.alerts[a.alert] = a
                changed.append(a.alert)
            while len(self.alerts) > self.max_alerts:
                old = next(
                    (k for k, a in self.alerts.items() if a.state == "cleared"), next(iter(self.alerts))
                )
                del self.alerts[old]
                self.acked.discard(old)
            if replace:
                return self._emit("alerts", {"replace": True, "alerts": self.alert_list()})
            if not changed:
                return None
            rows = [
                alert_dict(self.alerts[k], k in self.acked)
                for k in dict.fromkeys(changed)
                if k in self.alerts
            ]
            return self._emit("alerts", {"replace": False, "alerts": rows})

    def acknowledge(self, alert_id: str) -> dict[str, Any] | None:
        """Mark an alert seen by the operator; None if unknown. Acknowledging changes nothing else."""
        with self._lock:
            a = self.alerts.get(alert_id)
            if a is None:
                return None
            self.acked.add(alert_id)
            row = alert_dict(a, True)
            self._emit("alerts", {"replace": False, "alerts": [row]})
        if self.history_store is not None:  # recorded too, outside the lock (the disk may be slow)
            from airpicture.errors import SinkError

            # The ack stands on the console even when the store fails (the store reports its failure).
            with contextlib.suppress(SinkError):
                self.history_store.acknowledge(alert_id, "console", time.time())
        return row

    def publish_stats(self, stats: Iterable[SourceStats]) -> Message:
        with self._lock:
            for s in stats:
                self.stats[s.name] = dataclasses.replace(s)  # a copy: the source goes on counting
            return self._emit("sensors", {"sensors": self.sensor_list()})

    def publish_registration(self, biases: dict[str, dict[str, Any]]) -> Message | None:
        """The radars' estimated biases (track.registration.RadarBias fields by radar id); the
        sensors are sent again when they changed."""
        with self._lock:
            if biases == self.registration:
                return None
            self.registration = dict(biases)
            return self._emit("sensors", {"sensors": self.sensor_list()})

    def publish_gnss(self, collection: dict[str, Any]) -> Message:
        """Replace the GNSS interference layer (a GeoJSON FeatureCollection of cells)."""
        with self._lock:
            self.gnss = collection
            return self._emit("gnss", {"gnss": collection})

    def set_zone(self, zone: MapZone) -> None:
        with self._lock:
            self.zones[zone.name] = zone
            zones = self._zones_changed()
        for fn in list(self.zone_listeners):  # outside the lock: a listener may be slow
            fn(zones)

    def delete_zone(self, name: str) -> bool:
        with self._lock:
            if self.zones.pop(name, None) is None:
                return False
            zones = self._zones_changed()
        for fn in list(self.zone_listeners):
            fn(zones)
        return True

    def _zones_changed(self) -> list[MapZone]:
        zones = list(self.zones.values())
        self._emit("zones", {"zones": [z.__dict__ for z in zones]})
        return zones

    def publish_replay(self, status: dict[str, Any], emit: bool = True) -> None:
        """The replay player's clock (a copy: this state never calls the player); emit=False only
        records it for the next snapshot."""
        with self._lock:
            self.replay_status = status
            self._version += 1
            if emit:
                self._emit("replay", {"replay": status})

    # -- views -----------------------------------------------------------------------------------
    def alert_list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [alert_dict(a, k in self.acked) for k, a in self.alerts.items()]

    def sensor_list(self) -> list[dict[str, Any]]:
        with self._lock:
            out = []
            for name in list(self.sites) + [n for n in self.stats if n not in self.sites]:
                site, st = self.sites.get(name), self.stats.get(name)
                rej = dict(st.rejects.counts) if st and st.rejects else {}
                out.append(
                    {
                        "name": name,
                        "kind": site.kind if site else (st.kind if st else ""),
                        "lat": site.lat if site else None,
                        "lon": site.lon if site else None,
                        "max_range_m": site.max_range_m if site else None,
                        "messages": st.messages if st else 0,
                        "rate_per_s": st.rate_per_s if st else 0.0,
                        "last_message_s": _finite(st.last_message_s) if st else None,
                        "status": st.status if st else "unknown",
                        "reconnects": st.reconnects if st else 0,
                        "rejects": rej,
                        "silent_s": _finite(st.silent_s) if st else None,
                        "registration": self.registration.get(name),
                    }
                )
            return out

    def problems(self) -> tuple[list[str], list[str]]:
        """(sensors that stopped delivering, parts failing now) from the published stats."""
        with self._lock:
            stats = list(self.stats.values())
        stale = [s.name for s in stats if s.kind != "file" and s.stopped()]
        return stale, [s.name for s in stats if s.status.startswith("failing")]

    def _snapshot_payload(self) -> dict[str, Any]:
        f = self.frame
        return {
            "time": f.time_s if f else None,
            "tracks": f.columns() if f else {c: [] for c in COLUMNS},
            "alerts": self.alert_list(),
            "sensors": self.sensor_list(),
            "zones": [z.__dict__ for z in self.zones.values()],
            "site": self.site,
            "classes": [c.label for c in sorted(ObjectClass)],
            "reasons": [r.label for r in sorted(IntegrityReason)],
            "replay": self.replay_status,
            "gnss": self.gnss,
            "display": self.display,
        }

    def snapshot(self) -> Message:
        """The full state as one message (for a new or resynchronised client); not sent to listeners.
        Built once per change: hundreds of clients resyncing at once (slow readers that lost
        deltas) cost the event loop one build, not hundreds."""
        with self._lock:
            if self._snap is None or self._snap[0] != self._version:
                text = _json({"type": "snapshot", "seq": self.seq, **self._snapshot_payload()})
                self._snap = (self._version, Message("snapshot", self.seq, text))
            return self._snap[1]

    def _memory_history(self, track_id: int) -> dict[str, list[Any]]:
        hist: dict[str, list[Any]] = {"t": [], "lat": [], "lon": [], "alt": [], "spd": [], "p": []}
        for h in self.history:
            j = int(np.searchsorted(h.track, track_id))
            if j < len(h) and h.track[j] == track_id:
                for key, arr in (
                    ("lat", h.lat),
                    ("lon", h.lon),
                    ("alt", h.alt_m),
                    ("spd", h.speed_mps),
                    ("p", h.cls_p),
                ):
                    v = float(arr[j])
                    hist[key].append(round(v, 5) if math.isfinite(v) else None)
                hist["t"].append(h.time_s)
        return hist

    def _store_history(self, track_id: int, t: float) -> dict[str, list[Any]] | None:
        """The track's stored rows up to the current picture (a replay must not show the future)."""
        from airpicture.errors import SinkError

        try:
            rows = self.history_store.track_history(track_id, t - self.history_s, t)
        except SinkError:
            return None  # the store is unavailable: fall back to the frames in memory
        if not len(rows):
            return None
        spd = np.hypot(rows["ve"], rows["vn"])
        out: dict[str, list[Any]] = {"t": rows["time_s"].tolist()}
        for key, arr in (
            ("lat", rows["lat"]),
            ("lon", rows["lon"]),
            ("alt", rows["alt_m"]),
            ("spd", spd),
            ("p", rows["cls_p"]),
        ):
            out[key] = [round(v, 5) if math.isfinite(v) else None for v in np.asarray(arr, float).tolist()]
        return out

    def track(self, track_id: int) -> dict[str, Any] | None:
        """One track's current row and its history (time, lat, lon, alt, speed, class prob)."""
        with self._lock:
            f = self.frame
            if f is None:
                return None
            i = int(np.searchsorted(f.track, track_id))
            if i >= len(f) or f.track[i] != track_id:
                return None
            row = f.row(i)
            row["class_name"] = ObjectClass.label_of(row["cls"], default="unknown")
            row["sensor_names"] = [n for b, n in enumerate(self.sites) if row["sen"] >> b & 1]
            # why this class: the classifier's own terms (None when replayed from a store: not kept)
            row["evidence"] = explain(f.evidence[i]) if f.evidence is not None else None
            memory = self._memory_history(track_id) if self.history_store is None else None
        # The store is read outside the lock: a slow disk must not hold up the tracker's publishing.
        hist = memory if memory is not None else self._store_history(track_id, f.time_s)
        if hist is None:
            with self._lock:
                hist = self._memory_history(track_id)
        row["history"] = hist
        return row


__all__ = ["COLUMNS", "Frame", "LiveState", "MapZone", "Message", "SensorSite", "alert_dict", "display_of"]
