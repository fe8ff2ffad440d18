"""`airpicture run --partitions N`: a real replay server plays the bundled Paris traffic as Beast;
the partitioned picture is written like a single tracker's, each aircraft once per picture."""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from airpicture.cli.main import main

PARIS = Path(__file__).resolve().parents[2] / "src" / "airpicture" / "data" / "paris"
CMD = [sys.executable, "-m", "airpicture"]
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from test_console_live import FRAMES, free_port, get, wait_for_line  # noqa: E402
from test_gnss_live import serve, stop  # noqa: E402


@pytest.fixture(scope="module")
def frames(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("partitions") / "paris.bin"
    assert main(["sim", "--from-scenario", str(PARIS), "--modes-out", str(out)]) == 0
    return out


def test_run_with_partitions_writes_one_picture(frames: Path, tmp_path: Path) -> None:
    feed = free_port()
    server = serve(frames, feed)
    out = tmp_path / "tracks.csv"
    try:
        time.sleep(1.5)
        run = subprocess.run([*CMD, "run", "--beast", f"127.0.0.1:{feed}", "--lat", "48.86", "--lon", "2.29",
                              "--duration", "20", "--stats-every", "60", "--out", str(out),
                              "--partitions", "2"],
                             capture_output=True, text=True, timeout=120)  # fmt: skip
    finally:
        stop(server)
    assert run.returncode == 0, run.stderr
    assert "partitions: regions=2" in run.stderr and "write: " in run.stderr
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert len({r["track"] for r in rows}) > 10
    per_picture = Counter((r["time_s"], r["identity"]) for r in rows if r["identity"])
    assert max(per_picture.values()) == 1  # no aircraft published twice


def test_run_asterix_radar_with_partitions(tmp_path: Path) -> None:
    """Radar plots over ASTERIX (CAT048 / CAT034), each routed to the regions it falls in."""
    import gzip
    import json

    scn = tmp_path / "scn"
    scn.mkdir()
    meta = json.loads((PARIS / "meta.json").read_text())
    meta["end_s"] = meta["start_s"] + 120
    (scn / "meta.json").write_text(json.dumps(meta))
    (scn / "sensors.json").write_bytes((PARIS / "sensors.json").read_bytes())
    lines = gzip.decompress((PARIS / "plots.csv.gz").read_bytes()).decode().splitlines()
    keep = [ln for ln in lines[1:] if float(ln.split(",")[0]) < meta["end_s"]]
    (scn / "plots.csv").write_text("\n".join([lines[0], *keep]) + "\n")
    plots = tmp_path / "plots.ast"
    assert main(["sim", "--from-scenario", str(scn), "--asterix", str(plots)]) == 0
    port, site = free_port(), meta["site"]
    run = subprocess.Popen(
        [*CMD, "run", "--asterix", f"udp:127.0.0.1:{port}", "--sensors", str(scn / "sensors.json"),
         "--lat", str(site["lat"]), "--lon", str(site["lon"]), "--duration", "25",
         "--out", str(tmp_path / "t.csv"), "--partitions", "4"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(2.0)
    serve = [*CMD, "replay", str(plots), "--serve-asterix", f"udp:127.0.0.1:{port}", "--speed", "10"]
    served = subprocess.run(serve, capture_output=True, text=True, timeout=60)
    _, err = run.communicate(timeout=60)
    assert served.returncode == 0 and run.returncode == 0, served.stderr + err
    assert "partitions: regions=4" in err and "CAT048" in err
    assert len((tmp_path / "t.csv").read_text().splitlines()) > 100, err


def test_live_console_with_partitions_and_a_store(tmp_path: Path) -> None:
    """`airpicture console --beast ... --partitions 2 --store`: the fanned-in picture on the page
    and in the store."""
    feed, web, store = free_port(), free_port(), tmp_path / "history.sqlite"
    server = subprocess.Popen([*CMD, "replay", "--serve-beast", str(feed), str(FRAMES), "--speed", "2000"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    console = None
    try:
        wait_for_line(server.stderr, "serving ")
        console = subprocess.Popen([*CMD, "console", "--beast", f"127.0.0.1:{feed}", "--lat", "49.0097",
                                    "--lon", "2.5479", "--port", str(web), "--partitions", "2",
                                    "--store", str(store)],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # fmt: skip
        wait_for_line(console.stdout, "airpicture console: ")
        tracks: list[dict[str, object]] = []
        deadline = time.time() + 60
        while time.time() < deadline and not tracks:
            time.sleep(1.0)
            try:
                got = get(f"http://127.0.0.1:{web}/api/tracks")
            except OSError:
                continue
            assert isinstance(got, list)
            tracks = got
        assert {t["label"] for t in tracks} == {"AFR34ZG"}  # one flight, one track
    finally:
        stop(console, server)
        for stream in (console and console.stdout, server.stderr):
            if stream is not None:
                stream.close()
    assert store.stat().st_size > 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--ray"], "--ray runs the regions of --partitions N"),
        (["--partitions", "2"], "needs a picture to make"),
        (["--partitions", "0", "--out", "x.csv"], "needs N >= 1"),
    ],
)
def test_partition_options_are_checked(
    extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", "--beast", "127.0.0.1:1", "--lat", "48.86", "--lon", "2.29", *extra])
    assert code != 0
    assert message in capsys.readouterr().err
