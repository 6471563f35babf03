"""A router forwards a segment's application bytes as they arrived, even when scapy dissects only
part of them (two HTTP/2 frames in one segment on port 80): lowering the TTL must not shorten it."""

from __future__ import annotations

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.model import load_scene_text

SCENE = """\
format: 1
title: h2c through a router
nodes:
  - {id: client, kind: host, ipv4: 192.168.1.10/24}
  - {id: r1, kind: router, ipv4: [192.168.1.1/24, 10.0.0.1/24]}
  - {id: server, kind: server, ipv4: 10.0.0.20/24, listen: 80}
links:
  - between: [client, r1]
  - between: [r1, server]
steps:
  - caption: handshake
    actions:
      - send: {from: client, to: server, layers: [tcp: {dport: 80}]}
      - send: {from: server, to: client, at: 2, layers: [tcp]}
      - send: {from: client, to: server, at: 4, layers: [tcp]}
  - caption: two HTTP/2 frames in one segment
    actions:
      - send:
          from: server
          to: client
          layers:
            - tcp: {flags: PA}
            - http2: {frame: settings, settings: {max_concurrent_streams: 128}}
            - http2: {frame: settings, ack: true}
"""


def test_both_frames_cross_the_router_and_only_the_ttl_changes() -> None:
    timeline = build_timeline(load_scene_text(SCENE, "t.yaml"))
    settings = timeline.messages[-1]
    before, after = Ether(settings.frames[0]), Ether(settings.frames[1])
    assert len(before[TCP].payload) == 15 + 9  # SETTINGS with one setting, then the empty ACK
    assert bytes(after[TCP].payload) == bytes(before[TCP].payload)
    assert (after[IP].len, after[IP].ttl) == (before[IP].len, 63)
    rebuilt = after[IP].copy()
    del rebuilt.chksum
    assert IP(bytes(rebuilt)).chksum == after[IP].chksum
