"""The stage and the PNG exporter draw through one compositor (``animator.render``): same pixels.

``StageRenderer`` no longer shows a ``StageView`` offscreen; it paints with the layers the
stage paints with. These tests hold the two to the same picture, pixel for pixel, and check the
zoomed-in path: panning blits the cached layers at a new offset instead of drawing them again,
and shows what drawing them again would have shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from animator.engine import build_timeline
from animator.engine.timeline import Timeline
from animator.export.png import StageRenderer
from animator.model import load_scene
from animator.resources import scenes_dir
from animator.ui.stage.view import StageView

SIZE = (960, 540)


def pixels(image: QImage) -> np.ndarray:
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    row = rgb.bytesPerLine()
    data = np.frombuffer(bytes(rgb.constBits()), dtype=np.uint8).reshape(rgb.height(), row)
    return data[:, : rgb.width() * 3].reshape(rgb.height(), rgb.width(), 3).astype(np.int16)


@pytest.fixture
def timeline() -> Timeline:
    return build_timeline(load_scene(scenes_dir() / "home-nat.yaml"))


@pytest.fixture
def stage(app: QApplication, qtbot: QtBot, timeline: Timeline) -> Iterator[StageView]:
    view = StageView()
    qtbot.addWidget(view)
    view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    view.resize(*SIZE)
    view.show()
    view.set_timeline(timeline)
    yield view


def shown(stage: StageView, t: float) -> QImage:
    stage.show_frame(stage.timeline.state_at(t))  # type: ignore[union-attr]
    return stage.viewport().grab().toImage()


def test_an_exported_frame_is_the_stage_pixel_for_pixel(stage: StageView, timeline: Timeline) -> None:
    renderer = StageRenderer(timeline, SIZE)
    try:
        # Pause points (docked chips, tables) and moments mid-step (chips in flight, fades).
        times = [timeline.boundary(s) for s in range(timeline.step_count + 1)]
        times += [(timeline.boundary(s) + timeline.boundary(s + 1)) / 2 for s in range(timeline.step_count)]
        for t in times:
            assert (pixels(shown(stage, t)) == pixels(renderer.image(t))).all(), f"t={t:.3f}"
    finally:
        renderer.close()


def test_a_zoomed_stage_pans_by_blitting_its_layers(stage: StageView, timeline: Timeline) -> None:
    """Zoomed in, a pan moves the cached layers; the picture is what a stage opened right there shows."""
    t = (timeline.boundary(2) + timeline.boundary(3)) / 2
    stage.zoom_state.set_view(2.0, None)
    shown(stage, t)
    compositor = stage.compositor
    assert compositor is not None
    region = compositor._region_serial
    stage.pan_pixels(37, -23)
    panned = shown(stage, t)
    assert compositor._region_serial == region, "a small pan redrew the labels instead of blitting them"

    fresh = StageView()
    fresh.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    fresh.resize(*SIZE)
    fresh.show()
    try:
        fresh.set_timeline(timeline)
        centre = stage.zoom_state.centre
        assert centre is not None
        fresh.zoom_state.set_view(2.0, QPointF(centre))
        assert fresh.viewportTransform() == stage.viewportTransform()
        difference = np.abs(pixels(panned) - pixels(shown(fresh, t))).max(axis=2)
        assert (difference > 0).mean() < 0.001, f"{(difference > 0).sum()} pixels differ"
    finally:
        fresh.close()


def test_a_long_pan_draws_the_region_again(stage: StageView, timeline: Timeline) -> None:
    stage.zoom_state.set_view(4.0, None)
    shown(stage, timeline.boundary(1))
    compositor = stage.compositor
    assert compositor is not None
    region = compositor._region_serial
    stage.pan_pixels(SIZE[0], 0)  # beyond the margin drawn round the viewport
    shown(stage, timeline.boundary(1))
    assert compositor._region_serial == region + 1


def test_following_a_packet_keeps_the_layers(stage: StageView, timeline: Timeline) -> None:
    """Following a packet pans every frame: within a step the labels are drawn once or twice, not per frame."""
    stage.zoom_state.set_follow(True)
    start, end = timeline.boundary(2), timeline.boundary(3)
    shown(stage, start)
    compositor = stage.compositor
    assert compositor is not None
    region = compositor._region_serial
    frames = 60
    for i in range(frames):
        shown(stage, start + (end - start) * i / frames)
    assert compositor._region_serial - region < frames // 6


def test_the_icon_and_chip_caches_stay_bounded_through_300_pinch_steps(stage: StageView, timeline: Timeline) -> None:
    from animator.render import icons

    icons._icons.clear()
    icons._sizes.clear()
    shown(stage, (timeline.boundary(1) + timeline.boundary(2)) / 2)
    for i in range(300):
        stage.zoom_by(1.02 if (i // 60) % 2 == 0 else 1 / 1.02)
        stage.viewport().repaint()
    _, count, size = icons.cache_sizes()
    kinds = {node.icon_kind for node in timeline.scene.nodes}
    # Unbounded, this was 196 pixmaps (6.7 MiB): one per kind and zoom step.
    assert count <= icons.SIZES_PER_KIND * len(kinds)
    assert size <= icons.MAX_ICON_BYTES
    sprites = stage.packets.sprites
    assert sprites is not None
    from animator.render.chips import MAX_CHIP_BYTES

    assert sprites.cached_bytes() <= MAX_CHIP_BYTES
    assert count > 0


def test_an_exported_png_matches_the_shown_stage(stage: StageView, timeline: Timeline, tmp_path: Path) -> None:
    from animator.export.png import render_png

    t = timeline.boundary(2)
    out = tmp_path / "frame.png"
    render_png(timeline, t, out, SIZE)
    assert (pixels(QImage(str(out))) == pixels(shown(stage, t))).all()
