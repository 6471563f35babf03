"""A scene as a compact "film" of layout boxes: what the HTML player draws, computed in Python.

The player in the browser places nothing and simulates nothing. Every box it draws comes from
``StageLayout.boxes`` (the same boxes the Qt stage, PNG and video draw), sampled here, for two
*views* of each chapter (the size asked for, and a compact one for phones: ``compact_view``):

- per chapter, the boxes that never change (icons, names, addresses, link labels, title,
  legend) once, and the links as lines between the devices' centres;
- per sample, the *state* (which of the changing boxes show: caption, badges, tables, bubbles,
  the chapter line, and the highlight of each device and link), as an index into a table of
  distinct states, since a step has a handful of them;
- per sample, the chips: a look (label, size, colour, arrow) from a table, the packet they
  belong to, and their centre in whole pixels. The browser interpolates between samples.

Samples are taken ``RATE`` times a second within each step, the last one exactly at the pause
point, so a paused player shows precisely the stage's pause-point layout (chips moved clear,
tables in their spots). Colours travel as theme roles ("text", "protocol:tcp"); the page maps
them to CSS variables, so it can switch theme and palette without a new film.

Qt-free: it needs only the engine and the layout, so exports run on a machine with no display.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from animator.engine.frame import Frame
from animator.engine.tcp_graph import UNBOUNDED, Segments, Series
from animator.engine.timeline import Timeline
from animator.export.base import Chapter, ExportSource
from animator.export.html_markdown import markdown_html
from animator.layout import text as tx
from animator.layout.boxes import Box, BubbleTip, LegendEntry, Rect, TableCard
from animator.layout.stage import StageLayout

#: Samples per second of motion. Chips glide along smooth curves that a straight line between
#: samples 50 ms apart follows to within a pixel or two; a dock glide (0.3 s) gets six.
RATE = 20
#: Highlight strengths are kept in twentieths: a fade then takes five states, not fifty.
HIGHLIGHT_STEPS = 20

StepDone = Callable[[Chapter, int], None]


def _r(value: float) -> float:
    """One decimal: a tenth of a pixel at 1920 wide is below anything a screen shows."""
    return round(value, 1)


def _rect(r: Rect) -> list[float]:
    return [_r(r.x), _r(r.y), _r(r.w), _r(r.h)]


def faces() -> dict[str, list[float]]:
    """Per font face, its ascent and line height as shares of the pixel size: where the player
    puts a baseline so text sits where Qt puts it (a line's box centred in its rectangle)."""
    out = {}
    for name, bold, mono in (("sans", False, False), ("bold", True, False), ("mono", False, True), ("monobold", True, True)):
        f = tx.face(bold, mono)
        out[name] = [round(f.ascent / f.units_per_em, 5), round((f.ascent + f.descent) / f.units_per_em, 5)]
    return out


@dataclass
class _Tables:
    """The interning tables of one view: each distinct box, state and chip look once."""

    boxes: list[dict[str, Any]] = field(default_factory=list)
    box_index: dict[Box, int] = field(default_factory=dict)
    states: list[list[Any]] = field(default_factory=list)
    state_index: dict[tuple[Any, ...], int] = field(default_factory=dict)
    looks: list[list[Any]] = field(default_factory=list)
    look_index: dict[tuple[Any, ...], int] = field(default_factory=dict)


class Packets:
    """Packet ids ↔ the numbers chips carry, shared by a chapter's views so a chip selected in
    one is the same packet in the other (the page switches views as the window narrows)."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.index: dict[str, int] = {}

    def __call__(self, packet_id: str) -> int:
        number = self.index.get(packet_id)
        if number is None:
            number = self.index[packet_id] = len(self.ids)
            self.ids.append(packet_id)
        return number


class ViewFilm:
    """Samples one chapter (a scene, or a deck's scene) at one output size and text scale."""

    def __init__(self, chapter: Chapter, size: tuple[int, int], scale: float, packets: Packets) -> None:
        self.chapter = chapter
        self.timeline = timeline = chapter.timeline
        self.layout = StageLayout(timeline, size, scale)
        self.size = size
        scene = timeline.scene
        self.node_of = {n.id: i for i, n in enumerate(scene.nodes)}
        self.link_of = {link.link_id: i for i, link in enumerate(scene.links)}
        self.t = _Tables()
        self.packets = packets
        fixed: list[Box] = [b for boxes in self.layout.node_boxes.values() for b in boxes]
        fixed += self.layout.link_boxes
        fixed += [b for b in self.layout.title_boxes if b.kind != "subtitle"]  # the chapter line changes
        self.fixed = [self._box(b) for b in fixed]
        self.fixed_set = frozenset(fixed)

    # -- interning -----------------------------------------------------------------------
    def _box(self, box: Box) -> int:
        index = self.t.box_index.get(box)
        if index is None:
            index = self.t.box_index[box] = len(self.t.boxes)
            self.t.boxes.append(self._encode(box))
        return index

    def _encode(self, box: Box) -> dict[str, Any]:
        """A box as the player reads it: kind, rectangle, text, pixel size, colour roles, extras."""
        kind = "counter" if box.kind == "caption" and box.ref == "counter" else box.kind
        out: dict[str, Any] = {"k": kind, "r": _rect(box.rect)}
        if box.text:
            out["t"] = box.text
        if box.px:
            out["px"] = box.px
        if box.color != "text":
            out["c"] = box.color
        if box.node:
            out["n"] = self.node_of.get(box.node, -1)
        if box.full and box.full != box.text:
            out["f"] = box.full
        data = box.data
        if isinstance(data, TableCard):
            out["d"] = {
                "title": data.title,
                "cols": list(data.columns),
                "rows": [list(row) for row in data.rows],
                "more": data.hidden_rows,
                "cw": [_r(w) for w in data.col_widths],
                "tpx": data.title_px,
                "cpx": data.cell_px,
                "lh": _r(data.line_h),
                "th": _r(data.title_h),
                "pad": _r(data.pad),
                "gap": _r(data.col_gap),
                "leader": [_r(v) for v in data.leader] if data.leader else None,
            }
        elif isinstance(data, BubbleTip):
            out["d"] = {"tip": [_r(data.tip_x), _r(data.tip_y)], "lines": list(data.lines), "lh": _r(data.line_h)}
        elif isinstance(data, Rect):  # the caption's band
            out["d"] = _rect(data)
        elif isinstance(data, tuple) and data and isinstance(data[0], LegendEntry):
            out["d"] = [[e.protocol, e.name, _rect(e.swatch), _rect(e.label)] for e in data]
        return out

    def _state(self, boxes: Iterable[Box], frame: Frame) -> int:
        shown = tuple(self._box(b) for b in boxes)
        nodes = tuple(
            (self.node_of[n], round(v * HIGHLIGHT_STEPS) * 100 // HIGHLIGHT_STEPS)
            for n, v in sorted(frame.node_highlight.items())
            if n in self.node_of and v > 0.01
        )
        links = tuple(
            (self.link_of[k], round(v * HIGHLIGHT_STEPS) * 100 // HIGHLIGHT_STEPS)
            for k, v in sorted(frame.link_highlight.items())
            if k in self.link_of and v > 0.01
        )
        key = (shown, nodes, links)
        index = self.t.state_index.get(key)
        if index is None:
            index = self.t.state_index[key] = len(self.t.states)
            self.t.states.append([list(shown), [v for pair in nodes for v in pair], [v for pair in links for v in pair]])
        return index

    def _look(self, box: Box) -> int:
        look = box.data
        direction = (round(look.dx, 3), round(look.dy, 3))
        key = (box.text, box.full, look.protocol, look.dropped, direction, _r(box.rect.w), _r(box.rect.h))
        index = self.t.look_index.get(key)
        if index is None:
            index = self.t.look_index[key] = len(self.t.looks)
            self.t.looks.append(
                [
                    _r(box.rect.w),
                    _r(box.rect.h),
                    box.text,
                    look.protocol,
                    int(look.dropped),
                    *direction,
                    _r(look.arrow_w),
                    box.px,
                    box.full,
                ]
            )
        return index

    # -- sampling ------------------------------------------------------------------------
    def sample(self, t: float) -> list[Any]:
        """[state, chips]: chips flat as look, packet, x, y, opacity (percent) per chip."""
        frame = self.timeline.state_at(t)
        boxes = self.layout.boxes(frame)
        chips: list[int] = []
        rest = []
        for box in boxes:
            if box.kind == "chip":
                look = box.data
                chips += [
                    self._look(box),
                    self.packets(box.ref),
                    round(box.rect.cx),
                    round(box.rect.cy),
                    round(look.opacity * 100),
                ]
            elif box not in self.fixed_set:
                rest.append(box)
        return [self._state(rest, frame), chips]

    def build(self, step_done: StepDone) -> dict[str, Any]:
        """The view: its size, fixed boxes, states, chip looks and samples (step by step)."""
        chapter, timeline = self.chapter, self.timeline
        first, last = chapter.first_step, chapter.last_step
        start = self.sample(timeline.boundary(first))
        step_done(chapter, first)
        samples = []
        for k in range(first + 1, last + 1):
            a, b = timeline.boundary(k - 1), timeline.boundary(k)
            n = max(1, round((b - a) * RATE))
            # The last sample exactly at the pause point (no rounding): that frame is the pause layout.
            samples.append([self.sample(b if j == n else a + (b - a) * j / n) for j in range(1, n + 1)])
            step_done(chapter, k)
        layout = self.layout
        centre = {node: layout.to_px(*grid) for node, grid in timeline.positions.items()}  # = layout.centres
        links = [(centre[a], centre[b]) for a, b in (link.between for link in timeline.scene.links)]
        return {
            "size": list(self.size),
            "area": _rect(layout.area),
            "k": round(layout.k, 4),
            "gap": _r(layout.gap),
            "links": [[_r(a[0]), _r(a[1]), _r(b[0]), _r(b[1])] for a, b in links],
            "boxes": self.t.boxes,
            "fixed": self.fixed,
            "states": self.t.states,
            "looks": self.t.looks,
            "start": start,
            "samples": samples,
        }


# -- words: what the panels show, the same in every view ------------------------------------
def _node(node: Any) -> dict[str, Any]:
    """A device: its icon and what hovering it says (the stage may show fewer addresses)."""
    lines = [f"{node.display_label} ({node.kind})"]
    if node.mac:
        lines.append(f"MAC {node.mac}")
    lines += [f"IPv4 {a}" for a in node.ipv4] + [f"IPv6 {a}" for a in node.ipv6]
    return {"id": node.id, "name": node.display_label, "icon": node.icon_kind, "tip": "\n".join(lines)}


def _step(timeline: Timeline, k: int) -> dict[str, Any]:
    span = timeline.steps[k - 1]
    step = timeline.scene.steps[k - 1]
    out: dict[str, Any] = {"caption": span.caption}
    if step.explain and step.explain.strip():
        out["explain"] = markdown_html(step.explain)
    if span.notes:
        out["notes"] = markdown_html(span.notes)
    quiz = step.quiz
    if quiz is not None and quiz.correct_index() is not None:
        out["quiz"] = {
            "q": quiz.question,
            "choices": list(quiz.choices),
            "answer": quiz.correct_index(),
            "explain": markdown_html(quiz.explain) if quiz.explain else "",
        }
    chapter = timeline.chapter_at(k)
    if chapter:
        out["chapter"] = chapter
    return out


def chapter_words(chapter: Chapter) -> dict[str, Any]:
    """Titles, steps (caption, explanation, notes, quiz), devices and the scene's own chapters."""
    timeline = chapter.timeline
    scene = timeline.scene
    first, last = chapter.first_step, chapter.last_step
    intro = {"caption": scene.summary or scene.title, "explain": markdown_html(scene.summary)}
    return {
        "title": chapter.title,
        "part": chapter.part,
        "scene": scene.title,
        "first": first,
        "count": timeline.step_count,
        "bounds": [round(timeline.boundary(s), 4) for s in range(first, last + 1)],
        "nodes": [_node(n) for n in scene.nodes],
        "steps": [_step(timeline, k) for k in range(first + 1, last + 1)],
        # The first pause point: before anything moves (the scene's summary), or a step already played.
        "start": _step(timeline, first) if first else intro,
        # [the pause point before it begins, its title], within the exported steps
        "sections": [[s.number - 1, s.begins_chapter] for s in timeline.steps if s.begins_chapter and first < s.number <= last],
        "graph": _tcp_graph(timeline),
    }


def _tcp_graph(timeline: Timeline) -> dict[str, Any] | None:
    """The scene's TCP graph as plain numbers (None: it has none): the page draws and cuts it at the
    player's time, as the app's panel does (``engine.tcp_graph``)."""
    graph = timeline.tcp_graph()
    if graph is None:
        return None

    def points(series: Series) -> list[list[float]]:
        return [[_r(t), round(v)] for t, v in zip(series.times, series.values, strict=True) if v < UNBOUNDED]

    def bars(segments: Segments) -> list[list[float]]:
        return [[_r(t), round(a), round(b)] for t, a, b in zip(segments.times, segments.seqs, segments.ends, strict=True)]

    return {
        "duration": _r(graph.duration),
        "seqTop": round(graph.seq_top),
        "windowTop": round(graph.window_top),
        "mss": graph.mss,
        "segments": bars(graph.segments),
        "retransmissions": bars(graph.retransmissions),
        "ack": points(graph.acks),
        "window": points(graph.windows),
        "samples": {s.name: points(s) for s in graph.samples if len(s)},
    }


def compact_view(size: tuple[int, int], scale: float) -> tuple[tuple[int, int], float]:
    """The second view, for phones and narrow windows: a smaller, taller stage with larger text.

    Shown cropped to its network at a phone's width, a 1920-pixel stage's names come out under
    5 px; the stage laid out at 960x900 with 150 % text keeps them near 9 px (19 px on a phone
    held sideways), gives the network the height a portrait screen has, and is still the
    layout's own picture (what the app shows in a window that size).
    """
    return COMPACT_SIZE, min(2.0, max(COMPACT_SCALE, scale))


#: The compact view's layout size and smallest text scale (``compact_view``).
COMPACT_SIZE = (960, 900)
COMPACT_SCALE = 1.5


def build_film(
    source: ExportSource, size: tuple[int, int], scale: float, step_done: StepDone
) -> tuple[dict[str, Any], list[tuple[Chapter, list[str]]]]:
    """The whole film, and per chapter the packets whose chips appear (for the inspector data).

    Each chapter has two views: ``size`` at ``scale`` (what was asked for: a desktop, a
    projector) and the compact one of ``compact_view``; ``step_done`` is called per step of each.
    """
    chapters = []
    shown: list[tuple[Chapter, list[str]]] = []
    compact_size, compact_scale = compact_view(size, scale)
    for chapter in source.chapters:
        packets = Packets()
        words = chapter_words(chapter)
        words["views"] = [
            ViewFilm(chapter, size, scale, packets).build(step_done),
            ViewFilm(chapter, compact_size, compact_scale, packets).build(step_done),
        ]
        chapters.append(words)
        shown.append((chapter, packets.ids))
    return {
        "v": 1,
        "rate": RATE,
        "title": source.title,
        "summary": markdown_html(source.summary) if source.summary else "",
        "deck": source.is_deck,
        "faces": faces(),
        "chapters": chapters,
    }, shown
