"""A disk cache of simulated journeys, so opening a scene again skips scapy and the simulation.

Simulating the default scene costs ~250 ms at start-up, most of it importing scapy's layer
modules; the result is plain data (bytes and strings) and depends only on the scene file and
this program's code. So it is stored as JSON under the user's cache directory, keyed by a hash
of the text the scene was parsed from (``Scene.digest``, kept by the loader: not the file as it
is now, which may have changed since) and of the whole ``animator`` package's code: editing
either makes a new key, a stale or damaged entry is ignored and rewritten, and entries beyond
``KEEP`` are pruned, oldest first.

JSON rather than pickle: a cache file is never trusted to run code, whatever is in it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from animator.engine.sim.journey import Badge, Hop, Journey, Leg, Outcome, Remark, Sample, StepJourney, TableChange
from animator.files import atomic_path
from animator.model.kinds import TableKind
from animator.model.schema import Scene, Send

#: Bump when the Journey's shape changes.
FORMAT = 3
#: Environment variable that turns the cache off (tests of the simulation itself set it).
DISABLE = "PACKETSTAGE_NO_SIM_CACHE"


def cache_dir() -> Path:
    """The per-user cache directory the platform expects (XDG on Linux, Caches on macOS, LocalAppData on Windows)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "packetstage" / "journeys"


#: Entries kept: far more scenes than a course has, and at ~50 kB each a few MB of disk.
KEEP = 200


@functools.cache
def _code_fingerprint() -> str:
    """A hash of the code a journey may depend on: every module of the package (a hand-kept list
    of "the simulator's files" missed helpers they import; hashing all ~1 MB takes ~2 ms)."""
    digest = hashlib.sha256(str(FORMAT).encode())
    if getattr(sys, "frozen", False):  # an installed build: its code cannot change under it
        from animator import __version__

        digest.update(f"frozen {__version__}".encode())
        return digest.hexdigest()
    package = Path(__file__).resolve().parents[2]
    for source in sorted(package.rglob("*.py")):
        digest.update(str(source.relative_to(package)).encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def key_for(scene: Scene) -> str | None:
    """The cache key of a scene loaded from a file, or None when there is no file to key on.

    The scene's shape (its nodes, links with their latencies, steps and sends) goes into the
    key too, so a scene changed after loading (``dataclasses.replace``) never meets the file's entry.
    """
    if os.environ.get(DISABLE) or not scene.digest:
        return None
    shape = (
        scene.hop_time,
        scene.arp,
        tuple(n.id for n in scene.nodes),
        tuple((link.between, link.latency) for link in scene.links),
        tuple(sum(isinstance(a, Send) for a in step.actions) for step in scene.steps),
    )
    return hashlib.sha256((scene.digest + _code_fingerprint() + repr(shape)).encode()).hexdigest()


def load(key: str) -> Journey | None:
    try:
        raw = json.loads((cache_dir() / f"{key}.json").read_text(encoding="utf-8"))
        return _journey(raw) if raw.get("format") == FORMAT else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # missing, half-written or from another version: simulate again


def store(key: str, journey: Journey) -> None:
    """Write atomically (``files.atomic_path``); a cache that cannot be written is no error."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(folder / f"{key}.json") as temp, open(temp, "w", encoding="utf-8") as out:
            json.dump(_plain(journey), out, separators=(",", ":"))
        prune(folder)
    except OSError:
        pass


def prune(folder: Path, keep: int = KEEP) -> None:
    """Remove all but the ``keep`` most recently written entries (and temporaries left by a crash)."""
    entries = []
    for path in folder.iterdir():
        try:
            entries.append((path.stat().st_mtime, path))
        except OSError:
            continue
    entries.sort(reverse=True)
    for _, path in entries[keep:]:
        path.unlink(missing_ok=True)


def _plain(journey: Journey) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "initial": [_table(change) for change in journey.initial_tables],
        "steps": [
            {
                "legs": [
                    [
                        leg.id,
                        leg.label,
                        leg.protocol,
                        leg.parent,
                        None if leg.outcome is None else leg.outcome.value,
                        leg.fate,
                        [
                            [h.a, h.b, h.start, h.end, None if h.frame is None else h.frame.hex(), list(h.changes)]
                            for h in leg.hops
                        ],
                    ]
                    for leg in step.legs
                ],
                "tables": [_table(change) for change in step.tables],
                "badges": [list(b) for b in step.badges],
                "remarks": [list(r) for r in step.remarks],
                "samples": [list(s) for s in step.samples],
            }
            for step in journey.steps
        ],
    }


def _table(change: TableChange) -> list[Any]:
    rows = None if change.rows is None else [list(r) for r in change.rows]
    return [change.time, change.node, change.table.value, list(change.columns), rows]


def _table_change(raw: list[Any]) -> TableChange:
    t, n, title, c, rows = raw
    return TableChange(t, n, TableKind(title), tuple(c), None if rows is None else tuple(tuple(r) for r in rows))


def _journey(raw: dict[str, Any]) -> Journey:
    journey = Journey()
    journey.initial_tables = [_table_change(change) for change in raw["initial"]]
    for step in raw["steps"]:
        legs = [
            Leg(
                id=i,
                label=label,
                protocol=protocol,
                parent=parent,
                outcome=None if outcome is None else Outcome(outcome),
                fate=fate,
                hops=[
                    Hop(a, b, start, end, None if f is None else bytes.fromhex(f), tuple(ch)) for a, b, start, end, f, ch in hops
                ],
            )
            for i, label, protocol, parent, outcome, fate, hops in step["legs"]
        ]
        journey.steps.append(
            StepJourney(
                legs=legs,
                tables=[_table_change(change) for change in step["tables"]],
                badges=[Badge(t, n, text) for t, n, text in step["badges"]],
                remarks=[Remark(t, n, text) for t, n, text in step["remarks"]],
                samples=[Sample(t, n, conn, series, value) for t, n, conn, series, value in step["samples"]],
            )
        )
    return journey
