"""A gateway wired to an internet cloud frames packets for the cloud, and says so."""

from __future__ import annotations

import re

from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.model import load_scene_text

SCENE = """\
format: 1
title: Uplink
nodes:
  - {id: pc, kind: host, ipv4: 192.168.1.23/24}
  - {id: gw, kind: router, ipv4: [192.168.1.1/24, 203.0.113.7/24]}
  - {id: net, kind: internet}
  - {id: web, kind: server, ipv4: 198.51.100.80/24}
links:
  - between: [pc, gw]
  - between: [gw, net]
  - between: [net, web]
steps:
  - caption: SYN
    actions:
      - send: {from: pc, to: web, layers: [tcp: {dport: 80}]}
"""


def test_the_routers_change_text_names_the_destination_mac_its_frame_carries() -> None:
    messages = build_timeline(load_scene_text(SCENE, "t.yaml")).messages
    track = next(m for m in messages if m.id == "s1.1")  # the SYN, not web's answer
    hop = track.path.index("gw")  # the hop leaving the router
    said = next(c for c in track.changes[hop] if c.startswith("MAC dst"))
    written = re.search(r"MAC dst → ([0-9a-f:]{17})", said)
    assert written is not None
    assert written.group(1) == Ether(track.frames[hop]).dst
