"""The boxes a layout produces: where each drawable sits, in output pixels, and what it says.

Plain data, so every renderer (the Qt stage, PNG, later video, PDF and HTML) draws the same
boxes, and a test can check a whole scene for overlaps, tiny text and poor contrast without
drawing a pixel. Colours are theme *roles* ("text", "panel_fill", "protocol:tcp"), resolved
for a theme and palette by ``resolve`` only when someone needs the hex values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from animator import looks

#: Every kind of box, in the order renderers draw them (later ones on top).
KINDS = (
    "link-label",
    "icon",
    "name",
    "address",
    "badge",
    "table",
    "bubble",
    "chip",
    "title",
    "subtitle",
    "legend",
    "caption",
    "quiz",
)


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def intersects(self, other: Rect, slack: float = 0.5) -> bool:
        """True when the two overlap by more than ``slack`` pixels both ways (touching is fine)."""
        return (
            min(self.right, other.right) - max(self.x, other.x) > slack
            and min(self.bottom, other.bottom) - max(self.y, other.y) > slack
        )

    def inside(self, outer: Rect, slack: float = 0.5) -> bool:
        return (
            self.x >= outer.x - slack
            and self.y >= outer.y - slack
            and self.right <= outer.right + slack
            and self.bottom <= outer.bottom + slack
        )

    def union(self, other: Rect) -> Rect:
        x, y = min(self.x, other.x), min(self.y, other.y)
        return Rect(x, y, max(self.right, other.right) - x, max(self.bottom, other.bottom) - y)

    def moved(self, dx: float, dy: float) -> Rect:
        return Rect(self.x + dx, self.y + dy, self.w, self.h)

    def contains(self, x: float, y: float) -> bool:
        return self.x <= x <= self.right and self.y <= y <= self.bottom


@dataclass(frozen=True, slots=True)
class Box:
    """One drawable: its kind, its rectangle in output pixels, its text and how to draw it.

    ``px`` is the smallest font pixel size inside (0 for an icon); ``color`` and
    ``background`` are theme roles of the text and of what is behind it; ``full`` is the
    whole text when ``text`` had to be elided (for tooltips and the inspector); ``data`` holds
    what only a renderer needs (table rows, a bubble's tip, a chip's direction).
    """

    kind: str
    rect: Rect
    text: str = ""
    px: int = 0
    node: str = ""
    ref: str = ""
    color: str = "text"
    background: str = "background"
    full: str = ""
    data: Any = None


@dataclass(frozen=True, slots=True)
class TableCard:
    """What a table box draws: its rows after truncation, and how many newer rows did not fit."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    hidden_rows: int
    col_widths: tuple[float, ...]
    title_px: int
    cell_px: int
    line_h: float
    title_h: float
    pad: float
    col_gap: float
    #: A line (x1, y1, x2, y2) back to the device, when the card had to go further away.
    leader: tuple[float, float, float, float] | None = None


@dataclass(frozen=True, slots=True)
class BubbleTip:
    """Where a bubble's tail points (the device's icon edge) and the wrapped lines it holds."""

    tip_x: float
    tip_y: float
    lines: tuple[str, ...]
    line_h: float


@dataclass(frozen=True, slots=True)
class ChipLook:
    """A chip: protocol colour, whether it was dropped, and the way it travelled (unit vector,
    or (0, 0) when it has no direction to show)."""

    protocol: str
    dropped: bool
    dx: float
    dy: float
    arrow_w: float
    opacity: float = 1.0


@dataclass(frozen=True, slots=True)
class LegendEntry:
    protocol: str
    name: str
    swatch: Rect
    label: Rect


def resolve(role: str, theme: looks.Theme, palette: looks.Palette) -> str:
    """The hex colour of a role: a theme field, ``protocol:NAME`` (a chip's fill) or
    ``chip-text:NAME`` (the text drawn on that fill)."""
    if role.startswith("protocol:"):
        return palette.hex(role.split(":", 1)[1])
    if role.startswith("chip-text:"):
        return looks.chip_text_hex(palette.hex(role.split(":", 1)[1]))
    if role == "white":
        return "#ffffff"
    return theme.hex(role)


def describe(
    boxes: tuple[Box, ...] | list[Box], size: tuple[int, int], step: int, scale: float, theme: looks.Theme, palette: looks.Palette
) -> dict[str, Any]:
    """The ``render --boxes`` JSON: every box with its text colours resolved for the theme."""
    items = []
    for box in boxes:
        r = box.rect
        item: dict[str, Any] = {"kind": box.kind, "box": [round(r.x, 1), round(r.y, 1), round(r.w, 1), round(r.h, 1)]}
        if box.node:
            item["node"] = box.node
        if box.ref:
            item["ref"] = box.ref
        if box.text:
            item["text"] = box.text
        if box.full and box.full != box.text:
            item["full"] = box.full
        if box.px:
            item["px"] = box.px
            item["color"] = resolve(box.color, theme, palette)
            item["background"] = resolve(box.background, theme, palette)
        items.append(item)
    return {"size": list(size), "step": step, "scale": round(scale * 100), "theme": theme.name, "items": items}
