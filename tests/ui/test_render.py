"""Headless rendering: every built-in scene at every pause point, and a reference image."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

from animator.engine import build_timeline
from animator.export.png import render_png
from animator.model import load_scene
from animator.resources import builtin_scenes, default_scene
from tests.stage_points import background_point

REFERENCES = Path(__file__).parent / "references"
#: Set to regenerate reference images on purpose (then look at them before committing).
UPDATE = os.environ.get("PACKETSTAGE_UPDATE_REFERENCES") == "1"


def distinct_colours(image: QImage, step: int = 7) -> int:
    colours = set()
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            colours.add(image.pixel(x, y))
    return len(colours)


@pytest.mark.parametrize("path", builtin_scenes(), ids=lambda p: p.name)
def test_every_scene_renders_at_every_step_boundary(app: object, path: Path, tmp_path: Path) -> None:
    timeline = build_timeline(load_scene(path))
    assert timeline.step_count >= 1
    for step in range(timeline.step_count + 1):
        out = tmp_path / f"{step}.png"
        render_png(timeline, timeline.boundary(step), out, (640, 360))
        image = QImage(str(out))
        assert (image.width(), image.height()) == (640, 360)
        assert distinct_colours(image) > 20, f"step {step} looks blank"


def test_render_size_and_background(app: object, tmp_path: Path) -> None:
    timeline = build_timeline(load_scene(default_scene()))
    out = tmp_path / "big.png"
    render_png(timeline, 0.0, out, (1920, 1080))
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1920, 1080)
    x, y = background_point(timeline, (1920, 1080), 0)
    assert QColor(image.pixel(x, y)).name() == "#f6f8fb"  # the stage background, not black


def _difference(a: QImage, b: QImage) -> float:
    """Mean absolute channel difference, 0-255."""
    total, count = 0, 0
    for y in range(0, a.height(), 2):
        for x in range(0, a.width(), 2):
            ca, cb = QColor(a.pixel(x, y)), QColor(b.pixel(x, y))
            total += abs(ca.red() - cb.red()) + abs(ca.green() - cb.green()) + abs(ca.blue() - cb.blue())
            count += 3
    return total / count


@pytest.mark.parametrize(
    ("name", "when", "theme", "palette", "scale"),
    [
        ("step1", 1.0, "light", "standard", 1.0),
        ("mid-step2", 1.6, "light", "standard", 1.0),
        ("step2", 2.0, "light", "standard", 1.0),
        ("dark-step1", 1.0, "dark", "standard", 1.0),
        ("high-contrast-step1", 1.0, "high-contrast", "standard", 1.0),
        ("okabe-ito-mid-step2", 1.6, "light", "okabe-ito", 1.0),
        ("scale150-mid-step2", 1.6, "light", "standard", 1.5),
    ],
)
def test_matches_reference_image(
    app: object, tmp_path: Path, name: str, when: float, theme: str, palette: str, scale: float
) -> None:
    """Catches unintended visual changes; approve intended ones with PACKETSTAGE_UPDATE_REFERENCES=1.

    ``when`` is in steps: 1.6 is 60% of the way through step 2.
    """
    timeline = build_timeline(load_scene(Path(__file__).parent / "reference_scene.yaml"))
    step = int(when)
    t = (
        timeline.boundary(step) + (when - step) * (timeline.boundary(step + 1) - timeline.boundary(step))
        if when % 1
        else timeline.boundary(step)
    )
    out = tmp_path / "frame.png"
    render_png(timeline, t, out, (960, 540), theme, palette, scale)
    reference = REFERENCES / f"reference-{name}.png"
    if UPDATE:
        REFERENCES.mkdir(exist_ok=True)
        out.replace(reference)
        pytest.skip(f"wrote new reference {reference.name}; look at it and commit it")
    assert reference.exists(), f"missing reference {reference.name}: make it with PACKETSTAGE_UPDATE_REFERENCES=1 and look at it"
    diff = _difference(QImage(str(out)), QImage(str(reference)))
    assert diff < 1.5, f"frame differs from {reference.name} by {diff:.2f}/255 on average"
