"""`airpicture config show`: the settings in effect, as a TOML file would give them, each value
with where it came from (default, the --config file, or an AIRPICTURE_* environment variable).

    airpicture config show                     # the defaults (and the environment)
    airpicture --config site.toml config show  # what `airpicture --config site.toml track ...` uses
    airpicture config show --json              # the same as JSON
"""

from __future__ import annotations

import argparse


def configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = sub.add_parser("show", help="print the settings in effect and each value's source")
    show.add_argument("--json", action="store_true", help="JSON ({stage: {field: value}}) instead of TOML")


def run(args: argparse.Namespace) -> int:
    import json

    from airpicture.cli.main import settings_of
    from airpicture.config import show, sources

    settings = settings_of(args)
    if args.json:
        data = settings.model_dump(mode="json")
        if data["console"]["token"] is not None:
            data["console"]["token"] = "(set, not shown)"
        print(json.dumps(data, indent=2))
    else:
        if args.config:
            print(f"# settings from {args.config}, then AIRPICTURE_* environment variables")
        print(show(settings, sources(getattr(args, "config", None))), end="")
    return 0
