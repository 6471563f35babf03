"""The layout stage: where every drawable sits for an output size and text scale (Qt-free).

``StageLayout(timeline, size, scale)`` places devices, labels, tables, bubbles, chips, title,
legend and caption as ``Box`` es in output pixels; every renderer draws those boxes.
"""

from animator.layout.boxes import Box, Rect, describe
from animator.layout.stage import StageLayout, min_px

__all__ = ["Box", "Rect", "StageLayout", "describe", "min_px"]
