"""Recordings: format guessing, `airpicture decode`, Beast replay over TCP, and `airpicture run`."""

from __future__ import annotations

import asyncio
import csv
import gzip
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from airpicture.cli.main import main
from airpicture.errors import SourceError
from airpicture.sources.base import LiveSource, Source
from airpicture.sources.beast import BeastParser
from airpicture.sources.live import FeedClient
from airpicture.sources.replay import (
    BeastReplayServer,
    ModesFileSource,
    decode_file,
    guess_format,
    load_recording,
)
from airpicture.types import REPORT_DTYPE

DATA = Path(__file__).parent.parent / "data" / "modes"
BEAST = DATA / "sample_dump1090.bin.gz"
JSONL = DATA / "raw_frames_cdg.jsonl.gz"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_guess_format() -> None:
    assert guess_format(gzip.decompress(BEAST.read_bytes())[:64]) == "beast"
    assert guess_format(b'{"timestamp": 1, "frame": "8d"}\n') == "jsonl"
    assert guess_format(b"*8d4840d6202cc371c32ce0576098;\n") == "avr"
    assert guess_format(b"@0000015a8877e8d4840d6202cc371c32ce0576098;\n") == "avr"
    assert guess_format(b"MSG,3,1,1,4840D6,1,2008/11/28,23:48:18.611,") == "sbs"
    with pytest.raises(SourceError):
        guess_format(b"hello")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as f:
        return list(csv.DictReader(f))


def test_decode_cli_beast_gz(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    assert main(["decode", str(BEAST), "--out", str(out)]) == 0
    rows = _rows(out)
    assert len(rows) == 239
    assert ",".join(rows[0]) == ("time_s,icao24,df,lat,lon,altitude_m,speed_mps,track_deg,vrate_mps,"
                                 "callsign,squawk,category,nic,nacp,nucp,sil,bds,selected_altitude_m,"
                                 "roll_deg,tas_mps,ias_mps,mach,heading_deg")  # fmt: skip
    assert {r["df"] for r in rows} == {"0", "4", "5", "11", "16", "17", "20", "21"}


def test_decode_cli_jsonl_positions_match_reference(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    assert main(["decode", str(JSONL), "--lat", "49.0097", "--lon", "2.5479", "--out", str(out)]) == 0
    rows = _rows(out)
    with gzip.open(JSONL, "rt") as f:
        ref = [json.loads(line) for line in f]
    assert len(rows) == len(ref)
    pos = [i for i, r in enumerate(ref) if "latitude" in r]
    assert all(rows[i]["lat"] for i in pos)
    got = np.array([[float(rows[i]["lat"]), float(rows[i]["lon"])] for i in pos])
    want = np.array([[ref[i]["latitude"], ref[i]["longitude"]] for i in pos])
    assert np.abs(got - want).max() < 2e-6  # 6 decimals in the CSV
    assert {rows[i]["callsign"] for i, r in enumerate(ref) if r.get("callsign")} == {"AFR34ZG"}


def test_decode_cli_avr_and_sbs(tmp_path: Path) -> None:
    avr = tmp_path / "f.avr"
    avr.write_text("*8d4840d6202cc371c32ce0576098;\n*5d4840d6202cc3;\n*bad;\n")
    out = tmp_path / "a.csv"
    assert main(["decode", str(avr), "--out", str(out)]) == 0
    rows = _rows(out)
    assert [r["df"] for r in rows] == ["17", "11"] and rows[0]["callsign"] == "KLM1023"
    assert rows[0]["category"] == "A0"
    sbs = tmp_path / "f.sbs"
    sbs.write_text("MSG,3,1,1,4840D6,1,2008/11/28,23:48:18.611,2008/11/28,23:48:18.611,,36000,,,51.45735,"
                   "-1.02826,,,0,0,0,0\n")  # fmt: skip
    assert main(["decode", str(sbs), "--format", "sbs", "--out", str(out)]) == 0
    (row,) = _rows(out)
    assert row["icao24"] == "4840d6" and row["lat"] == "51.457350" and row["altitude_m"] == "10972.8"


def test_decode_cli_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", str(BEAST), "--lat", "49"]) == 1
    junk = tmp_path / "junk.txt"
    junk.write_text("hello\n")
    assert main(["decode", str(junk)]) == 1
    assert main(["decode", str(tmp_path / "missing.bin")]) == 1
    err = capsys.readouterr().err
    assert "--lat and --lon" in err and "format" in err and "missing.bin" in err


def test_sources_fill_their_roles() -> None:
    src = ModesFileSource(BEAST)
    assert isinstance(src, Source)
    reports = np.concatenate(list(src.batches()))
    assert reports.dtype == REPORT_DTYPE and src.stats.messages == 239 and src.stats.kind == "modes-beast"
    assert isinstance(FeedClient("beast", "127.0.0.1", 1), LiveSource)


def test_truncated_gzip_keeps_what_was_read(tmp_path: Path) -> None:
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(JSONL.read_bytes()[:300_000])
    table, src = decode_file(cut)
    assert 5_000 < len(table) < 57_793
    assert src.stream.rejects.counts["truncated"] >= 1


def test_replay_server_sends_the_recording_to_every_client() -> None:
    times, hexes = load_recording(JSONL)
    times, hexes = times[:3000], hexes[:3000]
    port = _free_port()

    async def main_() -> list[list[str]]:
        server = BeastReplayServer(times, hexes, port, speed=1e5)
        await server.start()

        async def client() -> list[str]:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            p, got = BeastParser(live=True), []
            while data := await reader.read(4096):
                got += p.feed(data).hex
            writer.close()
            await writer.wait_closed()
            return got

        tasks = [asyncio.create_task(client()) for _ in range(3)]
        await asyncio.sleep(0.2)  # all three connect before playback
        await server.play()
        await server.close()
        return await asyncio.gather(*tasks)

    for got in asyncio.run(main_()):
        assert got == hexes


def test_replay_keeps_the_recorded_pace() -> None:
    times = np.array([0.0, 0.5, 1.0])
    port = _free_port()

    async def main_() -> list[float]:
        server = BeastReplayServer(times, ["8d4840d6202cc371c32ce0576098"] * 3, port, speed=2.0)
        await server.start()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        arrivals: list[float] = []
        play = asyncio.create_task(server.play())
        while len(arrivals) < 3:
            data = await reader.read(100)
            arrivals += [time.monotonic()] * data.count(b"\x1a3")
        await play
        await server.close()
        writer.close()
        await writer.wait_closed()
        return arrivals

    a = asyncio.run(main_())
    assert 0.4 < a[2] - a[0] < 0.75  # 1 s of recording at 2x


def test_run_cli_tracks_a_replayed_feed(tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "server.log"
    rec = tmp_path / "climb.jsonl"  # take-off and climb out of CDG: the first 25 minutes
    with gzip.open(JSONL, "rt") as f:
        rec.write_text("".join(line for line, _ in zip(f, range(25_000), strict=False)))
    cmd = [sys.executable, "-m", "airpicture", "replay", "--serve-beast", str(port), str(rec)]
    cmd += ["--speed", "2000"]
    with log.open("wb") as err:
        server = subprocess.Popen(cmd, stderr=err)
    try:
        deadline = time.monotonic() + 20
        while b"serving" not in log.read_bytes() and time.monotonic() < deadline:
            time.sleep(0.02)
        out = tmp_path / "tracks.csv"
        argv = ["run", "--beast", f"127.0.0.1:{port}", "--lat", "49.0097", "--lon", "2.5479",
                "--out", str(out), "--duration", "2", "--stats-every", "1"]  # fmt: skip
        assert main(argv) == 0
    finally:
        server.kill()
        server.wait()
    rows = _rows(out)
    assert len(rows) >= 10 and {r["identity"] for r in rows} == {"AFR34ZG"}
    # one pipeline, one answer: classified as the console classifies it (an ICAO address: aircraft)
    assert {(r["class"], r["class_p"]) for r in rows} == {("aircraft", "1.000")}
    lat = np.array([float(r["lat"]) for r in rows])
    assert lat.max() > 48.9 and lat.min() < 48.0  # from CDG southwards, towards Toulouse


def test_run_cli_several_feeds_and_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    ports = [_free_port() for _ in range(3)]  # nothing listens: every feed keeps retrying
    argv = ["run", "--beast", f"127.0.0.1:{ports[0]}", "--beast", f"localhost:{ports[1]}",
            "--avr", f"127.0.0.1:{ports[2]}", "--duration", "0.5", "--stats-every", "0.2"]  # fmt: skip
    assert main(argv) == 0
    err = capsys.readouterr().err
    for p in ports:
        assert f":{p}: down" in err
    assert main(["run"]) == 1
    with pytest.raises(SystemExit):
        main(["run", "--beast", "nohostport"])
    assert main(["run", "--beast", "127.0.0.1:1", "--out", "x.csv"]) == 1  # no site for the tracker


def test_replay_cli_ends_cleanly_when_the_recording_ends(tmp_path: Path) -> None:
    port = _free_port()
    cmd = [sys.executable, "-m", "airpicture", "replay", "--serve-beast", str(port), str(BEAST)]
    server = subprocess.Popen([*cmd, "--speed", "1000"], stderr=subprocess.PIPE, text=True)
    assert server.stderr is not None
    assert server.stderr.readline().startswith("serving 239 frames")  # listening
    got = b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        while data := s.recv(65536):
            got += data
    assert server.wait(timeout=30) == 0
    err = server.stderr.read()
    server.stderr.close()
    assert got.count(b"\x1a") >= 239
    assert "Traceback" not in err and "CancelledError" not in err
    assert "replay: 239 frames served" in err
