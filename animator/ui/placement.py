"""Where a node's table card goes: the nearby spot that covers the fewest other things.

A NAT table hung straight under its router often lies across the link to the LAN host below,
and then the packet arriving at that host lands on the table. Trying a handful of spots around
the node and scoring each by what it would cover (other devices, links, bubbles, tables
already placed) keeps the stage readable without asking authors to position every card.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QLineF, QPointF, QRectF

#: Relative cost of covering part of another device, a link, or another card.
NODE_WEIGHT = 6.0
LINK_WEIGHT = 2500.0
CARD_WEIGHT = 6.0


def _crossings(rect: QRectF, segments: Iterable[QLineF]) -> int:
    edges = [
        QLineF(rect.topLeft(), rect.topRight()),
        QLineF(rect.topRight(), rect.bottomRight()),
        QLineF(rect.bottomRight(), rect.bottomLeft()),
        QLineF(rect.bottomLeft(), rect.topLeft()),
    ]
    count = 0
    for segment in segments:
        inside = rect.contains(segment.p1()) or rect.contains(segment.p2())
        if inside or any(segment.intersects(edge)[0] == QLineF.IntersectionType.BoundedIntersection for edge in edges):
            count += 1
    return count


def _overlap(rect: QRectF, others: Iterable[QRectF]) -> float:
    total = 0.0
    for other in others:
        common = rect.intersected(other)
        if not common.isEmpty():
            total += common.width() * common.height()
    return total


def candidate_offsets(size: QRectF, node_half_width: float, text_bottom: float, icon_half: float) -> list[QPointF]:
    """Top-centre of the card relative to the node centre, in order of preference."""
    w, h = size.width(), size.height()
    side = node_half_width + 8 + w / 2
    shift = max(0.0, w / 2 - 40)
    return [
        QPointF(0, text_bottom),  # below, centred
        QPointF(shift, text_bottom),  # below, hanging right
        QPointF(-shift, text_bottom),  # below, hanging left
        QPointF(side, -h / 2),  # right
        QPointF(-side, -h / 2),  # left
        QPointF(0, -icon_half - 16 - h),  # above
    ]


def choose_offset(
    centre: QPointF,
    size: QRectF,
    candidates: list[QPointF],
    obstacles: list[QRectF],
    links: list[QLineF],
) -> QPointF:
    """The candidate whose card covers least; earlier candidates win ties."""
    best, best_score = candidates[0], float("inf")
    for rank, offset in enumerate(candidates):
        top_centre = centre + offset
        rect = QRectF(top_centre.x() - size.width() / 2, top_centre.y(), size.width(), size.height())
        score = NODE_WEIGHT * _overlap(rect, obstacles) + LINK_WEIGHT * _crossings(rect, links) + rank
        if score < best_score:
            best, best_score = offset, score
    return best
