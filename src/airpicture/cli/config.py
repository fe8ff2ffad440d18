"""`airpicture config show`: the settings in effect, as a TOML file would give them, each value
with where it came from (default, the --config file, or an AIRPICTURE_* environment variable).

    airpicture config show                     # the defaults (and the environment)
    airpicture --config site.toml config show  # what `airpicture --config site.toml track ...` uses
    airpicture config show --json              # the same as JSON
    airpicture config template > site.toml     # every setting, documented and commented out
"""

from __future__ import annotations

import argparse


def configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = sub.add_parser("show", help="print the settings in effect and each value's source")
    show.add_argument("--json", action="store_true", help="JSON ({stage: {field: value}}) instead of TOML")
    sub.add_parser(
        "template",
        help="a settings file to start from: every field with its meaning and default, commented out "
        "(docs/airpicture.toml is this output)",
    )


def run(args: argparse.Namespace) -> int:
    import json

    from airpicture.cli.main import settings_of
    from airpicture.config import show, sources

    if args.action == "template":
        print(template(), end="")
        return 0
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


def template() -> str:
    """Every setting as a TOML file would give it, each under its description, commented out: a
    file that changes nothing until a line is un-commented."""
    import json

    from airpicture.config import ENV_DELIMITER, ENV_PREFIX, Settings

    lines = [
        "# airpicture settings: `airpicture --config FILE COMMAND ...` reads this file.",
        "# Every field is shown with its default, commented out; un-comment what a site changes.",
        f"# An environment variable {ENV_PREFIX}<STAGE>{ENV_DELIMITER}<FIELD> wins over the file.",
        "# `airpicture --config FILE config show` prints the values in effect and where each came from.",
        "",
    ]
    for stage, field in Settings.model_fields.items():
        model = field.annotation
        lines.append(f"[{stage}]")
        if field.description:
            lines.insert(len(lines) - 1, f"# {field.description}")
        for name, f in model.model_fields.items():  # type: ignore[union-attr]
            if f.description:
                lines.append(f"# {f.description}")
            default = f.get_default(call_default_factory=True)
            value = "(not set)" if default is None else json.dumps(default)
            lines.append(f"# {name} = {value}")
        lines.append("")
    return "\n".join(lines)
