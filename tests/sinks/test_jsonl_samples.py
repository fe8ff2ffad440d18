"""A small picture and alert for the sink tests."""

import numpy as np

from airpicture.types import Alert, Picture, icao_ident, remoteid_ident


def sample_picture(t: float = 1.7e9) -> Picture:
    n = 4
    P = np.tile(np.diag([400.0, 100.0, 900.0, 4.0, 4.0, 1.0]), (n, 1, 1))
    return Picture(
        time_s=t,
        track=np.array([11, 12, 13, 14]),
        x=np.array(
            [
                [0, 0, 100, 10, 0, 0],
                [500, 500, 3000, 0, 150, 0],
                [0, -900, 80, 0, -12, 0],
                [100, 100, 50, 5, 5, 0],
            ],
            float,
        ),
        P=P,
        lat=np.array([48.86, 48.865, 48.852, 48.861]),
        lon=np.array([2.29, 2.297, 2.29, 2.291]),
        alt_m=np.array([160.0, 3060.0, 140.0, 110.0]),
        cls=np.array([2, 1, 2, 3], np.int8),
        cls_p=np.array([0.98, 0.99, 0.97, 0.9]),
        ident=np.array([-1, icao_ident("3944f5"), remoteid_ident("SN1"), -1]),
        sensors=np.array([2, 3, 2, 2]),
        last_update_s=np.full(n, t),
        integrity=np.zeros(n, np.int8),
        mode_c=np.array([False, True, True, False]),
        names={remoteid_ident("SN1"): "SN1"},
    )


def sample_alert(state: str = "raised", t: float = 1.7e9) -> Alert:
    return Alert(
        t,
        "AP-000001",
        11,
        "site-A core",
        "zone_entry",
        state,
        48.86,
        2.29,
        160.0,
        "",
        "drone",
        "Drone (P=0.98) is inside zone 'site-A core'.",
        {"depth_m": 120.0, "p_drone": 0.98},
    )
