"""Where to look in a rendered frame: a pixel the layout leaves empty (pure stage background)."""

from __future__ import annotations

from animator.engine.timeline import Timeline
from animator.layout import StageLayout
from animator.layout.boxes import Rect


def background_point(timeline: Timeline, size: tuple[int, int], step: int, scale: float = 1.0) -> tuple[int, int]:
    """A pixel at least 12 px from every box the layout draws at this pause point and every link."""
    layout = StageLayout(timeline, size, scale)
    boxes = layout.boxes(timeline.state_at(timeline.boundary(step)))
    segments = list(layout.segments)
    area = layout.area
    for gy in range(20):
        for gx in range(20):
            x, y = area.x + area.w * (gx + 0.5) / 20, area.y + area.h * (gy + 0.5) / 20
            probe = Rect(x - 12, y - 12, 24, 24)
            if any(b.rect.intersects(probe) for b in boxes):
                continue
            if any(_near_segment(x, y, a, b) for a, b in segments):
                continue
            return round(x), round(y)
    raise AssertionError("the layout leaves no empty spot on the stage")


def _near_segment(x: float, y: float, a: tuple[float, float], b: tuple[float, float], reach: float = 14.0) -> bool:
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy or 1.0
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / length2))
    px, py = ax + t * dx, ay + t * dy
    return (x - px) ** 2 + (y - py) ** 2 < reach * reach
