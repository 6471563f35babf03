"""Shared bits of the benchmark scripts: repo root on sys.path, statistics, results, profiling.

Every ``bench_*.py`` imports this module first (it sits beside them, so ``import _common`` works
when a script is run as ``python benchmarks/bench_x.py``); importing it puts the repo root on
``sys.path`` so ``animator`` resolves to this checkout rather than an installed copy.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Figures are quoted for a 1:1 device pixel ratio, as the stage's 1920x1080 target assumes.
os.environ.setdefault("QT_SCALE_FACTOR", "1")


@dataclass
class Result:
    """One figure for the summary table. ``target`` is None for figures reported without a target."""

    name: str
    value: float
    unit: str
    target: float | None = None

    @property
    def passed(self) -> bool | None:
        return None if self.target is None else self.value <= self.target


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): an observed value, no interpolation."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(samples: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "median": statistics.median(samples),
        "p99": percentile(samples, 99),
        "min": min(samples),
        "max": max(samples),
    }


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON (used by run_all.py)")
    p.add_argument("--profile", action="store_true", help="profile the measured work with cProfile and print the top functions")
    return p


def emit(results: list[Result], json_path: Path | None) -> None:
    """Print the figures with their targets; write them as JSON for run_all.py when asked."""
    print()
    for r in results:
        verdict = "" if r.passed is None else ("  PASS" if r.passed else "  MISS")
        target = "" if r.target is None else f"  (target <= {r.target:g} {r.unit})"
        print(f"  {r.name:44} {r.value:10.3f} {r.unit}{target}{verdict}")
    if json_path is not None:
        json_path.write_text(json.dumps([asdict(r) for r in results]))


def profile(work: Callable[[], object], top: int = 25, sort: str = "tottime") -> None:
    """Run ``work`` under cProfile and print the ``top`` functions by ``sort`` (and cumulative)."""
    prof = cProfile.Profile()
    prof.enable()
    work()
    prof.disable()
    for key in (sort, "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats(key).print_stats(top)
        text = out.getvalue()
        # Drop pstats' preamble; keep the table.
        print(f"--- cProfile, top {top} by {key} ---")
        print(text[text.find("   ncalls") :].replace(str(ROOT) + "/", "").rstrip())
        print()
