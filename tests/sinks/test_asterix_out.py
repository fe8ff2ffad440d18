"""airpicture's CAT062 output, read back by what no one here wrote (CroatiaControl's
asterix-decoder, tests/sources/asterix_reference.py), over real UDP sockets and from the file
`track --asterix-out` writes."""

from __future__ import annotations

import dataclasses
import gzip
import json
import math
import socket
import sys
from pathlib import Path

import numpy as np
import pytest

from airpicture.cli.main import main
from airpicture.config import AsterixSettings
from airpicture.sinks.asterix import AsterixSink, Cat062Encoder, TrackNumbers
from airpicture.sources.asterix import FPM_MPS, FT_M, decode_block
from airpicture.sources.asterix_live import udp_socket
from airpicture.sources.scenario import load_scenario
from airpicture.track.tracker import ImmGnnTracker
from airpicture.track.windows import scenario_windows
from airpicture.types import Integrity, Picture

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sources"))
from asterix_reference import available, reference_decode

PARIS = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "data" / "paris"


@pytest.fixture(scope="module")
def pictures() -> list[Picture]:
    """Two minutes of the Paris picture (radar and ADS-B), some tracks marked suspect / spoofed."""
    scn = load_scenario(PARIS)
    scn.end_s = scn.start_s + 120
    scn.plots = scn.plots[scn.plots["time_s"] < scn.end_s]
    scn.reports = scn.reports[scn.reports["time_s"] < scn.end_s]
    trk = ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms)
    out = []
    for pic in (trk.step(w) for w in scenario_windows(scn, 1.0, False)):
        marks = np.where(
            pic.track % 3 == 1, Integrity.SUSPECT, np.where(pic.track % 3 == 2, Integrity.SPOOFED, 0)
        )
        out.append(dataclasses.replace(pic, integrity=marks.astype(np.int8)))
    return out


@pytest.mark.skipif(not available(), reason="asterix-decoder (the reference) is not installed")
def test_asterix_decoder_reads_every_field_as_the_picture_has_it(pictures: list[Picture]) -> None:
    enc = Cat062Encoder()
    blocks = [(pic, enc.encode(pic)) for pic in pictures]
    theirs = reference_decode([b for _, bs in blocks for b in bs])
    records = iter(theirs)
    number_of: dict[int, int] = {}
    checked = ends = 0
    for pic, bs in blocks:
        recs = [r for _ in bs for r in next(records)]
        by_number = {r["I040"]["TrkN"]["val"]: r for r in recs}
        assert len(by_number) == len(recs)  # one record per track and picture
        for i in range(len(pic)):
            track = int(pic.track[i])
            first = track not in number_of
            n = number_of.setdefault(track, enc.numbers.numbers.get(track, -1))
            r = by_number[n]
            st = r["I080"]
            assert st["TSB"]["val"] == int(first) and st["TSE"]["val"] == 0
            assert st["AFF"]["val"] == int(pic.integrity[i] >= Integrity.SUSPECT)
            assert st["PFT"]["val"] == int(pic.integrity[i] == Integrity.SPOOFED)
            assert st["CNF"]["val"] == 0 and st["SIM"]["val"] == 0
            assert abs(r["I105"]["Lat"]["val"] - pic.lat[i]) <= 180 / 2**25
            assert abs(r["I105"]["Lon"]["val"] - pic.lon[i]) <= 180 / 2**25
            assert abs(r["I185"]["Vx"]["val"] - pic.x[i, 3]) <= 0.125
            assert abs(r["I185"]["Vy"]["val"] - pic.x[i, 4]) <= 0.125
            alt = pic.published_alt_m()[i]
            if np.isfinite(alt):
                assert abs(r["I130"]["Alt"]["val"] * FT_M - alt) <= 3.125 * FT_M
            else:  # a height never measured (a primary-only plot) is not sent
                assert "I130" not in r
            assert abs(r["I220"]["RoC"]["val"] * FPM_MPS - pic.x[i, 5]) <= 3.125 * FPM_MPS
            t = pic.row_time[i] if pic.row_time is not None else pic.time_s
            assert abs(r["I070"]["ToT"]["val"] - t % 86400) <= 1 / 256
            if pic.ident[i] >= 0:
                assert int(r["I380"]["ADR"]["ADR"]["val"], 16) == pic.ident[i]
            checked += 1
        gone = [r for r in recs if r["I080"]["TSE"]["val"] == 1]
        ends += len(gone)
    assert checked > 1000 and ends > 0
    # a number is one track's for its life: no two tracks shared one in these two minutes
    assert len(set(number_of.values())) == len(number_of)
    print(f"{checked} track records and {ends} track ends read back by asterix-decoder")


def test_track_numbers_are_kept_for_hold_s_then_reused_oldest_first() -> None:
    nums = TrackNumbers(hold_s=10.0)
    assert nums.number(100, 0.0) == (1, True) and nums.number(101, 0.0) == (2, True)
    assert nums.number(100, 5.0) == (1, False)
    nums.expire(12.0)  # 101 unseen for 12 s: its number is freed
    assert 101 not in nums.numbers and nums.numbers[100] == 1
    nums.next = 65536  # every number handed out once: the freed one comes back
    assert nums.number(102, 13.0) == (2, True)


def test_udp_unicast_and_multicast_carry_the_picture(pictures: list[Picture]) -> None:
    pic = pictures[-1]
    rx = udp_socket("127.0.0.1", 0)
    rx.setblocking(True)
    rx.settimeout(5)
    sink = AsterixSink(udp=rx.getsockname(), settings=AsterixSettings(max_datagram=600))
    sink.send_picture(pic)
    got = []
    for _ in range(sink.datagrams):
        data = rx.recv(65536)
        assert len(data) <= 600
        got += decode_block(data)
    sink.close()
    rx.close()
    assert sink.datagrams > 1 and sink.errors == 0
    assert sorted(r.track_number for r in got) == sorted(
        sink.encoder.numbers.numbers[int(t)] for t in pic.track
    )
    assert all(math.isfinite(r.lat) for r in got)

    group = "239.255.62.62"
    try:
        rx = udp_socket(group, 0, "127.0.0.1")
    except Exception as e:
        pytest.skip(f"no multicast here: {e}")
    rx.setblocking(True)
    rx.settimeout(2)
    sink = AsterixSink(udp=(group, rx.getsockname()[1]))
    sink._sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))  # type: ignore[union-attr]
    sink.send_picture(pic)
    try:
        data = rx.recv(65536)
    except TimeoutError:
        pytest.skip("multicast is not looped back on this host")
    finally:
        sink.close()
        rx.close()
    assert decode_block(data)[0].category == 62


def test_sim_writes_cat048_track_reads_it_and_writes_cat062_that_decode_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scn = tmp_path / "paris"  # its first two minutes
    scn.mkdir()
    meta = json.loads((PARIS / "meta.json").read_text())
    meta["end_s"] = meta["start_s"] + 120
    (scn / "meta.json").write_text(json.dumps(meta))
    (scn / "sensors.json").write_bytes((PARIS / "sensors.json").read_bytes())
    for name in ("plots.csv", "adsb.csv"):
        lines = gzip.decompress((PARIS / f"{name}.gz").read_bytes()).decode().splitlines()
        keep = [ln for ln in lines[1:] if float(ln.split(",")[0]) < meta["end_s"]]
        (scn / name).write_text("\n".join([lines[0], *keep]) + "\n")
    plots = tmp_path / "plots.ast"
    assert main(["sim", "--from-scenario", str(scn), "--asterix", str(plots)]) == 0
    out = tmp_path / "tracks.ast"
    argv = [
        "track",
        str(scn),
        "--asterix",
        str(plots),
        "--out",
        str(tmp_path / "t.csv"),
        "--asterix-out",
        str(out),
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "ASTERIX CAT062:" in printed and str(out) in printed
    assert "rejects " + str(plots) + ": no rejects" in printed  # every plot read back from CAT048
    assert main(["decode", str(out), "--format", "asterix", "--out", str(tmp_path / "rows.csv")]) == 0
    rows = (tmp_path / "rows.csv").read_text().splitlines()
    assert rows[0].startswith("time_s,category,sac,sic,range_m,azimuth_deg,lat,lon")
    assert len(rows) > 500 and all(r.split(",")[1] == "62" for r in rows[1:])
    assert "CAT062 " + str(len(rows) - 1) in capsys.readouterr().err
