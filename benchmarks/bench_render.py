"""``render SCENE --step all --boxes`` of a 30-step scene: the whole command, as a user runs it.

Every pause point as a PNG plus its boxes as JSON, in one process (start-up, scene load,
layout, drawing and writing included), at 1920x1080 100 % and at 1280x720 200 % text. The
scene is ``stress.many_steps_yaml`` with 30 steps over 12 devices, written to a temp file.
Median of 3 runs after one warm-up run (which fills the per-user journey cache, as a second
render of the same scene would).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, Result, emit, parser
from stress import many_steps_yaml

TARGET_S = 3.0


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        scene = Path(tmp) / "thirty.yaml"
        scene.write_text(many_steps_yaml(args.steps, nodes=12), encoding="utf-8")
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        for size, scale in (("1920x1080", "100"), ("1280x720", "200")):
            command = [sys.executable, str(ROOT / "main.py"), "render", str(scene), "--step", "all", "--boxes"]
            command += ["--size", size, "--scale", scale]
            times = []
            for run in range(args.runs + 1):
                out = Path(tmp) / f"out-{size}-{run}"
                start = time.perf_counter()
                done = subprocess.run([*command, "--out", str(out)], env=env, capture_output=True, text=True, timeout=300)
                elapsed = time.perf_counter() - start
                if done.returncode != 0:
                    print(done.stderr, file=sys.stderr)
                    return 1
                pngs = sorted(out.glob("step-*.png"))
                assert len(pngs) == args.steps + 1 and len(list(out.glob("step-*.json"))) == args.steps + 1
                if run:
                    times.append(elapsed)
            median = statistics.median(times)
            print(
                f"render --step all --boxes, {args.steps} steps at {size} {scale} %: median {median:.2f} s "
                f"(runs {', '.join(f'{t:.2f}' for t in times)})"
            )
            results.append(Result(f"render --step all {size} {scale}%", median, "s", TARGET_S))
    emit(results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
