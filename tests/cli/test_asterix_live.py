"""`airpicture run --asterix-out`: a real Beast replay server plays the recorded CDG flight, `run`
tracks it live and sends each picture as CAT062 over UDP to a socket of this test."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from pathlib import Path

from test_console_live import free_port
from test_gnss_live import stop

from airpicture.sources.asterix import decode_block

CDG = Path(__file__).resolve().parents[1] / "data" / "modes" / "raw_frames_cdg.jsonl.gz"
CMD = [sys.executable, "-m", "airpicture"]


def test_run_sends_the_live_picture_as_cat062() -> None:
    feed = free_port()
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(0.5)
    server = subprocess.Popen([*CMD, "replay", "--serve-beast", str(feed), str(CDG), "--speed", "100"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        time.sleep(1.5)
        run = subprocess.Popen(
            [*CMD, "run", "--beast", f"127.0.0.1:{feed}", "--lat", "49.0097", "--lon", "2.5479",
             "--duration", "20", "--stats-every", "60", "--asterix-out", f"127.0.0.1:{rx.getsockname()[1]}"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        records = []
        while run.poll() is None:
            with contextlib.suppress(TimeoutError):
                records += decode_block(rx.recv(65536))
        _, err = run.communicate(timeout=30)
    finally:
        stop(server)
        rx.close()
    assert run.returncode == 0, err
    assert records, err
    assert all(r.category == 62 and r.sac == 0 and r.sic == 100 for r in records)
    assert {r.address for r in records} == {0x393322}  # the one flight of the recording
    assert len({r.track_number for r in records}) == 1  # one track, one number for its life
    assert all(43 < r.lat < 50 and 1 < r.lon < 3 for r in records)  # on its way to Toulouse


def test_run_tracks_a_radar_on_udp_as_replay_serves_it(tmp_path: Path) -> None:
    import gzip
    import json

    from airpicture.cli.main import main

    paris = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "data" / "paris"
    scn = tmp_path / "paris"  # its first two minutes of radar plots
    scn.mkdir()
    meta = json.loads((paris / "meta.json").read_text())
    meta["end_s"] = meta["start_s"] + 120
    (scn / "meta.json").write_text(json.dumps(meta))
    (scn / "sensors.json").write_bytes((paris / "sensors.json").read_bytes())
    lines = gzip.decompress((paris / "plots.csv.gz").read_bytes()).decode().splitlines()
    keep = [ln for ln in lines[1:] if float(ln.split(",")[0]) < meta["end_s"]]
    (scn / "plots.csv").write_text("\n".join([lines[0], *keep]) + "\n")
    plots = tmp_path / "plots.ast"
    assert main(["sim", "--from-scenario", str(scn), "--asterix", str(plots)]) == 0

    port = free_port()
    site = meta["site"]
    run = subprocess.Popen(
        [*CMD, "run", "--asterix", f"udp:127.0.0.1:{port}", "--sensors", str(scn / "sensors.json"),
         "--lat", str(site["lat"]), "--lon", str(site["lon"]), "--duration", "25",
         "--out", str(tmp_path / "t.csv")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(2.0)
    serve = [*CMD, "replay", str(plots), "--serve-asterix", f"udp:127.0.0.1:{port}", "--speed", "10"]
    served = subprocess.run(serve, capture_output=True, text=True, timeout=60)
    _, err = run.communicate(timeout=60)
    assert served.returncode == 0 and run.returncode == 0, served.stderr + err
    assert "ASTERIX datagrams served" in served.stderr
    assert "CAT034" in err and "CAT048" in err and "TMA1: " in err and "scan 4.00 s" in err
    rows = (tmp_path / "t.csv").read_text().splitlines()
    assert len(rows) > 100, err
