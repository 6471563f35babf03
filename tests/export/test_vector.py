"""The vector stage (PDF, SVG) paints what the player's stage shows: the same layers, in the same order.

``animator.export.vector`` repeats the stage's composition (label layer, glowing links, network,
overlays, chips) without its pixmap caches; if the stage changes how it composes a frame and the
vector path does not follow, this comparison fails.
"""

from __future__ import annotations

import numpy as np
import pytest

from animator.engine import build_timeline
from animator.model import load_scene
from animator.resources import scenes_dir

pytestmark = pytest.mark.gui


def pixels(image: object) -> np.ndarray:
    from PySide6.QtGui import QImage

    assert isinstance(image, QImage)
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    row = rgb.bytesPerLine()
    data = np.frombuffer(bytes(rgb.constBits()), dtype=np.uint8).reshape(rgb.height(), row)
    return data[:, : rgb.width() * 3].reshape(rgb.height(), rgb.width(), 3).astype(np.int16)


@pytest.mark.parametrize("name", ["http-get.yaml", "home-nat.yaml"])
def test_the_vector_stage_is_the_stage(name: str) -> None:
    from PySide6.QtGui import QColor, QImage

    from animator.export.png import StageRenderer
    from animator.export.vector import TextPainter, VectorStage

    timeline = build_timeline(load_scene(scenes_dir() / name))
    size = (800, 450)
    renderer = StageRenderer(timeline, size)
    stage = VectorStage(timeline, size)
    try:
        for step in range(timeline.step_count + 1):
            t = timeline.boundary(step)
            drawn = QImage(*size, QImage.Format.Format_ARGB32_Premultiplied)
            drawn.fill(QColor("magenta"))  # anything the vector stage leaves unpainted would show
            painter = TextPainter(drawn)
            stage.paint(painter, t)
            painter.end()
            difference = np.abs(pixels(renderer.image(t)) - pixels(drawn)).max(axis=2)
            # Icons drawn from their SVGs rather than blitted, and "fi" unjoined, differ by a few
            # anti-aliased pixels; a missing or misplaced table, chip or caption by thousands.
            assert (difference > 60).mean() < 0.004, f"{name} step {step}"
    finally:
        renderer.close()
