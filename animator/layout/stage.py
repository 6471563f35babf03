"""Where everything on the stage sits, for one output size and text size: the layout stage.

Decided here, below every renderer, so the Qt stage, PNG and later video, PDF and HTML
exports draw the same picture, and a test can prove that at every pause point of every scene
nothing covers anything, no text is too small for a lecture hall, and none is hard to read.

The picture is built in three bands: the title (with chapter and protocol legend) on top,
the caption at the bottom, and the network between them. Text is sized for the hall first
(``NOMINAL`` pixel sizes at 1920x1080, two thirds of them at 1280x720, times the text-size
setting); the network then fills whatever room is left, in both directions. Devices, their
names and addresses and the link labels do not move during a scene. What changes per step
(tables, bubbles, badges, chips docked at a device) is placed per pause point by trying a
few candidate spots around its anchor, in order of preference, and keeping the first one
that covers nothing and stays on the stage; where a spot was used at the previous step it
is tried first, so nothing jumps while the lecturer talks. A table that fits nowhere shows
its newest rows and "+N more", then only its title; text that is too long is elided and its
whole text kept in ``Box.full``.

A step's layout is computed once per (size, text size) and cached, so the per-frame cost is
a dictionary lookup (``benchmarks/bench_stage.py``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from animator.engine.frame import Frame, PacketView, TableView
from animator.engine.timeline import Timeline
from animator.engine.traffic import shown_packets
from animator.layout import text as tx
from animator.layout.boxes import Box, BubbleTip, ChipLook, LegendEntry, Rect, TableCard
from animator.looks import PROTOCOL_NAMES

#: Font pixel sizes at 1920x1080 and 100 % text: what the back row of a hall can read.
NOMINAL: dict[str, float] = {
    "name": 22,
    "address": 16,
    "badge": 16,
    "table": 16,
    "link-label": 16,
    "bubble": 16,
    "chip": 18,
    "caption": 28,
    "counter": 22,
    "title": 32,
    "subtitle": 20,
    "legend": 18,
}
#: At smaller outputs text shrinks with the height, but never below this share of ``NOMINAL``.
FLOOR = 2 / 3
DESIGN = (1920.0, 1080.0)
#: How many uncached steps back a step's layout goes to start from its predecessors' spots.
CHAIN = 12
#: Seconds an arrived chip takes to glide from its device into its docking spot.
DOCK_GLIDE = 0.3
#: The caption band never takes more than this share of the height; longer captions are elided.
CAPTION_SHARE = 0.36
#: How far a crowded small stage may shrink the asked-for text to keep devices apart (60 %: 200 % text
#: never ends smaller than 120 %).
FIT_FLOOR = 0.6


def size_factor(size: tuple[int, int]) -> float:
    """How big the stage's text is relative to 1920x1080, never under ``FLOOR``."""
    w, h = size
    return max(FLOOR, min(2.0, w / DESIGN[0], h / DESIGN[1]))


def min_px(kind: str, size: tuple[int, int], scale: float) -> float:
    """The smallest pixel size a test accepts for ``kind`` (the issue's hall minimums)."""
    return NOMINAL.get(kind, 0.0) * scale * (1.0 if size[1] >= DESIGN[1] and size[0] >= DESIGN[0] else FLOOR)


@dataclass
class _Occupied:
    """Rectangles already placed, bucketed on a coarse grid so a query looks at few of them."""

    cell: float = 96.0
    buckets: dict[tuple[int, int], list[Rect]] = field(default_factory=dict)

    def _keys(self, r: Rect) -> Iterable[tuple[int, int]]:
        c = self.cell
        for i in range(int(r.x // c), int(r.right // c) + 1):
            for j in range(int(r.y // c), int(r.bottom // c) + 1):
                yield i, j

    def add(self, r: Rect) -> None:
        for key in self._keys(r):
            self.buckets.setdefault(key, []).append(r)

    def hits(self, r: Rect) -> bool:
        for key in self._keys(r):
            for other in self.buckets.get(key, ()):
                if r.intersects(other):
                    return True
        return False

    def crossed(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """Whether the segment a-b passes through anything placed (a leader line must not run
        across a device's name or another table)."""
        box = Rect(min(a[0], b[0]), min(a[1], b[1]), abs(a[0] - b[0]) + 1, abs(a[1] - b[1]) + 1)
        seen: set[int] = set()
        for key in self._keys(box):
            for other in self.buckets.get(key, ()):
                if id(other) not in seen:
                    seen.add(id(other))
                    if _segment_crosses(Rect(other.x + 1, other.y + 1, other.w - 2, other.h - 2), a, b):
                        return True
        return False

    def copy(self) -> _Occupied:
        return _Occupied(self.cell, {k: list(v) for k, v in self.buckets.items()})


def _distance(a: Rect, b: Rect) -> float:
    """The gap between two rectangles (0 when they touch or overlap)."""
    dx = max(0.0, max(a.x, b.x) - min(a.right, b.right))
    dy = max(0.0, max(a.y, b.y) - min(a.bottom, b.bottom))
    return math.hypot(dx, dy)


def _segment_crosses(r: Rect, a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether segment a-b passes through rectangle r (Liang–Barsky clipping)."""
    (x0, y0), (x1, y1) = a, b
    dx, dy = x1 - x0, y1 - y0
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, x0 - r.x), (dx, r.right - x0), (-dy, y0 - r.y), (dy, r.bottom - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
        if lo > hi:
            return False
    return True


@dataclass(frozen=True)
class StepLayout:
    """One pause point's boxes, plus where arrived chips dock during that step."""

    step: int
    boxes: tuple[Box, ...]
    #: packet id → chip box, for packets docked (or lying) somewhere at this pause point.
    chips: dict[str, Box]
    #: What could not be placed without covering something (kinds and what), for reports.
    hidden: tuple[str, ...]


class StageLayout:
    """The layout of one timeline at one output size and text scale."""

    def __init__(self, timeline: Timeline, size: tuple[int, int], scale: float = 1.0) -> None:
        self.timeline = timeline
        self.size = (int(size[0]), int(size[1]))
        self.scale = scale
        self._steps: dict[int, StepLayout] = {}
        self._tables_cache: dict[tuple[str, Rect, tuple[TableView, ...]], list[Box]] = {}
        self._fallback_chips: dict[tuple[int, str], Box] = {}
        self._chip_labels: dict[str, str] = {}
        self.k = wanted = size_factor(self.size)
        self._build()
        # A stage smaller than the hall sizes (a window with panels docked, at 200 % text) may have
        # no room for the devices' text side by side: the text then gives way, a tenth at a time,
        # rather than names and badges covering the next device. ``fitted`` says how far.
        while self._crowded() and self.k > wanted * FIT_FLOOR:
            self.k = max(wanted * FIT_FLOOR, self.k * 0.9)
            self._build()
        #: The share of the asked-for text size the stage shows (1.0 unless it had to give way).
        self.fitted = self.k / wanted

    def _build(self) -> None:
        """Everything that depends on the text factor ``k``: sizes, bands, the network."""
        self.px = {kind: max(1, math.ceil(nominal * self.k * self.scale - 0.01)) for kind, nominal in NOMINAL.items()}
        self.gap = max(4.0, round(8 * self.k))
        w, h = self.size
        self.margin = round(16 * self.k)
        self.stage = Rect(0, 0, w, h)
        self.title_boxes, top = self._title_band()
        self.caption_top, self._caption_layout = self._caption_band()
        self.area = Rect(self.margin, top, w - 2 * self.margin, max(40.0, self.caption_top - top - self.gap))
        self._place_network()

    def _crowded(self) -> bool:
        """Whether a device's icon, name, addresses or badge slot runs into another device's, or a
        link label into any of them: what no per-step placement can repair."""
        owned = [(node, b.rect) for node, boxes in self.node_boxes.items() for b in boxes]
        owned += [(node, self._badge_rect(node)) for node in self.badge_slots]
        for i, (node, rect) in enumerate(owned):
            if any(other != node and rect.intersects(r) for other, r in owned[i + 1 :]):
                return True
        return any(b.rect.intersects(r) for b in self.link_boxes for _, r in owned)

    def _badge_rect(self, node: str) -> Rect:
        """The room reserved for a node's widest badge."""
        block, room = self.blocks[node], self._badge_room(node)
        x = min(max(block.cx - room / 2, self.area.x), self.area.right - room)
        badge_h = tx.line_height(self.px["badge"], bold=True) + 6
        return Rect(x, self.badge_slots[node], room, badge_h - 3)

    # -- bands -----------------------------------------------------------------------------
    def _title_band(self) -> tuple[list[Box], float]:
        """Title, chapter line and legend; returns their boxes and the band's bottom."""
        scene, m, px = self.timeline.scene, self.margin, self.px
        w = self.size[0]
        room = w - 2 * m
        y = m * 0.75
        boxes: list[Box] = []
        legend, legend_w, legend_h = self._legend_entries()
        title_h = tx.line_height(px["title"], bold=True)
        title_w = tx.width(scene.title, px["title"], bold=True)
        beside = title_w + 2 * self.gap + legend_w <= room
        title_room = room - legend_w - 2 * self.gap if beside else room
        title = tx.elide(scene.title, px["title"], title_room, bold=True)
        tw = tx.width(title, px["title"], bold=True)
        boxes.append(Box("title", Rect(m, y, tw + 2, title_h), title, px["title"], full=scene.title))
        bottom = y + title_h
        chapters = [c for c in (self.timeline.chapter_at(s) for s in range(self.timeline.step_count + 1)) if c]
        if chapters:
            sub_h = tx.line_height(px["subtitle"])
            longest = max(chapters, key=lambda c: tx.width(c, px["subtitle"]))
            sub_w = min(tx.width(longest, px["subtitle"]), title_room)
            boxes.append(Box("subtitle", Rect(m, bottom + 2, sub_w + 2, sub_h), "", px["subtitle"], color="muted"))
            bottom += 2 + sub_h
        if legend:
            if beside:
                lx, ly = w - m - legend_w, y + (title_h - legend_h) / 2
            else:
                lx, ly = w - m - legend_w, bottom + self.gap / 2
                bottom = ly + legend_h
            shifted = [LegendEntry(e.protocol, e.name, e.swatch.moved(lx, ly), e.label.moved(lx, ly)) for e in legend]
            boxes.append(
                Box(
                    "legend",
                    Rect(lx, ly, legend_w, legend_h),
                    " ".join(e.name for e in legend),
                    px["legend"],
                    color="muted",
                    data=tuple(shifted),
                )
            )
        return boxes, bottom + self.gap

    def _legend_entries(self) -> tuple[list[LegendEntry], float, float]:
        """Protocol swatches and names in one or more rows, relative to the legend's top-left."""
        px = self.px["legend"]
        lh = tx.line_height(px)
        sw, sh = lh * 0.9, lh * 0.6
        room = (self.size[0] - 2 * self.margin) * 0.62
        entries: list[LegendEntry] = []
        x = y = width = 0.0
        for protocol in self.timeline.protocols:
            name = PROTOCOL_NAMES.get(protocol, protocol)
            nw = tx.width(name, px) + 2
            need = sw + 0.4 * lh + nw
            if x > 0 and x + need > room:
                x, y = 0.0, y + lh + 4
            entries.append(LegendEntry(protocol, name, Rect(x, y + (lh - sh) / 2, sw, sh), Rect(x + sw + 0.4 * lh, y, nw, lh)))
            x += need + 0.9 * lh
            width = max(width, x - 0.9 * lh)
        return entries, width, (y + lh if entries else 0.0)

    def _caption_band(self) -> tuple[float, tuple[float, float, float]]:
        """The caption band's top; and the counter pill's width, the text's left and its room."""
        w, h = self.size
        m, px = self.margin, self.px
        counter = f"{self.timeline.step_count} / {self.timeline.step_count}"
        pill_w = tx.width(counter, px["counter"], bold=True) + 1.2 * px["counter"]
        pad = round(12 * self.k)
        text_left = m + pad + pill_w + pad
        room = w - m - pad - text_left
        lh = tx.line_height(px["caption"])
        timeline = self.timeline
        captions = {timeline.scene.summary or timeline.scene.title, *(span.caption for span in timeline.steps)}
        # Wrapping is the costly part: only the widest captions can need the most lines (a
        # 10,000-step lecture would otherwise take a third of a second per window size).
        widest = sorted(captions, key=lambda c: tx.width(c, px["caption"]), reverse=True)[:24]
        lines = max((len(tx.wrap(c, px["caption"], room)) for c in widest), default=1)
        most = max(1, int((h * CAPTION_SHARE - 2 * pad) // lh))
        band = min(lines, most) * lh + 2 * pad
        band = max(band, tx.line_height(px["counter"], bold=True) + 0.9 * px["counter"] + 2 * pad)
        top = h - m * 0.5 - band
        return top, (pill_w, text_left, room)

    def caption_boxes(self, frame: Frame) -> list[Box]:
        """The caption band for one frame: the panel with the step counter and the wrapped caption."""
        w, h = self.size
        m, px = self.margin, self.px
        pill_w, text_left, room = self._caption_layout
        pad = round(12 * self.k)
        band = Rect(m, self.caption_top, w - 2 * m, h - m * 0.5 - self.caption_top)
        lh = tx.line_height(px["caption"])
        most = max(1, int((band.h - 2 * pad) // lh))
        lines = tx.wrap(frame.caption, px["caption"], room)
        if len(lines) > most:
            lines = [*lines[: most - 1], tx.elide(" ".join(lines[most - 1 :]), px["caption"], room)]
        counter = f"{frame.step} / {frame.step_count}"
        ch = tx.line_height(px["counter"], bold=True) + 0.9 * px["counter"]
        pill = Rect(m + pad, band.y + min(pad, (band.h - ch) / 2), pill_w, ch)
        text_h = len(lines) * lh
        # The first line level with the step counter, as a slide reads; a one-line caption in
        # a band sized for longer ones sits in the middle of it.
        top = pill.cy - lh / 2 if len(lines) > 1 else band.y + (band.h - text_h) / 2
        text_rect = Rect(text_left, max(band.y + pad / 2, min(top, band.bottom - pad / 2 - text_h)), room, text_h)
        # The panel (drawn with the text) first, the counter pill on it.
        return [
            Box("caption", text_rect, "\n".join(lines), px["caption"], background="caption_fill", full=frame.caption, data=band),
            Box("caption", pill, counter, px["counter"], color="white", background="accent", ref="counter"),
        ]

    def subtitle_box(self, frame: Frame) -> Box | None:
        base = next((b for b in self.title_boxes if b.kind == "subtitle"), None)
        if base is None or not frame.chapter:
            return None
        text = tx.elide(frame.chapter, base.px, base.rect.w)
        return Box(
            "subtitle",
            Rect(base.rect.x, base.rect.y, tx.width(text, base.px) + 2, base.rect.h),
            text,
            base.px,
            color="muted",
            full=frame.chapter,
        )

    # -- the network -----------------------------------------------------------------------
    def _place_network(self) -> None:
        """Devices, names, addresses and link labels: fixed for the whole scene."""
        timeline, area, px, gap = self.timeline, self.area, self.px, self.gap
        positions = timeline.positions
        xs = [p[0] for p in positions.values()] or [0.0]
        ys = [p[1] for p in positions.values()] or [0.0]
        self.min_gx, self.min_gy = min(xs), min(ys)
        span_x, span_y = max(xs) - self.min_gx, max(ys) - self.min_gy
        self.cell_w = area.w / (span_x + 1)
        self.cell_h = area.h / (span_y + 1)
        self.span_y = span_y
        name_lh = tx.line_height(px["name"], bold=True)
        addr_lh = tx.line_height(px["address"], mono=True)
        badge_h = tx.line_height(px["badge"], bold=True) + 6
        badges = timeline.badge_nodes()
        addresses = {n.id: [*n.ipv4, *n.ipv6][:2] for n in timeline.scene.nodes}
        most_lines = max((len(a) for a in addresses.values()), default=0)

        #: Lines each device's name takes: a name too wide for its room wraps onto a second line
        #: before anything is elided ("Laptop" / "(curl)" at 200 %).
        name_lines = dict.fromkeys(addresses, 1)

        def below(icon_px: float, lines: int) -> float:
            """How far the lowest text block reaches under a device's centre."""
            names = name_lh * max(name_lines.values(), default=1)
            return icon_px / 2 + gap / 2 + names + addr_lh * min(lines, most_lines) + (badge_h if badges else 0)

        def block_h(node: str, icon_px: float, lines: int) -> float:
            names = name_lh * name_lines[node]
            return icon_px + gap / 2 + names + addr_lh * min(lines, len(addresses[node])) + (badge_h if node in badges else 0)

        # The tallest stack of table cards any device shows, all rows (what a single row of
        # devices must leave room for under it).
        tables_below = max(
            (
                sum(self._card(t, len(t.rows), area.w * 0.5)[2] + gap / 2 for t in snapshot)
                for snapshots in timeline.table_snapshots().values()
                for snapshot in snapshots
            ),
            default=0.0,
        )

        def fit(icon_px: float, lines: int) -> float:
            """Map the grid so every device's icon and text stay inside the network area; returns
            how many pixels stacked devices still lack (<= 0: they fit)."""
            top = area.y + icon_px / 2 + gap / 2
            bottom = area.bottom - below(icon_px, lines) - gap / 2
            if span_y > 0:
                self.sy, self.oy = max(1.0, (bottom - top) / span_y), top
            else:
                # One row of devices: bubbles go above it and tables below, and tables are the
                # taller, so the row sits just low enough for two-line bubbles, not halfway.
                bubble_px = px["bubble"]
                room = 2 * tx.line_height(bubble_px) + 1.7 * bubble_px + gap if any(timeline.note_texts().values()) else gap
                spare = bottom - top - room - tables_below
                # Whatever neither needs is shared above and below, so a scene with small tables
                # is not pinned to the top of the stage.
                self.sy, self.oy = self.cell_h, top + room + spare / 2 if spare > 0 else min((top + bottom) / 2, top + room)
            self.centres = {n: self.to_px(*p) for n, p in positions.items()}
            pairs = self._stacked_pairs()
            return max((block_h(upper, icon_px, lines) + gap - dy for upper, _, dy in pairs), default=0.0)

        def settle() -> tuple[float, int]:
            """Icons shrink a little as text grows, and to fit the rows; text never shrinks.
            When devices stacked in one column would still run into each other, an address line
            goes (the inspector and the tooltip keep every address)."""
            icon = min(84 * self.k / self.scale**0.35, self.cell_w * 0.42, self.cell_h * 0.45)
            for lines in (2, 1, 0):
                need = fit(icon, lines)
                if need <= 0:
                    return icon, lines
                icon = max(28 * self.k, icon - need)
                if fit(icon, lines) <= 0:
                    return icon, lines
            icon = max(18.0, icon - fit(icon, 0))  # a tall column at 200 %: smaller icons, still no overlap
            fit(icon, 0)
            return icon, 0

        icon, shown_addr = settle()
        self.icon = max(20.0, icon)
        rooms = self._label_rooms()
        wrapped = {n.id: tx.wrap(n.display_label, px["name"], rooms[n.id], bold=True) for n in timeline.scene.nodes}
        if any(len(lines) > 1 for lines in wrapped.values()):
            name_lines.update({node: min(2, len(lines)) for node, lines in wrapped.items()})
            icon, shown_addr = settle()
            if fit(icon, shown_addr) > 0:
                # A column too tall for two-line names: its devices keep one line, elided.
                stacked = {node for upper, lower, _ in self._stacked_pairs() for node in (upper, lower)}
                name_lines.update(dict.fromkeys(stacked, 1))
                icon, shown_addr = settle()
            self.icon = max(20.0, icon)
            rooms = self._label_rooms()
        self.shown_addresses = shown_addr
        self.node_boxes: dict[str, list[Box]] = {}
        self.blocks: dict[str, Rect] = {}
        self.badge_slots: dict[str, float] = {}
        for node in timeline.scene.nodes:
            cx, cy = self.centres[node.id]
            half = self.icon / 2
            boxes = [Box("icon", Rect(cx - half, cy - half, self.icon, self.icon), node=node.id)]
            room = rooms[node.id]
            y = cy + half + gap / 2
            lines = tx.wrap(node.display_label, px["name"], room, bold=True)[: name_lines[node.id]]
            if len(lines) == 2:
                lines = tx.split_in_two(node.display_label, px["name"], room, bold=True) or lines
            if len(lines) > 1 or tx.width(lines[0], px["name"], bold=True) > room:
                shown_all = " ".join(lines) == " ".join(node.display_label.split())
                if not shown_all:  # still too long in two lines: the last one ends in "…"
                    rest = node.display_label[len(" ".join(lines[:-1])) :].strip()
                    lines[-1] = tx.elide(rest, px["name"], room, bold=True)
            lines = [line for line in lines if line] or [tx.elide(node.display_label, px["name"], room, bold=True)]
            name = "\n".join(lines)
            nw = max(tx.width(line, px["name"], bold=True) for line in lines) + 4
            nh = name_lh * len(lines)
            boxes.append(Box("name", Rect(cx - nw / 2, y, nw, nh), name, px["name"], node=node.id, full=node.display_label))
            y += nh
            for address in addresses[node.id][:shown_addr]:
                shown = tx.elide(address, px["address"], room, mono=True)
                aw = tx.width(shown, px["address"], mono=True) + 4
                boxes.append(
                    Box(
                        "address",
                        Rect(cx - aw / 2, y, aw, addr_lh),
                        shown,
                        px["address"],
                        node=node.id,
                        color="muted",
                        full=address,
                    )
                )
                y += addr_lh
            if node.id in badges:
                self.badge_slots[node.id] = y + 3
                y += badge_h
            block = boxes[0].rect
            for b in boxes[1:]:
                block = block.union(b.rect)
            if node.id in badges:
                block = block.union(Rect(cx - 1, block.y, 2, y - block.y))
            self.blocks[node.id] = block
            self.node_boxes[node.id] = boxes
        self.link_boxes, self.hidden_links = self._place_link_labels()
        self.static = _Occupied()
        for boxes in self.node_boxes.values():
            for b in boxes:
                self.static.add(b.rect)
        for node_id in self.badge_slots:
            self.static.add(self._badge_rect(node_id))
        for b in self.link_boxes:
            self.static.add(b.rect)
        self.segments = [(self.centres[a], self.centres[b]) for a, b in (link.between for link in timeline.scene.links)]

    def _badge_room(self, node: str) -> float:
        """The widest badge a node will ever show, reserved under its addresses."""
        widths = [tx.width(v, self.px["badge"], bold=True) + 1.2 * self.px["badge"] for v in self.timeline.badge_values(node)]
        return max(widths, default=0.0)

    def _stacked_pairs(self) -> list[tuple[str, str, float]]:
        """(upper node, lower node, vertical distance) for devices one above the other (their
        labels overlap horizontally)."""
        pairs = []
        items = list(self.centres.items())
        for i, (a, (ax, ay)) in enumerate(items):
            for b, (bx, by) in items[i + 1 :]:
                if abs(ax - bx) < self.cell_w * 0.9 and ay != by:
                    pairs.append((a, b, by - ay) if ay < by else (b, a, ay - by))
        return pairs

    def _label_rooms(self) -> dict[str, float]:
        """How wide each device's name may be: up to the next device in the same band of rows,
        and never past the stage's edge (both neighbours' labels are centred)."""
        area, gap = self.area, self.gap
        rooms: dict[str, float] = {}
        band = self.icon + 3 * tx.line_height(self.px["name"])
        for node, (cx, cy) in self.centres.items():
            room = min(3 * self.cell_w, 2 * (cx - area.x), 2 * (area.right - cx))
            for other, (ox, oy) in self.centres.items():
                # Devices in the same column are stacked, not side by side: their rows keep them
                # apart (``_stacked_pairs``), so they do not narrow each other's names.
                if other != node and abs(oy - cy) < band and abs(ox - cx) > self.icon:
                    room = min(room, abs(ox - cx) - gap)
            rooms[node] = max(room, self.icon)
        return rooms

    def _place_link_labels(self) -> tuple[list[Box], list[str]]:
        px, gap = self.px["link-label"], self.gap
        lh = tx.line_height(px)
        occupied = _Occupied()
        for boxes in self.node_boxes.values():
            for b in boxes:
                occupied.add(b.rect)
        placed: list[Box] = []
        hidden: list[str] = []
        for link in self.timeline.scene.links:
            if not link.label:
                continue
            (ax, ay), (bx, by) = (self.centres[n] for n in link.between)
            length = math.hypot(bx - ax, by - ay) or 1.0
            nx, ny = -(by - ay) / length, (bx - ax) / length
            if ny > 0 or (ny == 0 and nx > 0):
                nx, ny = -nx, -ny  # "above" the line first
            box = None
            for room in (length - self.icon - gap, (length - self.icon) * 0.8, (length - self.icon) * 0.6):
                label = tx.elide(link.label, px, max(room, 0.0))
                if not label:
                    continue
                w = tx.width(label, px) + 0.8 * px
                h = lh + 4
                off = (abs(nx) * w + abs(ny) * h) / 2 + gap / 2
                for f in (0.5, 0.4, 0.6, 0.3, 0.7):
                    for side in (1, -1):
                        mx, my = ax + (bx - ax) * f + nx * off * side, ay + (by - ay) * f + ny * off * side
                        r = Rect(mx - w / 2, my - h / 2, w, h)
                        if r.inside(self.area) and not occupied.hits(r):
                            box = Box("link-label", r, label, px, ref=link.link_id, color="muted", full=link.label)
                            break
                    if box:
                        break
                if box:
                    break
            if box is None:
                hidden.append(f"link-label {link.link_id}")
                continue
            occupied.add(box.rect)
            placed.append(box)
        return placed, hidden

    # -- coordinates -------------------------------------------------------------------------
    def to_px(self, gx: float, gy: float) -> tuple[float, float]:
        """A layout grid position (``timeline.positions``, packets' x/y) in output pixels."""
        return (
            self.area.x + (gx - self.min_gx + 0.5) * self.cell_w,
            self.oy + (gy - self.min_gy) * self.sy,
        )

    # -- per step ---------------------------------------------------------------------------
    def step(self, step: int) -> StepLayout:
        """The pause point at the end of ``step`` (0: before anything moves), computed once."""
        step = max(0, min(step, self.timeline.step_count))
        cached = self._steps.get(step)
        if cached is not None:
            return cached
        # Each step starts from the previous one's spots (stability), so lay out the steps in
        # order from the last one already known; a jump far ahead (End on a long lecture)
        # starts afresh, since nobody saw the steps in between.
        start = step
        while start > 0 and start - 1 not in self._steps and step - start < CHAIN:
            start -= 1
        for s in range(start, step + 1):
            self._steps[s] = self._layout_step(s, self._steps.get(s - 1))
        return self._steps[step]

    def _layout_step(self, step: int, previous: StepLayout | None) -> StepLayout:
        timeline = self.timeline
        frame = timeline.state_at(timeline.boundary(step))
        occupied = self.static.copy()
        for b in self.title_boxes:
            occupied.add(b.rect)
        boxes: list[Box] = []
        hidden: list[str] = []
        for node_boxes in self.node_boxes.values():
            boxes.extend(node_boxes)
        boxes.extend(self.link_boxes)
        for node, value in frame.badges.items():
            if node in self.badge_slots:
                boxes.append(self._badge(node, value))
        # Bubbles first (they carry the lesson and have nowhere else to go), then chips (which can
        # wait on their link), then tables (which can show fewer rows).
        prev_spots = {(b.kind, b.node): b.rect for b in previous.boxes} if previous else {}
        for node, text in dict.fromkeys(timeline.notes_in_step(step)):
            bubble = self._place_bubble(node, text, occupied, prev_spots.get(("bubble", node)))
            if bubble is None:
                hidden.append(f"bubble {node}")
            else:
                boxes.append(bubble)
                occupied.add(bubble.rect)
        chips = self._place_chips(frame, occupied, previous, hidden)
        boxes.extend(chips.values())
        for node, tables in frame.tables.items():
            cards = self._place_tables(node, tables, occupied, prev_spots.get(("table", node)))
            if not cards:
                hidden.append(f"table {node}")
            for card in cards:
                boxes.append(card)
                occupied.add(card.rect)
        boxes.extend(self.title_boxes)
        return StepLayout(step, tuple(boxes), chips, tuple(hidden + self.hidden_links))

    def _badge(self, node: str, value: str) -> Box:
        px = self.px["badge"]
        w = tx.width(value, px, bold=True) + 1.2 * px
        h = tx.line_height(px, bold=True) + 3
        cx = self.centres[node][0]
        x = min(max(cx - w / 2, self.area.x), self.area.right - w)  # a device at the edge: the badge stays on the stage
        return Box(
            "badge",
            Rect(x, self.badge_slots[node], w, h),
            value,
            px,
            node=node,
            color="badge_text",
            background="badge_fill",
        )

    # chips ------------------------------------------------------------------------------
    def chip_label(self, label: str) -> str:
        """The label as a chip shows it: elided to about a column's width (the inspector and
        the tooltip have the whole summary), so a chip never spans two devices."""
        shown = self._chip_labels.get(label)
        if shown is None:
            px = self.px["chip"]
            h = tx.line_height(px, bold=True) + 0.5 * px
            # About a column at the default text size; less at 150/200 %, where a chip elided
            # beats a chip with no free spot at the pause point.
            share = 1.1 if self.scale <= 1.25 else 0.8
            room = max(self.cell_w * share, 7 * px) - 0.9 * px - 0.55 * h
            shown = self._chip_labels[label] = tx.elide(label, px, room, bold=True) or label[:1]
        return shown

    def chip_size(self, label: str) -> tuple[float, float, float]:
        """Width, height and arrow width of a chip (for its label as shown)."""
        px = self.px["chip"]
        h = tx.line_height(px, bold=True) + 0.5 * px
        arrow = 0.55 * h
        return tx.width(self.chip_label(label), px, bold=True) + 0.9 * px + arrow, h, arrow

    def _chip_box(self, packet: PacketView, cx: float, cy: float, direction: tuple[float, float]) -> Box:
        w, h, arrow = self.chip_size(packet.label)
        look = ChipLook(packet.protocol, packet.dropped, direction[0], direction[1], arrow, packet.opacity)
        return Box(
            "chip",
            Rect(cx - w / 2, cy - h / 2, w, h),
            self.chip_label(packet.label),
            self.px["chip"],
            node=packet.node,
            ref=packet.id,
            color=f"chip-text:{packet.protocol}",
            background=f"protocol:{packet.protocol}",
            full=packet.label,
            data=look,
        )

    def _travel(self, packet: PacketView) -> tuple[float, float]:
        a = self.centres.get(packet.came_from)
        b = self.centres.get(packet.node)
        if a is None or b is None or a == b:
            return 0.0, 0.0
        dx, dy = b[0] - a[0], b[1] - a[1]
        n = math.hypot(dx, dy)
        return dx / n, dy / n

    def dock_candidates(self, packet: PacketView) -> Iterable[tuple[float, float]]:
        """Chip centres around the device a packet reached, the side it came from first, then
        outward in stacks: beside the icon, never on it."""
        w, h, _ = self.chip_size(packet.label)
        cx, cy = self.centres[packet.node]
        half, g = self.icon / 2, self.gap / 2
        block = self.blocks[packet.node]
        tdx, tdy = self._travel(packet)
        if abs(tdx) >= abs(tdy) and (tdx or tdy):
            # Came from the left: dock on the left, then over (or under) the icon, then the rest.
            first = "left" if tdx > 0 else "right"
            order = [first, "top" if tdy >= 0 else "bottom", "right" if first == "left" else "left"]
        elif tdx or tdy:
            first = "top" if tdy > 0 else "bottom"
            order = [first, "left", "right"]
        else:
            order = ["right", "left", "top"]
        order += [side for side in ("left", "right", "top", "bottom") if side not in order]
        step = h + g / 2
        for side in order:
            for j in (0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5):
                if side in ("left", "right"):
                    # A column of chips beside the icon, the first level with it.
                    x = cx - half - g - w / 2 if side == "left" else cx + half + g + w / 2
                    yield x, cy + j * step
                else:
                    # Centred over (or under the name of) the device, then left and right of
                    # centre, stacking away from it.
                    dx = (w / 2 + g / 2) * (j > 0) - (w / 2 + g / 2) * (j < 0)
                    rows = max(abs(j) - 1, 0) * step
                    y = cy - half - g - h / 2 - rows if side == "top" else block.bottom + g + h / 2 + rows
                    yield cx + dx, y

    def _free_spot(self, packet: PacketView, occupied: _Occupied, prefer: Rect | None = None) -> Box | None:
        direction = self._travel(packet)
        if prefer is not None:
            box = self._chip_box(packet, prefer.cx, prefer.cy, direction)
            if box.rect.inside(self.area) and not occupied.hits(box.rect):
                return box
        for x, y in self.dock_candidates(packet):
            box = self._chip_box(packet, x, y, direction)
            if box.rect.inside(self.area) and not occupied.hits(box.rect):
                return box
        # Crowded round the device: wait on the link it came in by, as close as there is room.
        a, b = self.centres.get(packet.came_from), self.centres[packet.node]
        if a is not None and a != b:
            _, h, _ = self.chip_size(packet.label)
            length = math.hypot(a[0] - b[0], a[1] - b[1])
            nx, ny = -(a[1] - b[1]) / length, (a[0] - b[0]) / length
            for f in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
                for side in (0, 1, -1):
                    x = b[0] + (a[0] - b[0]) * f + nx * side * h
                    y = b[1] + (a[1] - b[1]) * f + ny * side * h
                    box = self._chip_box(packet, x, y, direction)
                    if box.rect.inside(self.area) and not occupied.hits(box.rect):
                        return box
        return None

    def _slide(self, packet: PacketView, occupied: _Occupied) -> Box | None:
        """A chip lying on a link (lost on the way): its spot, or the nearest free one along the link."""
        x, y = self.to_px(packet.x, packet.y)
        direction = self._travel(packet)
        w, _, _ = self.chip_size(packet.label)
        for shift in (0, 0.5, -0.5, 1, -1, 1.5, -1.5, 2, -2):
            box = self._chip_box(packet, x + direction[0] * shift * w, y + direction[1] * shift * w, direction)
            if box.rect.inside(self.area) and not occupied.hits(box.rect):
                return box
        return None

    def _place_chips(self, frame: Frame, occupied: _Occupied, previous: StepLayout | None, hidden: list[str]) -> dict[str, Box]:
        placed: dict[str, Box] = {}
        visible = [p for p in frame.packets if p.opacity > 0.05]
        docked = [p for p in visible if p.arrived or p.link_id is None]
        # Chips already docked at the previous pause point keep their spot; new ones take the
        # best free spot, newest first (the one the caption is about).
        before = previous.chips if previous is not None else {}
        old = [(p, before[p.id].rect) for p in docked if p.id in before]
        new = [(p, None) for p in reversed(docked) if p.id not in before]
        for packet, prefer in old + new:
            box = self._free_spot(packet, occupied, prefer)
            if box is not None:
                placed[packet.id] = box
                occupied.add(box.rect)
            else:
                hidden.append(f"chip {packet.id}")
        for packet in visible:
            if packet in docked:
                continue
            box = self._slide(packet, occupied)
            if box is not None:
                placed[packet.id] = box
                occupied.add(box.rect)
            else:
                hidden.append(f"chip {packet.id}")
        return placed

    def chip_centre(self, packet: PacketView, step: int, at_pause: bool = False) -> tuple[float, float]:
        """Where a chip is drawn at any moment: in flight, on its lane between the devices;
        arrived, in its docking spot of this step (or the first free one beside the device)."""
        layout = self.step(step)
        if not packet.arrived:
            placed = layout.chips.get(packet.id)
            if at_pause and placed is not None:
                return placed.rect.cx, placed.rect.cy  # stopped on the way at the pause point: moved clear
            return self.to_px(packet.x, packet.y)  # moving (or passing through a device): on its lane
        box = layout.chips.get(packet.id)
        if box is None:
            key = (step, packet.id)
            box = self._fallback_chips.get(key)
            if box is None:
                occupied = self.static.copy()
                for b in layout.boxes:
                    if b.kind in ("table", "bubble"):
                        occupied.add(b.rect)
                for b in layout.chips.values():
                    occupied.add(b.rect)
                spot = self._free_spot(packet, occupied) if packet.node in self.centres else None
                box = spot or self._chip_box(packet, *self.to_px(packet.x, packet.y), (0.0, 0.0))
                self._fallback_chips[key] = box
        if not at_pause and packet.age < DOCK_GLIDE:
            # Just arrived: glide from the device's centre, where its lane ends, into the spot.
            f = packet.age / DOCK_GLIDE
            f = f * f * (3 - 2 * f)
            x, y = self.to_px(packet.x, packet.y)
            return x + (box.rect.cx - x) * f, y + (box.rect.cy - y) * f
        return box.rect.cx, box.rect.cy

    def chip_box(self, packet: PacketView, step: int, at_pause: bool = False) -> Box:
        """The chip's box at this moment (moving chips have no arrow until they dock)."""
        x, y = self.chip_centre(packet, step, at_pause)
        docked = packet.arrived or packet.link_id is None
        return self._chip_box(packet, x, y, self._travel(packet) if docked else (0.0, 0.0))

    # bubbles -----------------------------------------------------------------------------
    def _place_bubble(self, node: str, text: str, occupied: _Occupied, prefer: Rect | None) -> Box | None:
        px = self.px["bubble"]
        lh = tx.line_height(px)
        pad = 0.5 * px
        tip = 0.7 * px
        cx, cy = self.centres[node]
        half = self.icon / 2
        widest = min(300 * self.k * self.scale, self.area.w * 0.42)
        for room in (widest, widest * 1.4, widest * 0.75):
            lines = tx.wrap(text, px, room)
            w = max(tx.width(line, px) for line in lines) + 2 * pad
            h = len(lines) * lh + 2 * pad
            below = self.blocks[node].bottom
            spots = [
                (cx - w / 2, cy - half - tip - h, cx, cy - half),  # above, centred
                (cx - w + 2 * px, cy - half - tip - h, cx, cy - half),  # above, hanging left
                (cx - 2 * px, cy - half - tip - h, cx, cy - half),  # above, hanging right
                (cx + half + tip, cy - h / 2, cx + half, cy),  # right
                (cx - half - tip - w, cy - h / 2, cx - half, cy),  # left
                (cx + half + tip, cy - half - h, cx + half, cy - half / 2),  # up and right
                (cx - half - tip - w, cy - half - h, cx - half, cy - half / 2),  # up and left
                (cx - w / 2, below + tip, cx, below),  # under the name (tail up)
                (cx + half + tip, below - h, cx + half, cy + half / 2),  # down and right
                (cx - half - tip - w, below - h, cx - half, cy + half / 2),  # down and left
            ]
            if prefer is not None:
                spots.sort(key=lambda s: abs(s[0] - prefer.x) + abs(s[1] - prefer.y))
            for x, y, tip_x, tip_y in spots:
                x = min(max(x, self.area.x), self.area.right - w)
                r = Rect(x, y, w, h)
                if r.inside(self.area) and not occupied.hits(r):
                    look = BubbleTip(tip_x, tip_y, tuple(lines), lh)
                    return Box("bubble", r, "\n".join(lines), px, node=node, background="bubble_fill", full=text, data=look)
        # Crowded round the device (large text on a small stage): the nearest free room, its
        # tail reaching back to the icon, rather than leaving the device's thought unsaid.
        lines = tx.wrap(text, px, widest)
        w = max(tx.width(line, px) for line in lines) + 2 * pad
        h = len(lines) * lh + 2 * pad
        spot = self._scan(node, w, h, occupied, prefer)
        if spot is None:
            return None
        icon = self.node_boxes[node][0].rect
        # The tail ends at the icon's edge, on the side facing the bubble.
        tip_x = min(max(spot.cx, icon.x), icon.right)
        tip_y = (
            icon.y
            if spot.bottom <= icon.y
            else (icon.bottom if spot.y >= icon.bottom else min(max(spot.cy, icon.y), icon.bottom))
        )
        look = BubbleTip(tip_x, tip_y, tuple(lines), lh)
        return Box("bubble", spot, "\n".join(lines), px, node=node, background="bubble_fill", full=text, data=look)

    # tables ------------------------------------------------------------------------------
    def _card(self, table: TableView, max_rows: int, room: float) -> tuple[TableCard, float, float]:
        px = self.px["table"]
        pad, col_gap = 0.45 * px, 0.8 * px
        line_h = tx.line_height(px, mono=True) + 2
        title_h = tx.line_height(px, bold=True) + 2
        rows = table.rows
        hidden = max(0, len(rows) - max_rows)
        shown = rows[len(rows) - max_rows :] if hidden else rows
        ncols = max([len(table.columns), *(len(r) for r in shown)], default=0)
        widths = [0.0] * ncols
        for i, c in enumerate(table.columns):
            widths[i] = tx.width(c, px, bold=True, mono=True)
        for row in shown:
            for i, value in enumerate(row):
                widths[i] = max(widths[i], tx.width(value, px, mono=True))
        inner = sum(widths) + col_gap * max(0, ncols - 1)
        limit = room - 2 * pad
        if inner > limit and ncols:
            # Too wide for the stage: elide the widest columns (the tables dock has every cell).
            over = inner - limit
            while over > 0.5 and max(widths) > 3 * px:
                i = widths.index(max(widths))
                cut = min(over, widths[i] - 3 * px)
                widths[i] -= cut
                over -= cut
            shown = tuple(
                tuple(tx.elide(v, px, widths[i], mono=True) if i < ncols else v for i, v in enumerate(r)) for r in shown
            )
            inner = sum(widths) + col_gap * max(0, ncols - 1)
        title = tx.elide(table.title, px, limit, bold=True)
        w = max(inner, tx.width(title, px, bold=True)) + 2 * pad
        lines = len(shown) + (1 if table.columns else 0) + (1 if hidden else 0)
        h = title_h + lines * line_h + 2 * pad
        card = TableCard(title, table.columns, tuple(shown), hidden, tuple(widths), px, px, line_h, title_h, pad, col_gap)
        return card, w, h

    def _place_tables(self, node: str, tables: tuple[TableView, ...], occupied: _Occupied, prefer: Rect | None) -> list[Box]:
        g = self.gap
        room = self.area.w * 0.5
        most = max(len(t.rows) for t in tables)
        # Every row first; then fewer (the newest kept, "+N more"); then the title alone. An empty
        # table is still worth its column headings. Each size tries the spots beside its device,
        # then free room further away (joined to the device by a leader line).
        for max_rows in [*range(most, 0, -1), 0] if most else [0, -1]:
            if max_rows == (0 if most else -1):
                cards = [self._card(self._title_only(t), 0, room) for t in tables]
            else:
                cards = [self._card(t, max(max_rows, 0), room) for t in tables]
            w = max(c[1] for c in cards)
            h = sum(c[2] for c in cards) + g / 2 * (len(cards) - 1)
            spot = self._table_spot(node, w, h, occupied, prefer) or self._scan(node, w, h, occupied, prefer)
            if spot is not None:
                leader = self._leader(node, spot)
                boxes, y = [], spot.y
                for n, (card, _, ch) in enumerate(cards):
                    r = Rect(spot.x, y, w, ch)
                    card = dataclasses.replace(card, leader=leader if n == 0 else None)
                    boxes.append(
                        Box("table", r, card.title, card.cell_px, node=node, background="panel_fill", full=card.title, data=card)
                    )
                    y += ch + g / 2
                return boxes
        return []

    @staticmethod
    def _title_only(table: TableView) -> TableView:
        """The last resort on a crowded stage: "NAT table · 3 rows" (the tables dock has them)."""
        rows = len(table.rows)
        title = f"{table.title} · {rows} row{'' if rows == 1 else 's'}" if rows else f"{table.title} (empty)"
        return TableView(table.node, title, (), ())

    def _scan(self, node: str, w: float, h: float, occupied: _Occupied, prefer: Rect | None) -> Rect | None:
        """The nearest free spot for a w x h box within about two columns of the device, or None."""
        area, block = self.area, self.blocks[node]
        if prefer is not None:
            r = Rect(min(max(prefer.x, area.x), area.right - w), prefer.y, w, h)
            leader = self._leader(node, r)
            clear = leader is None or not occupied.crossed(leader[:2], leader[2:])
            if r.inside(area) and not occupied.hits(r) and self._near(block, r) and clear:
                return r
        step = max(8.0, min(w, h) / 5)
        reach = max(self.cell_w, self.cell_h) * 2.2
        spots = []
        x = area.x
        while x + w <= area.right + 0.5:
            y = area.y
            while y + h <= area.bottom + 0.5:
                r = Rect(x, y, w, h)
                d = _distance(block, r)
                if d <= reach:
                    spots.append((d, x, y))
                y += step
            x += step
        for _, x, y in sorted(spots):
            r = Rect(x, y, w, h)
            if occupied.hits(r):
                continue
            leader = self._leader(node, r)
            if leader is None or not occupied.crossed(leader[:2], leader[2:]):
                return r
        return None

    def _near(self, block: Rect, r: Rect) -> bool:
        return _distance(block, r) <= max(self.cell_w, self.cell_h) * 2.2

    def _leader(self, node: str, r: Rect) -> tuple[float, float, float, float] | None:
        """A line from a table placed away from its device back to the device (its icon, name
        and addresses), when there is a gap to bridge."""
        block = self.blocks[node]
        if _distance(block, r) <= 2 * self.gap:
            return None
        # From the table's point nearest the device to the device's point nearest the table.
        tx_, ty = min(max(block.cx, r.x), r.right), min(max(block.cy, r.y), r.bottom)
        bx, by = min(max(tx_, block.x), block.right), min(max(ty, block.y), block.bottom)
        return (tx_, ty, bx, by)

    def _table_spot(self, node: str, w: float, h: float, occupied: _Occupied, prefer: Rect | None) -> Rect | None:
        g = self.gap
        block, icon = self.blocks[node], self.node_boxes[node][0].rect
        cx = block.cx
        spots = [
            (cx - w / 2, block.bottom + g),
            (icon.x, block.bottom + g),
            (icon.right - w, block.bottom + g),
            (block.right + g, icon.y),
            (block.x - g - w, icon.y),
            (block.right + g, icon.cy - h / 2),
            (block.x - g - w, icon.cy - h / 2),
            (block.right + g, block.bottom - h),
            (block.x - g - w, block.bottom - h),
            (cx - w / 2, icon.y - g - h),
            (block.right + g, block.bottom + g),
            (block.x - g - w, block.bottom + g),
        ]
        best: tuple[float, Rect] | None = None
        for rank, (x, y) in enumerate(spots):
            x = min(max(x, self.area.x), self.area.right - w)
            r = Rect(x, y, w, h)
            if not r.inside(self.area) or occupied.hits(r):
                continue
            crossings = sum(1 for a, b in self.segments if _segment_crosses(r, a, b))
            score = crossings * 100 + rank
            if (
                prefer is not None
                and abs(r.y - prefer.y) < 1
                and min(abs(r.x - prefer.x), abs(r.right - prefer.right), abs(r.cx - prefer.cx)) < 1
            ):
                score -= 1000  # where it was at the previous pause point: do not make it jump
            if best is None or score < best[0]:
                best = (score, r)
        return best[1] if best else None

    # -- a frame's boxes ----------------------------------------------------------------------
    def boxes(self, frame: Frame, hidden_traffic: Iterable[str] = (), chips: bool = True) -> list[Box]:
        """Every box drawn for ``frame``: the step's layout, the chips where they are now, the
        caption band and the chapter line. ``chips=False`` leaves the chips out: the Qt stage
        draws them from the frame itself every tick (1000 boxes a frame would cost ~5 ms)."""
        layout = self.step(frame.step)
        badges = frame.badges
        out = [b for b in layout.boxes if b.kind != "chip" and (b.kind != "badge" or badges.get(b.node) == b.text)]
        # Mid-step a badge can differ from the pause point's: draw the current one in the same slot.
        drawn = {b.node for b in out if b.kind == "badge"}
        out += [self._badge(node, value) for node, value in badges.items() if node in self.badge_slots and node not in drawn]
        shown = {(b.node, b.text) for b in frame.bubbles if b.opacity > 0.05}
        out = [b for b in out if b.kind != "bubble" or (b.node, b.full) in shown]
        at_pause = abs(frame.time - self.timeline.boundary(frame.step)) < 1e-9
        if not at_pause:
            out = self._tables_now(out, frame)
        for packet in shown_packets(frame.packets, frozenset(hidden_traffic)) if chips else ():
            if packet.opacity <= 0.05 or (at_pause and packet.id not in layout.chips):
                continue  # at a pause point a chip with no free spot is left out (listed in ``hidden``)
            out.append(self.chip_box(packet, frame.step, at_pause))
        subtitle = self.subtitle_box(frame)
        out = [b for b in out if b.kind != "subtitle"]
        if subtitle is not None:
            out.append(subtitle)
        out.extend(self.caption_boxes(frame))
        return out

    def _tables_now(self, boxes: list[Box], frame: Frame) -> list[Box]:
        """Mid-step, each device's tables as they are *now*, in the room its pause point keeps.

        The step's layout holds the tables as they stand when the step ends; drawn as they are
        while a packet is still on its way, a server would show SYN_RCVD before the SYN reached
        it. So each table is drawn again from the frame, in the same place and width, with at
        most the rows the pause point shows (the newest kept, "+N more"); a table that does not
        exist yet is left out. Cards are cached per (node, tables): most frames change no table.
        """
        placed: dict[str, list[Box]] = {}
        for b in boxes:
            if b.kind == "table":
                placed.setdefault(b.node, []).append(b)
        if not placed:
            return boxes
        now = {node: self._node_tables_now(node, tuple(cards), frame.tables.get(node, ())) for node, cards in placed.items()}
        out: list[Box] = []
        for b in boxes:
            if b.kind != "table":
                out.append(b)
            elif b is placed[b.node][0]:
                out.extend(now[b.node])
        return out

    def _node_tables_now(self, node: str, placed: tuple[Box, ...], tables: tuple[TableView, ...]) -> list[Box]:
        key = (node, placed[0].rect, tables)
        cached = self._tables_cache.get(key)
        if cached is not None:
            return cached
        first: TableCard = placed[0].data
        titles_only = not first.columns and not first.rows
        capacity = max(len(b.data.rows) for b in placed)
        x, y, w = placed[0].rect.x, placed[0].rect.y, placed[0].rect.w
        boxes: list[Box] = []
        for n, table in enumerate(tables[: len(placed)]):
            shown = self._title_only(table) if titles_only else table
            # More rows than the pause point shows (some leave during the step): keep the height.
            rows = capacity if len(shown.rows) <= capacity else max(capacity - 1, 0)
            card, _, h = self._card(shown, 0 if titles_only else rows, w)
            card = dataclasses.replace(card, leader=first.leader if n == 0 else None)
            boxes.append(
                Box(
                    "table",
                    Rect(x, y, w, h),
                    card.title,
                    card.cell_px,
                    node=node,
                    background="panel_fill",
                    full=card.title,
                    data=card,
                )
            )
            y += h + self.gap / 2
        if len(self._tables_cache) > 256:
            self._tables_cache.clear()
        self._tables_cache[key] = boxes
        return boxes

    def lay_out(self, frame: Frame, hidden_traffic: Iterable[str] = ()) -> Frame:
        """``frame`` with every box it draws (chips included) in ``Frame.boxes``: what an exporter
        renders, so every export places things exactly as the stage does."""
        return dataclasses.replace(frame, boxes=tuple(self.boxes(frame, hidden_traffic)))

    def quiz_area(self) -> Rect:
        """Where a quiz card may go: over the network, never over the title or the caption."""
        return self.area
