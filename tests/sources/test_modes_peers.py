"""Mode S decoding against what its peers' test suites say (rs1090's and pyModeS's vectors), and
the parts of issue 14 they check: Comm-B 4,0 / 5,0 / 6,0, CPR pairing at exactly 10.0 s, surface
positions, the plausibility filter and a receiver position far from the traffic."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import numpy as np
import pytest
import rs1090
from pyModeS.util import crc

from airpicture.cli.main import main
from airpicture.sources.commb import FPM, FT, KT, decode_commb
from airpicture.sources.modes import ModesDecoder
from airpicture.sources.plausible import MAX_VRATE_MPS, Implausible

DATA = Path(__file__).parent.parent / "data" / "modes"
GOLDEN = DATA / "pymodes_golden_commb.json.gz"


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    dn = math.radians(b[0] - a[0]) * 6371.0
    de = math.radians(b[1] - a[1]) * 6371.0 * math.cos(math.radians(a[0]))
    return math.hypot(dn, de)


def _decode(frames: list[tuple[str, float]], receiver: tuple[float, float] | None = None) -> tuple:
    dec = ModesDecoder(receiver=receiver)
    table = dec.decode(np.array([t for _, t in frames]), [f for f, _ in frames])
    return table, dec


# ------------------------------------------------------------------------------ Comm-B


@pytest.fixture(scope="module")
def golden() -> dict[str, dict]:
    with gzip.open(GOLDEN, "rt") as f:
        return json.load(f)["commb"]


#: pyModeS 2 key -> (CommB field, scale to SI); angles compared in degrees
_FIELDS = {
    "selected_altitude_mcp": ("selected_altitude_m", FT),
    "baro_pressure_setting": ("baro_setting_hpa", 1.0),
    "roll": ("roll_rad", None),
    "true_track": ("true_track_rad", None),
    "groundspeed": ("groundspeed_mps", KT),
    "track_rate": ("track_rate_rad_s", None),
    "true_airspeed": ("tas_mps", KT),
    "magnetic_heading": ("heading_rad", None),
    "indicated_airspeed": ("ias_mps", KT),
    "mach": ("mach", 1.0),
}


def test_commb_registers_and_fields_match_pymodes_golden_vectors(golden: dict[str, dict]) -> None:
    """pyModeS's golden corpus (pyModeS 2.21.1 output): every frame it calls 4,0, 5,0 or 6,0 alone
    gets that register here, with the same values; its 111 BDS 5,0 ground speeds all decode."""
    single = {f: v for f, v in golden.items() if "," not in v["bds"]}
    same_bds = compared = 0
    speeds = 0
    for frame, want in single.items():
        cb = decode_commb(frame)
        assert cb is not None, frame
        same_bds += cb.bds == want["bds"][3:]
        for key, (attr, scale) in _FIELDS.items():
            if want.get(key) is None:
                continue
            got = getattr(cb, attr)
            value = math.degrees(got) if scale is None else got / scale
            assert value == pytest.approx(want[key], abs=1e-6), (frame, key)
            compared += 1
        speeds += want.get("groundspeed") is not None
    assert same_bds == len(single) and speeds == 111
    print(
        f"pyModeS golden: {same_bds}/{len(single)} registers, {compared} fields equal, "
        f"{speeds} BDS 5,0 speeds"
    )
    # where pyModeS 2 could not choose (e.g. "BDS50,BDS60"), the register chosen is one of its candidates
    for frame, want in golden.items():
        if "," in want["bds"]:
            cb = decode_commb(frame)
            assert cb is None or f"BDS{cb.bds}" in want["bds"].split(",")


def test_commb_matches_rs1090_vectors() -> None:
    """rs1090's python/tests/test_commb.py (MIT)."""
    b40 = decode_commb("A000029C85E42F313000007047D3")
    assert b40 is not None and b40.bds == "40"
    # rs1090 rounds the selected altitude to 100 ft; the field's step is 16 ft (pyModeS: 3008 ft)
    assert abs(b40.selected_altitude_m - 3000 * FT) <= 16 * FT
    assert b40.baro_setting_hpa == pytest.approx(1020, abs=0.1)
    b50 = decode_commb("A000139381951536E024D4CCF6B5")
    assert b50 is not None and b50.bds == "50"
    assert math.degrees(b50.roll_rad) == pytest.approx(2.11, rel=1e-3)
    assert math.degrees(b50.true_track_rad) == pytest.approx(114.2578, rel=1e-6)
    assert b50.groundspeed_mps == pytest.approx(438 * KT) and b50.tas_mps == pytest.approx(424 * KT)
    assert math.degrees(b50.track_rate_rad_s) == pytest.approx(0.125)
    b60 = decode_commb("A00004128F39F91A7E27C46ADC21")
    assert b60 is not None and b60.bds == "60"
    assert math.degrees(b60.heading_rad) == pytest.approx(42.71484, rel=1e-6)
    assert b60.ias_mps == pytest.approx(252 * KT) and b60.mach == pytest.approx(0.42)
    assert b60.vrate_mps == pytest.approx(-1920 * FPM)
    assert decode_commb("A000083E202CC371C31DE0AA1CCF") is None  # BDS 2,0: not these registers


def test_commb_in_the_decoder_matches_the_reference_decode() -> None:
    """The CDG flight's reference decode names the register of 15,535 Comm-B replies: the decoder
    agrees on (nearly) all, and its 5,0 ground speeds and 6,0 headings equal the reference's."""
    with gzip.open(DATA / "raw_frames_cdg.jsonl.gz", "rt") as f:
        cdg = [json.loads(line) for line in f]
    dec = ModesDecoder()
    t = np.array([r["timestamp"] for r in cdg])
    table = dec.decode(t, [r["frame"] for r in cdg])
    # the reference (rs1090) rounds selected altitudes to 100 ft: the field's 16 ft step is the tolerance
    for bds, key, col, scale, tol in (("40", "selected_mcp", "selected_altitude_m", FT, 16 * FT),
                                      ("50", "groundspeed", "speed_mps", KT, 1e-9),
                                      ("60", "IAS", "ias_mps", KT, 1e-9)):  # fmt: skip
        idx = [i for i, r in enumerate(cdg) if r["df"] in ("20", "21") and r.get("bds") == bds]
        named = np.array([table["bds"][i] == bds for i in idx])
        assert named.mean() > 0.997, f"{bds}: {named.sum()} of {len(idx)}"
        ok = [i for i, n in zip(idx, named, strict=True) if n and cdg[i].get(key) is not None]
        np.testing.assert_allclose(table[col][ok], np.array([cdg[i][key] for i in ok]) * scale, atol=tol)
        print(f"BDS {bds}: {named.sum()} of {len(idx)} reference registers decoded alike")


def test_commb_velocity_stands_in_for_a_missing_adsb_velocity() -> None:
    """An aircraft heard in DF11 and Comm-B only (no ADS-B velocity) gets its BDS 5,0 ground speed
    and track merged into its positions, as ADS-B's would be."""
    with gzip.open(DATA / "raw_frames_cdg.jsonl.gz", "rt") as f:
        cdg = [json.loads(line) for line in f]
    rows = [r for r in cdg if r.get("bds") != "09"]  # the flight with its velocity messages removed
    dec = ModesDecoder(receiver=(49.0097, 2.5479))
    table = dec.decode(np.array([r["timestamp"] for r in rows]), [r["frame"] for r in rows])
    rep = dec.reports(table)
    assert np.isfinite(rep["speed_mps"]).mean() > 0.5
    cruise = rep[rep["altitude_m"] > 9000]
    assert np.nanmedian(cruise["speed_mps"]) > 200.0  # ~440 kt at cruise


# ------------------------------------------------------------------------------ CPR


def test_airborne_pairs_match_rs1090_and_pair_at_exactly_ten_seconds() -> None:
    """rs1090's cpr.rs vectors; the same pair 10.0 s apart still pairs (as rs1090 and pyModeS)."""
    for (even, odd), want in (
        (("8D40058B58C901375147EFD09357", "8D40058B58C904A87F402D3B8C59"), (49.81755, 6.08442)),
        (("8d4d224f58bf07c2d41a9a353d70", "8d4d224f58bf003b221b34aa5b8d"), (42.346, 0.4347)),
    ):
        for gap in (1.0, 10.0):
            table, _ = _decode([(even, 0.0), (odd, gap)])
            assert table["cpr"][1] == 1, gap  # a global pair, no reference
            assert _km((table["lat"][1], table["lon"][1]), want) < 0.2
    table, _ = _decode([("8D40058B58C901375147EFD09357", 0.0), ("8D40058B58C904A87F402D3B8C59", 10.001)])
    assert not np.isfinite(table["lat"]).any()  # beyond 10 s: no pair


def test_local_decodes_match_rs1090() -> None:
    table, _ = _decode([("8D40058B58C901375147EFD09357", 0.0)], receiver=(49.0, 6.0))
    assert _km((table["lat"][0], table["lon"][0]), (49.82410, 6.06785)) < 0.1
    table, _ = _decode([("8d06a15358bf17ff7d4a84b47b95", 0.0)], receiver=(30.508474576271183, 36.0 + 3e-15))
    assert _km((table["lat"][0], table["lon"][0]), (30.50540, 33.44787)) < 0.1
    table, _ = _decode([("8c4841753aab238733c8cd4020b1", 0.0)], receiver=(51.99, 4.375))
    assert table["surface"][0] and table["cpr"][0] == 4
    # rs1090's test allows a relative 1e-3 around (52.32061, 4.73473); rs1090 itself decodes this
    assert (table["lat"][0], table["lon"][0]) == pytest.approx((52.32061, 4.73473), rel=1e-3)
    peer = rs1090.decode("8c4841753aab238733c8cd4020b1", reference=(51.99, 4.375))
    assert (table["lat"][0], table["lon"][0]) == pytest.approx(
        (peer["latitude"], peer["longitude"]), abs=1e-9
    )


def test_rs1090_regressions_oscillation_filtered_and_pair_after_a_gap() -> None:
    """rs1090's cpr.rs regression tests on real frames (over a GNSS spoofing area): a pair 500 km
    from a position 7 s older is not believed; a pair after a 168-minute gap ~2,900 km away is."""
    frames = [("8d3949e858ab05a2c11a30c334bf", 100.0), ("8d3949e858ab0211c74e97f9a5f3", 103.0),
              ("8f3949e86cb503a343e9c6ecf4cd", 110.0), ("8f3949e86cb5073d9daa5f6f9d4c", 111.0)]  # fmt: skip
    table, dec = _decode(frames)
    first = (table["lat"][1], table["lon"][1])
    assert np.isfinite(first).all()
    later = [(la, lo) for la, lo in zip(table["lat"][2:], table["lon"][2:], strict=True) if la == la]
    assert all(_km(first, p) < 200.0 for p in later)
    # here the pair's altitude gives the first frame away (FL 330 -> FL 350 in 7 s, 17,000 ft/min);
    # the second agrees with the first, so the altitude is believed, but not the position
    assert dec.rejects.counts[Implausible.ALTITUDE_JUMP] == 1 and dec.notes["altitude_reanchored"] == 1
    assert dec.rejects.counts[Implausible.POSITION_JUMP] + dec.rejects.counts["cpr_zone"] >= 1
    gap = [("8d39c42469b974b6a05ab914104f", 1754260360.77), ("8d39c42478b9713304a5e41f6bc1", 1754260361.70),
           ("8d39c42478b974b6325a6e2724f8", 1754260362.74), ("8f39c42490c3746e522aed52d00d", 1754270452.34),
           ("8f39c42490c3746e722ad4e90929", 1754270452.83), ("8f39c42490c370ea0050448bbfd0", 1754270453.87),
           ("8f39c42490c3746ebc2a9937916b", 1754270454.31),
           ("8f39c42490c380ea3650192a742d", 1754270454.80)]  # fmt: skip
    table, _ = _decode(gap)
    after = table[3:][np.isfinite(table["lat"][3:])]
    assert len(after) >= 2
    assert (
        (after["lat"] > 43.0) & (after["lat"] < 44.0) & (after["lon"] > 26.0) & (after["lon"] < 27.0)
    ).all()


# ------------------------------------------------------------------------------ plausibility


def _with_vrate(frame: str, fpm: int) -> str:
    """A BDS 0,9 subtype 1 frame with its vertical rate field set (sign + 9 bits, 64 ft/min steps,
    ME bits 37-46), CRC recomputed (pyModeS)."""
    me = int(frame[8:22], 16) & ~(0x3FF << 10)
    me |= ((1 << 9 if fpm < 0 else 0) | (abs(fpm) // 64 + 1)) << 10
    body = frame[:8] + f"{me:014x}"
    return body + f"{crc(body + '000000'):06x}"


def test_an_implausible_vertical_rate_is_rejected_and_counted() -> None:
    import pyModeS

    good = "8D485020994409940838175B284F"  # 159 kt, -832 ft/min
    bad = _with_vrate(good, -24640)  # -125 m/s: the example
    assert pyModeS.decode(bad)["vertical_rate"] == -24640  # the peer reads what we built
    table, dec = _decode([(good, 0.0), (bad, 1.0)])
    assert table["vrate_mps"][0] == pytest.approx(-832 * FPM)
    assert np.isnan(table[1][["speed_mps", "track_rad", "vrate_mps"]].tolist()).all()
    assert dec.rejects.counts == {Implausible.VRATE: 1}
    assert 24640 * FPM > MAX_VRATE_MPS > 6000 * FPM  # an emergency descent stays believed


def test_a_velocity_jump_and_an_altitude_jump_are_rejected() -> None:
    good = "8D485020994409940838175B284F"
    me = int(good[8:22], 16)
    fast = (me & ~(0x3FF << 21)) | (((me >> 21) & 0x3FF) + 200) << 21  # north-south speed (ME 25-34) +200 kt
    body = good[:8] + f"{fast:014x}"
    jump = body + f"{crc(body + '000000'):06x}"
    table, dec = _decode([(good, 0.0), (jump, 1.0), (jump, 12.0)])
    assert dec.rejects.counts == {Implausible.VELOCITY_JUMP: 1}  # 12 s later the old velocity is stale
    assert np.isfinite(table["speed_mps"][[0, 2]]).all() and np.isnan(table["speed_mps"][1])
    # the CDG flight's positions, one altitude raised by 5,000 ft 1 s after the last
    with gzip.open(DATA / "raw_frames_cdg.jsonl.gz", "rt") as f:
        pos = [r for r in map(json.loads, f) if r.get("bds") == "05" and r.get("altitude", 0) > 20000][:6]
    table, dec = _decode([(r["frame"], r["timestamp"]) for r in pos])
    assert dec.rejects.total == 0
    import pyModeS

    frames = [(r["frame"], r["timestamp"]) for r in pos]
    lifted = _with_altitude(frames[3][0], pos[3]["altitude"] + 5000)
    assert pyModeS.decode(lifted)["altitude"] == pos[3]["altitude"] + 5000
    table, dec = _decode([*frames[:3], (lifted, frames[3][1]), *frames[4:]])
    assert dec.rejects.counts == {Implausible.ALTITUDE_JUMP: 1}
    assert np.isnan(table["lat"][3]) and np.isfinite(table["lat"][[2, 4, 5]]).all()
    # a wrong anchor does not lock the aircraft out: two altitudes in a row that agree with each
    # other replace it (the second is believed)
    high = [(_with_altitude(f, r["altitude"] + 5000), t)
            for (f, t), r in zip(frames[3:], pos[3:], strict=True)]  # fmt: skip
    table, dec = _decode([*frames[:3], *high])
    assert dec.rejects.counts == {Implausible.ALTITUDE_JUMP: 1} and dec.notes["altitude_reanchored"] == 1
    assert np.isnan(table["altitude_m"][3]) and np.isfinite(table["altitude_m"][4:]).all()


def _with_altitude(frame: str, feet: int) -> str:
    """An airborne position with its 12-bit altitude (Q bit set, 25 ft steps) replaced."""
    n = (feet + 1000) // 25
    code = ((n >> 4) << 5) | (1 << 4) | (n & 0xF)  # the Q bit between the 7 high and 4 low bits
    me = int(frame[8:22], 16) & ~(0xFFF << 36) | code << 36
    body = frame[:8] + f"{me:014x}"
    return body + f"{crc(body + '000000'):06x}"


# ------------------------------------------------------------------------------ the file


def _csv(path: Path) -> list[dict[str, str]]:
    import csv

    with path.open() as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("receiver", [(49.0097, 2.5479), None, (51.47, -0.45), (40.47, -3.56)],
                         ids=["cdg", "none", "london-350km", "madrid-1000km"])  # fmt: skip
def test_decode_file_positions_whatever_the_receiver(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], receiver: tuple[float, float] | None
) -> None:
    """The CDG flight: every reference position but the 6 frames before the first pair is decoded,
    surface included (the taxi before take-off from the first airborne fix), with the right receiver,
    none, or one hundreds of km off, which is said and not used."""
    out = tmp_path / "r.csv"
    args = ["decode", str(DATA / "raw_frames_cdg.jsonl.gz"), "--out", str(out)]
    if receiver is not None:
        args += ["--lat", str(receiver[0]), "--lon", str(receiver[1])]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert ("inconsistent with the global CPR decodes" in err) == (receiver not in (None, (49.0097, 2.5479)))
    rows = _csv(out)
    with gzip.open(DATA / "raw_frames_cdg.jsonl.gz", "rt") as f:
        ref = [json.loads(line) for line in f]
    want = [i for i, r in enumerate(ref) if "latitude" in r]
    got = [i for i in want if rows[i]["lat"]]
    assert not [i for i, r in enumerate(rows) if r["lat"] and "latitude" not in ref[i]]
    far = [i for i in got if _km((float(rows[i]["lat"]), float(rows[i]["lon"])),
                                 (ref[i]["latitude"], ref[i]["longitude"])) > 0.005]  # fmt: skip
    print(f"receiver {receiver}: {len(got)} of {len(want)} reference positions, {len(far)} off by > 5 m")
    assert not far
    assert len(got) == len(want) - (0 if receiver == (49.0097, 2.5479) else 6)


def test_a_live_decoder_counts_late_surface_fixes_without_keeping_them() -> None:
    """Only a file decode keeps the surface positions resolved late (to write them in); a live
    decoder, which runs for months, counts them and holds nothing."""
    with gzip.open(DATA / "raw_frames_cdg.jsonl.gz", "rt") as f:
        rows = [json.loads(line) for line in f][:20000]  # the taxi at CDG and the take-off
    dec = ModesDecoder()
    dec.decode(np.array([r["timestamp"] for r in rows]), [r["frame"] for r in rows])
    assert dec.notes["surface_backfilled"] > 1000 and dec.pop_backfill() == []
