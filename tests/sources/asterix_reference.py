"""The independent reference for the ASTERIX tests: CroatiaControl's `asterix-decoder` (GPL-2.0,
C), run in a subprocess from its own folder so that no GPL code shares airpicture's process or
its `asterix` package name (libasterix's). Install it once:

    .venv/bin/pip install --no-deps --target .venv/asterix-decoder asterix-decoder==0.7.11

(ASTERIX_DECODER_PATH names another folder). Its editions: CAT021 2.6, CAT034 1.27, CAT048 1.21,
CAT062 1.18.

`flatten_ours` and `flatten_reference` turn one record of each decoder into ``item -> [values]``
(the item's elementary values in specification order, spare bits and FX bits left out), so that
every field of every record can be compared.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from asterix.base import (
    Compound,
    ContentInteger,
    ContentQuantity,
    ContentString,
    Element,
    Explicit,
    Extended,
    Group,
    Item,
    Repetitive,
)

REFERENCE = Path(os.environ.get("ASTERIX_DECODER_PATH", Path(sys.prefix) / "asterix-decoder"))

_RUN = """
import json, sys
sys.path.insert(0, sys.argv[1])
import asterix
out = []
for line in sys.stdin:
    out.append(asterix.parse(bytes.fromhex(line.strip())))
json.dump(out, sys.stdout, default=str)
"""


def available() -> bool:
    return (REFERENCE / "asterix" / "__init__.py").exists()


def reference_decode(blocks: list[bytes]) -> list[list[dict[str, Any]]]:
    """asterix-decoder's records of each data block."""
    text = "".join(b.hex() + "\n" for b in blocks)
    done = subprocess.run(
        [sys.executable, "-c", _RUN, str(REFERENCE)], input=text, capture_output=True, text=True, check=True
    )
    return list(json.loads(done.stdout))


_SKIP = {"FX", "spare", "category", "len", "crc", "ts", "hexdata"}


def flatten_reference(rec: dict[str, Any]) -> dict[str, list[Any]]:
    """item ('010') -> its values, from asterix-decoder's record."""

    def leaves(v: Any) -> list[Any]:
        if isinstance(v, dict) and "val" in v:
            return [v["val"]]
        if isinstance(v, dict):
            return [
                x for k, sub in v.items() if k not in _SKIP and not k.startswith("spare") for x in leaves(sub)
            ]
        if isinstance(v, list):
            return [x for sub in v for x in leaves(sub)]
        return []

    return {k[1:]: leaves(v) for k, v in rec.items() if k.startswith("I")}


def flatten_ours(rec: Any) -> dict[str, list[Any]]:
    """item -> its values, from a libasterix record (quantities in their specification unit)."""

    def var(v: Any) -> list[Any]:
        if isinstance(v, Element):
            try:
                c = v._get_rule()._get_content()
            except (AttributeError, TypeError):  # a context-dependent content: its raw bits
                c = None
            if isinstance(c, ContentQuantity):
                return [c._as_quantity()]
            if isinstance(c, ContentString):
                return [c.as_string()]
            if isinstance(c, ContentInteger):
                return [c.as_integer()]
            return [v.as_uint()]
        if isinstance(v, Group):
            return [x for i in v.arg if isinstance(i, Item) for x in var(i.arg.arg.arg)]
        if isinstance(v, Extended):
            return [x for g in v.arg for i in g if isinstance(i, Item) for x in var(i.arg.arg.arg)]
        if isinstance(v, Repetitive):
            return [x for sub in v.arg for x in var(sub)]
        if isinstance(v, Compound):
            return [x for nsp in v.arg.values() for x in var(nsp.arg.arg)]
        if isinstance(v, Explicit):
            return [v.get_bytes().hex()]
        return []

    out: dict[str, list[Any]] = {}
    for name in rec.cv_items_dict:
        item = rec.get_item(name)
        if item is not None and name != "SP":
            out[name] = var(item.arg.arg)
    return out


def same(a: Any, b: Any) -> bool:
    """One value of each decoder: numbers to 1e-6 (relative), hex addresses and octal codes as
    numbers, text without blanks."""
    if isinstance(a, str) and isinstance(b, int):
        a, b = b, a
    if isinstance(a, int | float) and isinstance(b, str):
        try:
            return int(b, 16) == a or int(b, 8) == a
        except ValueError:
            return False
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))

    # a character that is no letter, digit or space (ICAO 6-bit or ASCII): libasterix leaves it
    # out or keeps it, the reference shows a space
    def text(v: object) -> str:
        return "".join(c for c in str(v) if c.isprintable() and c != " ")

    return text(a) == text(b)
