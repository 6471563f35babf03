"""Run every benchmark (each in its own process) and print one summary table with targets.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/run_all.py [--only stage,seek] [--strict]

Each script prints its own details as it runs; the table at the end repeats the figures that
matter, with PASS/MISS against the targets. ``--strict`` exits with status 1 when a target is
missed (for a CI job that gates on performance); by default the exit status only reports
whether every script ran.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
BENCHMARKS = {
    "stage": "bench_stage.py",
    "render": "bench_render.py",
    "seek": "bench_seek.py",
    "load": "bench_load.py",
    "startup": "bench_startup.py",
    "packets": "bench_packets.py",
    "import": "bench_import.py",
    "live": "bench_live.py",
    "capture": "bench_capture_flood.py",
    "video": "bench_video.py",
    "html": "bench_html.py",
    "classroom": "bench_classroom.py",
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    p.add_argument("--strict", action="store_true", help="exit with status 1 when any target is missed")
    args = p.parse_args(argv)
    chosen = list(BENCHMARKS) if not args.only else [name.strip() for name in args.only.split(",")]
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        p.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")

    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    table: list[tuple[str, dict[str, object]]] = []
    failed: list[str] = []
    durations: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="packetstage-bench-") as tmp:
        for name in chosen:
            out = Path(tmp) / f"{name}.json"
            print(f"\n=== {name}: {BENCHMARKS[name]} " + "=" * 40, flush=True)
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, str(BENCH_DIR / BENCHMARKS[name]), "--json", str(out)], cwd=ROOT, env=env)
            durations[name] = time.perf_counter() - t0
            if proc.returncode != 0 or not out.exists():
                failed.append(name)
                continue
            table += [(name, row) for row in json.loads(out.read_text())]

    print("\n=== summary " + "=" * 76)
    print(f"{'bench':8} {'figure':48} {'value':>12}  {'target':>12}  verdict")
    missed = 0
    for name, row in table:
        value, unit, target = row["value"], row["unit"], row["target"]
        shown = f"{value:.3f} {unit}"
        if target is None:
            goal, verdict = "", ""
        else:
            goal = f"<= {target:g} {unit}"
            verdict = "PASS" if value <= target else "MISS"
            missed += verdict == "MISS"
        print(f"{name:8} {row['name']:48} {shown:>12}  {goal:>12}  {verdict}")
    for name in failed:
        print(f"{name:8} {'(the script failed: see its output above)':48}")
    print("wall time per script: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in durations.items()))
    print("(2-core shared machine: figures are medians from this one run; expect run-to-run noise of 10-20 %)")
    if failed:
        return 2
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
