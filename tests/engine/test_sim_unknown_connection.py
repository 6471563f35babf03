"""A segment for a connection the host never had is reset, and the stage says why."""

from __future__ import annotations

from scapy.layers.inet import TCP
from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.model import load_scene_text

STRAY = """\
format: 1
title: A stray segment
nodes:
  - {id: c, kind: host, ipv4: 10.0.0.23/24}
  - {id: s, kind: server, ipv4: 10.0.0.12/24, listen: 80}
links:
  - between: [c, s]
steps:
  - caption: data on a connection s never saw
    actions:
      - send: {from: c, to: s, layers: [tcp: {sport: 40100, dport: 80, flags: PA, seq: 1080, ack: 5105}, raw: {load: hi}]}
"""


def test_data_for_an_unknown_connection_is_reset_as_no_such_connection_not_a_closed_port() -> None:
    timeline = build_timeline(load_scene_text(STRAY))
    rst = next(m for m in timeline.messages if m.id.endswith(".rst"))
    reset = Ether(rst.frames[0])[TCP]
    assert (str(reset.flags), reset.seq) == ("R", 5105)  # RFC 9293: seq from the segment's ACK, no ACK flag
    bubbles = [b.text for t in (rst.start, rst.start + 0.05) for b in timeline.state_at(t).bubbles]
    assert "no such connection: RST" in bubbles and not any("closed" in text for text in bubbles)
