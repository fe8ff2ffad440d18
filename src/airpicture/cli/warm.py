"""`airpicture warm`: compile the numba kernels once, so that no later run waits for them.

numba compiles a kernel at its first call and keeps the machine code in its cache
(airpicture.compiled): on a fresh install that first call costs 65-80 s on 2 cores, later runs
load the cache in ~0.4 s. `python3 bootstrap.py` runs this command right after it installs;
`track`, `demo`, `console` and `run` call `ensure_compiled` before they start, which costs nothing
once the cache is warm and otherwise says "compiling kernels (one time, about N s)" with progress
on stderr, instead of showing an empty picture while it compiles.

The warm-up drives the real stages (tracker, integrity, assessor) over the first minutes of the
bundled Paris data and over a live-feed-shaped stream of its ADS-B, so the kernels are compiled
for the argument types real runs pass. A stamp in the cache records the kernel sources it was
made for (path, size, mtime: what numba's own cache index is keyed on).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from airpicture.config import Settings

PACKAGE = Path(__file__).resolve().parent.parent
BUNDLED = PACKAGE / "data" / "paris"
#: Seconds of the bundled scenario tracked by the warm-up: every kernel and argument type the whole
#: 30 min run uses is reached by then (checked by tests/cli/test_warm.py).
WARM_SPAN_S = 600.0
#: Measured cold compile of every kernel on a quiet 2-core machine (the ETA shown when compiling).
COMPILE_S = 70.0


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--force", action="store_true", help="run the warm-up even when the stamp says the cache is warm"
    )
    p.add_argument("--quiet", action="store_true", help="say nothing when the kernels are compiled already")


def run(args: argparse.Namespace) -> int:
    from airpicture.cli.main import settings_of

    t0 = time.perf_counter()
    did = ensure_compiled(settings_of(args), force=args.force, out=sys.stderr)
    if args.quiet and not did:
        return 0
    from numba.core import config

    if getattr(config, "DISABLE_JIT", False):
        print("airpicture warm: numba is disabled (NUMBA_DISABLE_JIT): nothing to compile")
        return 0
    what = "compiled or loaded" if did else "already cached (stamp matches; --force re-checks)"
    print(f"airpicture warm: kernels {what} in {time.perf_counter() - t0:.1f} s; cache: {cache_home()}")
    return 0


def cache_home() -> Path:
    """Where numba keeps the compiled code: $NUMBA_CACHE_DIR, else __pycache__ next to each source."""
    from numba.core import config

    where = getattr(config, "CACHE_DIR", "")  # set from the environment when numba is imported
    return Path(where) if where else PACKAGE


def _stamp_path() -> Path:
    home = cache_home()
    return home / "airpicture-kernels.stamp" if home != PACKAGE else PACKAGE / "__pycache__" / "kernels.stamp"


def _write_stamp() -> None:
    """Record that the cache is warm; a read-only install (a container's non-root user) cannot,
    and then warms again at each start, loading the cache numba made at build time (~1-3 s)."""
    path = _stamp_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sources_key())
    except OSError:
        pass


def sources_key() -> str:
    """The kernel sources and compiler this cache is for: numba's version and every module's
    path, size and mtime (any change in them may change a kernel)."""
    import numba

    h = hashlib.sha256(f"{numba.__version__} {sys.version} {cache_home()}".encode())
    for f in sorted(PACKAGE.rglob("*.py")):
        st = f.stat()
        h.update(f"{f.relative_to(PACKAGE)} {st.st_size} {st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def is_warm() -> bool:
    path = _stamp_path()
    try:
        return path.read_text() == sources_key()
    except OSError:
        return False


def kernels() -> list[Any]:
    """Every numba kernel of the loaded airpicture modules."""
    from numba.core.registry import CPUDispatcher

    seen: dict[int, Any] = {}
    for name, mod in list(sys.modules.items()):
        if name.startswith("airpicture.") and mod is not None:
            for v in list(vars(mod).values()):
                if isinstance(v, CPUDispatcher) and v.py_func.__module__.startswith("airpicture."):
                    seen[id(v)] = v
    return list(seen.values())


def kernel_count() -> tuple[int, int]:
    """(kernels with machine code in this process, kernels) of the loaded modules."""
    ks = kernels()
    return sum(1 for k in ks if k.signatures), len(ks)


def _compile_counter() -> Any:
    """A numba event listener counting the airpicture kernels numba compiles (not those it loads
    from its cache): `started` (monotonic s, 0 before the first), `done` (ids of dispatchers)."""
    from numba.core import event

    class CompileCount(event.Listener):
        def __init__(self) -> None:
            self.started = 0.0
            self.done: set[int] = set()

        def on_start(self, e: Any) -> None:
            self.started = self.started or time.monotonic()

        def on_end(self, e: Any) -> None:
            fn = getattr(e.data.get("dispatcher"), "py_func", None)
            if fn is not None and fn.__module__.startswith("airpicture."):
                self.done.add(id(fn))

    return CompileCount()


def ensure_compiled(settings: Settings | None = None, force: bool = False, out: TextIO | None = None) -> bool:
    """Compile (or load) every kernel unless the stamp says the cache is warm; returns whether the
    warm-up ran. When numba has to compile, `out` (default stderr) says so and how far it is."""
    from numba.core import config, event

    if getattr(config, "DISABLE_JIT", False) or (not force and is_warm()):
        return False  # NUMBA_DISABLE_JIT (debugging): nothing to compile, and pure Python is slow

    out = out or sys.stderr
    import airpicture.assess.assessor
    import airpicture.integrity
    import airpicture.track.tracker  # noqa: F401  (the kernel modules, so the progress has a total)

    total = len(kernels())
    compiles = _compile_counter()
    done = threading.Event()
    shown = threading.Thread(
        target=_report, args=(compiles, total, done, out), name="warm-progress", daemon=True
    )
    shown.start()
    try:
        with event.install_listener("numba:compile", compiles):
            warm_pipeline(settings)
    finally:
        done.set()
        shown.join()
    _write_stamp()
    return True


def _report(compiles: Any, total: int, done: threading.Event, out: TextIO) -> None:
    """Once numba compiles, say so, then how far it is every 2 s (one line rewritten on a
    terminal; a line every 10 s in a log)."""
    from airpicture.cli.status import StatusLine

    while not compiles.started:
        if done.wait(0.2):
            return
    print(f"airpicture: compiling kernels (one time, up to about {COMPILE_S:.0f} s on 2 cores)",
          file=out, flush=True)  # fmt: skip
    line = StatusLine(out, every_s=10.0)

    def show(force: bool = False) -> None:
        n = min(len(compiles.done), total)
        line.show(f"compiling kernels: {n} of {total}, {time.monotonic() - compiles.started:.0f} s", force)

    while not done.wait(2.0):
        show()
    show(force=True)
    line.end()


def warm_pipeline(settings: Settings | None = None) -> None:
    """Track, judge and assess WARM_SPAN_S of the bundled scenario, then its ADS-B as a live feed
    (reports only, one receiver), as `track`, `console` and `run` do; nothing is written."""
    import numpy as np

    from airpicture.assess import TrackAssessor, zones_from_config
    from airpicture.config import load_settings
    from airpicture.integrity import TrackIntegrity, judged
    from airpicture.sensors import live_receivers
    from airpicture.sources.scenario import load_scenario
    from airpicture.track.tracker import ImmGnnTracker
    from airpicture.track.warm import warm_up
    from airpicture.track.windows import FeedWindows, scenario_windows

    settings = settings or load_settings()
    scn = load_scenario(BUNDLED)
    end = scn.start_s + WARM_SPAN_S
    scn = replace(
        scn,
        end_s=end,
        plots=scn.plots[scn.plots["time_s"] < end],
        reports=scn.reports[scn.reports["time_s"] < end],
    )
    warm_up([scn.sensors[i] for i in scn.active], scn.site_lla)  # what `track` runs before timing
    trk = ImmGnnTracker(scn.sensors, scn.site_lla, scn.platforms, settings.track)
    integrity = TrackIntegrity(
        scn.sensors, scn.site_lla, scn.platforms, scn.active, settings.integrity, settings.reports
    )
    assessor = TrackAssessor(scn.sensors, scn.site, zones_from_config(scn.zones, scn.site), settings.assess)
    for pic in judged(trk, integrity, scenario_windows(scn, None, False)):
        assessor.update(pic)

    # a live feed: one ADS-B receiver at the site, reports in batches as a socket delivers them
    sheets = live_receivers(["beast:warm"], *scn.site_lla)
    live = ImmGnnTracker(sheets, scn.site_lla, settings=settings.track)
    live_integrity = TrackIntegrity(
        sheets, scn.site_lla, settings=settings.integrity, reports=settings.reports, placed=False
    )
    live_assessor = TrackAssessor(sheets, scn.site, [], settings.assess)
    windows = FeedWindows(settings.console.publish_s)
    reports = scn.reports[scn.reports["time_s"] < scn.start_s + 120.0].copy()
    reports["sensor"] = 0
    for batch in np.array_split(reports, max(1, len(reports) // 50)):
        window = windows.add(batch)
        if window is not None:
            live_integrity.observe(window)
            live_assessor.update(live_integrity.judge(live.step(window)))


__all__ = ["ensure_compiled", "is_warm", "kernel_count", "warm_pipeline"]
