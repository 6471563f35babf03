"""A firewall's REJECT answers the way iptables' tcp-reset does (RFC 9293 reset generation)."""

from __future__ import annotations

from scapy.layers.inet import TCP
from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.model import load_scene_text

SCENE = """\
format: 1
title: Reject
nodes:
  - {id: client, kind: host, ipv4: 198.51.100.50/24}
  - id: fw
    kind: firewall
    ipv4: [198.51.100.1/24, 10.0.1.1/24]
    firewall:
      rules:
        - {chain: FORWARD, action: REJECT, proto: tcp, dport: 5432, reject_with: tcp-reset}
  - {id: db, kind: server, ipv4: 10.0.1.5/24}
links:
  - between: [client, fw]
  - between: [fw, db]
steps:
  - caption: SYN
    actions:
      - send: {from: client, to: db, layers: [tcp: {dport: 5432, flags: S, seq: 1000}]}
  - caption: a stray ACK
    actions:
      - send: {from: client, to: db, layers: [tcp: {dport: 5432, flags: A, seq: 1001, ack: 777}]}
"""


def _rsts() -> list[TCP]:
    timeline = build_timeline(load_scene_text(SCENE, "t.yaml"))
    return [Ether(m.frames[0])[TCP] for m in timeline.messages if m.id.endswith(".rst")]


def test_a_rejected_syn_gets_rst_ack_acknowledging_it_with_a_zero_window() -> None:
    rst = _rsts()[0]
    assert (str(rst.flags), rst.seq, rst.ack, rst.window) == ("RA", 0, 1001, 0)


def test_a_rejected_ack_gets_a_bare_rst_at_the_sequence_it_acknowledged() -> None:
    rst = _rsts()[1]
    assert (str(rst.flags), rst.seq, rst.ack, rst.window) == ("R", 777, 0, 0)
