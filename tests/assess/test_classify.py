import copy

import numpy as np
import pytest

from airpicture.assess import AssessSettings, TrackAssessor
from airpicture.assess.classify import BayesClassifier
from airpicture.types import ObjectClass, icao_ident, remoteid_ident
from conftest import SENSORS, SITE, circling, only, picture, straight, wandering

LR, SR = 1, 2  # sensor bits


def seen(p: float, bit: int, seed: int):
    rng = np.random.default_rng(seed)
    return lambda t: bit if rng.random() < p else 0


def classes(pic) -> list[str]:
    return ObjectClass.labels(pic.cls).tolist()


def test_detection_pattern_and_kinematics_separate_kinds(run_movers) -> None:
    movers = [
        # a silent light aircraft: both radars see it, 45 m/s at 500 m
        (1, straight((-4000, 2000, 500), (45, 0, 0)), lambda t: (LR if t % 4 == 0 else 0) | SR, -1),
        # a drone: only the site radar sees it (the long-range radar cannot), 15 m/s legs at 100 m
        (2, straight((-2000, -2000, 100), (10, 11, 0.5)), seen(0.8, SR, 1), -1),
        # a bird: site radar only, less often, 9 m/s wandering
        (3, wandering(3, (1500, 1500, 80), 9.0), seen(0.6, SR, 2), -1),
    ]
    pics = run_movers(movers, 120)
    a = TrackAssessor(SENSORS, SITE, [])
    for p in pics:
        a.update(p)
    assert classes(pics[-1]) == ["aircraft", "drone", "bird"]
    assert np.all(pics[-1].cls_p > 0.8)


def test_cooperative_identity_decides(run_movers) -> None:
    movers = [
        (7, straight((0, 3000, 80), (12, 0, 0)), seen(0.8, SR, 4), remoteid_ident("1581F4XYZ")),
        (8, straight((0, -3000, 2000), (150, 0, 0)), lambda t: 0, icao_ident("3944f5")),
    ]
    pics = run_movers(movers, 5)
    a = TrackAssessor(SENSORS, SITE, [])
    for p in pics:
        a.update(p)
    assert classes(pics[-1]) == ["drone", "aircraft"]
    assert np.all(pics[-1].cls_p > 0.99)


def test_evidence_is_keyed_by_track_id_as_tracks_come_and_go(run_movers) -> None:
    drone = straight((-2000, -2000, 100), (10, 11, 0.5))
    bird = wandering(5, (1500, -1500, 60), 8.0)
    movers = [(11, bird, seen(0.6, SR, 7), -1), (10, drone, seen(0.8, SR, 6), -1)]
    both = run_movers(movers, 80)
    # the same pictures, run for one track at a time: the posteriors must be the same
    mixed = TrackAssessor(SENSORS, SITE, [])
    alone_bird = TrackAssessor(SENSORS, SITE, [])
    alone_drone = TrackAssessor(SENSORS, SITE, [])
    for k, p in enumerate(both):
        b = only(copy.deepcopy(p), [11])
        d = only(copy.deepcopy(p), [10])
        if 30 <= k < 40:  # track 10 unpublished for ten pictures: it comes back with its history
            p = only(p, [11])
        mixed.update(p)
        alone_bird.update(b)
        if not 30 <= k < 40:
            alone_drone.update(d)
    last = both[-1]
    assert last.track.tolist() == [11, 10]
    assert last.cls_p[0] == b.cls_p[0] and last.cls[0] == b.cls[0] == 3
    assert last.cls_p[1] == d.cls_p[0] and last.cls[1] == d.cls[0]


def test_a_spurious_long_range_plot_does_not_make_a_drone_an_aircraft(run_movers) -> None:
    bits = seen(0.8, SR, 9)
    pics = run_movers(
        [(1, straight((-1000, 0, 100), (12, 0, 0)), lambda t: bits(t) | (LR if t == 30 else 0), -1)], 90
    )
    a = TrackAssessor(SENSORS, SITE, [])
    for p in pics:
        a.update(p)
    assert classes(pics[-1]) == ["drone"]


def test_low_confidence_shows_unknown() -> None:
    a = TrackAssessor(SENSORS, SITE, [], AssessSettings(unknown_below_p=0.99))
    pic = picture(1.7e9, [1], np.array([[100.0, 100.0, 50.0]]), np.array([[10.0, 0.0, 0.0]]), [SR])
    a.update(pic)
    assert classes(pic) == ["unknown"] and pic.cls_p[0] < 0.99


def test_circling_drone_stays_drone(run_movers) -> None:
    pics = run_movers([(4, circling((200, 200), 300, 20, 300), seen(0.8, SR, 11), -1)], 150)
    a = TrackAssessor(SENSORS, SITE, [])
    for p in pics:
        a.update(p)
    assert classes(pics[-1]) == ["drone"]


def test_an_icao_address_broadcasting_the_uav_category_is_a_drone() -> None:
    from airpicture.assess.base import AssessSettings
    from airpicture.assess.classify import identity_loglik

    s = AssessSettings()
    ident = np.array([0x4CA1B2, 0x4CA1B3])
    ll = identity_loglik(ident, np.array([True, True]), s, np.array([False, True]))
    assert ll[0, 0] > ll[0, 1]  # an ordinary ICAO address: aircraft
    assert ll[1, 1] > ll[1, 0]  # emitter category UAV: drone


def test_the_evidence_shown_is_what_the_classifier_used(run_movers) -> None:
    """Picture.cls_terms are the terms the posterior is made of: their softmax is the posterior, and
    explain()'s log-odds are those of the two leading kinds. The factors name what separated them:
    a Remote ID makes a drone; the aircraft's speed rules out a bird."""
    from airpicture.assess.classify import KINDS, TERMS, explain

    movers = [
        (1, straight((-4000, 2000, 500), (45, 0, 0)), lambda t: (LR if t % 4 == 0 else 0) | SR, -1),
        (7, straight((0, 3000, 80), (12, 0, 0)), seen(0.8, SR, 4), remoteid_ident("1581F4XYZ")),
    ]
    pics = run_movers(movers, 60)
    a = TrackAssessor(SENSORS, SITE, [])
    for p in pics:
        a.update(p)
    last = pics[-1]
    assert last.cls_terms is not None and last.cls_terms.shape == (2, len(TERMS), len(KINDS))
    logp = last.cls_terms.sum(axis=1)
    post = np.exp(logp - logp.max(axis=1, keepdims=True))
    post /= post.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(post.max(axis=1), last.cls_p, rtol=1e-9)
    aircraft, drone = (explain(last.cls_terms[i]) for i in range(2))
    assert aircraft["kind"] == "aircraft" and drone["kind"] == "drone"
    for i, ev in enumerate((aircraft, drone)):
        top2 = np.sort(post[i])[::-1][:2]
        assert ev["log_odds"] == pytest.approx(np.log(top2[0] / top2[1]), abs=0.01)
    assert drone["factors"][0]["term"] == "identity" and drone["factors"][0]["nats"] > 0
    assert any(f["term"] == "speed" and f["nats"] > 0 for f in aircraft["factors"])


def test_a_track_an_adsb_receiver_in_range_never_heard_is_no_aircraft_it_would_have_heard() -> None:
    from airpicture.assess.classify import adsb_silence
    from airpicture.assess.features import SensorSheet
    from airpicture.sensors import load_sheets

    s = AssessSettings()
    rx = {"id": "RX", "kind": "adsb", "lat": SITE["lat"], "lon": SITE["lon"], "alt_m": SITE["alt_m"]}
    lossy = {**rx, "id": "RX2", "p_loss": 0.5, "max_range_m": 5000.0}
    # 60 km off the tangent plane drops 282 m below it: the ground there
    x = np.array([[1000, 0, 100]] * 4 + [[60000, 0, -280], [60000, 0, 3000]])
    pic = picture(1.7e9, list(range(6)), x, np.zeros((6, 3)), [4] * 6)
    pic.ident = np.array([-1, icao_ident("3944f5"), remoteid_ident("1581F4XYZ"), -1, -1, -1])
    pic.mode_c = np.array([False, False, False, True, False, False])
    age = np.array([60.0, 60, 60, 60, 60, 60])
    c = BayesClassifier(SensorSheet.from_specs(load_sheets([rx])), s)
    out = adsb_silence(pic, age, c.receivers, s.adsb_unheard_share)
    q = np.log(s.adsb_unheard_share)
    # heard nothing: an aircraft only if unequipped; an identity or a transponder's altitude: no
    # silence; 60 km off at the ground is beyond the radio horizon of a 10 m mast, 3 km up it is not
    np.testing.assert_allclose(out, [q, 0, 0, 0, 0, q], atol=1e-9)
    # a lossy receiver: a young track may not have been heard yet; beyond its range nothing counts
    c2 = BayesClassifier(SensorSheet.from_specs(load_sheets([lossy])), s)
    young = adsb_silence(pic, np.array([1.0, 1, 1, 1, 1, 1]), c2.receivers, s.adsb_unheard_share)
    np.testing.assert_allclose(young[[0, 5]], [np.log(0.2 + 0.8 * 0.5), 0.0], atol=1e-9)
    old = adsb_silence(pic, age, c2.receivers, s.adsb_unheard_share)
    np.testing.assert_allclose(old[0], q, atol=1e-6)
    assert adsb_silence(pic, age, c.receivers, 1.0).tolist() == [0.0] * 6  # share 1: no evidence


def test_a_low_track_at_20_mps_is_a_drone_unless_it_identifies_as_an_aircraft(run_movers) -> None:
    # 20 m/s, straight, 80 m above the site, seen by the site radar alone (the long-range radar's
    # misses would decide it): no fixed wing flies so slowly; a rotorcraft can, but is a tenth of
    # the traffic, and the ADS-B receiver has not heard it
    site_radar, receiver = SENSORS[1], SENSORS[2]
    assert site_radar["kind"] == "radar" and receiver["kind"] == "adsb"
    slow = straight((-2000, 1500, 80), (20, 0, 0))
    heli = straight((-2000, -1500, 80), (20, 0, 0))
    movers = [(1, slow, seen(0.8, 1, 21), -1), (2, heli, seen(0.8, 1, 22), icao_ident("4b43ac"))]
    pics = run_movers(movers, 90)
    a = TrackAssessor([site_radar, receiver], SITE, [])
    for p in pics:
        a.update(p)
    assert classes(pics[-1]) == ["drone", "aircraft"]
    heard = pics[-1].cls_p
    assert heard[0] > 0.97 and heard[1] > 0.99
    terms = pics[-1].cls_terms[0]  # (TERMS, KINDS): the speed and the silence against aircraft
    assert terms[2, 0] - terms[2, 1] < -3.0
    np.testing.assert_allclose(terms[5], [np.log(AssessSettings().adsb_unheard_share), 0, 0], atol=1e-6)
    # without the receiver the speed alone still makes the unidentified one a drone
    pics = run_movers(movers[:1], 90)
    b = TrackAssessor([site_radar], SITE, [])
    for p in pics:
        b.update(p)
    assert classes(pics[-1]) == ["drone"] and pics[-1].cls_p[0] > 0.97
    assert pics[-1].cls_terms[0][5].tolist() == [0.0, 0.0, 0.0]


def test_a_flock_seen_more_often_than_one_bird_is_not_taken_for_a_drone() -> None:
    """A flock's track, crowded most scans, detected 92 % of the scans by a radar whose sheet gives
    a bird 0.72 and a drone 0.93: a group of birds echoes more often than one, and how many of the
    flock a scan holds no sheet says. The same detections without a crowd are a drone's."""
    from airpicture.assess.features import Features, SensorSheet
    from airpicture.sensors import load_sheets

    radar = {**SENSORS[1], "pd": {"aircraft": 0.95, "drone": 0.93, "bird": 0.72}}
    c = BayesClassifier(SensorSheet.from_specs(load_sheets([radar])), AssessSettings())
    n = 2
    hits, misses = np.full((n, 1), 128.0), np.full((n, 1), 10.8)
    crowd = np.array([[117.0], [1.0]])
    nan = np.full(n, np.nan)
    f = Features(
        dt=np.ones(n), age_s=np.full(n, 170.0), speed=np.full(n, 10.0), speed_sd=np.full(n, 1.0),
        height=np.full(n, 100.0),
        height_ok=np.ones(n, bool), wander=nan, hits=hits, misses=misses, crowd=crowd,
        loiter_turn_deg=nan, loiter_steady=nan, loiter_radius_m=nan, loiter_speed=nan,
        loiter_span_s=nan, centre_en=np.full((n, 2), np.nan),
    )  # fmt: skip
    pic = picture(1.7e9, [1, 2], np.array([[0, 3000, 100], [0, -3000, 100]]), np.zeros((n, 3)), [1, 1])
    post = c.update(pic, f)
    detection = pic.cls_terms[:, 1, :]  # (rows, KINDS) after the clip
    assert detection[0, 2] > detection[0, 1] and post[0, 2] > post[0, 1]
    assert detection[1, 1] - detection[1, 2] > 4.0 and post[1, 1] > 0.9


def test_a_speed_estimate_counts_only_as_far_as_its_error_allows() -> None:
    """A new bird's track whose first plots say 28 m/s, with the speed sigma of a few-plot start
    (15 m/s), is not thereby a drone: past 15 m/s a bird's fall-off widens to that error. A settled
    track (sigma 1 m/s, within the fall-off's own 5) flying 28 m/s is too fast for a bird. Both are
    kinematic_tau_s old, one look (at birth, none)."""
    from airpicture.assess.features import Features, SensorSheet
    from airpicture.sensors import load_sheets

    c = BayesClassifier(SensorSheet.from_specs(load_sheets([SENSORS[1]])), AssessSettings())
    n = 2
    nan = np.full(n, np.nan)
    f = Features(
        dt=np.zeros(n), age_s=np.full(n, 8.0), speed=np.full(n, 28.0), speed_sd=np.array([15.0, 1.0]),
        height=np.full(n, 100.0), height_ok=np.ones(n, bool), wander=nan, hits=np.zeros((n, 1)),
        misses=np.zeros((n, 1)), crowd=np.zeros((n, 1)), loiter_turn_deg=nan, loiter_steady=nan,
        loiter_radius_m=nan, loiter_speed=nan, loiter_span_s=nan, centre_en=np.full((n, 2), np.nan),
    )  # fmt: skip
    pic = picture(1.7e9, [1, 2], np.array([[0, 3000, 100], [0, -3000, 100]]), np.zeros((n, 3)), [1, 1])
    post = c.update(pic, f)
    speed = pic.cls_terms[:, 2, :]  # (rows, KINDS): aircraft, drone, bird
    # the bird's fall-off above 15 m/s: (13 / 15)^2 / 2 nats, against (13 / 5)^2 / 2, each with
    # the outlier share; a drone's fall-off above 25 m/s (sigma 10) widens the same way
    q, sd = AssessSettings().kinematic_outlier_p, np.array([15.0, 1.0])
    bird = np.log(np.exp(-0.5 * (13 / np.maximum(5.0, sd)) ** 2) + q)
    drone = np.log(np.exp(-0.5 * (3 / np.maximum(10.0, sd)) ** 2) + q)
    np.testing.assert_allclose(speed[:, 1] - speed[:, 2], drone - bird, rtol=1e-9)
    assert speed[0, 1] - speed[0, 2] < 0.5 < 2.5 < speed[1, 1] - speed[1, 2]
    assert post[0, 2] > 10 * post[1, 2]  # the new track stays a bird candidate
    # at birth its kinematics are the confirming plots': no look
    f.age_s[:] = 0.0
    pic = picture(1.7e9 + 1, [3, 4], np.array([[0, 3000, 100], [0, -3000, 100]]), np.zeros((n, 3)), [1, 1])
    c.update(pic, f)
    assert np.all(pic.cls_terms[:, 2:5, :] == 0.0)


def test_a_drone_that_starts_to_circle_does_not_wander(run_movers) -> None:
    """A fixed-wing drone flies straight for 80 s, then circles at 22 m/s on 300 m: the turn rate
    steps once, which changes the turn for two 10 s lags. Over a 40 s window that step was most of
    the samples, and the heading looked like a bird's for 20 s; over wander_window_s it is a third
    of them, and the median ignores it. A bird's heading keeps wandering."""
    omega, v, t0 = 22.0 / 300.0, 22.0, 80.0

    def fixed_wing(t: float) -> tuple[np.ndarray, np.ndarray]:
        if t <= t0:
            return np.array([-3000.0 + v * t, 500.0, 120.0]), np.array([v, 0.0, 0.0])
        a = omega * (t - t0)  # a left turn from heading east
        p = np.array([-3000.0 + v * t0 + 300.0 * np.sin(a), 500.0 + 300.0 * (1 - np.cos(a)), 120.0])
        return p, np.array([v * np.cos(a), v * np.sin(a), 0.0])

    movers = [
        (1, fixed_wing, seen(0.9, SR, 31), -1),
        (2, wandering(8, (1500, -1500, 80), 9.0), seen(0.9, SR, 32), -1),
    ]
    pics = run_movers(movers, 200)
    a = TrackAssessor(SENSORS, SITE, [])
    wander = []
    for p in pics:
        f = a.features.update(p)
        wander.append(f.wander.copy())
    w = np.array(wander)  # (time, track)
    after = w[int(t0) : int(t0) + 60, 0]
    assert np.all(after < 0.15), after.max()  # over 40 s: 0.29 for 15 s (the step is 0.73 rad a lag)
    assert np.nanmedian(w[60:, 1]) > 0.4  # the bird


def test_a_sensor_that_measures_a_track_outside_its_modelled_coverage_counts_its_misses(run_movers) -> None:
    """A drone at the edge of the site radar's coverage (here 6.3 km out, past the sheet's 6 km;
    on the campaign sites a drone hovering at the low edge, whose estimated height said "below
    the beam" while the plots came). The radar sees it with Pd 0.8. Counting only the hits there,
    the track looked seen every scan, as only an aircraft or a flock is; a scan in which the radar
    measured the track is a scan it covered, so its misses count too and the drone stays a drone."""
    from airpicture.assess import FeatureTable, SensorSheet
    from airpicture.sensors import load_sheets

    pics = run_movers([(4, straight((0, 6300, 100), (10, 0, 0)), seen(0.8, SR, 9), -1)], 150)
    table = FeatureTable(SensorSheet.from_specs(load_sheets(SENSORS)), SITE)
    a = TrackAssessor(SENSORS, SITE, [])
    for p in pics:
        f = table.update(p)
        a.update(p)
    sr = 1  # SR's index in SENSORS
    ratio = f.hits[0, sr] / (f.hits[0, sr] + f.misses[0, sr])
    assert 0.65 < ratio < 0.95, ratio
    assert classes(pics[-1]) == ["drone"]


@pytest.mark.parametrize("memory_s, bird_wins", [(None, True), (600.0, False)])
def test_a_track_that_lost_its_drone_to_a_bird_reads_as_a_bird_within_minutes(memory_s, bird_wins) -> None:
    """A track on a drone for ten minutes (seen at the drone's Pd, 0.8), then on a bird (0.5)
    after its drone landed and the track took a passing bird's plots. Its detections are
    remembered over detect_memory_s: the drone's count against the bird's until they fade. 130 s
    after the change they no longer do at the default memory; at 600 s they still say drone (on
    the development campaign such tracks held P(drone) 1.0 and raised alerts, and lone birds
    that had flown in flocks were read as drones by the flock's detections the same way)."""
    settings = AssessSettings() if memory_s is None else AssessSettings(detect_memory_s=memory_s)
    a = TrackAssessor(SENSORS[1:2], SITE, [], settings)
    for k in range(730):
        seen_n = int(0.8 * min(k + 1, 600) + 0.5 * max(k + 1 - 600, 0))  # detections at each Pd
        at = np.array([[1000.0, 10.0 * (k % 100), 100.0]])
        p = picture(1.7e9 + k, [1], at, np.array([[0, 10.0, 0]]), [1])
        p.seen_n, p.crowd_n = np.array([[seen_n]]), np.zeros((1, 1), np.int64)
        a.update(p)
        if k == 599:  # the drone itself reads as a drone
            assert p.cls_terms[0, 1, 1] > p.cls_terms[0, 1, 2] + 5.0
    detection = p.cls_terms[0, 1, :]  # aircraft, drone, bird
    assert (detection[2] > detection[1]) == bird_wins, detection


@pytest.mark.parametrize("denied_known", [True, False])
def test_a_scan_whose_plot_went_to_another_track_is_no_miss(denied_known: bool) -> None:
    """A drone seen by its radar at the drone's Pd (0.8), beside another object for a while: on
    two scans in five the plot in its gate went to the other's track (Picture.denied_n), so its
    own track got 0.48 of the scans, a bird's rate at this radar (0.5). Those scans are no misses
    of it: counted as misses it read as a bird, as flock members did (each looked missed whenever
    a neighbour's track took its plot)."""
    a = TrackAssessor(SENSORS[1:2], SITE, [])
    for k in range(300):
        denied = (2 * (k + 1)) // 5
        seen_n = int(0.8 * (k + 1 - denied))
        at = np.array([[1000.0, 10.0 * (k % 100), 100.0]])
        p = picture(1.7e9 + k, [1], at, np.array([[0, 10.0, 0]]), [1])
        p.seen_n, p.crowd_n = np.array([[seen_n]]), np.zeros((1, 1), np.int64)
        p.denied_n = np.array([[denied if denied_known else 0]])
        a.update(p)
    detection = p.cls_terms[0, 1, :]  # aircraft, drone, bird
    assert (detection[1] > detection[2] + 5.0) == denied_known, detection
    assert (detection[2] > detection[1] + 5.0) == (not denied_known), detection
