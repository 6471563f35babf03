"""``export --html``: the size of the page and how soon headless Chromium paints it.

Three exports, each a fresh ``main.py export`` process as a user runs it: a 30-step scene with real
packets (``http-get.yaml``'s ten steps three times over: ARP, a TCP handshake through NAT, HTTP,
three quizzes, four chapters), the 30-step stress lecture of ``bench_render.py``
(``stress.many_steps_yaml``, 12 devices, labelled chips), and the whole course deck
(``scenes/backend-fundamentals.deck.yaml``, 29 scenes). For each: the export's wall time (one run)
and the file's size. Then each page is opened ``--runs`` times in Debian's chromium (Playwright,
a fresh context each time, from ``file://``): the median time to the first contentful paint, and to
the player being built and showing step 0 (the ``packetstage-ready`` mark at the end of its script).

Targets (issue 12): at most 2 MB for a 30-step scene; first paint within 1 s.
"""

from __future__ import annotations

import copy
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, Result, emit, parser
from stress import many_steps_yaml

SIZE_TARGET_MB = 2.0
PAINT_TARGET_MS = 1000.0
CHROMIUM = Path("/usr/bin/chromium")


def thirty_real_steps(folder: Path) -> Path:
    """http-get.yaml's steps three times over (later copies lose their ids and chapter starts)."""
    import yaml

    data = yaml.safe_load((ROOT / "scenes" / "http-get.yaml").read_text(encoding="utf-8"))
    steps = []
    for round_ in range(3):
        for step in data["steps"]:
            step = copy.deepcopy(step)
            if round_:
                step.pop("id", None)
                step.pop("chapter", None)
            steps.append(step)
    data["steps"] = steps
    path = folder / "http-get-x3.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def export(scene: Path, out: Path) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    command = [sys.executable, str(ROOT / "main.py"), "export", str(scene), "--html", str(out), "--force"]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return elapsed


def paint_times(pages: dict[str, Path], runs: int) -> dict[str, tuple[list[float], list[float]]]:
    """Per page: first contentful paint and player-ready times (ms from navigation start)."""
    from playwright.sync_api import sync_playwright

    found: dict[str, tuple[list[float], list[float]]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            for name, path in pages.items():
                paints, ready = [], []
                for run in range(runs + 1):  # one warm-up: the browser's own first start
                    context = browser.new_context(viewport={"width": 1920, "height": 1080})
                    page = context.new_page()
                    page.goto(path.as_uri())
                    page.wait_for_selector("#stage .fixed use")
                    page.wait_for_timeout(100)
                    fcp = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1")
                    mark = page.evaluate("performance.getEntriesByName('packetstage-ready')[0]?.startTime ?? -1")
                    context.close()
                    if run:
                        paints.append(float(fcp))
                        ready.append(float(mark))
                found[name] = (paints, ready)
        finally:
            browser.close()
    return found


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=7, help="page loads per export for the first-paint median")
    p.add_argument("--no-deck", action="store_true", help="skip the 29-scene deck (its export takes ~15 s)")
    args = p.parse_args(argv)
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        stress = folder / "stress-30.yaml"
        stress.write_text(many_steps_yaml(30, nodes=12), encoding="utf-8")
        scenes = {"30 real steps": thirty_real_steps(folder), "30 stress steps": stress}
        if not args.no_deck:
            scenes["course deck"] = ROOT / "scenes" / "backend-fundamentals.deck.yaml"
        pages = {}
        for name, scene in scenes.items():
            out = folder / f"{name.replace(' ', '-')}.html"
            seconds = export(scene, out)
            megabytes = out.stat().st_size / 1e6
            pages[name] = out
            print(f"{name:16} export {seconds:6.2f} s   {megabytes:6.3f} MB")
            target = SIZE_TARGET_MB if name != "course deck" else None
            results.append(Result(f"html size, {name}", megabytes, "MB", target))
            results.append(Result(f"html export time, {name}", seconds, "s"))
        if not CHROMIUM.exists():
            print(f"first paint: skipped ({CHROMIUM} is not installed)")
        else:
            for name, (paints, ready) in paint_times(pages, args.runs).items():
                fcp, built = statistics.median(paints), statistics.median(ready)
                runs = ", ".join(f"{t:.0f}" for t in paints)
                print(f"{name:16} first paint median {fcp:6.0f} ms (runs {runs}); player ready median {built:6.0f} ms")
                results.append(Result(f"html first paint, {name}", fcp, "ms", PAINT_TARGET_MS))
                results.append(Result(f"html player ready, {name}", built, "ms"))
    emit(results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
