"""The timeline is what every view shows: these tests pin step boundaries, motion and state."""

from __future__ import annotations

import random

import pytest

from animator.engine import build_timeline
from animator.engine.timeline import DROP_FADE, FADE, MIN_STEP, TAIL, Timeline
from animator.model import load_scene_text
from tests.conftest import MINIMAL


def timeline(text: str = MINIMAL) -> Timeline:
    return build_timeline(load_scene_text(text, "t.yaml"))


CHAIN = """\
format: 1
title: Chain
hop_time: 1.0
nodes:
  - {id: a, kind: host}
  - {id: r1, kind: router}
  - {id: r2, kind: router}
  - {id: b, kind: server}
links:
  - {between: [a, r1]}
  - {between: [r1, r2], latency: 100ms}
  - {between: [r2, b]}
steps:
  - caption: one
    actions:
      - send: {from: a, to: b, label: P}
  - caption: two
    duration: 2
    actions:
      - send: {from: a, to: b, label: Q, at: 0.5}
      - state: {node: r1, text: BUSY, at: 1}
  - caption: three
    actions:
      - send: {from: a, to: b, label: lost, drop_at: r2}
      - table: {node: r2, title: NAT, columns: [in, out], rows: [[x, y]]}
      - highlight: {nodes: [r1], links: [[r1, r2]]}
      - note: {node: r2, text: dropped here, at: 0.2}
  - caption: four
    actions:
      - table: {node: r2, title: NAT, hide: true}
      - state: {node: r1, text: ""}
"""


def test_state_at_is_pure_and_order_independent() -> None:
    tl = timeline(CHAIN)
    times = [i * tl.duration / 97 for i in range(98)]
    forward = [tl.state_at(t) for t in times]
    shuffled = times[:]
    random.Random(4).shuffle(shuffled)
    by_time = {t: tl.state_at(t) for t in shuffled}
    assert [by_time[t] for t in times] == forward
    assert tl.state_at(1.234) == tl.state_at(1.234)


def test_step_zero_is_the_scene_before_anything_moves() -> None:
    tl = timeline()
    frame = tl.state_at(0.0)
    assert frame.step == 0
    assert frame.packets == ()
    assert frame.caption == "Two hosts and a switch."
    assert frame.badges == {}


def test_pause_point_shows_the_step_finished_and_the_next_step_not_started() -> None:
    tl = timeline()
    end1 = tl.boundary(1)
    at_end = tl.state_at(end1)
    assert at_end.step == 1
    assert at_end.caption == "a says hello"
    (packet,) = at_end.packets
    assert packet.arrived and packet.node == "b"
    assert (packet.x, packet.y) == tl.positions["b"]
    assert "b" not in at_end.badges  # step 2's state change has not happened yet
    after = tl.state_at(end1 + 1e-6)
    assert after.step == 2
    assert [p.label for p in after.packets] == ["hi"]
    assert after.badges == {"b": "ESTABLISHED"}


def test_automatic_step_length_fits_the_actions_plus_a_tail() -> None:
    tl = timeline(CHAIN)
    # step 1: three hops (the 100 ms link takes twice as long) and two 0.15 s dwells
    travel = 1.01 + 2.0 + 1.01 + 2 * 0.15  # hop_time × (1 + latency_ms / 100), 1 ms by default
    assert tl.boundary(1) == pytest.approx(travel + TAIL)
    assert tl.steps[3].end - tl.steps[3].start == pytest.approx(MIN_STEP)


def test_explicit_duration_speeds_sends_up_to_fit() -> None:
    tl = timeline(CHAIN)
    start, end = tl.boundary(1), tl.boundary(2)
    assert end - start == pytest.approx(2.0)
    frame = tl.state_at(end)
    (packet,) = frame.packets
    assert packet.arrived and packet.node == "b"
    assert tl.state_at(start + 0.4).packets == ()  # 'at: 0.5' delays the send


def test_packet_crosses_links_in_order_and_dwells_inside_devices() -> None:
    tl = timeline(CHAIN)
    mid_first_hop = tl.state_at(0.5).packets[0]
    assert mid_first_hop.link_id == "a--r1" and mid_first_hop.node == "r1"
    ax, _ = tl.positions["a"]
    r1x, _ = tl.positions["r1"]
    assert ax < mid_first_hop.x < r1x
    dwelling = tl.state_at(1.05).packets[0]
    assert dwelling.link_id is None and dwelling.node == "r1"
    assert (dwelling.x, dwelling.y) == tl.positions["r1"]
    second_hop = tl.state_at(1.15 + 1.0).packets[0]
    assert second_hop.link_id == "r1--r2"


def test_packets_move_monotonically_along_a_hop() -> None:
    tl = timeline(CHAIN)
    xs = [tl.state_at(t / 100).packets[0].x for t in range(1, 100)]
    assert xs == sorted(xs)
    assert len(set(xs)) > 90  # it really moves every frame


def test_persistent_state_rolls_back_exactly_when_seeking_backwards() -> None:
    tl = timeline(CHAIN)
    b2, b3, b4 = tl.boundary(2), tl.boundary(3), tl.boundary(4)
    assert tl.state_at(b2).badges == {"r1": "BUSY"}
    assert tl.state_at(b3).tables["r2"][0].rows == (("x", "y"),)
    final = tl.state_at(b4)
    assert final.badges == {} and final.tables == {}
    assert tl.state_at(b3) == timeline(CHAIN).state_at(b3)  # after visiting the end
    assert tl.state_at(tl.boundary(1)).badges == {}


def test_dropped_packet_stops_at_the_drop_point_then_fades() -> None:
    tl = timeline(CHAIN)
    start = tl.boundary(2)
    track_end = start + 1.0 + 0.15 + 2.0
    frame = tl.state_at(track_end + 0.01)
    (packet,) = frame.packets
    assert packet.dropped and packet.node == "r2"
    gone = tl.state_at(track_end + DROP_FADE + FADE + 0.01)
    assert gone.packets == ()


def test_highlights_and_notes_last_until_the_step_ends() -> None:
    tl = timeline(CHAIN)
    start, end = tl.boundary(2), tl.boundary(3)
    early = tl.state_at(start + 0.1)
    assert early.bubbles == ()  # note has 'at: 0.2'
    assert 0 < early.node_highlight["r1"] < 1  # fading in
    frame = tl.state_at(end)
    assert frame.node_highlight == {"r1": 1.0}
    assert frame.link_highlight == {"r1--r2": 1.0}
    assert [b.text for b in frame.bubbles] == ["dropped here"]
    assert tl.state_at(end + 0.01).bubbles == ()


def test_time_outside_the_scene_is_clamped() -> None:
    tl = timeline()
    assert tl.state_at(-5) == tl.state_at(0)
    assert tl.state_at(tl.duration + 10) == tl.state_at(tl.duration)


def test_chapters_and_protocols_for_legend() -> None:
    text = MINIMAL.replace("steps:\n", "chapters:\n  - {id: c, title: Replies}\nsteps:\n").replace(
        "  - caption: b answers\n", "  - caption: b answers\n    chapter: c\n"
    )
    tl = timeline(text)
    assert tl.state_at(tl.boundary(1)).chapter is None
    assert tl.state_at(tl.boundary(2)).chapter == "Replies"
    assert tl.protocols == ("tcp",)


def test_opposite_directions_use_different_lanes() -> None:
    text = MINIMAL.replace("      - send: {from: b, to: a, label: hi, protocol: tcp}\n", "")
    text = text.replace(
        "      - send: {from: a, to: b, label: hello, protocol: tcp}\n",
        "      - send: {from: a, to: b, label: hello, protocol: tcp}\n"
        "      - send: {from: b, to: a, label: back, protocol: tcp}\n",
    )
    tl = timeline(text)
    frame = tl.state_at(0.4)
    ys = {p.label: p.y for p in frame.packets}
    assert ys["hello"] != ys["back"]
