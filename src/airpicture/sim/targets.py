"""Simulated objects: a struct-of-arrays state stepped in time, one row ("slot") per object.

Every object flies by the same bounded dynamics: its behaviour sets a commanded heading, speed
and altitude; the autopilot turns, accelerates and climbs towards them within the limits of its
behaviour (turn rate, coordinated-turn bank angle, acceleration, climb rate). So no trajectory
breaks the physics, whatever the behaviour asks for.

Coordinates: e, n (m) on the site's East-North-Up tangent plane; h (m) is the height above the
WGS-84 ellipsoid (as in truth.csv). Heading is clockwise from north (rad).

A slot whose object ends (leaves its area, or reaches the end of its life) gets a new object with
a new uid at once, so the number of simultaneous objects per kind stays constant.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from airpicture.sim.config import SimConfig
from airpicture.sim.identity import IcaoAllocator, icao_hash_unit
from airpicture.types import FloatArray, IntArray

#: small integer codes (kind, behaviour) of any integer dtype
Codes = npt.NDArray[np.integer[Any]]

#: kinds: index in airpicture.types.CLASSES
KIND_AIRCRAFT, KIND_DRONE, KIND_BIRD = 1, 2, 3

#: behaviour labels (index = code)
BEHAVIOURS = (
    "cruise",  # airliner: cruise, climbs/descents, coordinated turns, speed changes
    "holding",  # racetrack holding pattern, stepping down, then leaving
    "light",  # light aircraft below 2500 m, some without transponder
    "multirotor",  # waypoint wandering with hovering
    "loiter",  # fixed-wing drone: ingress, then circling over a point
    "transit",  # drone crossing the area in a straight line
    "low_slow",  # drone creeping low and slow
    "bird",  # a lone bird, meandering
    "flock",  # a bird flying with its flock
    "spoofed",  # an ADS-B ghost: broadcasts, but nothing flies
    "takeoff",  # multirotor that takes off from the ground near the site, then wanders
    "racer",  # fast drone crossing the area in a straight line
)
(
    B_CRUISE, B_HOLD, B_LIGHT, B_MULTI, B_LOITER, B_TRANSIT, B_LOWSLOW, B_BIRD, B_FLOCK, B_GHOST,
    B_TAKEOFF, B_RACER,
) = range(12)  # fmt: skip
#: the drone behaviours, in the order of SimConfig.drone_mix's keys
DRONE_BEHAVIOURS = {"multirotor": B_MULTI, "loiter": B_LOITER, "transit": B_TRANSIT, "low_slow": B_LOWSLOW,
                    "takeoff": B_TAKEOFF, "racer": B_RACER}  # fmt: skip

G = 9.80665

#: limits per behaviour: speed lo/hi (m/s), height lo/hi above the site (m), acceleration (m/s2),
#: turn rate (deg/s), bank angle of a coordinated turn (deg), climb rate (m/s), vertical accel (m/s2)
_LIMITS = np.array(
    [
        # spd_lo spd_hi  alt_lo  alt_hi   acc  turn  bank climb vacc
        [120.0, 260.0, 1500.0, 12000.0, 1.0, 3.0, 25.0, 15.0, 1.5],  # cruise
        [110.0, 140.0, 1500.0, 6000.0, 1.0, 3.0, 25.0, 10.0, 1.5],  # holding
        [60.0, 90.0, 300.0, 2500.0, 1.0, 3.0, 30.0, 4.0, 1.0],  # light
        [0.0, 20.0, 20.0, 150.0, 4.0, 90.0, 89.0, 5.0, 3.0],  # multirotor
        [20.0, 40.0, 100.0, 400.0, 2.0, 30.0, 45.0, 4.0, 2.0],  # loiter
        [10.0, 30.0, 30.0, 150.0, 3.0, 45.0, 45.0, 4.0, 2.0],  # transit
        [2.0, 8.0, 10.0, 50.0, 2.0, 60.0, 60.0, 2.0, 1.0],  # low_slow
        [5.0, 18.0, 10.0, 300.0, 3.0, 60.0, 60.0, 2.0, 2.0],  # bird
        [5.0, 18.0, 10.0, 300.0, 3.0, 60.0, 60.0, 2.0, 2.0],  # flock
        [120.0, 260.0, 3000.0, 12000.0, 1.0, 3.0, 25.0, 15.0, 1.5],  # spoofed
        [0.0, 20.0, 20.0, 150.0, 4.0, 90.0, 89.0, 5.0, 3.0],  # takeoff (a multirotor)
        [25.0, 35.0, 30.0, 150.0, 4.0, 45.0, 45.0, 4.0, 2.0],  # racer
    ]
)
SPD_LO, SPD_HI, ALT_LO, ALT_HI, ACC, TURN, BANK, CLIMB, VACC = range(9)
_G_TAN_BANK = G * np.tan(np.radians(_LIMITS[:, BANK]))
_TURN_RAD = np.radians(_LIMITS[:, TURN])
#: lowest height above ground anything flies at (m)
FLOOR_M = 2.0


def turn_rate_limit(behaviour: Codes, speed: FloatArray) -> FloatArray:
    """Highest turn rate (rad/s): the behaviour's rate, or less when a coordinated turn at its bank
    angle is slower at this speed (omega = g tan(bank) / v). (N,) -> (N,)."""
    coordinated = _G_TAN_BANK[behaviour] / np.maximum(speed, 1.0)
    return np.minimum(_TURN_RAD[behaviour], coordinated)


def limits(behaviour: Codes) -> dict[str, FloatArray]:
    """The limits of each behaviour as named (N,) arrays (for tests and classifiers)."""
    lim = _LIMITS[behaviour]
    names = ("speed_lo", "speed_hi", "alt_lo", "alt_hi", "accel", "turn_deg_s", "bank_deg", "climb", "vaccel")
    return {k: lim[:, i] for i, k in enumerate(names)}


def _wrap(a: FloatArray) -> FloatArray:
    """Angle difference into [-pi, pi)."""
    return (a + np.pi) % (2 * np.pi) - np.pi


def _bearing(de: FloatArray, dn: FloatArray) -> FloatArray:
    return np.arctan2(de, dn) % (2 * np.pi)


def target_names(kind: Codes, behaviour: Codes, ident: IntArray, uid: IntArray) -> list[str]:
    """Truth names: the ICAO hex for aircraft, loiter<uid> for loitering drones (the scorer finds
    loitering by that prefix), drone<uid> and bird<uid> otherwise. (N,) arrays -> N names."""
    out = []
    for k, b, i, u in zip(kind.tolist(), behaviour.tolist(), ident.tolist(), uid.tolist(), strict=True):
        if k == KIND_AIRCRAFT:
            out.append(f"{i:06x}")
        elif k == KIND_BIRD:
            out.append(f"bird{u}")
        else:
            out.append(f"loiter{u}" if b == B_LOITER else f"drone{u}")
    return out


class Targets:
    """All simulated objects as arrays over slots (aircraft, then drones, birds, ghosts).

    Per slot: uid (int64, new per object), kind, behaviour (int8 codes), ident (ICAO address of
    aircraft and ghosts, -1 otherwise), transponder (bool: squawks Mode C/S and broadcasts ADS-B),
    e n h (m), hdg (rad), spd vz (m/s), and what the behaviour commands: cmd_hdg cmd_spd cmd_alt,
    v_pref (preferred speed), ce cn (a centre, waypoint or flock offset, m), radius (m; for flock
    members the height offset), turn_dir (+1 right, -1 left), phase, t_next (next decision),
    t_aux (end of a holding), t_end (end of life), leader (the slot a flock member follows).
    """

    def __init__(self, cfg: SimConfig, rng: np.random.Generator) -> None:
        self.cfg = cfg
        self.rng = rng
        self.icao = IcaoAllocator(rng, cfg.p_no_transponder)
        counts = (cfg.aircraft, cfg.drones, cfg.birds, cfg.ghosts)
        n = sum(counts)
        self.n = n
        self.kind = np.repeat(
            np.array([KIND_AIRCRAFT, KIND_DRONE, KIND_BIRD, KIND_AIRCRAFT], np.int8), counts
        ).astype(np.int8)
        self.ghost = np.zeros(n, bool)
        self.ghost[n - cfg.ghosts :] = True
        self.behaviour = np.zeros(n, np.int8)
        self.leader = np.arange(n, dtype=np.int64)
        self._make_flocks(cfg.aircraft + cfg.drones, cfg.birds)
        f = np.zeros(n)
        self.uid = np.full(n, -1, np.int64)
        self.ident = np.full(n, -1, np.int64)
        self.transponder = np.zeros(n, bool)
        self.e, self.n_, self.h = f.copy(), f.copy(), f.copy()
        self.hdg, self.spd, self.vz = f.copy(), f.copy(), f.copy()
        self.cmd_hdg, self.cmd_spd, self.cmd_alt, self.v_pref = f.copy(), f.copy(), f.copy(), f.copy()
        self.ce, self.cn, self.radius, self.turn_dir = f.copy(), f.copy(), f.copy(), np.ones(n)
        self.phase = np.zeros(n, np.int8)
        self.t_next, self.t_aux, self.t_end = f.copy(), f.copy(), f.copy()
        self.next_uid = 0
        # light aircraft stay below the scorer's no-transponder ceiling, whatever the site height
        self._light_ceiling = cfg.silent_max_alt_m - 100.0
        self.name = np.zeros(n, dtype="U16")
        #: one row per object ever made: uid, kind, behaviour, ident, transponder, start time
        self._lives: list[tuple[IntArray, ...]] = []
        self.spawn(np.arange(n), cfg.start_s, initial=True)

    # ---- structure -------------------------------------------------------------------------

    def _make_flocks(self, first_bird: int, birds: int) -> None:
        """Split a share of the bird slots into flocks of 3-12 following their first member."""
        self.behaviour[self.kind == KIND_BIRD] = B_BIRD
        in_flocks = round(birds * self.cfg.flock_share)
        i = first_bird
        end = first_bird + in_flocks
        while end - i >= 3:
            size = min(int(self.rng.integers(3, 13)), end - i)
            self.behaviour[i : i + size] = B_FLOCK
            self.leader[i : i + size] = i
            i += size

    def lives(self) -> dict[str, IntArray]:
        """Every object made so far: uid, kind, behaviour, ident, transponder (0/1), start_s."""
        keys = ("uid", "kind", "behaviour", "ident", "transponder", "start_s")
        if not self._lives:
            return {k: np.zeros(0, np.int64) for k in keys}
        return {k: np.concatenate([life[i] for life in self._lives]) for i, k in enumerate(keys)}

    @property
    def real(self) -> np.ndarray:
        """(N,) bool: slots that hold something that flies (not an ADS-B ghost)."""
        return ~self.ghost

    # ---- birth -----------------------------------------------------------------------------

    def spawn(self, idx: IntArray, t: float, *, initial: bool = False) -> None:
        """Give each slot in idx a new object at time t (the first ones, when initial, are
        spread over the area and part-way through their life)."""
        if len(idx) == 0:
            return
        rng = self.rng
        cfg = self.cfg
        self.uid[idx] = self.next_uid + np.arange(len(idx))
        self.next_uid += len(idx)
        kind = self.kind[idx]
        beh = self.behaviour[idx].copy()
        air = (kind == KIND_AIRCRAFT) & ~self.ghost[idx]
        beh[air] = rng.choice([B_CRUISE, B_HOLD, B_LIGHT], size=int(air.sum()), p=[0.6, 0.1, 0.3])
        drone = kind == KIND_DRONE
        mix = cfg.drone_mix
        beh[drone] = rng.choice(
            [DRONE_BEHAVIOURS[b] for b in mix],
            size=int(drone.sum()),
            p=np.array(list(mix.values())) / sum(mix.values()),
        )
        beh[self.ghost[idx]] = B_GHOST
        self.behaviour[idx] = beh
        lim = _LIMITS[beh]
        m = len(idx)
        # defaults: somewhere in the area, level, at a preferred speed
        self.v_pref[idx] = rng.uniform(lim[:, SPD_LO], lim[:, SPD_HI])
        self.h[idx] = cfg.site.alt_m + rng.uniform(lim[:, ALT_LO], lim[:, ALT_HI])
        self.hdg[idx] = rng.uniform(0, 2 * np.pi, m)
        self.vz[idx] = 0.0
        self.turn_dir[idx] = rng.choice([-1.0, 1.0], size=m)
        self.phase[idx] = 0
        self.t_next[idx] = t
        self.t_aux[idx] = np.inf
        life = np.select(
            [kind == KIND_AIRCRAFT, kind == KIND_DRONE],
            [rng.uniform(1200, 5400, m), rng.uniform(300, 1800, m)],
            rng.uniform(120, 900, m),
        )
        if initial:
            life *= rng.uniform(0.05, 1.0, m)
        self.t_end[idx] = t + life

        light = idx[beh == B_LIGHT]
        self.h[light] = np.minimum(self.h[light], self._light_ceiling)
        self._spawn_aircraft(idx[kind == KIND_AIRCRAFT], t, initial)
        self._spawn_drones(idx[drone], t, initial)
        birds = idx[kind == KIND_BIRD]
        self._spawn_birds(birds, t)

        self.spd[idx] = np.where((beh == B_MULTI) | (beh == B_TAKEOFF), 0.0, self.v_pref[idx])
        self.cmd_hdg[idx] = np.where(np.isnan(self.cmd_hdg[idx]), self.hdg[idx], self.cmd_hdg[idx])
        self.cmd_spd[idx] = self.v_pref[idx]
        self.cmd_alt[idx] = self.h[idx]
        up = idx[beh == B_TAKEOFF]
        if len(up):  # climb out from the ground
            self.cmd_alt[up] = cfg.site.alt_m + rng.uniform(30.0, 120.0, len(up))
        self._identify(idx, beh)
        self.name[idx] = target_names(kind, beh, self.ident[idx], self.uid[idx])
        self._lives.append(
            (
                self.uid[idx].copy(),
                self.kind[idx].astype(np.int64),
                beh.astype(np.int64),
                self.ident[idx].copy(),
                self.transponder[idx].astype(np.int64),
                np.full(m, t),
            )
        )

    def _disc(self, m: int, radius: float) -> tuple[FloatArray, FloatArray]:
        """m points uniform over a disc around the site."""
        r = radius * np.sqrt(self.rng.uniform(0, 1, m))
        a = self.rng.uniform(0, 2 * np.pi, m)
        return r * np.sin(a), r * np.cos(a)

    def _spawn_aircraft(self, idx: IntArray, t: float, initial: bool) -> None:
        rng, R = self.rng, self.cfg.air_radius_m
        m = len(idx)
        if m == 0:
            return
        e, n = self._disc(m, R)
        if not initial:  # arrive from the edge, heading inwards
            a = rng.uniform(0, 2 * np.pi, m)
            e, n = 0.999 * R * np.sin(a), 0.999 * R * np.cos(a)
            self.hdg[idx] = (a + np.pi + rng.uniform(-0.8, 0.8, m)) % (2 * np.pi)
        beh = self.behaviour[idx]
        hold = beh == B_HOLD
        if hold.any():  # start at the holding fix, a standard right-hand racetrack
            k = idx[hold]
            e[hold], n[hold] = self._disc(len(k), 0.5 * R)
            self.hdg[k] = rng.uniform(0, 2 * np.pi, len(k))
            self.ce[k] = self.hdg[k]  # the inbound course
            self.turn_dir[k] = 1.0
            self.t_aux[k] = t + rng.uniform(240, 1500, len(k))
            self.t_next[k] = t + rng.uniform(30, 60, len(k))
        self.e[idx], self.n_[idx] = e, n
        self.cmd_hdg[idx] = np.nan

    def _spawn_drones(self, idx: IntArray, t: float, initial: bool) -> None:
        rng, R = self.rng, self.cfg.drone_radius_m
        m = len(idx)
        if m == 0:
            return
        beh = self.behaviour[idx]
        e, n = self._disc(m, R)
        self.ce[idx], self.cn[idx] = self._disc(m, R)  # first waypoint
        self.cmd_hdg[idx] = np.nan
        lo = idx[beh == B_LOITER]
        if len(lo):
            k = len(lo)
            self.ce[lo], self.cn[lo] = self._disc(k, 800.0)  # the point circled over
            v = self.v_pref[lo]
            min_r = v**2 / (G * np.tan(np.radians(30.0)))  # a comfortable bank, well inside the limit
            self.radius[lo] = np.maximum(rng.uniform(150, 400, k), min_r)
            self.turn_dir[lo] = rng.choice([-1.0, 1.0], size=k)
            a = rng.uniform(0, 2 * np.pi, k)
            dist = rng.uniform(3000, 6000, k)
            circling = rng.uniform(0, 1, k) < (0.5 if initial else 0.0)
            dist = np.where(circling, self.radius[lo], dist)
            e[beh == B_LOITER] = self.ce[lo] + dist * np.sin(a)
            n[beh == B_LOITER] = self.cn[lo] + dist * np.cos(a)
            self.phase[lo] = circling
            self.hdg[lo] = np.where(circling, a + self.turn_dir[lo] * np.pi / 2, a + np.pi) % (2 * np.pi)
            self.t_end[lo] = np.maximum(self.t_end[lo], t + dist / v + 300)  # ingress, then circles
        up = beh == B_TAKEOFF
        if up.any():  # on the ground near the site; its first waypoint is straight above
            k = int(up.sum())
            e[up], n[up] = self._disc(k, self.cfg.takeoff_radius_m)
            self.ce[idx[up]], self.cn[idx[up]] = e[up], n[up]
            self.h[idx[up]] = self.cfg.site.alt_m + FLOOR_M
        tr = (beh == B_TRANSIT) | (beh == B_RACER)
        if tr.any():  # from the edge, across to a point near the middle
            k = int(tr.sum())
            a = rng.uniform(0, 2 * np.pi, k)
            e[tr], n[tr] = R * np.sin(a), R * np.cos(a)
            te, tn = self._disc(k, 0.5 * R)
            self.hdg[idx[tr]] = _bearing(te - e[tr], tn - n[tr])
            self.t_end[idx[tr]] = np.inf  # ends when it leaves the area
        self.e[idx], self.n_[idx] = e, n

    def _spawn_birds(self, idx: IntArray, t: float) -> None:
        if len(idx) == 0:
            return
        rng = self.rng
        solo = idx[self.leader[idx] == idx]
        self.e[solo], self.n_[solo] = self._disc(len(solo), self.cfg.bird_radius_m)
        self.cmd_hdg[solo] = self.hdg[solo]
        # a flock leader flies a little slower than the fastest bird, so its flock can keep up
        lead = solo[self.behaviour[solo] == B_FLOCK]
        self.v_pref[lead] = np.minimum(self.v_pref[lead], 14.0)
        members = idx[self.leader[idx] != idx]
        if len(members):
            L = self.leader[members]
            k = len(members)
            self.ce[members] = rng.uniform(-40, 40, k)  # place within the flock (east, north, up)
            self.cn[members] = rng.uniform(-40, 40, k)
            self.radius[members] = rng.uniform(-10, 10, k)
            self.e[members] = self.e[L] + self.ce[members]
            self.n_[members] = self.n_[L] + self.cn[members]
            self.h[members] = np.maximum(self.h[L] + self.radius[members], self.cfg.site.alt_m + FLOOR_M)
            self.hdg[members] = self.hdg[L]
            self.cmd_hdg[members] = self.hdg[L]
            self.v_pref[members] = self.v_pref[L]
            self.t_end[members] = self.t_end[L]

    def _identify(self, idx: IntArray, beh: Codes) -> None:
        """ICAO addresses; light aircraft go silent by the name hash (the scorer's rule), others
        that carry a transponder get addresses on the other side of it, so the scorer agrees."""
        p = self.cfg.p_no_transponder
        self.ident[idx] = -1
        self.transponder[idx] = False
        big = idx[(beh == B_CRUISE) | (beh == B_HOLD)]
        if len(big):
            side = np.zeros(len(big), bool) if p < 1.0 else None
            self.ident[big] = self.icao.draw(side, len(big))
            self.transponder[big] = True
        light = idx[beh == B_LIGHT]
        if len(light):
            self.ident[light] = self.icao.draw(None, len(light))
            self.transponder[light] = icao_hash_unit(self.ident[light]) >= p
        ghost = idx[beh == B_GHOST]
        if len(ghost):
            self.ident[ghost] = self.icao.draw(None, len(ghost))
            self.transponder[ghost] = True

    # ---- behaviour -------------------------------------------------------------------------

    def _decide(self, t: float) -> None:
        """Let each behaviour set its commands for the next step."""
        rng, dt = self.rng, self.cfg.dt_s
        beh = self.behaviour
        site_h = self.cfg.site.alt_m

        # aircraft wandering: new heading/level/speed now and then
        for code, sd, every in (
            (B_CRUISE, 35.0, (60, 600)),
            (B_LIGHT, 60.0, (30, 240)),
            (B_GHOST, 35.0, (60, 600)),
        ):
            due = np.flatnonzero((beh == code) & (self.t_next <= t))
            if len(due) == 0:
                continue
            k = len(due)
            lim = _LIMITS[code]
            self.cmd_hdg[due] = (self.hdg[due] + np.radians(rng.normal(0, sd, k))) % (2 * np.pi)
            level = rng.uniform(0, 1, k) < 0.3
            self.cmd_alt[due] = np.where(
                level, site_h + rng.uniform(lim[ALT_LO], lim[ALT_HI], k), self.cmd_alt[due]
            )
            faster = rng.uniform(0, 1, k) < 0.3
            self.v_pref[due] = np.where(faster, rng.uniform(lim[SPD_LO], lim[SPD_HI], k), self.v_pref[due])
            self.cmd_spd[due] = self.v_pref[due]
            self.t_next[due] = t + rng.uniform(*every, k)
        light = beh == B_LIGHT
        self.cmd_alt[light] = np.minimum(self.cmd_alt[light], self._light_ceiling)

        # holding: legs alternate inbound/outbound, sometimes a level lower; then leave
        hold = np.flatnonzero(beh == B_HOLD)
        if len(hold):
            leave = hold[(self.t_aux[hold] <= t) & (self.phase[hold] < 2)]
            self.phase[leave] = 2
            self.cmd_hdg[leave] = rng.uniform(0, 2 * np.pi, len(leave))
            self.cmd_alt[leave] = site_h + rng.uniform(1500, 3000, len(leave))
            due = hold[(self.t_next[hold] <= t) & (self.phase[hold] < 2)]
            if len(due):
                self.phase[due] = 1 - self.phase[due]
                self.cmd_hdg[due] = (self.ce[due] + np.pi * self.phase[due]) % (2 * np.pi)
                half_turn = np.pi / turn_rate_limit(self.behaviour[due], self.spd[due])
                self.t_next[due] = t + half_turn + 60.0
                down = rng.uniform(0, 1, len(due)) < 0.25
                self.cmd_alt[due] = np.where(
                    down, np.maximum(self.cmd_alt[due] - 300.0, site_h + 1500.0), self.cmd_alt[due]
                )

        # drones and low-slow: fly to a waypoint, slow down, hover (multirotor), pick the next one
        wander = np.flatnonzero((beh == B_MULTI) | (beh == B_LOWSLOW) | (beh == B_TAKEOFF))
        if len(wander):
            de, dn = self.ce[wander] - self.e[wander], self.cn[wander] - self.n_[wander]
            d = np.hypot(de, dn)
            acc = _LIMITS[beh[wander], ACC]
            moving = self.phase[wander] == 0
            arrived = moving & (d < np.maximum(3.0, self.spd[wander] * dt))
            hover = np.where(beh[wander] == B_LOWSLOW, 0.0, rng.uniform(5, 60, len(wander)))
            self.phase[wander[arrived]] = 1
            self.t_next[wander[arrived]] = t + hover[arrived]
            self.cmd_hdg[wander] = np.where(moving & ~arrived, _bearing(de, dn), self.hdg[wander])
            brake = np.sqrt(2 * 0.8 * acc * d)
            self.cmd_spd[wander] = np.where(moving & ~arrived, np.minimum(self.v_pref[wander], brake), 0.0)
            nxt = wander[(self.phase[wander] == 1) & (self.t_next[wander] <= t)]
            if len(nxt):
                lim = _LIMITS[beh[nxt]]
                self.ce[nxt], self.cn[nxt] = self._disc(len(nxt), self.cfg.drone_radius_m)
                self.cmd_alt[nxt] = site_h + rng.uniform(lim[:, ALT_LO], lim[:, ALT_HI])
                self.v_pref[nxt] = rng.uniform(np.maximum(lim[:, SPD_LO], 2.0), lim[:, SPD_HI])
                self.phase[nxt] = 0

        # fixed-wing loiter: ingress to the point, then circle it at its radius
        lo = np.flatnonzero(beh == B_LOITER)
        if len(lo):
            de, dn = self.e[lo] - self.ce[lo], self.n_[lo] - self.cn[lo]
            d = np.hypot(de, dn)
            R = self.radius[lo]
            self.phase[lo] |= (d < 1.5 * R).astype(np.int8)
            circ = self.phase[lo] == 1
            radial = _bearing(de, dn)
            along = radial + self.turn_dir[lo] * (np.pi / 2 + np.arctan((d - R) / (0.5 * R)))
            self.cmd_hdg[lo] = np.where(circ, along % (2 * np.pi), (radial + np.pi) % (2 * np.pi))

        # birds meander around their area; flock leaders too
        birds = np.flatnonzero((beh == B_BIRD) | ((beh == B_FLOCK) & (self.leader == np.arange(self.n))))
        if len(birds):
            k = len(birds)
            cmd = self.cmd_hdg[birds] + np.radians(rng.normal(0, 10.0, k)) * np.sqrt(dt)
            cmd = self.hdg[birds] + np.clip(_wrap(cmd - self.hdg[birds]), -1.0, 1.0)
            far = np.hypot(self.e[birds], self.n_[birds]) > self.cfg.bird_radius_m
            home = _bearing(-self.e[birds], -self.n_[birds])
            self.cmd_hdg[birds] = np.where(far, home, cmd) % (2 * np.pi)
            due = birds[self.t_next[birds] <= t]
            if len(due):
                lim = _LIMITS[beh[due]]
                hi = np.where(beh[due] == B_FLOCK, 14.0, lim[:, SPD_HI])
                self.v_pref[due] = rng.uniform(lim[:, SPD_LO], hi)
                self.cmd_spd[due] = self.v_pref[due]
                self.cmd_alt[due] = site_h + rng.uniform(lim[:, ALT_LO], lim[:, ALT_HI])
                self.t_next[due] = t + rng.uniform(20, 120, len(due))

        # flock members chase a point ahead of their place in the flock
        mem = np.flatnonzero(self.leader != np.arange(self.n))
        if len(mem):
            L = self.leader[mem]
            ue, un = np.sin(self.hdg[L]), np.cos(self.hdg[L])
            ahead = 3.0 * np.maximum(self.spd[L], 3.0)
            pe = self.e[L] + self.ce[mem] + ue * ahead - self.e[mem]
            pn = self.n_[L] + self.cn[mem] + un * ahead - self.n_[mem]
            along = (self.e[L] + self.ce[mem] - self.e[mem]) * ue + (
                self.n_[L] + self.cn[mem] - self.n_[mem]
            ) * un
            self.cmd_hdg[mem] = _bearing(pe, pn)
            self.cmd_spd[mem] = np.clip(self.spd[L] + 0.3 * along, 5.0, 18.0)
            self.cmd_alt[mem] = self.h[L] + self.radius[mem]

    # ---- dynamics --------------------------------------------------------------------------

    def step(self, t: float) -> IntArray:
        """Advance every object from t to t + dt; give ended slots new objects at t + dt.

        Returns the slots that got a new object (their state at t + dt is a fresh start).
        """
        dt = self.cfg.dt_s
        self._decide(t)
        lim = _LIMITS[self.behaviour]
        # heading: the short way round, or the preferred way when the command is nearly behind
        err = _wrap(self.cmd_hdg - self.hdg)
        err = np.where(np.abs(err) > np.radians(170.0), self.turn_dir * np.abs(err), err)
        wmax = turn_rate_limit(self.behaviour, self.spd) * dt
        dh = np.clip(err, -wmax, wmax)
        dv = np.clip(self.cmd_spd - self.spd, -lim[:, ACC] * dt, lim[:, ACC] * dt)
        vz_want = np.clip(0.1 * (self.cmd_alt - self.h), -lim[:, CLIMB], lim[:, CLIMB])
        dvz = np.clip(vz_want - self.vz, -lim[:, VACC] * dt, lim[:, VACC] * dt)
        # move along the mean heading/speed of the step (the chord of a turn at constant rate)
        hmid = self.hdg + 0.5 * dh
        vmid = self.spd + 0.5 * dv
        self.e += vmid * np.sin(hmid) * dt
        self.n_ += vmid * np.cos(hmid) * dt
        self.h += (self.vz + 0.5 * dvz) * dt
        self.hdg = (self.hdg + dh) % (2 * np.pi)
        self.spd = np.maximum(self.spd + dv, 0.0)
        self.vz += dvz
        floor = self.cfg.site.alt_m + FLOOR_M
        grounded = self.h < floor
        self.h[grounded] = floor
        self.vz[grounded] = np.maximum(self.vz[grounded], 0.0)
        ended = self._ended(t + dt)
        self.spawn(ended, t + dt)
        return ended

    def _ended(self, t: float) -> IntArray:
        r = np.hypot(self.e, self.n_)
        cfg = self.cfg
        out = self.t_end <= t
        air = self.kind == KIND_AIRCRAFT
        out |= air & (r > cfg.air_radius_m)
        out |= ((self.behaviour == B_TRANSIT) | (self.behaviour == B_RACER)) & (r > 1.2 * cfg.drone_radius_m)
        out |= (self.kind == KIND_DRONE) & (r > 3.0 * cfg.drone_radius_m)  # a safety net
        # a flock lives and dies with its leader
        member = self.leader != np.arange(self.n)
        out[member] = out[self.leader[member]]
        return np.flatnonzero(out)

    # ---- views -----------------------------------------------------------------------------

    def velocity(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(ve, vn, vu) m/s, each (N,)."""
        return self.spd * np.sin(self.hdg), self.spd * np.cos(self.hdg), self.vz.copy()

    def snapshot(self) -> dict[str, Any]:
        """A copy of the per-slot state that changes in time (for the stream's interpolation)."""
        return {
            "uid": self.uid.copy(),
            "e": self.e.copy(),
            "n": self.n_.copy(),
            "h": self.h.copy(),
            "hdg": self.hdg.copy(),
            "spd": self.spd.copy(),
            "vz": self.vz.copy(),
        }


__all__ = [
    "BEHAVIOURS",
    "B_BIRD",
    "B_CRUISE",
    "B_FLOCK",
    "B_GHOST",
    "B_HOLD",
    "B_LIGHT",
    "B_LOITER",
    "B_LOWSLOW",
    "B_MULTI",
    "B_TRANSIT",
    "FLOOR_M",
    "KIND_AIRCRAFT",
    "KIND_BIRD",
    "KIND_DRONE",
    "Targets",
    "limits",
    "target_names",
    "turn_rate_limit",
]
