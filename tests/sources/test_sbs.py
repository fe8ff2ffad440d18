"""SBS / BaseStation CSV: positions get the latest velocity merged; bad lines are counted."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.sources.live import ModesStream
from airpicture.types import REPORT_DTYPE

SBS = b"""\
MSG,1,1,1,4840D6,1,2008/11/28,23:48:17.000,2008/11/28,23:48:17.000,KLM1023 ,,,,,,,,,,,0
MSG,4,1,1,4840D6,1,2008/11/28,23:48:18.000,2008/11/28,23:48:18.000,,,420,90.0,,,-640,,,,,0
MSG,3,1,1,4840D6,1,2008/11/28,23:48:18.611,2008/11/28,23:48:18.611,,36000,,,51.45735,-1.02826,,,0,0,0,0
MSG,6,1,1,4840D6,1,2008/11/28,23:48:19.000,2008/11/28,23:48:19.000,,,,,,,,7700,1,1,0,0
MSG,3,1,1,ABCDEF,1,2008/11/28,23:48:20.000,2008/11/28,23:48:20.000,,1000,,,48.1,2.2,,,0,0,0,0
MSG,3,1,1,4840D6,1,2008/11/28,23:48:21.000,2008/11/28,23:48:21.000,,36000,,,95.0,2.2,,,0,0,0,0
MSG,x,1,1,4840D6
STA,,1,1,4840D6,1,2008/11/28,23:48:22.000,2008/11/28,23:48:22.000,RM
MSG,3,1,1,4840D6,1,2008/11/28,23:48:1"""


def test_sbs_rows_reports_and_registry() -> None:
    s = ModesStream("sbs")
    table = s.feed(SBS)
    assert len(s.close()) == 0 and s.rejects.counts == {"sbs_range": 1, "sbs_syntax": 1, "truncated": 1}
    assert len(table) == 5
    rep = s.reports(table)
    assert rep.dtype == REPORT_DTYPE and len(rep) == 2
    t0 = 1227916098.611  # 2008-11-28 23:48:18.611 UTC
    assert math.isclose(rep["time_s"][0], t0)
    assert rep["ident"].tolist() == [0x4840D6, 0xABCDEF]
    assert math.isclose(rep["altitude_m"][0], 36000 * 0.3048)
    assert math.isclose(rep["speed_mps"][0], 420 * 1852 / 3600)  # merged from the MSG,4 before it
    assert math.isclose(rep["track_rad"][0], math.pi / 2)
    assert math.isclose(rep["vrate_mps"][0], -640 * 0.3048 / 60)
    assert np.isnan(rep["speed_mps"][1])  # no velocity heard for ABCDEF
    info = s.registry[0x4840D6]
    assert info.callsign == "KLM1023" and info.squawk == "7700"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="MSG,0123456789.:/-ABCDEF ", max_size=120), max_size=10))
def test_fuzz_never_raises(lines: list[str]) -> None:
    s = ModesStream("sbs", live=True)
    s.feed("\n".join(lines).encode())
    s.close()
