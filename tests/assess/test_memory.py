"""The classifier's memory (assess/memory.py): the evidence only a track's past or its neighbours
give, and the class shown (averaged, with hysteresis)."""

import numpy as np

from airpicture.assess import AssessSettings, TrackAssessor
from airpicture.assess.memory import BIRD, DRONE
from airpicture.types import Picture
from conftest import SENSORS, SITE, only, straight, wandering

SR = 2


def seen(p: float, seed: int):
    rng = np.random.default_rng(seed)
    return lambda t: SR if rng.random() < p else 0


def test_a_hovering_track_is_unlike_a_bird_for_minutes_after(run_movers) -> None:
    """Hovering 40 s, then flying straight at 10 m/s: the memory keeps counting against a bird."""

    def hover_then_go(t):
        v = np.array([0.0, 0.0, 0.0]) if t < 40 else np.array([10.0, 0.0, 0.0])
        return np.array([1000.0 + max(t - 40, 0) * 10.0, 0.0, 80.0]), v

    pics = run_movers([(1, hover_then_go, seen(0.8, 1), -1)], 120)
    a = TrackAssessor(SENSORS, SITE, [])
    ev = []
    for p in pics:
        f = a.features.update(p)
        a.classifier.memory.assign(p)
        ev.append(a.classifier.memory.evidence(p, f)[0].copy())
    s = AssessSettings()
    assert ev[5][BIRD] == 0.0 or ev[5][BIRD] > -s.behaviour_cap  # not yet: hovering takes time
    assert ev[39][BIRD] == -s.behaviour_cap  # hovered 40 s: the full evidence against a bird
    assert ev[100][BIRD] < -0.7 * s.behaviour_cap  # a minute of straight flight later: remembered
    assert all(e[DRONE] == 0.0 for e in ev)  # alone: no company


def test_company_counts_against_a_drone_and_a_young_track_takes_its_flocks_class(run_movers) -> None:
    """Three objects 30 m apart at one velocity: in company, unlike drones; a fourth that starts
    among them 60 s later takes the flock's evidence while it is young."""
    flock = [(k, straight((30.0 * k, 2000.0, 60.0), (9.0, 3.0, 0.0)), seen(0.7, k), -1) for k in (1, 2, 3)]
    late = (4, straight((-15.0, 2000.0, 60.0), (9.0, 3.0, 0.0)), seen(0.7, 4), -1)
    pics = run_movers([*flock, late], 90)
    for p in pics[:60]:
        only(p, [1, 2, 3])
    a = TrackAssessor(SENSORS, SITE, [])
    rows = []
    for p in pics:
        f = a.features.update(p)
        a.classifier.memory.assign(p)
        rows.append((p.track.copy(), a.classifier.memory.evidence(p, f), f.age_s.copy()))
    tracks, ev, _ = rows[55]
    assert (ev[:, DRONE] <= -AssessSettings().behaviour_cap + 1e-9).all()  # long in company
    tracks, ev, age = rows[61]
    young = np.flatnonzero(tracks == 4)[0]
    old = ev[tracks != 4]
    # the young one's evidence is its company's (inherited, weighted by youth) plus its own company
    assert age[young] < AssessSettings().formation_young_s
    assert ev[young, DRONE] < 0 and ev[young, BIRD] >= ev[young, DRONE]
    assert (old[:, DRONE] < 0).all()


def _lone_track(t: float) -> Picture:
    """A picture of one track (id 7), for the class memory alone."""
    return Picture(time_s=t, track=np.array([7]), x=np.zeros((1, 6)), P=np.zeros((1, 6, 6)),
                   lat=np.zeros(1), lon=np.zeros(1), alt_m=np.zeros(1), cls=np.zeros(1, np.int8),
                   cls_p=np.zeros(1), ident=np.array([-1]), sensors=np.array([2]),
                   last_update_s=np.array([t]), integrity=np.zeros(1, np.int8),
                   mode_c=np.zeros(1, bool))  # fmt: skip


def test_the_class_shown_does_not_flip_on_a_near_tie() -> None:
    """A posterior that swings around 50/50 drone/bird shows one class, not one a scan."""
    from airpicture.assess.memory import ClassMemory

    s = AssessSettings()
    m = ClassMemory(s, np.log(np.full(3, 1 / 3)))
    shown = []
    for k in range(120):
        pd = 0.45 + 0.1 * (k % 2)  # drone 0.45, 0.55, 0.45, ...
        post = np.array([[0.01, pd, 0.99 - pd]])
        pic = _lone_track(1.7e9 + k)
        m.assign(pic)
        cls, p = m.show(pic.time_s, post)
        shown.append(int(cls[0]))
        assert 0.0 <= p[0] <= 1.0
    changes = sum(a != b for a, b in zip(shown[1:], shown[:-1], strict=True))
    assert changes <= 1  # unknown -> a class at most once; never back and forth


def test_a_class_nobody_believes_is_not_held() -> None:
    """Hysteresis holds a class the evidence has left only while it stays plausible: a track shown
    bird whose evidence turns to aircraft / drone near a tie (neither reaching class_switch_p) is
    no longer shown bird once bird is below 1 - class_switch_p (here it goes unknown, then
    drone once that reaches unknown_below_p)."""
    from airpicture.assess.memory import ClassMemory
    from airpicture.types import ObjectClass

    s = AssessSettings()
    m = ClassMemory(s, np.log(np.full(3, 1 / 3)))
    shown, p_shown = [], []
    for k in range(200):
        post = np.array([[0.02, 0.03, 0.95]]) if k < 60 else np.array([[0.5, 0.49, 0.01]])
        if k >= 150:
            post = np.array([[0.3, 0.69, 0.01]])
        pic = _lone_track(1.7e9 + k)
        m.assign(pic)
        cls, p = m.show(pic.time_s, post)
        shown.append(int(cls[0]))
        p_shown.append(float(p[0]))
    assert shown[59] == ObjectClass.BIRD
    bird_rows = [p for c, p in zip(shown, p_shown, strict=True) if c == ObjectClass.BIRD]
    assert min(bird_rows) > 1.0 - s.class_switch_p - 0.05  # never shown bird at P(bird) ~ 0
    assert ObjectClass.UNKNOWN in shown[60:150]  # aircraft 0.5 / drone 0.49: no kind named
    assert shown[-1] == ObjectClass.DRONE  # 0.69: above unknown_below_p, below class_switch_p


def test_a_track_is_not_shown_as_the_kind_the_evidence_has_left() -> None:
    """A bird first taken for a drone (P 0.55 while young), whose evidence then says bird at 0.72
    for minutes, is shown a bird, not held a drone at P 0.28: on unseen make_scenario sites such
    birds were shown drones for their whole lives (bird class accuracy 0.63 on one site)."""
    from airpicture.assess.memory import ClassMemory
    from airpicture.types import ObjectClass

    m = ClassMemory(AssessSettings(), np.log(np.full(3, 1 / 3)))
    shown = []
    for k in range(240):
        post = np.array([[0.0, 0.55, 0.45]]) if k < 60 else np.array([[0.0, 0.28, 0.72]])
        pic = _lone_track(1.7e9 + k)
        m.assign(pic)
        cls, _ = m.show(pic.time_s, post)
        shown.append(int(cls[0]))
    assert shown[59] == ObjectClass.DRONE
    assert shown[-1] == ObjectClass.BIRD


def test_a_track_picked_up_again_takes_its_lost_predecessors_evidence(run_movers) -> None:
    """A bird tracked as 1 for 60 s, lost for a few scans, picked up again as 2 where 1 would be:
    the new track takes 1's evidence at once. Lost for longer than lineage_s, or
    picked up elsewhere, it starts from the prior."""
    bird = wandering(3, (1500.0, 1500.0, 80.0), 9.0)
    elsewhere = straight((-2500.0, 0.0, 60.0), (9.0, 3.0, 0.0))

    def run(gap_s: int) -> tuple[int, np.ndarray, np.ndarray]:
        """(the kind track 1's last posterior favoured, track 2's and 3's memory evidence as 2
        is picked up gap_s after 1 was lost)"""
        start = 60 + gap_s
        movers = [(1, bird, seen(0.9, 1), -1), (2, bird, seen(0.9, 2), -1), (3, elsewhere, seen(0.9, 3), -1)]
        pics = run_movers(movers, start + 5)
        for k, p in enumerate(pics):
            only(p, [1] if k < 60 else [2, 3] if k >= start else [])
        a = TrackAssessor(SENSORS, SITE, [])
        for p in pics[: start + 1]:
            a.update(p)
        m = a.classifier.memory
        last_1 = m.post[np.flatnonzero(m.slots.used & (m.slots.slot_id == 1))[0]]  # at its last picture
        first = pics[start]
        memory = first.cls_terms[:, -1, :]  # the memory's term
        return int(np.argmax(last_1)), memory[first.track == 2][0], memory[first.track == 3][0]

    kind_1, picked_up, other = run(6)
    assert picked_up.max() == 0.0 and picked_up.min() < -1.0  # its predecessor's, weighted by youth
    assert np.argmax(picked_up) == kind_1  # the kind its predecessor's evidence favoured
    assert (other == 0.0).all()  # far from any lost track
    _, late, _ = run(int(AssessSettings().lineage_s) + 10)
    assert (late == 0.0).all()
