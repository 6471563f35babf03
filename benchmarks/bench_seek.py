"""Random seeks on a 100,000-event scene: ``timeline.state_at(t)`` time, plus load and schedule time.

A lecturer scrubbing the slider or clicking a step far away asks the engine for an arbitrary
instant; ``state_at`` must answer from its precomputed indexes without replaying the scene.
t is drawn uniformly from [0, duration] with a fixed seed, so every run seeks the same
instants. The scene (``stress.many_events_yaml``: 1000 steps x 100 mixed actions) is written
to a temporary file and loaded with ``load_scene``, as the app does; its load and schedule
times are reported once (one run: loading it takes tens of seconds today), after a small
scene has warmed up the imports and caches.
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _common
from _common import Result, emit, parser, summary
from stress import many_events_yaml, stress_scene_yaml

from animator.engine import build_timeline
from animator.model import load_scene, load_scene_text

TARGET_SEEK_MS = 1.0
SEED = 20240607


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=100_000)
    p.add_argument("--seeks", type=int, default=5000, help="measured seeks (default 5000)")
    p.add_argument("--warmup", type=int, default=500, help="seeks before measuring (default 500)")
    args = p.parse_args(argv)

    build_timeline(load_scene_text(stress_scene_yaml(30, 50), "<warm-up>"))  # imports, type caches
    text = many_events_yaml(args.events)
    with tempfile.TemporaryDirectory(prefix="packetstage-bench-") as tmp:
        path = Path(tmp) / "many-events.yaml"
        path.write_text(text, encoding="utf-8")
        print(f"scene: {args.events:,} actions, {path.stat().st_size / 2**20:.2f} MiB of YAML")
        gc.collect()
        t0 = time.perf_counter()
        scene = load_scene(path)
        t1 = time.perf_counter()
        timeline = build_timeline(scene)
        t2 = time.perf_counter()
    load_s, schedule_s = t1 - t0, t2 - t1
    print(f"load {load_s:.2f} s + schedule {schedule_s:.2f} s = {load_s + schedule_s:.2f} s (one run)")
    print(f"timeline: {timeline.step_count} steps, {timeline.duration:.1f} s long")

    rng = random.Random(SEED)
    warm = [rng.uniform(0.0, timeline.duration) for _ in range(args.warmup)]
    seeks = [rng.uniform(0.0, timeline.duration) for _ in range(args.seeks)]
    for t in warm:
        timeline.state_at(t)

    if args.profile:
        _common.profile(lambda: [timeline.state_at(t) for t in seeks])
        return 0

    gc.collect()
    samples, packets = [], []
    for t in seeks:
        t0 = time.perf_counter()
        frame = timeline.state_at(t)
        samples.append((time.perf_counter() - t0) * 1e3)
        packets.append(len(frame.packets))
    s = summary(samples)
    print(f"frames hold {statistics.mean(packets):.1f} packets on average (max {max(packets)})")
    print(f"state_at over {len(samples)} random seeks: median {s['median']:.3f} ms, p99 {s['p99']:.3f} ms, max {s['max']:.3f} ms")
    emit(
        [
            Result(f"seek state_at median ({args.events:,} events)", s["median"], "ms", TARGET_SEEK_MS),
            Result("seek state_at p99", s["p99"], "ms", TARGET_SEEK_MS),
            Result(f"{args.events:,}-event scene load", load_s, "s"),
            Result(f"{args.events:,}-event scene schedule", schedule_s, "s"),
        ],
        args.json,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
