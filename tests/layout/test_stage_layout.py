"""The lecture-hall checks over every built-in scene: at every pause point, at 1280x720 and
1920x1080, at 100/150/200 % text, nothing covers anything, nothing leaves the stage, no text
is under the hall minimums, and every text has WCAG AA contrast (4.5:1) in every theme.

Runs on the Qt-free layout (``animator.layout``), the same boxes the stage and every export
draw; ``render --boxes`` writes them for a person to inspect.
"""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path

import pytest

from animator import looks
from animator.engine import build_timeline
from animator.engine.timeline import Timeline
from animator.layout import StageLayout, min_px
from animator.layout.boxes import Box, describe
from animator.layout.stage import FIT_FLOOR
from animator.model import load_scene
from animator.resources import builtin_scenes

SIZES = ((1280, 720), (1920, 1080))
SCALES = (1.0, 1.5, 2.0)
#: Boxes drawn inside another box of the same group: the caption's counter pill sits on its panel.
NESTED = {("caption", "caption")}


@cache
def timeline_of(path: Path) -> Timeline:
    return build_timeline(load_scene(path))


def overlaps(boxes: list[Box]) -> list[str]:
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if (a.kind, b.kind) in NESTED or not a.rect.intersects(b.rect):
                continue
            found.append(f"{a.kind} {a.text or a.node!r} covers {b.kind} {b.text or b.node!r}")
    return found


@pytest.mark.parametrize("path", builtin_scenes(), ids=lambda p: p.stem)
def test_nothing_covers_anything_at_any_pause_point(path: Path) -> None:
    timeline = timeline_of(path)
    problems = []
    for size in SIZES:
        for scale in SCALES:
            layout = StageLayout(timeline, size, scale)
            stage = layout.stage
            for step in range(timeline.step_count + 1):
                boxes = layout.boxes(timeline.state_at(timeline.boundary(step)))
                where = f"{size[0]}x{size[1]} {scale:.0%} step {step}"
                problems += [f"{where}: {p}" for p in overlaps(boxes)]
                problems += [f"{where}: {b.kind} {b.text!r} leaves the stage" for b in boxes if not b.rect.inside(stage)]
                for b in boxes:
                    least = min_px("counter" if b.ref == "counter" else b.kind, size, scale)
                    if b.px and b.px < least - 0.5:
                        problems.append(f"{where}: {b.kind} {b.text!r} at {b.px} px (< {least:.1f})")
    assert not problems, "\n".join(problems[:20])


#: The stage of a 1280x720 window with its panels docked (measured: 874x662).
DOCKED = (874, 662)


@pytest.mark.parametrize("path", builtin_scenes(), ids=lambda p: p.stem)
def test_in_a_docked_window_at_large_text_nothing_covers_anything_mid_step_either(path: Path) -> None:
    """A student's laptop window with panels, at 150 and 200 % text: a stage smaller than the hall
    sizes. Where devices' text would run into each other, the text gives way (``fitted``) instead;
    nothing covers anything at a pause point or halfway through a step (bubbles and tables that
    appear mid-step included; chips in flight cross things by nature and are left out)."""
    timeline = timeline_of(path)
    problems = []
    for scale in (1.5, 2.0):
        assert StageLayout(timeline, SIZES[0], scale).fitted == 1.0, "the hall sizes never shrink the text"
        layout = StageLayout(timeline, DOCKED, scale)
        assert layout.fitted >= FIT_FLOOR
        for step in range(timeline.step_count + 1):
            moments = [timeline.boundary(step)]
            if step:
                moments.append((timeline.boundary(step - 1) + timeline.boundary(step)) / 2)
            for t in moments:
                boxes = [b for b in layout.boxes(timeline.state_at(t)) if b.kind != "chip"]
                problems += [f"{scale:.0%} t={t:.2f} (step {step}): {p}" for p in overlaps(boxes)]
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("path", builtin_scenes(), ids=lambda p: p.stem)
def test_every_text_reads_at_wcag_aa_in_every_theme(path: Path) -> None:
    timeline = timeline_of(path)
    layout = StageLayout(timeline, (1280, 720), 1.0)
    problems = set()
    for step in range(timeline.step_count + 1):
        boxes = layout.boxes(timeline.state_at(timeline.boundary(step)))
        for theme in (looks.LIGHT, looks.DARK, looks.HIGH_CONTRAST):
            for palette in looks.PALETTES.values():
                for item in describe(boxes, layout.size, step, 1.0, theme, palette)["items"]:
                    if "px" in item and looks.contrast(item["color"], item["background"]) < 4.5:
                        problems.add(f"{theme.name}/{palette.name}: {item['kind']} {item['color']} on {item['background']}")
    assert not problems, "\n".join(sorted(problems))


def test_text_size_enlarges_every_piece_of_stage_text() -> None:
    timeline = timeline_of(next(p for p in builtin_scenes() if p.stem == "home-nat"))
    plain, big = StageLayout(timeline, (1920, 1080), 1.0), StageLayout(timeline, (1920, 1080), 2.0)
    for kind, px in plain.px.items():
        assert big.px[kind] >= 2 * px - 1, kind
    # Icons may shrink a little to make room; text never does.
    assert big.icon <= plain.icon


def test_a_five_device_chain_fills_the_stage_height_at_1080p() -> None:
    """The diagram fills the stage: not a thin band across it."""
    timeline = timeline_of(next(p for p in builtin_scenes() if p.stem == "http-get"))
    layout = StageLayout(timeline, (1920, 1080), 1.0)
    assert layout.area.h > 0.55 * 1080
    xs = [x for x, _ in layout.centres.values()]
    assert max(xs) - min(xs) > 0.7 * 1920


def test_docked_chips_never_sit_on_an_icon_and_show_where_they_came_from() -> None:
    timeline = timeline_of(next(p for p in builtin_scenes() if p.stem == "http-request-journey"))
    layout = StageLayout(timeline, (1280, 720), 1.0)
    boxes = layout.boxes(timeline.state_at(timeline.boundary(3)))
    chips = [b for b in boxes if b.kind == "chip"]
    icons = [b for b in boxes if b.kind == "icon"]
    assert any(c.full.startswith("SYN") for c in chips), "the SYN the caption talks about is on the stage"
    assert all(not c.rect.intersects(i.rect) for c in chips for i in icons)
    assert all(c.data.dx or c.data.dy for c in chips)


def test_a_step_keeps_the_previous_steps_table_spots() -> None:
    """A table that gains a row grows in place (it may grow left or up from an anchored
    corner) but never jumps elsewhere while the lecturer talks about it."""
    timeline = timeline_of(next(p for p in builtin_scenes() if p.stem == "home-nat"))
    layout = StageLayout(timeline, (1920, 1080), 1.0)
    last: dict[str, Box] = {}
    for step in range(timeline.step_count + 1):
        for b in layout.step(step).boxes:
            if b.kind != "table":
                continue
            before = last.get(b.node)
            if before is not None:
                grew_w, grew_h = abs(b.rect.w - before.rect.w), abs(b.rect.h - before.rect.h)
                assert abs(b.rect.x - before.rect.x) <= grew_w + 1, f"{b.node}'s table jumped at step {step}"
                assert abs(b.rect.y - before.rect.y) <= grew_h + 1, f"{b.node}'s table jumped at step {step}"
            last[b.node] = b
    assert last, "home-nat shows its NAT table"


@pytest.mark.parametrize("size", SIZES)
def test_at_100_percent_every_name_and_address_is_shown_whole(size: tuple[int, int]) -> None:
    """A long name wraps onto a second line ("Office laptop" / "(curl -x)") before it is cut, and
    no device loses an address line: at the default text size nothing is elided."""
    cut = []
    for path in builtin_scenes():
        timeline = timeline_of(path)
        layout = StageLayout(timeline, size, 1.0)
        for node in timeline.scene.nodes:
            boxes = layout.node_boxes[node.id]
            name = next(b for b in boxes if b.kind == "name")
            if " ".join(name.text.split()) != " ".join(node.display_label.split()):
                cut.append(f"{path.stem}: {node.display_label!r} shown as {name.text!r}")
            shown = [b.text for b in boxes if b.kind == "address"]
            if shown != [*node.ipv4, *node.ipv6][:2]:
                cut.append(f"{path.stem}: {node.id} addresses {shown}")
    assert not cut, "\n".join(cut)


@pytest.mark.parametrize("size", [(1, 1), (160, 90), (320, 240)])
def test_a_window_too_small_for_anything_still_lays_out(size: tuple[int, int]) -> None:
    """A stage shown before it has its size, or squeezed by docks: the layout finishes (hides
    what cannot fit) instead of hanging or raising."""
    for path in builtin_scenes()[:6]:
        timeline = timeline_of(path)
        layout = StageLayout(timeline, size, 2.0)
        for step in range(timeline.step_count + 1):
            assert layout.boxes(timeline.state_at(timeline.boundary(step)))


def test_an_arriving_chip_glides_into_its_spot_instead_of_jumping() -> None:
    timeline = timeline_of(next(p for p in builtin_scenes() if p.stem == "tcp-handshake"))
    layout = StageLayout(timeline, (1280, 720), 1.0)
    track = timeline.messages[0]
    path = []
    for i in range(-3, 12):
        frame = timeline.state_at(track.end + i * 0.03)
        packet = next(p for p in frame.packets if p.id == track.id)
        path.append(layout.chip_centre(packet, frame.step))
    steps = [((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5 for (ax, ay), (bx, by) in itertools.pairwise(path)]
    assert max(steps) < 0.25 * layout.cell_w, f"the chip jumped {max(steps):.0f} px in 30 ms"
    assert path[-1] != path[3]  # it did move from the device into its spot


def test_a_laid_out_frame_carries_every_box_including_its_chips() -> None:
    timeline = timeline_of(next(p for p in builtin_scenes() if p.stem == "home-nat"))
    layout = StageLayout(timeline, (1280, 720), 1.0)
    frame = timeline.state_at(timeline.boundary(8))
    assert frame.boxes == ()  # the engine's frame knows nothing of pixels
    laid = layout.lay_out(frame)
    kinds = {b.kind for b in laid.boxes}
    assert {"icon", "name", "address", "table", "chip", "title", "caption", "legend"} <= kinds
    assert laid.packets == frame.packets and laid.time == frame.time
