"""An author's ``ip: {dst: …}`` is the address the sender's connection is opened to."""

from __future__ import annotations

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.model import load_scene_text

OVERLAP = """\
format: 1
title: Two sites share 10.0.0.0/24
nodes:
  - {id: a, kind: host, ipv4: 10.0.0.23/24}
  - {id: natA, kind: nat, ipv4: [10.0.0.1/24, 192.0.2.1/24]}
  - {id: net, kind: internet}
  - id: natB
    kind: nat
    ipv4: [10.0.0.254/24, 203.0.113.7/24]
    nat: {forward: [{port: 8080, to: "10.0.0.10:80"}]}
  - {id: web, kind: server, ipv4: 10.0.0.10/24, gateway: 10.0.0.254, listen: 80}
links:
  - between: [a, natA]
  - between: [natA, net]
  - between: [net, natB]
  - between: [natB, web]
steps:
  - caption: SYN to site B's public address
    actions:
      - send: {from: a, to: natB, layers: [ip: {dst: 203.0.113.7}, tcp: {dport: 8080, flags: S}]}
  - caption: SYN-ACK back through both NATs
    actions:
      - send: {from: web, to: a, layers: [tcp: {flags: SA}]}
  - caption: the handshake completes
    actions:
      - send: {from: a, to: natB, layers: [tcp: {flags: A}]}
"""


def test_a_connection_to_an_explicit_destination_is_answered_not_reset() -> None:
    """natB's inside address shares site A's subnet; the connection must still be keyed by 203.0.113.7,
    or site A's laptop answers the SYN-ACK with RST."""
    timeline = build_timeline(load_scene_text(OVERLAP))
    by_step = {m.step: m for m in timeline.messages if not m.id.endswith(".rst")}
    assert not [m for m in timeline.messages if m.id.endswith(".rst")]
    assert by_step[2].path[-1] == "a" and by_step[3].path[-1] == "web"
    ack = Ether(by_step[3].frames[0])
    assert (ack[IP].dst, ack[TCP].dport, str(ack[TCP].flags)) == ("203.0.113.7", 8080, "A")
    end = timeline.state_at(timeline.duration)
    assert end.badges["a"] == "ESTABLISHED" and end.badges["web"] == "ESTABLISHED"
