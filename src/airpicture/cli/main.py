"""`airpicture` command line.

Each subcommand is a module of this package with `configure(parser)` (cheap: argparse only) and
`run(args) -> int` (imports the heavy stages). Errors a user can act on become one line on
stderr and a non-zero exit, never a traceback.

`--config FILE` (before the subcommand) reads the settings (airpicture.config) from a TOML file;
they are validated once, here, and handed to the subcommand as `args.settings`.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import os
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from airpicture import __version__
from airpicture.errors import AirpictureError

if TYPE_CHECKING:
    from airpicture.config import Settings

#: (name, module, one-line help)
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("track", "airpicture.cli.track", "track a scenario folder and write tracks.csv"),
    ("eval", "airpicture.cli.evaluate", "score tracks.csv against a scenario's truth"),
    ("demo", "airpicture.cli.demo", "the operator console on the bundled real Paris data (--batch: figures)"),
    ("sim", "airpicture.cli.sim", "write a synthetic scenario (many targets, radars, clutter, ADS-B)"),
    ("history", "airpicture.cli.history", "inspect, export (Parquet/CSV) and prune a history store"),
    (
        "decode",
        "airpicture.cli.decode",
        "decode a Mode S / ADS-B (Beast, AVR, SBS, JSONL), ASTERIX or SAPIENT recording to CSV",
    ),
    ("gnss", "airpicture.cli.gnss", "map GNSS interference (NIC/NACp per H3 cell and time bin) to GeoJSON"),
    ("run", "airpicture.cli.run", "live pipeline: Mode S / ADS-B, ASTERIX or SAPIENT feeds into the tracker"),
    ("replay", "airpicture.cli.replay", "play a recording back (serve it as a Beast or ASTERIX feed, ...)"),
    (
        "console",
        "airpicture.cli.console",
        "the operator console (live web map) on a scenario, replayed at N x",
    ),
    ("rid", "airpicture.cli.rid", "decode drone Remote ID (pcap/pcapng BLE + Wi-Fi, JSONL) to CSV"),
    ("config", "airpicture.cli.config", "show the settings in effect (defaults, --config file, environment)"),
    ("warm", "airpicture.cli.warm", "compile the numba kernels once (bootstrap.py runs it after installing)"),
)


#: Commands whose run() closes every file it writes before it returns: the console script ends
#: their process without the interpreter's teardown (see entry).
QUICK_EXIT = frozenset({"track"})


#: (command, its first word) -> the module that takes it: `airpicture eval campaign ...`
SUBCOMMANDS = {("eval", "campaign"): "airpicture.cli.campaign"}


def build_parser(command: str | None = None, word: str | None = None) -> argparse.ArgumentParser:
    """The parser; only the chosen subcommand's module is imported (so --help stays instant).
    word: the command's first positional word, which may pick a SUBCOMMANDS module."""
    p = argparse.ArgumentParser(prog="airpicture", description=__doc__.split("\n")[0])
    p.add_argument("--version", action="version", version=f"airpicture {__version__}")
    p.add_argument(
        "--config",
        metavar="FILE",
        help="settings file (TOML, one table per stage); AIRPICTURE_<STAGE>__<FIELD> variables override it",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name, module, help_ in COMMANDS:
        sp = sub.add_parser(name, help=help_, description=help_)
        if name == command:
            module = SUBCOMMANDS.get((name, word or ""), module)
            importlib.import_module(module).configure(sp)
            sp.set_defaults(_module=module)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    names = {c[0] for c in COMMANDS}
    command = _command(argv)
    word = _command(argv[argv.index(command) + 1 :]) if command in names else None
    parser = build_parser(command if command in names else None, word)
    args = parser.parse_args(argv)
    if not getattr(args, "_module", None):
        parser.print_help()
        return 2
    try:
        from airpicture.config import load_settings

        args.settings = load_settings(args.config)
        return int(importlib.import_module(args._module).run(args))
    except AirpictureError as e:
        print(f"airpicture {args.command}: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into a reader that stopped (head, less)
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"airpicture {args.command}: interrupted", file=sys.stderr)
        return 130


def _command(argv: Sequence[str]) -> str | None:
    """The subcommand's name: the first word that is not an option or the --config value."""
    skip = False
    for a in argv:
        if skip:
            skip = False
        elif a == "--config":
            skip = True
        elif not a.startswith("-"):
            return a
    return None


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings main() validated for this run (defaults and environment when a subcommand's
    run() is called without main)."""
    from airpicture.config import load_settings

    settings: Settings | None = getattr(args, "settings", None)
    return settings if settings is not None else load_settings()


def entry() -> None:
    code = main()
    quiet = all(t.daemon for t in threading.enumerate() if t is not threading.main_thread())
    watched = sys.getprofile() is not None or sys.gettrace() is not None  # a profiler writes at the end
    if _command(sys.argv[1:]) in QUICK_EXIT and quiet and not watched:
        # A normal exit then frees every object and unloads a thousand modules (numba, LLVM,
        # scipy): ~0.2 s that nothing written needs. Like mypy's util.hard_exit: run the exit
        # handlers (logging, numba, tqdm), flush, and end the process.
        atexit._run_exitfuncs()
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:  # a reader that stopped: leave it to the normal exit
            sys.exit(code)
        os._exit(code)
    sys.exit(code)
