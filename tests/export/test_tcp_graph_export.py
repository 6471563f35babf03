"""Exports of a scene with a TCP graph show it beside the stage, cut at the frame's time, as the player does."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage

from animator.export.png import STAGE_SHARE, StageRenderer, ensure_gui_app
from animator.model import load_scene
from animator.render.tcp_graph import graph_colors
from animator.render.theme import LIGHT
from tests.ui.test_tcp_graph_panel import TCP_SCENE, sampled_timeline


def coloured(image: QImage, colour: str, left: int) -> int:
    """How many pixels right of ``left`` are exactly ``colour`` (sampled every other pixel)."""
    want = QColor(colour).rgb()
    return sum(1 for y in range(0, image.height(), 2) for x in range(left, image.width(), 2) if image.pixel(x, y) == want)


def test_png_has_the_graph_beside_the_stage_growing_with_time() -> None:
    ensure_gui_app()
    timeline = sampled_timeline(load_scene(TCP_SCENE))
    renderer = StageRenderer(timeline, (1280, 720))
    assert renderer.layout.size == (round(1280 * STAGE_SHARE), 720)  # the stage keeps the left part, whole
    colors = graph_colors(LIGHT)
    left = renderer.geometry.width
    before = renderer.image(timeline.boundary(1))  # handshake only: no data yet, one cwnd value
    after = renderer.image(timeline.boundary(4))  # five pieces and the retransmission sent
    assert (after.width(), after.height()) == (1280, 720)
    assert coloured(after, colors.retransmissions, left) > coloured(before, colors.retransmissions, left)
    assert coloured(after, colors.segments, left) > coloured(before, colors.segments, left) + 50


def test_scenes_without_a_graph_keep_the_whole_image_for_the_stage() -> None:
    ensure_gui_app()
    from tests.scenekit import timeline

    renderer = StageRenderer(timeline("home-nat"), (1280, 720))
    assert renderer.graph is None and renderer.layout.size == (1280, 720)
