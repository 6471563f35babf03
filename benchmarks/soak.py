"""Soak: play the 200-node stress scene in a loop in the real player window and watch its memory.

A lecture hall leaves PacketStage open for hours, replaying the same scene. Any per-frame or
per-loop allocation that is never freed (a cache keyed on something that changes every frame, a
graphics item per packet never removed, a signal connection per reload) shows up as resident
memory that keeps growing. This script makes an hour of that happen without a screen or a
person:

- a ``MainWindow`` (stage, ladder, inspector, device tables, step list, notes) at 1920x1080,
  offscreen, with private settings, opens the stress scene of ``stress.py`` from a temp file;
- each loop goes home, plays the whole scene continuously, one 60 Hz tick at a time through the
  player clock (``PlayerClock.advance``: time is driven directly, there are no sleeps), and
  repaints the stage and the ladder synchronously as the screen would;
- each loop selects another packet, so the inspector follows one through its hops; with
  ``--reload-every N`` the scene is also reloaded from its file every N loops, as a saved edit
  does (each reload builds a new timeline and layout; glibc keeps some of the freed heap, so
  RSS steps up by a few MB at the first reloads and then levels off, while the live Python
  objects stay the same: see ``--tracemalloc``);
- resident memory (``VmRSS`` of ``/proc/self/status``) is sampled every ``--sample`` seconds.
  The first ``--warmup`` minutes fill the caches (fonts, icons, chip pixmaps, layouts) and are
  not counted: growth is the last sample minus the first sample after warm-up (goal: at most
  10 MB, ``TARGET_GROWTH_MB``). The least-squares slope over the samples after warm-up is
  printed as well, in MB per hour, because one late sample can be noise but a slope is a trend.

``--tracemalloc`` also takes a Python heap snapshot after warm-up and at the end and prints the
allocation sites that grew most, the first place to look when memory grows.

Run from the repo root::

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/soak.py                 # one hour
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/soak.py --minutes 5 --warmup 1

It is not part of ``run_all.py`` (an hour is far beyond that script's budget).
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import _common
from _common import Result, emit, parser, profile
from PySide6.QtCore import QCoreApplication, QEvent, QSettings
from stress import stress_scene_yaml

from animator.export.png import ensure_gui_app

TARGET_GROWTH_MB = 10.0
#: Scene seconds per frame. The player ticks at 60 Hz but advances by the wall-clock time since
#: its last tick (at most 0.1 s); with 1000 packets in flight a frame of the full window takes
#: well over 16 ms on the 2-core machine, so 20 Hz is nearer what it really plays at, and it gives
#: an hour more loops (and reloads) to leak from.
TICK_S = 0.05


def settle(app: QCoreApplication) -> None:
    """What the event loop does between two ticks: handle pending events, then delete the objects
    ``deleteLater()`` was called on. ``processEvents`` alone never deletes them (only a running
    event loop does), so a driver without ``exec()`` would see every replaced widget pile up (the
    device tables panel replaces three tables a loop) and report a leak the app does not have."""
    app.processEvents()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def rss_mb() -> float:
    """Resident set size of this process in MiB, from /proc (no psutil needed)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def slope_per_hour(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MiB) samples, in MiB per hour (0 with fewer than 2)."""
    if len(samples) < 2:
        return 0.0
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_m = sum(m for _, m in samples) / n
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    if var == 0:
        return 0.0
    cov = sum((t - mean_t) * (m - mean_m) for t, m in samples)
    return cov / var * 3600


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=60.0, help="how long to play, wall clock (default 60)")
    p.add_argument("--warmup", type=float, default=5.0, help="minutes not counted in the growth (default 5)")
    p.add_argument("--sample", type=float, default=10.0, help="seconds between RSS samples (default 10)")
    p.add_argument("--nodes", type=int, default=200)
    p.add_argument("--packets", type=int, default=1000)
    p.add_argument(
        "--reload-every",
        type=int,
        default=0,
        help="also reload the scene from its file every N loops, as a saved edit does (default: never)",
    )
    p.add_argument("--tick", type=float, default=TICK_S, help=f"scene seconds per frame (default {TICK_S:g})")
    p.add_argument("--tracemalloc", action="store_true", help="print the Python allocation sites that grew after warm-up")
    args = p.parse_args(argv)
    if args.warmup >= args.minutes:
        p.error("--warmup must be shorter than --minutes")
    if args.profile:
        profile(lambda: soak(args, None), sort="cumulative")
        return 0
    soak(args, args.json)
    return 0


def soak(args: argparse.Namespace, json_path: Path | None) -> None:
    """Play, sample and report (see the module docstring)."""

    app = ensure_gui_app()
    from animator.engine.sequence import message_tracks
    from animator.ui.main_window import MainWindow

    with tempfile.TemporaryDirectory(prefix="packetstage-soak-") as tmp:
        scene = Path(tmp) / "stress.yaml"
        scene.write_text(stress_scene_yaml(args.nodes, args.packets), encoding="utf-8")
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings)
        window.resize(1920, 1080)
        window.show()
        app.processEvents()
        if not window.open_scene(scene):
            raise SystemExit(f"soak: the stress scene did not open: {window.banner.text()}")
        timeline = window.timeline
        assert timeline is not None
        packet_ids = [track.id for track in message_tracks(timeline)]
        stage_viewport = window.stage.viewport()
        ladder_viewport = window.inspection.ladder.view.viewport()
        print(
            f"soak: {args.nodes} nodes, {len(packet_ids)} packets, {timeline.step_count} steps, "
            f"{timeline.duration:.1f} s of scene per loop; {args.minutes:g} min, warm-up {args.warmup:g} min",
            flush=True,
        )

        start = time.monotonic()
        deadline = start + args.minutes * 60
        warm_at = start + args.warmup * 60
        next_sample = start
        samples: list[tuple[float, float]] = []  # (seconds since start, MiB) after warm-up
        before: tracemalloc.Snapshot | None = None
        loops = frames = 0
        worst_frame = 0.0
        while time.monotonic() < deadline:
            if args.reload_every and loops and loops % args.reload_every == 0:
                window.reload()
                settle(app)
            window.inspection.select_packet(packet_ids[loops % len(packet_ids)] if packet_ids else None)
            window.clock.home()
            window.clock.set_pause_at_steps(False)
            window.clock.play()
            while window.clock.playing:
                t0 = time.perf_counter()
                window.clock.advance(args.tick)
                stage_viewport.repaint()
                ladder_viewport.repaint()
                settle(app)
                worst_frame = max(worst_frame, time.perf_counter() - t0)
                frames += 1
                now = time.monotonic()
                if now >= next_sample:
                    next_sample = now + args.sample
                    if now >= warm_at:
                        if not samples:
                            gc.collect()
                            if args.tracemalloc:
                                tracemalloc.start(12)
                                before = tracemalloc.take_snapshot()
                        samples.append((now - start, rss_mb()))
                    if len(samples) % 6 == 1 or now < warm_at:
                        phase = "warm-up" if now < warm_at else f"growth {samples[-1][1] - samples[0][1]:+.1f} MiB"
                        print(f"  {(now - start) / 60:6.1f} min  loop {loops:5d}  RSS {rss_mb():7.1f} MiB  {phase}", flush=True)
                if now >= deadline:
                    break
            loops += 1
        window.clock.stop()
        gc.collect()
        samples.append((time.monotonic() - start, rss_mb()))
        elapsed = time.monotonic() - start

        if before is not None:
            after = tracemalloc.take_snapshot()
            print("\n--- tracemalloc: allocation sites that grew most since warm-up ---")
            for stat in after.compare_to(before, "traceback")[:15]:
                print(f"{stat.size_diff / 1024:+10.1f} KiB  {stat.count_diff:+7d} blocks")
                for line in stat.traceback.format()[-6:]:
                    print(f"      {line}")
            tracemalloc.stop()
        window.close()
        app.processEvents()

    first, last = samples[0][1], samples[-1][1]
    print(
        f"\nsoak: {elapsed / 60:.1f} min, {loops} loops, {frames} frames ({frames / elapsed:.0f}/s), "
        f"worst frame {worst_frame * 1000:.0f} ms; RSS after warm-up {first:.1f} MiB, at the end {last:.1f} MiB, "
        f"peak {max(m for _, m in samples):.1f} MiB"
    )
    emit(
        [
            Result("RSS after warm-up", first, "MiB"),
            Result("RSS growth after warm-up", last - first, "MiB", TARGET_GROWTH_MB),
            Result("RSS trend after warm-up", slope_per_hour(samples), "MiB/h"),
            Result("loops played", loops, "loops"),
        ],
        json_path,
    )


if __name__ == "__main__":
    _ = _common  # imported for its side effects: repo root on sys.path, offscreen Qt
    sys.exit(main())
