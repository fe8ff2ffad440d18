"""Cursor-on-Target (CoT) XML for TAK: tracks and alerts as CoT events over UDP multicast or TCP.

Event types chosen (MIL-STD-2525 function codes as used by ATAK; affiliation is never "hostile":
airpicture observes, the operator judges):

  aircraft with an ICAO address    a-n-A-C-F   neutral, civil fixed-wing aircraft
  aircraft without identity        a-u-A-C-F   unknown affiliation, civil fixed-wing aircraft
  drone with Remote ID             a-n-A-M-H-Q neutral, rotary-wing UAV (the usual TAK drone icon)
  drone without identity           a-u-A-M-H-Q unknown affiliation drone
  bird, unknown                    a-u-A       unknown air track (remarks say "bird"); birds are
                                               not streamed unless birds=True
  alert                            b-a-o-tbl   an alarm marker at the object's position; a
                                               cleared alert is re-sent with stale = now

how="m-g" (machine, sensor-derived). ce/le are 1-sigma errors in metres from the track
covariance: ce = sqrt of the largest eigenvalue of the horizontal (e, n) block, le = sqrt(P_uu).
uid is stable per track ("airpicture-<site>-track-<id>") and per alert. Tracks go stale after
`stale_s` (a track no longer published disappears from the TAK map by itself).
Default endpoints: the SA multicast group 239.2.3.1:6969 (UDP), a TAK server's TCP input on 8087.
"""

from __future__ import annotations

import socket
import struct
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np

from airpicture.errors import SinkError
from airpicture.sinks.queue import QueueStats, QueueWorker
from airpicture.types import REMOTEID_BIT, Alert, Integrity, IntegrityReason, ObjectClass, Picture, ident_name

SA_GROUP, SA_PORT, TAK_TCP_PORT = "239.2.3.1", 6969, 8087


def cot_time(t: float) -> str:
    """UTC epoch seconds -> CoT time (ISO 8601, millisecond, Z)."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(t * 1000) % 1000:03d}Z"


def cot_type(cls: ObjectClass, ident: int) -> str:
    coop = ident >= 0
    if cls == ObjectClass.AIRCRAFT:
        return "a-n-A-C-F" if coop and ident < (1 << 24) else "a-u-A-C-F"
    if cls == ObjectClass.DRONE:
        return "a-n-A-M-H-Q" if coop and ident & REMOTEID_BIT else "a-u-A-M-H-Q"
    return "a-u-A"


def errors_m(P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, 6, 6) covariance -> (ce, le) (N,) 1-sigma circular and linear error, m."""
    h = P[:, 0:2, 0:2]
    tr, det = h[:, 0, 0] + h[:, 1, 1], h[:, 0, 0] * h[:, 1, 1] - h[:, 0, 1] ** 2
    lam = tr / 2 + np.sqrt(np.maximum(tr * tr / 4 - det, 0.0))
    return np.sqrt(np.maximum(lam, 0.0)), np.sqrt(np.maximum(P[:, 2, 2], 0.0))


def event(
    uid: str,
    type_: str,
    t: float,
    stale: float,
    lat: float,
    lon: float,
    hae: float,
    ce: float,
    le: float,
    detail: dict[str, dict[str, str]] | None = None,
    remarks: str = "",
) -> bytes:
    """One CoT <event> as UTF-8 XML bytes."""
    ev = ET.Element(
        "event",
        version="2.0",
        uid=uid,
        type=type_,
        how="m-g",
        time=cot_time(t),
        start=cot_time(t),
        stale=cot_time(stale),
    )
    ET.SubElement(
        ev,
        "point",
        lat=f"{lat:.7f}",
        lon=f"{lon:.7f}",
        hae=f"{hae:.1f}" if np.isfinite(hae) else "9999999.0",
        ce=f"{ce:.1f}" if np.isfinite(ce) else "9999999.0",
        le=f"{le:.1f}" if np.isfinite(le) else "9999999.0",
    )
    det = ET.SubElement(ev, "detail")
    for tag, attrs in (detail or {}).items():
        ET.SubElement(det, tag, attrs)
    if remarks:
        ET.SubElement(det, "remarks").text = remarks
    return ET.tostring(ev, encoding="utf-8", xml_declaration=True)


def track_events(
    pic: Picture, *, site: str = "site", stale_s: float = 10.0, birds: bool = False
) -> list[bytes]:
    """One CoT event per track of the picture (a per-object view: sinks only)."""
    ce, le = errors_m(pic.P)
    alt = pic.published_alt_m()  # NaN (CoT's 9999999, unknown): a height never measured or stale
    out = []
    for i in range(len(pic)):
        cls = ObjectClass(int(pic.cls[i]))
        if cls == ObjectClass.BIRD and not birds:
            continue
        ident = int(pic.ident[i])
        ve, vn = float(pic.x[i, 3]), float(pic.x[i, 4])
        name = ident_name(ident, pic.names) or f"T{int(pic.track[i])}"
        out.append(
            event(
                f"airpicture-{site}-track-{int(pic.track[i])}",
                cot_type(cls, ident),
                pic.time_s,
                pic.time_s + stale_s,
                float(pic.lat[i]),
                float(pic.lon[i]),
                float(alt[i]),
                float(ce[i]),
                float(le[i]),
                {
                    "contact": {"callsign": name},
                    "track": {
                        "course": f"{np.degrees(np.arctan2(ve, vn)) % 360:.1f}",
                        "speed": f"{np.hypot(ve, vn):.1f}",
                    },
                },
                remarks=f"{cls.label} p={pic.cls_p[i]:.2f}{_doubt(pic, i)}",
            )
        )
    return out


def _doubt(pic: Picture, i: int) -> str:
    """'; spoofed (replay_twin)' for a track the integrity stage does not believe, else ''."""
    code = Integrity(int(pic.integrity[i]))
    if code == Integrity.OK:
        return ""
    why = IntegrityReason(int(pic.integrity_reason[i])) if pic.integrity_reason is not None else None
    return f"; {code.label}" + (f" ({why.label})" if why else "")


def alert_event(a: Alert, *, site: str = "site", stale_s: float = 120.0) -> bytes:
    """An alert step as a CoT alarm marker; a cleared alert goes stale at once."""
    stale = a.time_s if a.state == "cleared" else a.time_s + stale_s
    title = f"{a.kind.replace('_', ' ')}{' ' + a.zone if a.zone else ''} ({a.state})"
    # an area alert (GNSS interference: track -1) has no track to link to
    link = {"link": {"uid": f"airpicture-{site}-track-{a.track}", "relation": "p-p"}} if a.track >= 0 else {}
    return event(
        f"airpicture-{site}-alert-{a.alert}",
        "b-a-o-tbl",
        a.time_s,
        stale,
        a.lat,
        a.lon,
        a.alt_m,
        9999999.0,
        9999999.0,
        {"contact": {"callsign": title}} | link,
        remarks=a.message,
    )


class _CotSink:
    """Common part: turn pictures / alerts into CoT events, hand them to the queue worker."""

    def __init__(
        self,
        send: Callable[[bytes], None],
        name: str,
        site: str,
        stale_s: float,
        birds: bool,
        tracks: bool,
        queue_size: int,
        attempts: int,
        backoff_s: float,
    ) -> None:
        self.site, self.stale_s, self.birds, self.tracks = site, stale_s, birds, tracks
        self.worker: QueueWorker[bytes] = QueueWorker(
            send,
            name=name,
            maxsize=queue_size,
            attempts=attempts,
            base_s=backoff_s,
        )

    @property
    def stats(self) -> QueueStats:
        return self.worker.stats

    def send_picture(self, picture: Picture) -> None:
        if self.tracks:
            for ev in track_events(picture, site=self.site, stale_s=self.stale_s, birds=self.birds):
                self.worker.put(ev)

    def send_alerts(self, alerts: list[Alert]) -> None:
        for a in alerts:
            self.worker.put(alert_event(a, site=self.site))

    def flush(self, timeout: float = 5.0) -> bool:
        return self.worker.flush(timeout)


class CotUdpSink(_CotSink):
    """CoT over UDP: one datagram per event, to the SA multicast group (or any unicast address)."""

    def __init__(
        self,
        host: str = SA_GROUP,
        port: int = SA_PORT,
        *,
        ttl: int = 1,
        site: str = "site",
        stale_s: float = 10.0,
        birds: bool = False,
        tracks: bool = True,
        queue_size: int = 1000,
        interface: str = "0.0.0.0",
    ) -> None:
        self.addr = (host, port)
        try:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, struct.pack("b", ttl))
            self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(interface))
        except OSError as e:
            raise SinkError(f"CoT UDP socket: {e}") from e
        super().__init__(self._send, "cot-udp", site, stale_s, birds, tracks, queue_size, 2, 0.1)

    def _send(self, data: bytes) -> None:
        self.sock.sendto(data, self.addr)

    def close(self) -> None:
        self.worker.close()
        self.sock.close()


class CotTcpSink(_CotSink):
    """CoT over TCP to a TAK server's streaming input: events back to back on one connection,
    reconnected (with the worker's backoff) when it breaks."""

    def __init__(
        self,
        host: str,
        port: int = TAK_TCP_PORT,
        *,
        site: str = "site",
        stale_s: float = 10.0,
        birds: bool = False,
        tracks: bool = True,
        queue_size: int = 1000,
        attempts: int = 5,
        backoff_s: float = 0.5,
        timeout_s: float = 5.0,
    ) -> None:
        self.addr, self.timeout_s = (host, port), timeout_s
        self.sock: socket.socket | None = None
        self.connects = 0
        super().__init__(self._send, "cot-tcp", site, stale_s, birds, tracks, queue_size, attempts, backoff_s)

    def _send(self, data: bytes) -> None:
        if self.sock is None:
            self.sock = socket.create_connection(self.addr, timeout=self.timeout_s)
            self.connects += 1
        try:
            self.sock.sendall(data)
        except OSError:
            self.sock.close()
            self.sock = None
            raise

    def close(self) -> None:
        self.worker.close()
        if self.sock is not None:
            self.sock.close()
            self.sock = None


__all__ = [
    "SA_GROUP",
    "SA_PORT",
    "TAK_TCP_PORT",
    "CotTcpSink",
    "CotUdpSink",
    "alert_event",
    "cot_time",
    "cot_type",
    "errors_m",
    "event",
    "track_events",
]
