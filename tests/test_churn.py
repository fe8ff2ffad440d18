"""Churn, short and seeded (issue 13): benchmarks/churn.py for 40 s -- a replaying console with 150
client slots of fast, slow and never-reading clients, replaced as they end, and commanders that
pause, play, seek and change the speed. No answer of /api/health or /api/metrics may take over
2 s, pictures must keep coming, and SIGTERM must stop the console within 5 s. The long run is the
benchmark itself (README, "Runs for months")."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CHURN = Path(__file__).resolve().parents[1] / "benchmarks" / "churn.py"


@pytest.mark.slow
def test_hundreds_of_churning_clients_and_replay_commands_never_stall_the_console(tmp_path: Path) -> None:
    cmd = [sys.executable, str(CHURN), "--minutes", "0.67", "--clients", "150", "--seed", "7"]
    run = subprocess.run([*cmd, "--out", str(tmp_path)], capture_output=True, text=True, timeout=900)
    summary = json.loads((tmp_path / "churn.json").read_text())
    assert run.returncode == 0, (summary, run.stderr[-2000:])
    assert summary["stalls"] == 0 and summary["worst_poll_s"] < 2.0 and summary["polls"] >= 40
    assert summary["sigterm_s"] < 5.0 and summary["exit_code"] == 0
    assert summary["clients_peak"] >= 100 and summary["connections"] > 150  # they came and went
    assert all(summary["by_kind"][k] > 0 for k in ("fast", "slow", "never", "commander"))
    assert all(summary["commands"].get(k, 0) > 0 for k in ("pause", "play", "seek", "speed"))
    assert summary["longest_without_a_picture_s"] < 10.0 and summary["messages_read"] > 1000
