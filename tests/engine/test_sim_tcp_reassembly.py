"""A receiver holds segments that arrive beyond a lost one: duplicate ACKs name the hole, and once the
retransmission fills it the cumulative ACK jumps past everything held (what a lecturer shows for
fast retransmit and HTTP/2 head-of-line blocking)."""

from __future__ import annotations

from scapy.layers.inet import TCP
from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.model import load_scene_text

SCENE = """\
format: 1
title: A lost segment
nodes:
  - {id: client, kind: host, ipv4: 192.168.1.10/24}
  - {id: sw, kind: switch}
  - {id: server, kind: server, ipv4: 192.168.1.20/24, listen: 9000}
links:
  - between: [client, sw]
  - between: [sw, server]
steps:
  - caption: handshake
    actions:
      - send: {from: client, to: server, layers: [tcp: {dport: 9000, seq: 1000}]}
      - send: {from: server, to: client, at: 2, layers: [tcp: {seq: 5000}]}
      - send: {from: client, to: server, at: 4, layers: [tcp]}
  - caption: four segments, the second lost
    actions:
      - send: {from: client, to: server, layers: [tcp, raw: {load: aaaa}]}
      - send: {from: client, to: server, at: 0.2, drop_at: sw, layers: [tcp, raw: {load: bbbb}]}
      - send: {from: client, to: server, at: 0.4, layers: [tcp, raw: {load: cccc}]}
      - send: {from: client, to: server, at: 0.6, layers: [tcp, raw: {load: dddd}]}
  - caption: duplicate ACK
    actions:
      - send: {from: server, to: client, layers: [tcp]}
  - caption: retransmission
    actions:
      - send: {from: client, to: server, layers: [tcp: {seq: 1005}, raw: {load: bbbb}]}
  - caption: cumulative ACK
    actions:
      - send: {from: server, to: client, layers: [tcp]}
  - caption: more data continues after the hole
    actions:
      - send: {from: client, to: server, layers: [tcp, raw: {load: eeee}]}
"""


def segments() -> list[TCP]:
    timeline = build_timeline(load_scene_text(SCENE, "t.yaml"))
    return [Ether(m.frames[0])[TCP] for m in timeline.messages]


def test_a_segment_beyond_a_hole_is_held_and_the_ack_names_the_hole() -> None:
    tcp = segments()
    assert [t.seq for t in tcp[3:7]] == [1001, 1005, 1009, 1013]  # the sender counted the lost one too
    assert tcp[7].ack == 1005  # duplicate ACK: the first missing byte, not 1017


def test_the_retransmission_fills_the_hole_and_the_ack_jumps_past_what_was_held() -> None:
    tcp = segments()
    assert tcp[8].seq == 1005
    assert tcp[9].ack == 1017  # not 1009: bytes 1009-1016 were already in the receive buffer
    assert tcp[10].seq == 1017
