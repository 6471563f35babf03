"""Cold start to first painted frame: PacketStage on its default scene vs a bare Qt window.

Each start is a fresh ``python`` process (offscreen platform), timed from just before
``subprocess`` spawns it to the moment its first frame has been painted: the child prints
``time.perf_counter()`` (CLOCK_MONOTONIC, shared by all processes) right after Qt painted the
window for its first expose event, then exits at once (see ``startup_driver.py``).

  (a) baseline:    QApplication + QMainWindow(1280x800) with a QLabel  (startup_driver.py --baseline)
  (b) PacketStage: ``animator.cli.main([])`` (as ``python main.py``: default scene), first frame
                   painted including the stage's viewport              (startup_driver.py)
  (c) ``python main.py --exit-after 0``: spawn to process exit, for reference (the hidden option
      closes the window from a zero timer; it does not say whether a frame was painted first).

N runs of each after one warm-up run of each, in rotating order so drift on this noisy 2-core
machine hits all alike. Children get a private ``XDG_CONFIG_HOME`` (PacketStage records the
opened scene in its settings) and a private ``PYTHONPYCACHEPREFIX`` with bytecode writing on,
so they start from warm ``.pyc`` files, as an installed copy or a second start from source does.
Finally ``python -X importtime main.py --exit-after 0`` lists the 10 largest cumulative imports.
"""

from __future__ import annotations

import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from _common import BENCH_DIR, ROOT, Result, emit, parser

TARGET_RATIO = 1.3
DRIVER = BENCH_DIR / "startup_driver.py"


def child_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["XDG_CONFIG_HOME"] = str(tmp / "config")
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PACKETSTAGE_BENCH_PROFILE", None)
    return env


@dataclass
class Start:
    first_frame: float  # seconds from spawn to the first painted frame
    exit: float  # seconds from spawn to process exit
    #: how long each phase took (the first from spawn), in the order the child reported them
    phases: dict[str, float] = field(default_factory=dict)


def first_paint(args: list[str], env: dict[str, str]) -> Start:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    t1 = time.perf_counter()
    match = re.search(r"^FIRST_PAINT ([0-9.]+)$", proc.stdout, re.MULTILINE)
    if proc.returncode != 0 or match is None:
        raise RuntimeError(f"{' '.join(args)} failed (exit {proc.returncode}): {proc.stdout[-500:]}{proc.stderr[-1500:]}")
    stamps = [(name, float(t)) for name, t in re.findall(r"^PHASE (.*)\t([0-9.]+)$", proc.stdout, re.MULTILINE)]
    stamps.append(("first expose painted", float(match.group(1))))
    phases, previous = {}, t0
    for name, t in stamps:
        phases[name] = t - previous
        previous = t
    return Start(float(match.group(1)) - t0, t1 - t0, phases)


def until_exit(args: list[str], env: dict[str, str]) -> Start:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed (exit {proc.returncode}): {proc.stderr[-1500:]}")
    return Start(float("nan"), elapsed)


def import_offenders(env: dict[str, str], top: int = 10) -> list[tuple[int, int, str]]:
    """(self µs, cumulative µs, module with its tree indentation) of the largest cumulative imports."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "main.py", "--exit-after", "0"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    rows = []
    for line in proc.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (.*)$", line)
        if match:
            rows.append((int(match.group(1)), int(match.group(2)), match.group(3)))
    return sorted(rows, key=lambda r: r[1], reverse=True)[:top]


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("-n", "--runs", type=int, default=7, help="starts of each kind (default 7)")
    args = p.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="packetstage-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = child_env(tmp)
        kinds = {
            "baseline": lambda: first_paint([str(DRIVER), "--baseline"], env),
            "packetstage": lambda: first_paint([str(DRIVER)], env),
            "main.py --exit-after 0": lambda: until_exit(["main.py", "--exit-after", "0"], env),
        }
        if args.profile:
            stats_file = tmp / "startup.prof"
            first_paint([str(DRIVER)], env)  # warm the bytecode cache first
            first_paint([str(DRIVER)], {**env, "PACKETSTAGE_BENCH_PROFILE": str(stats_file)})
            for key in ("cumulative", "tottime"):
                print(f"--- cProfile of PacketStage start (driver main() to first paint), top 30 by {key} ---")
                stats = pstats.Stats(str(stats_file))
                stats.sort_stats(key).print_stats(30)
            return 0

        for run in kinds.values():  # warm-up: page cache, bytecode cache, font cache
            run()
        samples: dict[str, list[Start]] = {name: [] for name in kinds}
        names = list(kinds)
        for i in range(args.runs):
            order = names[i % len(names) :] + names[: i % len(names)]
            for name in order:
                samples[name].append(kinds[name]())
        offenders = import_offenders(env)

    base_first = statistics.median(s.first_frame for s in samples["baseline"])
    app_first = statistics.median(s.first_frame for s in samples["packetstage"])
    ratio = app_first / base_first
    print(f"{args.runs} starts of each, rotating order; medians (min .. max):")
    for name in ("baseline", "packetstage"):
        firsts = [s.first_frame * 1e3 for s in samples[name]]
        exits = [s.exit * 1e3 for s in samples[name]]
        print(
            f"  {name:24} first frame {statistics.median(firsts):7.1f} ms ({min(firsts):.1f} .. {max(firsts):.1f}); "
            f"spawn to exit {statistics.median(exits):7.1f} ms"
        )
        for phase in samples[name][0].phases:
            print(f"      {phase:52} {statistics.median(s.phases[phase] for s in samples[name]) * 1e3:7.1f} ms")
    exits = [s.exit * 1e3 for s in samples["main.py --exit-after 0"]]
    print(
        f"  {'main.py --exit-after 0':24} spawn to exit {statistics.median(exits):7.1f} ms ({min(exits):.1f} .. {max(exits):.1f})"
    )
    print(f"ratio PacketStage / baseline (first frame): {ratio:.2f}")
    print()
    print("python -X importtime main.py --exit-after 0: the 10 largest cumulative imports")
    print(f"  {'self ms':>8} {'cumul ms':>9}  module")
    for self_us, cumulative_us, module in offenders:
        print(f"  {self_us / 1e3:8.1f} {cumulative_us / 1e3:9.1f}  {module}")
    emit(
        [
            Result("startup ratio PacketStage / bare Qt window", ratio, "x", TARGET_RATIO),
            Result("  PacketStage first frame median", app_first * 1e3, "ms"),
            Result("  bare Qt window first frame median", base_first * 1e3, "ms"),
            Result("  main.py --exit-after 0, spawn to exit median", statistics.median(exits), "ms"),
        ],
        args.json,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
