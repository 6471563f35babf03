"""Load and schedule a 10,000-step scene: ``load_scene`` (from a file) + ``build_timeline``.

This is what opening or live-reloading a long lecture costs before anything is drawn. The
scene (``stress.many_steps_yaml``, ~2 MB) is written to a temporary directory and loaded from
there; one full load + schedule warms up, then the median of ``--runs`` runs is reported, for
load and schedule separately and together.
"""

from __future__ import annotations

import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _common
from _common import Result, emit, parser
from stress import many_steps_yaml

from animator.engine import build_timeline
from animator.model import load_scene

TARGET_TOTAL_S = 0.5


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=10_000)
    p.add_argument("--runs", type=int, default=5, help="measured runs (default 5)")
    args = p.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="packetstage-bench-") as tmp:
        path = Path(tmp) / "many-steps.yaml"
        path.write_text(many_steps_yaml(args.steps), encoding="utf-8")
        print(f"scene: {args.steps:,} steps, {path.stat().st_size / 2**20:.2f} MiB of YAML")

        def once() -> tuple[float, float]:
            t0 = time.perf_counter()
            scene = load_scene(path)
            t1 = time.perf_counter()
            build_timeline(scene)
            t2 = time.perf_counter()
            return t1 - t0, t2 - t1

        warm = once()
        print(f"warm-up: load {warm[0]:.3f} s, schedule {warm[1]:.3f} s")
        if args.profile:
            _common.profile(once)
            return 0
        runs = []
        for i in range(args.runs):
            gc.collect()
            runs.append(once())
            print(f"run {i + 1}: load {runs[-1][0]:.3f} s, schedule {runs[-1][1]:.3f} s")

    load_s = statistics.median(r[0] for r in runs)
    schedule_s = statistics.median(r[1] for r in runs)
    total_s = statistics.median(r[0] + r[1] for r in runs)
    print(f"median of {len(runs)}: load {load_s:.3f} s, schedule {schedule_s:.3f} s, load + schedule {total_s:.3f} s")
    emit(
        [
            Result(f"{args.steps:,}-step load + schedule median", total_s, "s", TARGET_TOTAL_S),
            Result("  load_scene median", load_s, "s"),
            Result("  build_timeline median", schedule_s, "s"),
        ],
        args.json,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
