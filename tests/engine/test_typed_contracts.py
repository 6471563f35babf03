"""Code decides on types, never on display text: a leg's Outcome, traffic classes read from the
frames, device remarks and badges as engine events (issue 14)."""

from __future__ import annotations

import textwrap

from animator.engine import build_timeline
from animator.engine.frame import PacketView
from animator.engine.sim import Badge, Outcome, Remark
from animator.engine.timeline import Timeline
from animator.engine.traffic import TCP_CONTROL, TLS_HANDSHAKE, classify, shown_packets, traffic_classes
from animator.model import load_scene_text
from tests.scenekit import tracks

FLOOD_AND_REFUSE = """\
format: 1
title: outcomes
nodes:
  - {id: a, kind: host, ipv4: 10.0.0.1/24}
  - {id: b, kind: server, ipv4: 10.0.0.2/24, listen: [80]}
  - {id: c, kind: host, ipv4: 10.0.0.3/24}
  - {id: sw, kind: switch}
links:
  - {between: [a, sw]}
  - {between: [b, sw]}
  - {between: [c, sw]}
steps:
  - caption: a SYN to a closed port of b, flooded because b is unknown
    actions:
      - send: {from: a, to: b, layers: [{tcp: {dport: 22, flags: S}}]}
"""


def simulate(text: str) -> Timeline:
    return build_timeline(load_scene_text(textwrap.dedent(text), "scene.yaml"))


def test_each_leg_ends_with_an_outcome_and_the_animation_reads_it() -> None:
    tl = simulate(FLOOD_AND_REFUSE)
    by_end = {m.path[-1]: m for m in tl.messages if m.id.startswith("s1.1") and "rst" not in m.id}
    assert by_end["b"].outcome is Outcome.ANSWERED  # closed port: answered with RST
    assert by_end["c"].outcome is Outcome.DISCARDED and by_end["c"].vanishes  # the flood copy
    rst = next(m for m in tl.messages if m.id.endswith(".rst"))
    assert rst.outcome is Outcome.DELIVERED and not rst.vanishes
    # The inspector's "arrived" comes from the outcome, at the last device only.
    detail = tl.packet_detail(rst.id, rst.end)
    assert detail is not None and detail.outcome is Outcome.DELIVERED
    at_the_switch = tl.packet_detail(rst.id, rst.hop_ends[0] + 0.01)  # dwelling in the switch
    assert at_the_switch is not None and at_the_switch.node == "sw" and at_the_switch.outcome is None


def test_device_remarks_and_badges_are_engine_events_shown_as_bubbles_and_badges() -> None:
    tl = simulate(FLOOD_AND_REFUSE)
    assert tl.journey is not None
    step = tl.journey.steps[0]
    assert all(isinstance(r, Remark) for r in step.remarks) and step.remarks
    assert all(isinstance(b, Badge) for b in step.badges)
    end = tl.state_at(tl.boundary(1))
    shown = {(bubble.node, bubble.text) for bubble in end.bubbles}
    assert {(r.node, r.text) for r in step.remarks} <= shown
    assert ("b", "port 22 closed: RST") in shown


def test_traffic_classes_come_from_the_frames_not_the_label() -> None:
    # A ClientHello carried through a CONNECT tunnel is labelled by the proxy, not by its contents.
    tunnelled = next(m for m in tracks("connect-tunnel", 4) if m.label == "tunnelled bytes (untouched)")
    assert TLS_HANDSHAKE in tunnelled.classes
    # A duplicate ACK with SACK blocks carries no data: a control segment, whatever its label says.
    dup_ack = next(m for m in tracks("tcp-vs-udp", 3) if m.label.startswith("dup ack"))
    assert TCP_CONTROL in dup_ack.classes
    # Data segments and application records are not.
    assert all(TCP_CONTROL not in m.classes for m in tracks("tcp-vs-udp", 3) if "data" in m.label.lower())


def test_the_filter_reads_the_classes_the_timeline_worked_out() -> None:
    control = PacketView(
        "m", "looks like data", "tcp", 0, 0, None, "a", "a", 1.0, False, False, 0.0, frozenset({"tcp", TCP_CONTROL})
    )
    data = PacketView("n", "SYN in the label only", "tcp", 0, 0, None, "a", "a", 1.0, False, False, 0.0, frozenset({"tcp"}))
    assert traffic_classes(control) == {"tcp", TCP_CONTROL}
    assert shown_packets((control, data), frozenset({TCP_CONTROL})) == (data,)


def test_a_token_without_frames_is_classified_by_its_label() -> None:
    assert classify("tcp", "SYN seq=0") == {"tcp", TCP_CONTROL}
    assert classify("tls", "ClientHello") == {"tls", TLS_HANDSHAKE}
    assert classify("http", "GET /") == {"http"}
