"""Pydantic models of the console's REST API (they make the served OpenAPI document exact)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from airpicture.types import Integrity, IntegrityReason, ObjectClass


class Track(BaseModel):
    track: int = Field(description="track number")
    lat: float | None
    lon: float | None
    alt_m: float | None = Field(description="height above the ellipsoid; null: never measured or stale")
    alt_sigma_m: float | None = Field(
        default=None, description="1-sigma of the height (of the prior, when it was never measured)"
    )
    heading_deg: float | None = Field(description="from the velocity, clockwise from true north")
    speed_mps: float | None
    vrate_mps: float | None
    cls: int = Field(description="ObjectClass code (index into the snapshot's classes)")
    class_name: str
    cls_p: float | None = Field(description="probability of that class")
    label: str = Field(description="callsign, ICAO address, Remote ID serial, or '' (show the track number)")
    ident: str = Field(description="ICAO address (6 hex) or Remote ID ident, '' if none")
    sensors: int = Field(description="bit mask of the sensors (by index) that updated the track")
    integrity: int = Field(description=", ".join(f"{int(c)} {c.label}" for c in Integrity))
    integrity_reason: str = Field(
        description="why the track is suspect or spoofed (an IntegrityReason label), '' when it is ok"
    )
    last_update_s: float | None

    @classmethod
    def from_row(cls, r: dict[str, Any]) -> Track:
        c = int(r["cls"])
        return cls(
            track=r["id"],
            lat=r["lat"],
            lon=r["lon"],
            alt_m=r["alt"],
            alt_sigma_m=r.get("alts"),
            heading_deg=r["hdg"],
            speed_mps=r["spd"],
            vrate_mps=r["vr"],
            cls=c,
            class_name=ObjectClass.label_of(c, default="unknown"),
            cls_p=r["p"],
            label=r["lbl"],
            ident=r["idn"],
            sensors=r["sen"],
            integrity=r["itg"],
            integrity_reason="" if not r["why"] else IntegrityReason.label_of(int(r["why"]), default=""),
            last_update_s=r["upd"],
        )


class TrackHistory(BaseModel):
    t: list[float]
    lat: list[float | None]
    lon: list[float | None]
    alt_m: list[float | None]
    speed_mps: list[float | None]
    cls_p: list[float | None]


class ClassFactor(BaseModel):
    term: str = Field(description="a classifier term: prior, detection, speed, height, wander, identity")
    nats: float = Field(description="its log-likelihood ratio leading : runner-up kind (> 0 for the leading)")


class ClassEvidence(BaseModel):
    """Why the track has its class (assess.classify.explain): the classifier's own terms."""

    kind: str = Field(description="the most probable kind")
    versus: str = Field(description="the runner-up kind")
    log_odds: float = Field(
        description="log posterior odds kind : versus, nats (the factors' sum over all terms)"
    )
    factors: list[ClassFactor] = Field(description="the terms that separate the two most, strongest first")


class TrackDetail(Track):
    sensor_names: list[str]
    history: TrackHistory
    evidence: ClassEvidence | None = Field(
        default=None, description="why this class; null when the picture carries no classifier terms"
    )


class Alert(BaseModel):
    alert: str
    time_s: float
    track: int
    zone: str
    kind: str
    state: str
    lat: float | None
    lon: float | None
    alt_m: float | None
    identity: str
    cls: str
    message: str
    evidence: dict[str, float | str | None]
    acknowledged: bool


class Registration(BaseModel):
    """A radar's systematic errors as the tracker estimates them (sensor registration)."""

    range_m: float = Field(description="range offset: measured - true, m")
    azimuth_deg: float = Field(description="azimuth offset, clockwise, deg")
    time_s: float = Field(description="time-stamp offset: stamped - true (late: positive), s")
    sigma_range_m: float
    sigma_azimuth_deg: float
    sigma_time_s: float
    pairs: float = Field(
        description="pairings with ADS-B aircraft and other radars' plots in memory (forgetting-weighted)"
    )
    sectors: int = Field(description="azimuth sectors (of 8) they come from")
    applied: bool = Field(description="taken out of the radar's plots (known well enough)")
    last_pair_s: float | None = Field(description="time of the last pairing")
    applied_range_m: float = Field(default=0.0, description="what is taken out of its plots: range, m")
    applied_azimuth_deg: float = Field(default=0.0, description="...azimuth, deg")
    applied_time_s: float = Field(default=0.0, description="...time stamp, s")
    relative: bool = Field(
        default=False,
        description="part of it is known only relative to other radars (no ADS-B or reference radar "
        "fixes it) and is not applied",
    )
    reference: bool = Field(default=False, description="a reference radar, taken as unbiased")


class Sensor(BaseModel):
    name: str
    kind: str
    lat: float | None
    lon: float | None
    max_range_m: float | None
    messages: int
    rate_per_s: float
    last_message_s: float | None
    status: str
    reconnects: int
    rejects: dict[str, int]
    silent_s: float | None = Field(default=None, description="host seconds since its last message")
    registration: Registration | None = Field(
        default=None, description="a radar's estimated biases; None: not estimated"
    )


class Zone(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    kind: Literal["circle", "polygon"] = "circle"
    lat: float = Field(0.0, ge=-90, le=90)
    lon: float = Field(0.0, ge=-180, le=180)
    radius_m: float = Field(0.0, ge=0, le=200_000)
    floor_m: float = 0.0
    ceiling_m: float = 10_000.0
    polygon: list[tuple[float, float]] = Field(
        default_factory=list, max_length=1000, description="[lon, lat] pairs"
    )


class Health(BaseModel):
    status: Literal["ok", "waiting", "degraded"] = Field(
        description="degraded: a sensor is stale or down, or a part is failing (see faults)"
    )
    time_s: float | None = Field(description="time of the current picture")
    tracks: int
    clients: int
    uptime_s: float
    stale_sensors: list[str] = Field(default_factory=list, description="sensors that stopped delivering")
    faults: list[str] = Field(default_factory=list, description="parts failing now (the history store...)")


class Metrics(BaseModel):
    degraded: int = Field(description="1 when /api/health says degraded")
    sensors_stale: int
    faults: int
    pictures: int
    seq: int
    tracks: int
    alerts: int
    alerts_unacknowledged: int
    clients: int
    ws_sent: int
    ws_dropped: int = Field(description="messages dropped from slow clients' queues (each then resynced)")
    ws_timeouts: int = Field(description="clients disconnected for taking no message in send_timeout_s")
    ws_queued: int = Field(description="messages waiting in the clients' queues")


class ReplayStatus(BaseModel):
    t: float
    start_s: float
    end_s: float
    available_s: float = Field(
        description="newest time that can be played (the tracker may still be working)"
    )
    speed: float
    paused: bool
    loop: bool


class ReplayCommand(BaseModel):
    action: Literal["play", "pause", "seek", "speed"]
    t: float | None = None
    speed: float | None = Field(None, gt=0, le=1000)


__all__ = [
    "Alert",
    "Health",
    "Metrics",
    "Registration",
    "ReplayCommand",
    "ReplayStatus",
    "Sensor",
    "Track",
    "TrackDetail",
    "TrackHistory",
    "Zone",
]
