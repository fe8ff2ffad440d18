"""Every command the README (and docs/GUIDE.md) shows works as written, from the repository's folder in the
environment bootstrap made: each `airpicture ...` line parses (its subcommand accepts every flag),
each bootstrap task and script exists; the quick ones run (`slow`), in a scratch folder that sees
the repository's src/ and tests/ as a clone does."""

from __future__ import annotations

import os
import runpy
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from airpicture.cli.main import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
#: subcommands that serve or listen until Ctrl-C: checked by parsing only
SERVING = {"demo", "console", "replay", "run"}


DOCS = (ROOT / "README.md", ROOT / "docs" / "GUIDE.md")
#: build-time commands of a site's basemap extract: checked for the tools they name, not run
BUILD_ONLY = {"mkdir", "/tmp/region/bin/python", "/tmp/region/bin/pip"}


def blocks(kind: str) -> list[str]:
    """The fenced blocks of one kind ("sh", "python") of the README and the guide."""
    out, cur, lang = [], None, ""
    for line in "\n".join(d.read_text() for d in DOCS).splitlines():
        if line.startswith("```"):
            if cur is None:
                cur, lang = [], line[3:].strip()
            else:
                if lang == kind:
                    out.append("\n".join(cur))
                cur = None
        elif cur is not None:
            cur.append(line)
    return out


def commands() -> list[list[str]]:
    """Each shell line as its words, comments dropped."""
    return [w for b in blocks("sh") for line in b.splitlines() if (w := shlex.split(line, comments=True))]


def split_env(words: list[str]) -> tuple[dict[str, str], list[str]]:
    env = {}
    while words and "=" in words[0] and words[0].split("=")[0].isupper():
        k, v = words[0].split("=", 1)
        env[k], words = v, words[1:]
    return env, words


def airpicture_argv(words: list[str]) -> list[str] | None:
    _, words = split_env(words)
    if words[:1] == ["airpicture"]:
        return words[1:]
    if words[:3] == ["python3", "bootstrap.py", "run"]:
        return words[3:]
    return None


def test_the_readme_shows_commands() -> None:
    cmds = commands()
    assert sum(airpicture_argv(c) is not None for c in cmds) >= 20
    assert not [c for c in cmds if "../shared" in " ".join(c) or c[0] == "python"]  # a clone has neither


@pytest.mark.parametrize("words", commands(), ids=lambda w: " ".join(w)[:60])
def test_each_readme_command_parses(words: list[str]) -> None:
    argv = airpicture_argv(words)
    if argv is not None:
        sub = next((a for a in argv if not a.startswith("-") and a != "site.toml"), None)
        rest = argv[argv.index(sub) + 1 :] if sub else []
        word = next((a for a in rest if not a.startswith("-")), None)  # `eval campaign`, as main routes it
        build_parser(sub, word).parse_args(argv)  # SystemExit (argparse's error) fails the test
    elif words[:2] == ["python3", "bootstrap.py"]:
        assert words[2] in runpy.run_path(str(ROOT / "bootstrap.py"))["TASKS"]
    elif words[0] == ".venv/bin/python":
        assert (ROOT / words[1]).is_file()
    elif words[0] in BUILD_ONLY or words[:3] == ["python3", "-m", "venv"]:
        # a site's basemap extract, built once in a venv of its own (its tools' docstrings)
        assert all((ROOT / w).is_file() for w in words if w.startswith("tools/")), words
    else:
        assert words[0] == "printf", f"a README command this test does not know: {words}"


@pytest.fixture
def clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch folder laid out like the repository (outputs land here, not in the checkout)."""
    for name in ("src", "tests", "benchmarks", "docs", "examples"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.slow
def test_the_quick_readme_commands_run(clone: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ran = []
    for words in commands():
        argv = airpicture_argv(words)
        if words[0] == "printf":
            subprocess.run(
                " ".join(shlex.quote(w) for w in words[:2]) + " > " + words[3], shell=True, check=True
            )
        elif words[0] == ".venv/bin/python":
            # the long benchmarks are not run here: their script starts and explains itself
            r = subprocess.run([sys.executable, words[1], "--help"], capture_output=True, text=True)
            assert r.returncode == 0 and "usage" in r.stdout, r.stderr
        elif argv is not None and not SERVING & set(argv):
            if argv[0] == "history" and not Path(argv[2]).exists():
                _store_as_the_console_writes_it(Path(argv[2]))
            env, _ = split_env(words)
            with monkeypatch.context() as m:
                for k, v in env.items():
                    m.setenv(k, v)
                assert main(argv) == 0, argv
            ran.append(argv[0] if argv[0] != "--config" else argv[2])
    assert {"track", "eval", "sim", "rid", "decode", "history", "config"} <= set(ran)


@pytest.mark.slow
def test_the_readme_python_runs(clone: Path) -> None:
    for code in blocks("python"):
        exec(compile(code, "README.md", "exec"), {})  # the README's own examples


@pytest.mark.slow
def test_the_python_api_example_runs(clone: Path) -> None:
    r = subprocess.run([sys.executable, "examples/python_api.py", "out"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "alerts raised" in r.stdout and (clone / "out" / "tracks.csv").stat().st_size > 10_000


def _store_as_the_console_writes_it(path: Path) -> None:
    """What `airpicture console ... --store history.sqlite` writes (the console itself serves until
    Ctrl-C): two minutes of the bundled scenario, tracked and recorded by the console's own code."""
    import threading
    from dataclasses import replace

    from airpicture.cli.console import BUNDLED, track_into
    from airpicture.sinks.web import Timeline
    from airpicture.sources.scenario import load_scenario

    scn = load_scenario(BUNDLED)
    end = scn.start_s + 120.0
    scn = replace(scn, end_s=end, plots=scn.plots[scn.plots["time_s"] < end],
                  reports=scn.reports[scn.reports["time_s"] < end])  # fmt: skip
    track_into(scn, Timeline(scn.start_s, scn.end_s), threading.Event(), str(path))
    assert path.exists() and os.path.getsize(path) > 0
