"""The shape of the tracker's code, kept by a test: small modules by tracking role, kernels that
take records instead of long argument lists, no reaching into another module's private names, no
import circles between track/ modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "airpicture"
STAGES = ("track", "assess", "integrity")
MAX_LINES = 400
MAX_PARAMS = 12


def _modules(stage: str) -> list[Path]:
    return sorted((SRC / stage).glob("*.py"))


@pytest.mark.parametrize("path", _modules("track"), ids=lambda p: p.name)
def test_track_modules_are_small(path: Path) -> None:
    assert len(path.read_text().splitlines()) <= MAX_LINES


@pytest.mark.parametrize(
    "path", [p for s in STAGES for p in _modules(s)], ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_no_function_takes_more_than_12_parameters(path: Path) -> None:
    tree = ast.parse(path.read_text())
    long = [
        f"{node.name}: {len(node.args.args) + len(node.args.kwonlyargs) + len(node.args.posonlyargs)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and len(node.args.args) + len(node.args.kwonlyargs) + len(node.args.posonlyargs) > MAX_PARAMS
    ]
    assert not long


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_no_import_of_another_modules_private_name(path: Path) -> None:
    tree = ast.parse(path.read_text())
    private = [
        f"{node.module}.{a.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("airpicture")
        for a in node.names
        if a.name.startswith("_") and not a.name.endswith("__")
    ]
    assert not private


def test_no_import_circles_between_track_modules() -> None:
    deps: dict[str, set[str]] = {}
    for path in _modules("track"):
        name = path.stem
        deps[name] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("airpicture.track.")
            ):
                deps[name].add(node.module.split(".")[2])
            elif isinstance(node, ast.ImportFrom) and node.module == "airpicture.track":
                deps[name] |= {a.name for a in node.names}
    state: dict[str, int] = {}

    def visit(n: str, trail: list[str]) -> None:
        if state.get(n) == 2:
            return
        assert state.get(n) != 1, " -> ".join([*trail, n])
        state[n] = 1
        for m in sorted(deps.get(n, ())):
            visit(m, [*trail, n])
        state[n] = 2

    for n in sorted(deps):
        visit(n, [])
    # only the package's surface, the scenario driver and the warm-up use the tracker; its roles do not
    assert deps["tracker"] and "tracker" not in set().union(
        *(deps[n] for n in deps if n not in ("__init__", "windows", "warm"))
    )
