"""Exports of a scene with a TCP graph show it beside the stage, cut at the frame's time, as the player does."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

from animator import looks
from animator.export.png import STAGE_SHARE, StageRenderer, ensure_gui_app
from animator.looks import graph_colors
from animator.model import load_scene
from animator.render.tcp_graph import graph_image
from animator.render.theme import LIGHT, THEMES
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


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_every_line_reads_on_its_background(theme: str) -> None:
    """WCAG's 3:1 for graphics: a washed-out projector still shows every line."""
    colors = graph_colors(THEMES[theme])
    for name in ("segments", "retransmissions", "ack", "window", "cwnd", "ssthresh", "rwnd"):
        assert looks.contrast(getattr(colors, name), colors.background) >= 3.0, name


def test_scenes_without_a_graph_keep_the_whole_image_for_the_stage() -> None:
    ensure_gui_app()
    from tests.scenekit import timeline

    renderer = StageRenderer(timeline("home-nat"), (1280, 720))
    assert renderer.graph is None and renderer.layout.size == (1280, 720)


REFERENCES = Path(__file__).parent / "references"
UPDATE = os.environ.get("PACKETSTAGE_UPDATE_REFERENCES") == "1"


def _difference(a: QImage, b: QImage) -> float:
    """Mean absolute channel difference, 0-255."""
    total, count = 0, 0
    for y in range(0, a.height(), 2):
        for x in range(0, a.width(), 2):
            ca, cb = QColor(a.pixel(x, y)), QColor(b.pixel(x, y))
            total += abs(ca.red() - cb.red()) + abs(ca.green() - cb.green()) + abs(ca.blue() - cb.blue())
            count += 3
    return total / count


@pytest.mark.parametrize(("theme", "scale"), [("light", 1.0), ("dark", 1.5)])
def test_graph_matches_its_reference_image(tmp_path: Path, theme: str, scale: float) -> None:
    """Catches unintended changes to the exported graph; approve intended ones with PACKETSTAGE_UPDATE_REFERENCES=1."""
    ensure_gui_app()
    timeline = sampled_timeline(load_scene(TCP_SCENE))
    graph = timeline.tcp_graph()
    assert graph is not None
    image = graph_image(graph, timeline.boundary(4), (480, 540), THEMES[theme], scale)
    name = f"tcp-graph-{theme}-{round(scale * 100)}.png"
    reference = REFERENCES / name
    if UPDATE:
        REFERENCES.mkdir(exist_ok=True)
        image.save(str(reference))
        pytest.skip(f"wrote new reference {name}; look at it and commit it")
    assert reference.exists(), f"missing reference {name}: make it with PACKETSTAGE_UPDATE_REFERENCES=1 and look at it"
    diff = _difference(image.convertToFormat(QImage.Format.Format_RGB32), QImage(str(reference)))
    assert diff < 1.5, f"the graph differs from {name} by {diff:.2f}/255 on average"
