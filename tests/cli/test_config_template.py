"""docs/airpicture.toml is `airpicture config template`: every setting documented with its default,
commented out; un-commented, every line is valid and gives the defaults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from airpicture.cli.config import template
from airpicture.cli.main import main
from airpicture.config import load_settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "airpicture.toml"


def test_the_documented_file_is_the_template(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "template"]) == 0
    assert capsys.readouterr().out == template()
    assert template() == DOC.read_text(), "run: airpicture config template > docs/airpicture.toml"


def test_the_template_changes_nothing_and_every_line_is_valid(tmp_path: Path) -> None:
    assert load_settings(DOC) == load_settings()
    live = re.sub(r"^# (\w+ = (?!\(not set\)).*)$", r"\1", DOC.read_text(), flags=re.MULTILINE)
    path = tmp_path / "all.toml"
    path.write_text(live)
    assert live.count("\n") == DOC.read_text().count("\n") and live != DOC.read_text()
    assert load_settings(path) == load_settings()
