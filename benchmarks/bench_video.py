"""Video export speed (1080p30 H.264 against real time) and the GIF's size, for a 10-step scene.

The scene is the bundled ``scenes/http-get.yaml`` (10 steps, 33 s of animation): with a 2-second
hold at each of its 11 pause points it plays for 55 s. ``export --video`` must write it at least
twice as fast as it plays (the issue's budget), so a lecturer exporting a 10-minute deck waits at
most 5 minutes. Median of 3 runs after a small warm-up export (fonts, icons, codecs), each in this
process: ``export_video`` as the CLI calls it, with the scene already loaded.

Each run also says where the time went: drawing (``StageRenderer.image``) and converting to
yuv420p on the main thread, encoding on the worker, and how long the main thread waited for the
worker (a long wait means the encoder is the bottleneck). ``--profile`` profiles the main thread
of one run (the encoder thread is not in it; the split covers it).

Then the GIF of the same scene at its defaults (960x540, 15 fps): its size against the issue's
8 MB budget, and its time (one run). ``--webm`` adds a VP9 run (no target).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import _common
from _common import ROOT, Result, emit, parser

from animator.export import gif, png, video
from animator.export.base import ExportOptions, ExportSource, no_progress
from animator.export.motion import plan_motion
from animator.export.registry import load_source

SCENE = ROOT / "scenes" / "http-get.yaml"
#: Export seconds per second of video: at most 0.5 is "at least twice real time".
TARGET_TIME_RATIO = 0.5
TARGET_GIF_MB = 8.0


@contextmanager
def timed(split: dict[str, float], owner: Any, name: str, key: str) -> Iterator[None]:
    """Add the time spent in ``owner.name`` to ``split[key]`` while the block runs."""
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            split[key] = split.get(key, 0.0) + time.perf_counter() - start

    setattr(owner, name, wrapper)
    try:
        yield
    finally:
        setattr(owner, name, original)


def export_with_split(source: ExportSource, out: Path, options: ExportOptions) -> tuple[float, dict[str, float]]:
    """One video export: its wall time and where the time went."""
    split: dict[str, float] = {}
    with (
        timed(split, png.StageRenderer, "image", "draw"),
        timed(split, video._Converter, "__call__", "convert"),
        timed(split, video._Encoder, "put", "wait for encoder"),
        timed(split, video._Encoder, "_encode", "encode (worker)"),
    ):
        start = time.perf_counter()
        video.export_video(source, out, options, no_progress)
        elapsed = time.perf_counter() - start
    return elapsed, split


def measure(label: str, runs: int, once: Callable[[], tuple[float, dict[str, float]]], seconds: float) -> float:
    times = []
    for run in range(runs):
        elapsed, split = once()
        times.append(elapsed)
        parts = ", ".join(f"{key} {value:.1f} s" for key, value in split.items())
        print(f"  {label} run {run + 1}: {elapsed:.1f} s ({seconds / elapsed:.2f}x real time): {parts}", flush=True)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--webm", action="store_true", help="also time a VP9 export (no target)")
    args = p.parse_args(argv)
    source = load_source(SCENE)
    options = ExportOptions(size=(1920, 1080), fps=30, pause=2.0)
    seconds = plan_motion(source, options.fps, options.pause).duration
    print(f"scene: {SCENE.name}, {source.chapters[0].timeline.step_count} steps; the video plays {seconds:.1f} s at 1080p30")
    results = []
    with tempfile.TemporaryDirectory(prefix="packetstage-bench-") as tmp:
        folder = Path(tmp)
        small = ExportOptions(size=(320, 180), fps=30)
        video.export_video(load_source(SCENE, (0, 1)), folder / "warm.mp4", small, no_progress)

        if args.profile:
            _common.profile(lambda: video.export_video(source, folder / "profile.mp4", options, no_progress))
            return 0

        median = measure("H.264", args.runs, lambda: export_with_split(source, folder / "talk.mp4", options), seconds)
        size = (folder / "talk.mp4").stat().st_size / 2**20
        speed = seconds / median
        print(f"H.264 1080p30: median {median:.2f} s for {seconds:.1f} s of video = {speed:.2f}x real time ({size:.1f} MB)")
        results += [
            Result("video 1080p30 H.264 export (median)", median, "s"),
            Result("video 1080p30 export time / video time", median / seconds, "x", TARGET_TIME_RATIO),
            Result("video 1080p30 speed (x real time, info)", seconds / median, "x"),
        ]
        if args.webm:
            webm = measure("VP9", 1, lambda: export_with_split(source, folder / "talk.webm", options), seconds)
            results.append(Result("video 1080p30 VP9 export (one run)", webm, "s"))

        gif_out = folder / "talk.gif"
        start = time.perf_counter()
        gif.export_gif(source, gif_out, ExportOptions(size=(960, 540), fps=15, pause=2.0), no_progress)
        gif_s = time.perf_counter() - start
        gif_mb = gif_out.stat().st_size / 2**20
        print(f"GIF 960x540 15 fps: {gif_mb:.2f} MB in {gif_s:.1f} s (one run)")
        results += [
            Result("GIF 960x540 15 fps, 10 steps: size", gif_mb, "MB", TARGET_GIF_MB),
            Result("GIF 960x540 15 fps: export (one run)", gif_s, "s"),
        ]
    emit(results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
