"""ASTERIX in: SAC/SIC to sheets, time of day to UTC, CAT034 scan timing, CAT021 reports, the
containers (pcap link layers, raw files, TCP framing over a real socket) and typed rejects."""

from __future__ import annotations

import asyncio
import gzip
import math
import socket
import struct
from pathlib import Path

import numpy as np
import pytest

from airpicture.cli.main import main
from airpicture.sensors import load_sheets
from airpicture.sim.asterix import radar_datagrams, write_raw
from airpicture.sources.asterix_feed import (
    AsterixStream,
    BlockFramer,
    datagrams_of,
    read_datagrams,
    source_codes,
    udp_payload,
)
from airpicture.sources.asterix_live import AsterixTcpSource, serve_asterix
from airpicture.types import PLOT_DTYPE, Rejects

DATA = Path(__file__).resolve().parents[1] / "data" / "asterix"
RADAR = {"id": "R1", "kind": "radar", "lat": 45.0, "lon": 16.0, "alt_m": 100.0, "max_range_m": 4.5e5,
         "sigma_range_m": 50.0, "sigma_azimuth_deg": 0.1, "sac": 25, "sic": 201}  # fmt: skip


def test_sac_sic_name_the_sheet_else_0_and_1_plus_index() -> None:
    sheets = load_sheets([RADAR, {**RADAR, "id": "R2", "sac": None, "sic": None}])
    assert source_codes(sheets) == {(25, 201): 0, (0, 2): 1}


def test_real_cat048_becomes_plots_of_the_sheet_with_that_sac_sic() -> None:
    stream = AsterixStream(load_sheets([RADAR]))
    plots = [
        p
        for t, d in read_datagrams(DATA / "cat_034_048.pcap.gz", Rejects("x"))
        for p in [stream.feed(d, t)[0]]
    ]
    rows = np.concatenate(plots)
    assert rows.dtype == PLOT_DTYPE and len(rows) > 0 and (rows["sensor"] == 0).all()
    first = rows[0]  # the record of cat048.raw: DLH65A, 3C660C, FL330 at 197.68 NM, 340.14 deg
    assert first["range_m"] == pytest.approx(197.68359375 * 1852.0)
    assert math.degrees(first["azimuth_rad"]) == pytest.approx(340.13671875)
    assert first["altitude_m"] == pytest.approx(330 * 100 * 0.3048)
    assert first["ident"] == 0x3C660C
    # the capture's date: 2016-05-05, 07:35:54 UTC
    assert first["time_s"] == pytest.approx(1462433754.6015625)
    # the other radars of the capture have no sheet here: each of their records counted
    scan = stream.scans[0]
    mine = len(rows) + scan.north_markers + scan.sectors
    assert stream.rejects.counts["unknown_sac_sic"] == stream.records[48] + stream.records[34] - mine


def test_a_time_of_day_lands_on_the_day_nearest_the_reference() -> None:
    stream = AsterixStream([], reference_s=86400.0 * 20000 + 86399.0)  # one second before midnight
    assert stream.resolve(86398.0) == 86400.0 * 20000 + 86398.0
    assert stream.resolve(1.0) == 86400.0 * 20001 + 1.0  # just after midnight: the next day
    assert AsterixStream([]).resolve(5.0, recv_s=86400.0 * 3 + 4.0) == 86400.0 * 3 + 5.0
    assert AsterixStream([]).resolve(5.0) == 5.0  # no date known: seconds of the day


def test_cat034_tells_a_silent_radar_from_an_empty_sky() -> None:
    sheets = load_sheets([{**RADAR, "scan_period_s": 5.0}])
    plot = np.zeros(1, PLOT_DTYPE)
    plot[0] = (1000.0, 0, 1e5, 1.0, np.nan, np.nan, -1)
    grams = radar_datagrams(plot, sheets)
    markers = [d for _, d in grams if d[0] == 34]
    stream = AsterixStream(sheets, reference_s=0.0)
    for d in markers:  # north markers only: the radar turns, nothing is there
        stream.feed(d)
    scan = stream.scans[0]
    assert scan.north_markers == 1 and scan.period_s == 5.0 and scan.plots_since_north == 0
    assert scan.alive(1003.0)  # an empty sky
    assert not scan.alive(1011.0)  # two scans without a service message: a silent radar


def test_cat021_reports_of_an_adsb_sheet() -> None:
    sheets = load_sheets([{"id": "GS", "kind": "adsb", "lat": 61.0, "lon": -8.0, "sac": 0, "sic": 1}])
    stream = AsterixStream(sheets, reference_s=0.0)
    reports = np.concatenate(
        [stream.feed(d)[1] for _, d in read_datagrams(DATA / "cat21_re.ast.gz", Rejects("x"))]
    )
    assert reports["ident"].tolist() == [1, 2]
    assert reports["lat"][0] == pytest.approx(61.47532939910889)
    assert reports["time_s"][0] == pytest.approx(28802.921875)


def _udp_frame(payload: bytes, proto: int = 17) -> bytes:
    udp = struct.pack(">HHHH", 1000, 8600, 8 + len(payload), 0) + payload
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, proto, 0, bytes(4), bytes(4)) + udp


def test_udp_payloads_of_each_link_layer() -> None:
    block = (DATA / "cat048.raw.gz").read_bytes()
    block = gzip.decompress(block)
    ip = _udp_frame(block)
    eth = bytes(12) + b"\x08\x00" + ip
    vlan = bytes(12) + b"\x81\x00\x00\x05\x08\x00" + ip
    sll = bytes(14) + b"\x08\x00" + ip
    sll2 = b"\x08\x00" + bytes(18) + ip
    for linktype, frame in (
        (1, eth),
        (1, vlan),
        (113, sll),
        (276, sll2),
        (101, ip),
        (228, ip),
        (0, b"\x02\0\0\0" + ip),
    ):
        assert udp_payload(linktype, frame) == block, linktype
    assert udp_payload(1, bytes(12) + b"\x08\x00" + _udp_frame(block, proto=6)) is None  # TCP
    assert udp_payload(1, eth[:40]) is None  # cut short
    assert udp_payload(147, eth) is None  # a link layer not read


def test_bad_bytes_are_counted_by_reason_never_raised() -> None:
    stream = AsterixStream(load_sheets([RADAR]))
    for data in (
        b"",
        b"\x30",
        b"\x30\x00\x02",
        b"\x30\x00\x10abc",
        b"\x41\x00\x05\x80\x00",
        b"\x30\x00\x05\xff\xff",
    ):
        stream.feed(data)
    assert set(stream.rejects.counts) == {"block_length", "category_not_read", "cat048_records"}
    rejects = Rejects("pcap")
    assert list(datagrams_of(b"\xd4\xc3\xb2\xa1" + bytes(10), rejects)) == []
    assert rejects.total == 1


def test_tcp_blocks_cut_anywhere_and_a_real_socket(tmp_path: Path) -> None:
    blocks = [d for _, d in read_datagrams(DATA / "cat_034_048.pcap.gz", Rejects("x"))]
    stream = b"".join(blocks)
    framer = BlockFramer(Rejects("tcp"))
    cut = [framer.split(stream[i : i + 7]) for i in range(0, len(stream), 7)]
    assert b"".join(b for part in cut for b in part) == stream

    raw = tmp_path / "radar.ast"
    write_raw(raw, [(0.0, b) for b in blocks])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    src = AsterixTcpSource(AsterixStream(load_sheets([RADAR])), "127.0.0.1", port)

    async def go() -> int:
        served = asyncio.create_task(serve_asterix(raw, tcp_port=port, speed=1000.0))
        await asyncio.sleep(0.2)
        n = 0
        async for plots, _ in src.abatches():
            n += len(plots)
            if sum(src.stream.records.values()) >= 162:
                break
        await served
        return n

    n = asyncio.run(asyncio.wait_for(go(), 60))
    assert n > 0 and src.stats.status == "live" and src.stream.rejects.counts["block_length"] == 0


def test_replay_serve_asterix_names_its_transport(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(DATA / "cat048.raw.gz"), "--serve-asterix", "http:8600"]) == 1
    assert "udp:HOST:PORT or tcp:PORT" in capsys.readouterr().err


def test_decode_writes_a_row_per_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rows.csv"
    assert main(["decode", str(DATA / "cat_034_048.pcap.gz"), "--format", "asterix", "--out", str(out)]) == 0
    rows = [r.split(",") for r in out.read_text().splitlines()]
    head = rows[0]
    assert head[:8] == ["time_s", "category", "sac", "sic", "range_m", "azimuth_deg", "lat", "lon"]
    cats = [r[1] for r in rows[1:]]
    assert cats.count("48") == 128 and cats.count("34") == 34
    first = dict(zip(head, rows[1], strict=True))
    assert first["icao24"] == "3c660c" and first["callsign"] == "DLH65A" and first["mode3a"] == "1000"
    assert "162 records (CAT034 34, CAT048 128)" in capsys.readouterr().err
