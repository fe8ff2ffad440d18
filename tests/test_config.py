"""Settings: defaults, TOML file, AIRPICTURE_* environment, errors as ConfigError, `config show`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import airpicture.config
from airpicture.cli.main import main
from airpicture.config import AssessSettings, IntegritySettings, Settings, load_settings, show, sources
from airpicture.errors import ConfigError


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for k in list(os.environ):
        if k.startswith("AIRPICTURE_"):
            monkeypatch.delenv(k)


def test_defaults_and_exports() -> None:
    s = load_settings()
    assert s == Settings()
    assert s.assess == AssessSettings() and s.assess.alert_drone_p == 0.97
    assert s.console.port == 8080 and s.console.token is None and s.store.keep_s is None
    assert set(airpicture.config.__all__) >= {
        "Settings",
        "TrackSettings",
        "IntegritySettings",
        "load_settings",
    }


def test_the_tracker_and_the_integrity_stage_use_their_settings() -> None:
    """A setting changes what the stage does (not just what `config show` prints)."""
    import numpy as np

    from airpicture.config import TrackSettings
    from airpicture.integrity import TrackIntegrity
    from airpicture.sources.scenario import load_scenario
    from airpicture.track import ImmGnnTracker, run_scenario

    scn = load_scenario(str(Path(__file__).resolve().parents[1] / "src/airpicture/data/paris"), ["TMA1"])
    end = scn.start_s + 120
    scn.plots, scn.reports, scn.end_s = scn.plots[scn.plots["time_s"] < end], scn.reports[:0], end

    def confirmed(settings: TrackSettings) -> int:
        trk = ImmGnnTracker(scn.sensors, scn.site_lla, settings=settings)
        for _ in run_scenario(scn, trk, progress=False):
            pass
        return trk.stats.confirmed

    assert confirmed(TrackSettings()) > 10
    assert confirmed(TrackSettings(confirm_llr=1e6)) == 0
    itg = TrackIntegrity(scn.sensors, scn.site_lla, settings=IntegritySettings(suspect_lr=7.0))
    assert itg._rules_d[1] == pytest.approx(np.log10(7.0)) and np.isfinite(itg.settings.forget_s)


def test_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "s.toml"
    f.write_text('[assess]\nalert_drone_p = 0.9\nloiter_time_s = 30\n[console]\nhost = "0.0.0.0"\n')
    monkeypatch.setenv("AIRPICTURE_ASSESS__LOITER_TIME_S", "50")
    monkeypatch.setenv("AIRPICTURE_STORE__KEEP_S", "3600")
    s = load_settings(f)
    assert s.assess.alert_drone_p == 0.9  # file
    assert s.assess.loiter_time_s == 50.0  # the environment wins over the file
    assert s.console.host == "0.0.0.0" and s.store.keep_s == 3600.0
    where = sources(f)
    assert where["assess"]["alert_drone_p"] == "file" and where["assess"]["loiter_time_s"] == "env"
    assert where["store"]["keep_s"] == "env" and where["track"]["confirm_llr"] == "default"
    text = show(s, where)
    assert "alert_drone_p = 0.9  # file" in text and "[integrity]" in text


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("[assess]\nalert_drone_p = 1.5\n", "assess.alert_drone_p"),
        ("[assess]\nalert_drone_q = 0.5\n", "assess.alert_drone_q"),
        ("[nostage]\nx = 1\n", "nostage"),
        ("[console]\nport = 'http'\n", "console.port"),
        ("[assess\n", "not valid TOML"),
    ],
)
def test_bad_files_are_config_errors(tmp_path: Path, toml: str, needle: str) -> None:
    f = tmp_path / "s.toml"
    f.write_text(toml)
    with pytest.raises(ConfigError, match=needle):
        load_settings(f)


def test_bad_environment_and_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(tmp_path / "none.toml")
    monkeypatch.setenv("AIRPICTURE_ASSESS__ALERT_DRONE_P", "often")
    with pytest.raises(ConfigError, match=r"assess\.alert_drone_p"):
        load_settings()


def test_config_show_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "s.toml"
    f.write_text('[console]\nport = 9000\ntoken = "hunter2"\n')
    assert main(["--config", str(f), "config", "show"]) == 0
    out = capsys.readouterr().out
    assert "port = 9000  # file" in out and "hunter2" not in out
    assert main(["--config", str(f), "config", "show", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["console"]["port"] == 9000 and data["console"]["token"] != "hunter2"
    f.write_text("[console]\nport = -1\n")
    assert main(["--config", str(f), "config", "show"]) == 1
    assert "console.port" in capsys.readouterr().err


def test_track_reads_assess_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`airpicture --config FILE track` hands the file's assess settings to the assessor."""
    from airpicture.assess import assessor

    seen: list[AssessSettings | None] = []
    real = assessor.TrackAssessor.__init__

    def spy(self: assessor.TrackAssessor, *a: object, **k: object) -> None:
        seen.append(a[3] if len(a) > 3 else k.get("settings"))  # type: ignore[arg-type]
        real(self, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(assessor.TrackAssessor, "__init__", spy)
    f = tmp_path / "s.toml"
    f.write_text("[assess]\nalert_drone_p = 0.9\n")
    bundled = Path(airpicture.config.__file__).parent / "data" / "paris"
    rc = main(
        ["--config", str(f), "track", str(bundled), "--sensors", "SITE1", "--out", str(tmp_path / "t.csv")]
    )
    assert rc == 0
    assert any(s is not None and s.alert_drone_p == 0.9 for s in seen)
