"""Numbers a real TCP stack puts in its segments: ISNs on both sides, SYN options laid out as Linux does."""

from __future__ import annotations

from scapy.layers.inet import TCP
from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.model import load_scene_text

SCENE = """\
format: 1
title: Passive open
nodes:
  - {id: client, kind: host, ipv4: 192.168.1.10/24}
  - {id: server, kind: server, ipv4: 192.168.1.20/24}
links:
  - between: [client, server]
steps:
  - caption: SYN
    actions:
      - send: {from: client, to: server, layers: [tcp: {dport: 9000}]}
  - caption: SYN-ACK
    actions:
      - send: {from: server, to: client, layers: [tcp]}
  - caption: ACK
    actions:
      - send: {from: client, to: server, layers: [tcp]}
"""


def test_syn_ack_carries_a_nonzero_isn_that_the_ack_acknowledges() -> None:
    timeline = build_timeline(load_scene_text(SCENE, "t.yaml"))
    syn, syn_ack, ack = (Ether(m.frames[0])[TCP] for m in timeline.messages)
    assert syn_ack.flags == "SA"
    assert syn_ack.ack == syn.seq + 1
    assert syn_ack.seq != 0  # a stack that always started at 0 would be trivially predictable (RFC 6528)
    assert ack.ack == syn_ack.seq + 1


def test_an_authored_server_isn_is_what_the_server_counts_from() -> None:
    text = SCENE.replace("layers: [tcp]}\n  - caption: ACK", "layers: [tcp: {seq: 5000}]}\n  - caption: ACK")
    timeline = build_timeline(load_scene_text(text, "t.yaml"))
    _, syn_ack, ack = (Ether(m.frames[0])[TCP] for m in timeline.messages)
    assert (syn_ack.seq, ack.ack) == (5000, 5001)
    assert timeline.state_at(timeline.duration).badges["server"] == "ESTABLISHED"


def test_syn_options_are_nop_aligned_like_linux_not_eol_padded() -> None:
    timeline = build_timeline(load_scene_text(SCENE, "t.yaml"))
    for message in timeline.messages[:2]:
        tcp = Ether(message.frames[0])[TCP]
        assert [name for name, _ in tcp.options] == ["MSS", "NOP", "NOP", "SAckOK", "NOP", "WScale"]
        assert tcp.dataofs * 4 == 32
