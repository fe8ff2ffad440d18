"""The partitioned live picture in one process: aircraft crossing a boundary keep one published
id, are never published twice and never missing; the fan-in's id books stay bounded."""

from __future__ import annotations

import numpy as np
from crossing import SENSORS, SITE, crossing, tiling

from airpicture.config import PartitionSettings, Settings
from airpicture.scale.fanin import FanIn
from airpicture.scale.live import PartitionedTracker, QueuedOutput
from airpicture.scale.partition import Tiling
from airpicture.track.tracker import ImmGnnTracker
from airpicture.types import Picture


def _run(n: int, duration_s: float, partitions: int) -> tuple[list[Picture], PartitionedTracker]:
    settings = Settings()
    trk = PartitionedTracker(SENSORS, SITE, None, settings, tiling(partitions))
    return [trk.step(w) for w in crossing(n, duration_s)], trk


def test_aircraft_crossing_a_boundary_keep_one_id_without_duplicate_or_gap() -> None:
    pics, trk = _run(30, 300, 2)
    ids: dict[int, set[int]] = {}
    seen: dict[int, list[int]] = {}
    for k, p in enumerate(pics):
        assert len(np.unique(p.ident)) == len(p)  # no aircraft twice
        assert len(np.unique(p.track)) == len(p)
        for i, t in zip(p.ident.tolist(), p.track.tolist(), strict=True):
            ids.setdefault(i, set()).add(t)
            seen.setdefault(i, []).append(k)
    assert len(ids) == 30
    assert all(len(v) == 1 for v in ids.values()), {i: v for i, v in ids.items() if len(v) > 1}
    for ks in seen.values():  # from its first picture to the end, every picture holds it
        assert ks == list(range(ks[0], len(pics)))
    st = trk.fanin.stats
    assert st.handovers >= 25 and st.suppressed > 0 and st.new_ids == 30


def test_the_picture_is_the_single_trackers_picture() -> None:
    pics, _ = _run(20, 120, 2)
    single = ImmGnnTracker(SENSORS, SITE)
    ref = [single.step(w) for w in crossing(20, 120)][-1]
    last = pics[-1]
    a, b = np.argsort(last.ident), np.argsort(ref.ident)
    assert (last.ident[a] == ref.ident[b]).all()
    np.testing.assert_allclose(last.x[a, :2], ref.x[b, :2], atol=150.0)  # the site frame, m
    np.testing.assert_allclose(last.x[a, 3:5], ref.x[b, 3:5], atol=5.0)


def _picture(t: float, track: list[int], lat: list[float], lon: list[float]) -> Picture:
    n = len(track)
    x = np.zeros((n, 6))
    x[:, 3] = 220.0  # eastbound
    return Picture(
        time_s=t, track=np.array(track, np.int64), x=x, P=np.tile(np.eye(6), (n, 1, 1)),
        lat=np.array(lat), lon=np.array(lon), alt_m=np.full(n, 9000.0), cls=np.zeros(n, np.int8),
        cls_p=np.zeros(n), ident=np.full(n, -1, np.int64), sensors=np.ones(n, np.int64),
        last_update_s=np.full(n, t), integrity=np.zeros(n, np.int8), mode_c=np.ones(n, bool),
    )  # fmt: skip


def test_an_anonymous_track_is_handed_over_by_position_and_velocity() -> None:
    til = Tiling(48.0, 2.0, 50.0, 4.0, 2, 20_000.0)  # the line at lon 3
    fan = FanIn(til, (49.0, 3.0, 0.0), PartitionSettings())
    d = 0.001  # ~70 m between the two regions' copies
    steps = [  # region 0's radar track 5 crosses; region 1 starts its own (7) in the margin
        ([5], [], 2.95, None),
        ([5], [7], 2.99, 2.99 + d),
        ([5], [7], 3.01, 3.01 + d),
        ([], [7], None, 3.05),
    ]
    out = []
    for k, (a, b, la, lb) in enumerate(steps):
        pa = _picture(k, a, [49.0] * len(a), [la] * len(a))
        pb = _picture(k, b, [49.0] * len(b), [lb] * len(b))
        out.append(fan.publish(float(k), [pa, pb]))
    assert [len(p) for p in out] == [1, 1, 1, 1]
    assert {int(p.track[0]) for p in out} == {1}
    assert fan.stats.handovers == 1


def test_the_id_books_forget() -> None:
    til = Tiling(48.0, 2.0, 50.0, 4.0, 2, 20_000.0)
    fan = FanIn(til, (49.0, 3.0, 0.0), PartitionSettings(forget_s=60.0))
    for k in range(5):
        fan.publish(float(k), [_picture(k, [k], [49.0], [2.5]), _picture(k, [], [], [])])
    assert fan.stats.ids_known == 5
    fan.publish(100.0, [_picture(100, [], [], []), _picture(100, [], [], [])])
    assert fan.stats.ids_known == 0 and fan.stats.ids_expired == 5


def test_a_slow_sink_drops_pictures_and_counts_them() -> None:
    import threading

    gate = threading.Event()
    got: list[float] = []

    def slow(p: Picture) -> None:
        gate.wait(5)
        got.append(p.time_s)

    q = QueuedOutput(slow, maxsize=2)
    for k in range(10):
        q.write(_picture(k, [], [], []))  # returns at once
    gate.set()
    q.close()
    assert q.dropped >= 6 and got[-1] == 9.0 and len(got) + q.dropped == 10
