"""Settings: one `Settings` with a nested model per stage, typed and validated once, at start-up.

    Settings
    ├── track       TrackSettings       the tracker's thresholds and physical bounds
    ├── registration RegistrationSettings  radar bias estimation (sensor registration)
    ├── integrity   IntegritySettings   the spoofing checks of cooperative tracks
    ├── gnss        GnssSettings        the GNSS interference map and its alert
    ├── reports     ReportIntegritySettings  spoofing evidence from the reports alone
    ├── assess      AssessSettings      classification and alert thresholds
    ├── output      OutputSettings      tracks.csv and the file pipeline
    ├── batch       BatchSettings       `track --ray`: time chunks and their join
    ├── feeds       FeedSettings        live feeds: the receivers' clocks, when a feed is stale
    ├── console     ConsoleSettings     the operator console (web server)
    ├── asterix     AsterixSettings     CAT062 system tracks out (data source, multicast, numbers)
    ├── store       StoreSettings       the history store writer
    ├── sapient     SapientSettings     SAPIENT (BSI Flex 335 v2.0) node out, sensor nodes in
    └── partition   PartitionSettings   the live picture split by region (run --partitions)

Where a value comes from, later winning: the defaults here; an optional TOML file
(`airpicture --config FILE`, one table per stage: ``[assess]`` ``alert_drone_p = 0.95``);
environment variables ``AIRPICTURE_<STAGE>__<FIELD>`` (``AIRPICTURE_ASSESS__ALERT_DRONE_P=0.95``).
A value that does not validate, an unknown stage or field, or an unreadable file is a ConfigError
that names it. `airpicture config show` prints the settings in effect and where each came from.

Each default lives here and nowhere else: a stage is handed its model (`settings.track` to
ImmGnnTracker, `settings.integrity` to TrackIntegrity, `settings.assess` to TrackAssessor...)
and reads its numbers from it.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, DirectoryPath, Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from airpicture import errors
from airpicture.units import Units

ENV_PREFIX = "AIRPICTURE_"
ENV_DELIMITER = "__"


class _Stage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TrackSettings(_Stage):
    """The tracker's decision thresholds, physical bounds and measurement-model priors (read by
    airpicture.track.tracker.ImmGnnTracker)."""

    confirm_llr: float = Field(
        default=12.0, gt=0, description="LLR that confirms a tentative track (false ~ e^-x)"
    )
    tentative_drop: float = Field(
        default=4.0, gt=0, description="drop a tentative track this far below its best LLR"
    )
    p_false_delete: float = Field(
        default=1e-4,
        gt=0,
        lt=1,
        description="chance that a real object gives the misses that delete its track",
    )
    max_sigma_h_m: float = Field(
        default=3000.0, gt=0, description="delete a track less well known than this, m"
    )
    v_max_mps: float = Field(
        default=300.0, gt=0, description="fastest object expected (a new track's prior), m/s"
    )
    v_max_climb_mps: float = Field(default=30.0, gt=0, description="fastest climb expected, m/s")
    turn_min_revisit_s: float = Field(
        default=3.0,
        gt=0,
        description="a radar that looks at most this often moves its tracks with the coordinated-turn "
        "modes too (track/motion.py); between closer looks the straight modes follow a turn, s",
    )
    time_bounds_s: tuple[float, float] = Field(
        default=(1e8, 1e11), description="measurement times outside are not physical (epoch s)"
    )
    max_range_m: float = Field(default=2e6, gt=0, description="longer radar ranges are not physical, m")
    max_altitude_m: float = Field(default=1e5, gt=0, description="higher altitudes are not physical, m")
    max_speed_mps: float = Field(
        default=2000.0, gt=0, description="faster reported speeds are not physical, m/s"
    )
    housekeeping_s: float = Field(default=2.0, gt=0, description="period of the duplicate check, s")
    report_sigma_time_s: float = Field(
        default=1.5,
        ge=0,
        description="time uncertainty of a broadcast position when a plot is gated to it, s",
    )
    max_coast_s: float = Field(
        default=60.0, gt=0, description="longest time a track is kept without measurement, s"
    )
    p_still_there: float = Field(
        default=0.01,
        gt=0,
        lt=1,
        description="unpublish a track whose misses are this unlikely for a present object",
    )
    merge_reach_m: float = Field(
        default=1500.0, gt=0, description="tracks further apart are not duplicates, m"
    )
    miss_memory_s: float = Field(
        default=30.0, gt=0, description="a sensor covers a track while it measured it this recently, s"
    )
    p_clutter_mode_c: float = Field(
        default=0.01, ge=0, le=1, description="share of false plots with a Mode C altitude"
    )
    mode_c_span_m: float = Field(
        default=15000.0, gt=0, description="heights a false Mode C altitude spreads over, m"
    )
    primary_height_m: float = Field(
        default=800.0,
        description="height prior of a 2-D plot without altitude, above the site (not the antenna: "
        "an airborne radar's primary targets fly below it), m",
    )
    primary_height_sigma_m: float = Field(default=800.0, gt=0, description="its sigma, m")
    primary_height_low_m: float = Field(
        default=150.0,
        description="the same of a radar whose sheet gives drones or birds a Pd: what it sees "
        "without altitude is mostly what it is for, and drones are flown below 400 m, birds "
        "below 300 (at 800 m, a 2-D site radar put a drone 1 km out 200-300 m off), m",
    )
    primary_height_low_sigma_m: float = Field(default=150.0, gt=0, description="its sigma, m")
    alt_sigma_max_m: float = Field(
        default=300.0,
        gt=0,
        description="publish a measured height while its 1-sigma is within this (1,000 ft, the "
        "vertical separation a height must resolve to be of use), m; a height never measured is "
        "never published",
    )
    p_gate: float = Field(
        default=0.9999, gt=0, lt=1, description="probability mass inside the Mahalanobis gate"
    )
    dense_cells: int = Field(
        default=2500, gt=0, description="assignment blocks up to this size use the dense solver"
    )
    fresh_s: float = Field(
        default=4.0,
        ge=0,
        description="a track measured this recently is published at its measurement, not predicted "
        "(one revisit of a terminal radar), s",
    )
    fusion_bonus: float = Field(
        default=60.0,
        gt=0,
        description="cost bonus (nats of d2 + log|S|) that makes any gated radar track take a new "
        "identity before a second track is started",
    )
    p_show_tentative: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="publish a tentative track from a radar's Mode C plot at once while at least this "
        "share of that radar's such tracks are confirmed (track/existence.py; 1: never; 0.5: while "
        "it is more likely an aircraft than not, as a row shown of a false plot costs the picture "
        "what a row missing of an aircraft does); a dropped one's number goes to the track that "
        "continues it",
    )
    show_memory: float = Field(
        default=50.0, ge=1, description="decisions that share is counted over (older ones forgotten)"
    )

    @property
    def coop_gain(self) -> float:
        """LLR gain of a cooperative report: two that agree confirm a track."""
        return self.confirm_llr / 2 + 0.5


class RegistrationSettings(_Stage):
    """Sensor registration (track/registration.py): each radar's range, azimuth and time-stamp
    offsets estimated online from ADS-B aircraft its plots pair with, applied to its plots once
    they are known well enough."""

    enabled: bool = Field(default=True, description="estimate the radars' biases (and apply them when known)")
    memory_s: float = Field(
        default=900.0, gt=0, description="time constant of forgetting old pairings (a bias may drift), s"
    )
    prior_sigma_range_m: float = Field(default=500.0, gt=0, description="prior sigma of a range offset, m")
    prior_sigma_azimuth_deg: float = Field(default=1.0, gt=0, description="...of an azimuth offset, deg")
    prior_sigma_time_s: float = Field(default=2.0, gt=0, description="...of a time-stamp offset, s")
    ready_sigma_range_m: float = Field(
        default=8.0, gt=0, description="applied once its range offset is known to this sigma, m"
    )
    ready_sigma_azimuth_deg: float = Field(default=0.015, gt=0, description="...azimuth to this, deg")
    ready_sigma_time_s: float = Field(default=0.06, gt=0, description="...and time stamp to this, s")
    significant_d2: float = Field(
        default=16.3,
        ge=0,
        description="...and when it differs from no bias at all: b' Pb^-1 b over this (chi2, 3 dof, 99.9 %)",
    )
    known_every: int = Field(
        default=7,
        ge=1,
        description="once known to half those sigmas, an estimate is refreshed from every Nth plot batch "
        "of its radar (prime to a scan's batches, so every azimuth keeps being sampled)",
    )
    min_sectors: int = Field(
        default=3, ge=1, le=8, description="...from pairings in at least this many of 8 azimuth sectors"
    )
    pair_radius_m: float = Field(
        default=8000.0,
        gt=0,
        description="a plot is compared with ADS-B aircraft at most this close (else 3 prior sigmas at its "
        "radar's range), m",
    )
    gate_d2: float = Field(
        default=13.8, gt=0, description="pairing gate on the normalised residual (chi2, 2 dof, 99.9 %)"
    )
    huber_k: float = Field(default=2.0, gt=0, description="residuals beyond this many sigma weigh less")
    max_report_age_s: float = Field(
        default=3.0, gt=0, description="an ADS-B report this far from the plot's time is no reference, s"
    )
    max_alt_diff_m: float = Field(
        default=300.0, gt=0, description="a plot's Mode C and its reference's altitude differ less, m"
    )
    model_sigma_m: float = Field(
        default=15.0, ge=0, description="reference error not in its sheet (latency, moving it to the plot), m"
    )
    forget_s: float = Field(
        default=120.0, gt=0, description="an ADS-B identity not heard this long is dropped, s"
    )
    cross_radar: bool = Field(
        default=True, description="also pair the plots two radars give one track (registration without ADS-B)"
    )
    cross_max_dt_s: float = Field(
        default=3.0, gt=0, description="...when they are at most this far apart in time, s"
    )
    cross_sigma_speed_mps: float = Field(
        default=5.0,
        ge=0,
        description="...the track's velocity error, moving one plot to the other's time, m/s",
    )
    reference_radars: list[str] = Field(
        default_factory=list,
        description="radars taken as unbiased (surveyed): without ADS-B they fix what the others' biases are "
        "relative to",
    )


class IntegritySettings(_Stage):
    """The spoofing checks of cooperative tracks (read by airpicture.integrity.TrackIntegrity)."""

    p_stray_hit: float = Field(
        default=0.05,
        gt=0,
        lt=1,
        description="chance that a radar look gives a broadcast nothing echoes a plot anyway (a stray "
        "false plot in its gate)",
    )
    suspect_lr: float = Field(
        default=3000.0,
        gt=1,
        description="likelihood ratio spoofed : real of the radar's looks that makes a track suspect: "
        "four looks without a plot at Pd 0.9, which a real aircraft gives on entering coverage once "
        "in ten thousand",
    )
    spoofed_lr: float = Field(
        default=30000.0,
        gt=1,
        description="...and that makes it spoofed: five such looks (once in a hundred thousand)",
    )
    corroborated_hits: int = Field(
        default=2, gt=0, description="radar plots that corroborate a cooperative track"
    )
    coverage_edge: float = Field(
        default=0.02,
        ge=0,
        lt=0.5,
        description="a radar judges only tracks this share of its max range inside its range limits "
        "(a sheet's ranges are nominal: Pd falls off near them)",
    )
    coverage_edge_deg: float = Field(
        default=0.5, ge=0, description="...and this far above its lowest elevation, deg"
    )
    twin_alt_m: float = Field(
        default=16.0, gt=0, description="replay twins agree in height to this, m (two 25 ft steps)"
    )
    twin_speed_mps: float = Field(default=3.0, gt=0, description="...and in velocity to this, m/s")
    twin_separation_m: float = Field(default=5000.0, gt=0, description="...while further apart than this, m")
    twin_cos_in_trail: float = Field(
        default=0.9,
        gt=0,
        lt=1,
        description="a pair is in trail (one behind the other: its time counts only while manoeuvring) "
        "when |cos| of the angle between its offset and its velocity is above this",
    )
    twin_min_speed_mps: float = Field(
        default=30.0,
        ge=0,
        description="addresses slower than this take no part (hovering and taxiing objects agree in "
        "velocity trivially)",
    )
    twin_min_s: float = Field(default=10.0, gt=0, description="twin time from which the pair is evidence, s")
    twin_rate_per_pair_hour: float = Field(
        default=3.0 / 423.0,
        gt=0,
        lt=1,
        description="how often a pair of real aircraft agrees abeam for twin_min_s, per pair-hour: 0 "
        "of 22 agreeing episodes in 423 pair-hours of real Paris traffic were abeam (rule of three)",
    )
    twin_tail_s: float = Field(
        default=40.0,
        gt=0,
        description="...and the rate falls by e every this many seconds longer (fitted on the same "
        "traffic's agreeing episodes: 9 of 10 s or more, 2 of 60 s, 0 of 120 s)",
    )
    manoeuvre_vrate_mps: float = Field(
        default=2.0, gt=0, description="manoeuvring: vertical rate above this, m/s"
    )
    forget_s: float = Field(
        default=300.0,
        gt=0,
        description="memory of a track id after its last picture (the tracker drops it sooner), s",
    )
    spoof_memory_s: float = Field(
        default=3600.0,
        gt=0,
        description="an identity found spoofed stays found out in its new tracks this long, s",
    )


class GnssSettings(_Stage):
    """The GNSS interference map and its alert (read by airpicture.integrity.gnss.GnssMap and
    airpicture.integrity.gnss_alerts.GnssWatch). The README, "GNSS interference map", says why each
    default was chosen."""

    resolution: int = Field(
        default=4, ge=0, le=15, description="H3 resolution of the cells (4: ~1,770 km2, gpsjam.org's)"
    )
    bin_s: float = Field(default=120.0, gt=0, description="time bin of the map, s")
    min_aircraft: int = Field(
        default=3, ge=1, description="a cell and bin with fewer rated aircraft says nothing"
    )
    nic_min: int = Field(
        default=7,
        ge=0,
        le=11,
        description="a position with a lower NIC is degraded (7: containment radius < 0.2 NM, the "
        "ADS-B Out rule's minimum)",
    )
    nacp_min: int = Field(
        default=8, ge=0, le=11, description="...or a lower NACp (8: 95 % accuracy < 93 m, the same rule's)"
    )
    nucp_min: int = Field(
        default=6,
        ge=0,
        le=9,
        description="...or, where no NIC is known, a lower NUCp (6: HPL < 0.2 NM, NIC 7's equal)",
    )
    share_red: float = Field(
        default=0.10,
        gt=0,
        le=1,
        description="interference: (degraded - 1) / aircraft at least this (gpsjam.org's red; the -1 "
        "discounts one faulty receiver)",
    )
    share_clear: float = Field(
        default=0.02,
        ge=0,
        le=1,
        description="a cell recovers with full bins below this (gpsjam.org's green)",
    )
    clear_bins: int = Field(default=2, ge=1, description="...this many in a row (with min_aircraft)")
    alert_range_m: float = Field(
        default=50_000.0, ge=0, description="cells reaching within this of the site raise the alert, m"
    )
    update_s: float = Field(
        default=5.0, gt=0, description="live: the map and its alert are evaluated this often, s"
    )
    keep_s: float = Field(default=3600.0, gt=0, description="bins older than this are forgotten, s")


class ReportIntegritySettings(_Stage):
    """Spoofing evidence from the cooperative reports themselves, without radar (read by
    airpicture.integrity.ReportIntegrity; its module docstring derives each likelihood ratio)."""

    position_slack_m: float = Field(
        default=300.0,
        gt=0,
        description="a position may sit this far off where the last one and the "
        "broadcast speed put it, plus 6 sigma of the receiver's noise (CPR and rounding), m",
    )
    time_jitter_s: float = Field(
        default=1.0,
        ge=0,
        description="a report's time may be off by this much (a feed's timestamps "
        "are those of reception, a state vector's are rounded to 1 s), s",
    )
    fix_time_error_s: float = Field(
        default=10.0,
        ge=0,
        description="along its broadcast track a position may be this much flight "
        "ahead or behind (a fix labelled with a neighbouring message's time, as state vectors and merged "
        "feeds do), s",
    )
    speed_margin: float = Field(
        default=1.3,
        ge=1,
        description="a jump is judged against the broadcast ground speed times this "
        "(readsb speed_check: speed * 1.3)",
    )
    accel_mps2: float = Field(
        default=3.0,
        ge=0,
        description="...plus this much speed gained per second since the last "
        "position (readsb: 3 kt/s of stale speed and of stale position each), m/s^2",
    )
    speed_guess_mps: float = Field(
        default=463.0, gt=0, description="speed assumed without a broadcast velocity (readsb: 900 kt), m/s"
    )
    max_speed_mps: float = Field(
        default=1029.0, gt=0, description="no allowance above this speed (readsb's cap: 2000 kt), m/s"
    )
    max_climb_mps: float = Field(
        default=60.0,
        gt=0,
        description="reported or implied vertical rate beyond the broadcast one that "
        "no aircraft flies (12,000 ft/min), m/s",
    )
    max_accel_mps2: float = Field(
        default=90.0,
        gt=0,
        description="broadcast velocities change no faster than this (9 g, a fighter's turn: the real "
        "toulouse.json.gz reverses its track in 5 s at 100 m/s, 6 g), m/s^2",
    )
    velocity_slack_mps: float = Field(
        default=20.0, ge=0, description="...plus this much noise between two broadcast velocities, m/s"
    )
    velocity_change_share: float = Field(
        default=1.2,
        ge=0,
        description="...and by more than this share of the speed: a turn of over 70 degrees, not a speed "
        "that falls to 0 for a message (simulated receivers derive velocity from noisy positions)",
    )
    altitude_slack_m: float = Field(
        default=150.0, gt=0, description="altitude jump always allowed (Gillham 100 ft codes, 25 ft steps), m"
    )
    confirm_reports: int = Field(
        default=3,
        ge=2,
        description="reports agreeing with one another away from an address's track "
        "that make a jump (or a second track) sustained; fewer are an isolated error",
    )
    candidate_s: float = Field(
        default=30.0,
        gt=0,
        description="an off-track position not confirmed within this is an isolated error, s",
    )
    p_outlier_real: float = Field(
        default=0.002,
        gt=0,
        lt=1,
        description="share of a real aircraft's reports that fail the jump check "
        "(measured 0.000004 to 0.0007: README 'Spoofing evidence from the reports')",
    )
    p_outlier_spoofed: float = Field(
        default=0.3, gt=0, lt=1, description="...of a spoofer that jitters its positions"
    )
    event_log10_lr: float = Field(
        default=5.0,
        gt=0,
        description="log10 LR cap of one sustained jump or second track (uncapped: "
        "confirm_reports * log10(1 / p_outlier_real))",
    )
    return_share: float = Field(
        default=0.25,
        gt=0,
        lt=1,
        description="a position after a sustained jump or a gap that lies "
        "within this share of the distance flown from where the last believed position, flown on at "
        "its speed and track, would be is a return: the stretch between was the false one",
    )
    slow_alt_m: float = Field(
        default=7600.0,
        gt=0,
        description="above this altitude (FL250) an aircraft flies faster than "
        "slow_speed_mps over the ground, m",
    )
    slow_speed_mps: float = Field(default=60.0, gt=0, description="...this ground speed (117 kt), m/s")
    slow_sustain_s: float = Field(default=30.0, ge=0, description="...once slow this long, s")
    slow_log10_lr_per_min: float = Field(
        default=1.0, ge=0, description="log10 LR per minute slow and high beyond slow_sustain_s"
    )
    slow_exempt: tuple[str, ...] = Field(
        default=("B1", "B2", "B3", "B4", "B6"),
        description="emitter categories that may fly slow and high (glider, balloon, parachutist, "
        "ultralight, UAV)",
    )
    range_margin: float = Field(
        default=1.25, ge=1, description="a receiver hears out to its sheet's max_range_m times this"
    )
    horizon_margin: float = Field(
        default=1.15, ge=1, description="...and its radio horizon (4/3 Earth) times this"
    )
    baro_allowance_m: float = Field(
        default=300.0,
        ge=0,
        description="the horizon is taken from the reported altitude plus this: a barometric "
        "altitude reads low by 8 m per hPa of QNH above 1013 (1050 hPa: 300 m), and an aircraft "
        "on an airfield above the sea reads its pressure altitude, not its height, m",
    )
    range_log10_lr: float = Field(default=0.5, ge=0, description="log10 LR per report heard from beyond that")
    p_heard_spoofed: float = Field(
        default=0.05,
        gt=0,
        lt=1,
        description="chance that a receiver that should hear a real aircraft "
        "hears a spoofer's message (the spoofer's own transmitter reaches it)",
    )
    receiver_inside: float = Field(
        default=0.8,
        gt=0,
        le=1,
        description="a receiver should hear what is within this share of its max range",
    )
    receiver_min_elevation_deg: float = Field(
        default=0.5,
        description="...and at least this high above its horizon (4/3 Earth; terrain and the "
        "antenna's pattern make reception near the horizon unreliable), deg",
    )
    receiver_alive_s: float = Field(
        default=10.0, gt=0, description="...while it has heard another address near there this recently, s"
    )
    receiver_near_deg: float = Field(
        default=0.5, gt=0, description="'near there': same or neighbouring cell of this many degrees"
    )
    looks_per_independent: float = Field(
        default=3.0,
        ge=1,
        description="a receiver's misses come in bursts (a turn shadows its antenna, "
        "FRUIT, overload): this many looks count as one independent look",
    )
    miss_floor_log10_lr: float = Field(
        default=-3.0, le=0, description="the receiver-miss evidence does not go below this"
    )
    quality_log10_lr: float = Field(
        default=3.0,
        ge=0,
        description="log10 LR cap when a sustained jump beyond the claimed "
        "containment radius (NIC, else NACp) contradicts the claimed integrity (SIL: 1e-3..1e-7 / h)",
    )
    half_life_s: float = Field(
        default=600.0, gt=0, description="evidence halves in this much report time without more, s"
    )
    forget_s: float = Field(
        default=1800.0,
        gt=0,
        description="an address's memory goes this long after its last report, s "
        "(3 x readsb's TTL: the last believed position must outlive a GNSS outage before a spoof)",
    )


class AssessSettings(BaseModel):
    """Thresholds of classification and alerting (the README, "Alerts and classes", explains each
    for operators). Not frozen: a stage's tests build variants by keyword."""

    model_config = ConfigDict(extra="forbid")

    # classification
    prior_aircraft: float = Field(default=1 / 3, ge=0, description="prior probability of an aircraft")
    prior_drone: float = Field(default=1 / 3, ge=0, description="prior probability of a drone")
    prior_bird: float = Field(default=1 / 3, ge=0, description="prior probability of a bird")
    pd_floor: float = Field(
        default=0.02,
        gt=0,
        lt=0.5,
        description="no sensor is certain to see or miss anything: caps one plot's weight",
    )
    kinematic_tau_s: float = Field(
        default=8.0,
        gt=0,
        description="smoothed kinematics are worth one look per this age (none at birth), s",
    )
    kinematic_max_looks: float = Field(default=3.0, ge=0, description="...up to this many looks")
    kinematic_outlier_p: float = Field(
        default=0.01,
        gt=0,
        lt=1,
        description="share of looks whose speed or height is wrong (a clutter plot, a flock member "
        "taken in): bounds what one implausible value says",
    )
    detect_memory_s: float = Field(
        default=300.0,
        gt=0,
        description="detections and misses fade with this, s (older ones are often of another "
        "situation: a flock the track flew in, an object it lost and whose place a bird took)",
    )
    speed_memory_s: float = Field(
        default=5.0, gt=0, description="a track's speed is averaged over about this, s"
    )
    wander_lag_s: float = Field(
        default=10.0, gt=0, description="heading wander: how much the turn changes over this lag, s"
    )
    wander_noise_rad: float = Field(
        default=1.0, gt=0, description="...judged from headings known to this (combined), rad"
    )
    wander_window_s: float = Field(
        default=80.0,
        gt=0,
        description="...its median over this much of the track's recent flight, s (a turn that starts "
        "or ends changes the turn for two lags: the window must be long beside them)",
    )
    history_grace_s: float = Field(
        default=60.0, ge=0, description="a track missing from the picture keeps its history this long, s"
    )
    loiter_sample_s: float = Field(
        default=2.0, gt=0, description="the loiter window samples a track this often, s"
    )
    flock_share: float = Field(
        default=0.15, ge=0, lt=1, description="prior share of bird tracks that are flocks"
    )
    flock_size: float = Field(default=3.0, ge=1, description="...echoing like this many birds")
    flock_merged_share: float = Field(
        default=0.15, ge=0, le=1, description="...seen by the radar as one plot a scan, not several"
    )
    flock_groups: tuple[float, ...] = Field(
        default=(1.0, 2.0, 3.0, 5.0, 8.0),
        min_length=1,
        description="a flock seen as several objects: its track's plots echo this many of its "
        "birds a scan, each size as likely (how big the flock is and how it spreads, no sheet says)",
    )
    crowd_share: float = Field(
        default=0.02,
        gt=0,
        lt=1,
        description="share of aircraft and drone tracks seen as several objects (formation, swarm)",
    )
    crowd_p_lone: float = Field(
        default=0.05,
        gt=0,
        lt=0.5,
        description="mean share of one object's detections with a second plot in its gate (clutter)",
    )
    llr_clip: float = Field(
        default=30.0, gt=0, description="the most detection evidence between two kinds, nats"
    )
    unknown_below_p: float = Field(
        default=0.5, ge=0, le=1, description="below this the class shown is unknown"
    )
    class_switch_p: float = Field(
        default=0.7,
        ge=0,
        le=1,
        description="a track shown as one kind is shown as another once that kind is this probable, "
        "or once its own kind is no more probable than 1 - this",
    )
    class_memory_s: float = Field(
        default=30.0,
        gt=0,
        description="the class shown is decided on the posterior averaged over about this, s",
    )
    formation_radius_m: float = Field(
        default=150.0, ge=0, description="tracks this close, flying alike, fly in formation, m"
    )
    formation_speed_mps: float = Field(default=3.0, ge=0, description="...with velocities this close, m/s")
    formation_young_s: float = Field(
        default=30.0, ge=0, description="a track younger than this takes its formation's evidence, s"
    )
    formation_cap: float = Field(default=5.0, ge=0, description="...at most this many nats of it")
    lineage_s: float = Field(
        default=30.0,
        ge=0,
        description="a young track takes, as a formation's, the evidence of a track lost this recently "
        "where it would be now (the same object picked up again), s",
    )
    behaviour_memory_s: float = Field(
        default=150.0,
        gt=0,
        description="time hovering or in formation is remembered for about this, s (a drone's "
        "hovering outlived its track's swap onto a bird at 300)",
    )
    behaviour_evidence_s: float = Field(
        default=10.0, gt=0, description="...and counts fully once it lasted this long, s"
    )
    behaviour_cap: float = Field(
        default=4.0, ge=0, description="nats against a bird that hovers, or a drone in a flock"
    )
    ident_weight: float = Field(
        default=20.0, ge=0, description="nats for a cooperative identity (ICAO: aircraft, Remote ID: drone)"
    )
    mode_c_weight: float = Field(
        default=8.0, ge=0, description="nats for a Mode C altitude without Remote ID"
    )
    adsb_unheard_share: float = Field(
        default=0.2,
        gt=0,
        le=1,
        description="share of aircraft an ADS-B receiver in range never hears (no ADS-B Out): "
        "a track it has not heard is an aircraft with at most this probability (1: no evidence)",
    )
    # which tracks may raise drone alerts (hysteresis on the drone probability)
    alert_drone_p: float = Field(
        default=0.97, ge=0, le=1, description="drone probability that makes a track alertable"
    )
    zone_drone_p: float = Field(
        default=0.85,
        ge=0,
        le=1,
        description="...or shown as a drone at this averaged probability, to raise a zone entry (a "
        "bird taken for a drone there costs an operator a look; a drone missed in the zone is what "
        "the site fears)",
    )
    keep_drone_p: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="...and that keeps it alertable (its raised alerts; a new one needs alert_drone_p)",
    )
    units: Units = Field(
        default="metric",
        description="units of alert texts and of the console's labels, track list and panel: "
        "metric (m, m/s, km) or aviation (ft / FL, kt, NM)",
    )
    alert_min_age_s: float = Field(default=20.0, ge=0, description="a track alerts once this old, s")
    alert_hold_s: float = Field(default=15.0, ge=0, description="...and alertable this long, s")
    alert_max_speed_mps: float = Field(
        default=60.0,
        gt=0,
        description="a track faster than this now may not alert, m/s: no drone flies it, and a drone "
        "track that does has jumped onto another object's plots",
    )
    zone_alert_min_age_s: float = Field(
        default=10.0, ge=0, description="a zone entry alerts once the track is this old, s"
    )
    zone_alert_hold_s: float = Field(default=5.0, ge=0, description="...and alertable this long, s")
    uncooperative_drone_p: float = Field(
        default=0.999,
        ge=0,
        le=1,
        description="an uncooperative alert (information) needs this drone probability",
    )
    uncooperative_min_age_s: float = Field(default=60.0, ge=0, description="...and a track this old, s")
    # zones
    predict_horizon_s: float = Field(
        default=60.0, ge=0, description="predicted entries look this far ahead, s"
    )
    predict_step_s: float = Field(default=2.0, gt=0, description="...in steps of this, s")
    boundary_margin_m: float = Field(
        default=50.0, ge=0, description="hysteresis band around zone boundaries, m"
    )
    clear_after_s: float = Field(
        default=20.0, ge=0, description="a condition stays false this long to clear, s"
    )
    track_lost_s: float = Field(default=15.0, ge=0, description="a track unpublished this long is lost, s")
    update_every_s: float = Field(
        default=10.0, gt=0, description="an active alert is re-sent at most this often, s"
    )
    # loitering
    loiter_time_s: float = Field(default=40.0, gt=0, description="loitering is judged over this window, s")
    loiter_radius_m: float = Field(default=400.0, gt=0, description="...within this radius, m")
    loiter_turn_deg: float = Field(default=120.0, ge=0, description="...turning at least this much, deg")
    loiter_steady: float = Field(
        default=0.6, ge=0, le=1, description="...this steadily (share of turning pairs)"
    )
    hover_speed_mps: float = Field(default=3.0, ge=0, description="hovering: slower than this, m/s")
    hover_radius_m: float = Field(default=150.0, gt=0, description="...within this radius, m")
    uncooperative_range_m: float = Field(
        default=10000.0, ge=0, description="uncooperative drones are reported within this of the site, m"
    )


class OutputSettings(_Stage):
    """tracks.csv and the file pipeline (`airpicture track`)."""

    forget_s: float = Field(
        default=600.0,
        gt=0,
        description="a track unpublished this long is forgotten by the tracks.csv writer, s",
    )
    overlap_rate: float = Field(
        default=60.0,
        ge=0,
        description="assess and write in a second thread from this many measurements/s of data",
    )


class BatchSettings(_Stage):
    """`airpicture track --ray`: long recordings tracked in time chunks and joined (scale/)."""

    chunk_s: float = Field(default=1800.0, gt=0, description="core length of a time chunk, s")
    overlap_s: float | None = Field(
        default=None,
        ge=0,
        description="lead-in of each chunk, s; None: derived from the tracker's settings "
        "(track.max_coast_s + one look of the slowest sensor per nat of track.confirm_llr)",
    )
    join_gate_m: float = Field(
        default=1000.0,
        gt=0,
        description="tracks of two chunks closer than this (RMS) in the overlap are one, m",
    )
    join_speed_mps: float = Field(
        default=30.0, gt=0, description="...with mean velocities this close (when no identity decides), m/s"
    )
    join_ident_gate_m: float = Field(
        default=5000.0, gt=0, description="tracks with the same identity are one within this, m"
    )
    max_retries: int = Field(default=2, ge=0, description="a failed chunk is tracked again this many times")


class FeedSettings(_Stage):
    """Live feeds (sources/clock.py, sources/live.py): how far a receiver's clock is trusted, and
    when a silent feed is stale."""

    clock_jump_s: float = Field(
        default=30.0, gt=0, description="a frame's counter may step this far past the last one, s"
    )
    clock_back_s: float = Field(
        default=2.0, ge=0, description="...or this far back (frames slightly out of order), s"
    )
    clock_max_rate: float = Field(
        default=100.0,
        ge=1,
        description="...plus this many feed seconds per host second of silence (replays up to N x)",
    )
    clock_rebase_frames: int = Field(
        default=8, ge=2, description="this many agreeing frames in a row off the clock: a new time base"
    )
    stale_s: float = Field(
        default=10.0, gt=0, description="a connected feed silent this long is stale (alert, health), s"
    )


class ConsoleSettings(_Stage):
    """The operator console's web server (`airpicture console`, `demo`, `replay --console`)."""

    host: str = Field(default="127.0.0.1", description="address to bind; off loopback needs a token")
    port: int = Field(default=8080, gt=0, lt=65536, description="HTTP port")
    speed: float = Field(default=10.0, gt=0, description="replay speed, N x real time")
    token: str | None = Field(
        default=None, description="access token ($AIRPICTURE_CONSOLE_TOKEN or --token win)"
    )
    publish_s: float = Field(
        default=1.0, gt=0, description="live feeds: the picture is published this often, s"
    )
    tile_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s]*\{z\}[^\s]*\{x\}[^\s]*\{y\}[^\s]*$",
        description="online raster tiles under the tracks, an XYZ URL template with {z} {x} {y} "
        "(https://tile.example/{z}/{x}/{y}.png); unset: the offline basemap only, which stays the "
        "fallback when tiles do not load",
    )
    tile_attribution: str = Field(
        default="", max_length=200, description="the tile provider's attribution, shown on the map"
    )
    basemap_dir: DirectoryPath | None = Field(
        default=None,
        description="a site's own offline basemap (region.geojson.gz from tools/build_region.py, "
        "places.geojson from tools/build_places.py), served instead of the bundled Paris files; "
        "a file it lacks is the bundled one",
    )


class AsterixSettings(_Stage):
    """CAT062 system tracks out (sinks/asterix.py): `track --asterix-out`, `run` / `console`
    `--asterix-out`. Sensors' own SAC/SIC are in their sheets (sensors.json)."""

    sac: int = Field(default=0, ge=0, le=255, description="airpicture's System Area Code in I062/010")
    sic: int = Field(default=100, ge=0, le=255, description="airpicture's System Identification Code")
    ttl: int = Field(default=1, ge=0, le=255, description="multicast hops (1: the local network)")
    max_datagram: int = Field(
        default=1400, ge=256, le=65507, description="bytes per UDP datagram (fits an Ethernet MTU)"
    )
    number_hold_s: float = Field(
        default=600.0, ge=0, description="a freed track number is not given to another track for this long, s"
    )
    coast_s: float = Field(
        default=8.0, gt=0, description="a track without a measurement this long is sent as coasting (CST), s"
    )


class PartitionSettings(_Stage):
    """The live picture split by region (`airpicture run --partitions N`, scale/): tiles, the
    fan-in's id bookkeeping, checkpoints, and the bounded queue to the sinks."""

    margin_m: float = Field(
        default=30_000.0,
        gt=0,
        description="overlap tracked by both neighbours; long enough to confirm a track before it "
        "crosses (250 m/s x 120 s), m",
    )
    match_m: float = Field(
        default=1_500.0, gt=0, description="two regions' copies closer than this may be one aircraft, m"
    )
    match_mps: float = Field(
        default=40.0, gt=0, description="...if their velocities also differ by less than this, m/s"
    )
    hold_s: float = Field(
        default=30.0, gt=0, description="a published id whose track vanished can be taken up this long, s"
    )
    forget_s: float = Field(
        default=600.0, gt=0, description="id maps of the fan-in forget an entry unseen this long, s"
    )
    checkpoint_s: float = Field(
        default=30.0, gt=0, description="feed time between two checkpoints of a region's tracker, s"
    )
    max_restarts: int = Field(default=5, ge=0, description="Ray restarts of one region actor")
    actor_cpus: float = Field(
        default=1.0, gt=0, description="CPUs a region actor asks of Ray (a local Ray: at most its share)"
    )
    sink_queue: int = Field(
        default=64, gt=0, description="pictures queued for a slow sink before the oldest is dropped"
    )
    step_timeout_s: float = Field(
        default=60.0, gt=0, description="a region answering no sooner is restarted from its checkpoint, s"
    )


class SapientSettings(_Stage):
    """SAPIENT (BSI Flex 335 v2.0): airpicture as a node of a fusion node (sinks/sapient.py,
    `run` / `console` `--sapient-out`) and as the fusion node of sensor nodes (sources/sapient.py,
    `run --sapient-in`). Sensor nodes are mapped to sheets by their sheet's `sapient_node`."""

    node_id: str | None = Field(
        default=None,
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        description="airpicture's node UUID (SapientMessage.node_id); None: a new one each start",
    )
    name: str = Field(default="airpicture", min_length=1, description="Registration name of the node")
    status_interval_s: float = Field(
        default=5.0, gt=0, le=3600, description="a StatusReport (heartbeat) is sent this often, s"
    )
    ack_timeout_s: float = Field(
        default=10.0, gt=0, description="wait this long for the RegistrationAck before reconnecting, s"
    )
    object_hold_s: float = Field(
        default=600.0, ge=0, description="a track out of the picture keeps its object_id this long, s"
    )
    max_queue: int = Field(
        default=4096, gt=0, description="messages queued for the fusion node before the oldest is lost"
    )
    max_message: int = Field(
        default=1 << 20,
        ge=1024,
        le=1 << 28,
        description="longest SAPIENT message taken from a sensor node, bytes",
    )
    max_skew_s: float = Field(
        default=30.0,
        gt=0,
        description="a sensor node's message stamped further than this from its receipt is rejected, s",
    )


class StoreSettings(_Stage):
    """The history store writer (sinks/store): bounded queues, batches, retention."""

    max_pictures: int = Field(
        default=64, gt=0, description="pictures queued for the disk before the oldest is lost"
    )
    max_events: int = Field(default=4096, gt=0, description="alerts / stats queued before the oldest is lost")
    max_batch: int = Field(default=32, gt=0, description="pictures per transaction")
    keep_s: float | None = Field(
        default=None, gt=0, description="retention, s of picture time; None: keep all"
    )
    prune_every_s: float = Field(default=600.0, gt=0, description="retention is applied this often, s")


class Settings(BaseSettings):
    """Every stage's settings. Build with `load_settings` (file + environment, errors as
    ConfigError); `Settings()` alone gives the defaults plus the environment."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_DELIMITER,
        extra="forbid",
        frozen=True,
    )

    track: TrackSettings = Field(default_factory=TrackSettings)
    registration: RegistrationSettings = Field(default_factory=RegistrationSettings)
    integrity: IntegritySettings = Field(default_factory=IntegritySettings)
    gnss: GnssSettings = Field(default_factory=GnssSettings)
    reports: ReportIntegritySettings = Field(default_factory=ReportIntegritySettings)
    assess: AssessSettings = Field(default_factory=AssessSettings)
    output: OutputSettings = Field(default_factory=OutputSettings)
    batch: BatchSettings = Field(default_factory=BatchSettings)
    feeds: FeedSettings = Field(default_factory=FeedSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    asterix: AsterixSettings = Field(default_factory=AsterixSettings)
    partition: PartitionSettings = Field(default_factory=PartitionSettings)
    sapient: SapientSettings = Field(default_factory=SapientSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # the environment wins over what the caller passes (the file), no .env / secrets files
        return env_settings, init_settings


def _read_toml(path: str | Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as e:
        raise errors.ConfigError(f"cannot read settings file {path}: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise errors.ConfigError(f"settings file {path} is not valid TOML: {e}") from None


def load_settings(path: str | Path | None = None) -> Settings:
    """The settings in effect: defaults < the TOML file at `path` (optional) < AIRPICTURE_*
    environment variables. Any problem is a ConfigError naming the file or variable and the field."""
    data = _read_toml(path) if path is not None else {}
    try:
        return Settings(**data)
    except ValidationError as e:
        where = f"settings file {path}" if path is not None else "settings"
        lines = [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()]
        raise errors.ConfigError(f"{where} (or {ENV_PREFIX}* environment): " + "; ".join(lines)) from None
    except ValueError as e:  # an environment value that is not even parseable (bad JSON for a tuple)
        raise errors.ConfigError(f"{ENV_PREFIX}* environment: {e}") from None


Source = Literal["default", "file", "env"]


def sources(path: str | Path | None = None) -> dict[str, dict[str, Source]]:
    """Where each value of load_settings(path) comes from: stage -> field -> source."""
    data = _read_toml(path) if path is not None else {}
    env = {k.upper() for k in os.environ}
    out: dict[str, dict[str, Source]] = {}
    for stage, info in Settings.model_fields.items():
        model = info.annotation
        fields = model.model_fields if isinstance(model, type) and issubclass(model, BaseModel) else {}
        in_file = data.get(stage, {}) if isinstance(data.get(stage), dict) else {}
        stage_env = f"{ENV_PREFIX}{stage}".upper()
        out[stage] = {
            name: (
                "env"
                if f"{stage_env}{ENV_DELIMITER}{name}".upper() in env or stage_env in env
                else "file"
                if name in in_file
                else "default"
            )
            for name in fields
        }
    return out


def show(settings: Settings, where: dict[str, dict[str, Source]] | None = None) -> str:
    """The settings as TOML (what a --config file holds), each value's source as a comment."""
    lines: list[str] = []
    dumped = settings.model_dump()
    for stage, values in dumped.items():
        lines.append(f"[{stage}]")
        for name, value in values.items():
            src = f"  # {where[stage][name]}" if where else ""
            if value is None:
                lines.append(f"# {name} = (not set){src}")
                continue
            if name == "token":  # a secret: say that it is set, never what it is
                lines.append(f'{name} = "(set, not shown)"{src}')
                continue
            lines.append(f"{name} = {_toml_value(value)}{src}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (tuple, list)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    s = str(v).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{s}"'


__all__ = [
    "ENV_DELIMITER",
    "ENV_PREFIX",
    "AssessSettings",
    "AsterixSettings",
    "BatchSettings",
    "ConsoleSettings",
    "FeedSettings",
    "GnssSettings",
    "IntegritySettings",
    "OutputSettings",
    "PartitionSettings",
    "RegistrationSettings",
    "ReportIntegritySettings",
    "SapientSettings",
    "Settings",
    "StoreSettings",
    "TrackSettings",
    "load_settings",
    "show",
    "sources",
]
