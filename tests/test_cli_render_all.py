"""``render --step all [--boxes]``: every pause point in one process, and the boxes a person or a
script can check, with the usual one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from animator.layout.boxes import Rect
from tests.conftest import REPO


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "main.py", *args], capture_output=True, text=True, cwd=REPO, timeout=120)


def test_every_pause_point_becomes_a_png_with_its_boxes(tmp_path: Path) -> None:
    out = tmp_path / "steps"
    done = run("render", "scenes/home-nat.yaml", "--step", "all", "--boxes", "--out", str(out), "--size", "1920x1080")
    assert done.returncode == 0, done.stderr
    pngs = sorted(out.glob("step-*.png"))
    assert [p.name for p in pngs[:2]] == ["step-00.png", "step-01.png"] and len(pngs) == 11  # 10 steps and the start
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert not list(out.glob(".*partial"))  # every file was renamed into place
    described = json.loads((out / "step-08.json").read_text(encoding="utf-8"))
    assert described["size"] == [1920, 1080] and described["step"] == 8 and described["scale"] == 100
    assert described["theme"] == "light"
    items = described["items"]
    name = next(i for i in items if i["kind"] == "name" and i["node"] == "nat")
    assert name["text"] == "Home router (NAT)" and name["px"] >= 22
    assert name["color"].startswith("#") and name["background"] == "#f6f8fb"
    assert {"icon", "name", "address", "table", "chip", "title", "caption", "legend", "link-label"} <= {i["kind"] for i in items}
    rects = [(i["kind"], Rect(*i["box"])) for i in items if i["kind"] != "caption"]
    assert not [(a, b) for n, (a, ra) in enumerate(rects) for b, rb in rects[n + 1 :] if ra.intersects(rb)]


def test_boxes_need_step_all_and_all_needs_a_folder(tmp_path: Path) -> None:
    done = run("render", "scenes/home-nat.yaml", "--step", "2", "--boxes", "--out", str(tmp_path / "x.png"))
    assert done.returncode == 2 and "--boxes goes with --step all" in done.stderr and "Traceback" not in done.stderr
    file = tmp_path / "taken.png"
    file.write_bytes(b"keep me")
    done = run("render", "scenes/home-nat.yaml", "--step", "all", "--out", str(file))
    assert done.returncode == 2 and "is a file" in done.stderr
    assert file.read_bytes() == b"keep me"
    done = run("render", "scenes/home-nat.yaml", "--step", "every", "--out", str(tmp_path / "d"))
    assert done.returncode == 2 and "'every' is not a step" in done.stderr
