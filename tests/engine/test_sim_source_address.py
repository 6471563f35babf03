"""Which source address a multi-homed node's packets carry."""

from __future__ import annotations

import pytest
from scapy.layers.inet import IP
from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.model import load_scene_text

PROXY = """\
format: 1
title: Dual-homed proxy
nodes:
  - {id: laptop, kind: host, ipv4: 10.10.0.23/24}
  - {id: proxy, kind: proxy, ipv4: [10.10.0.3/24, 203.0.113.3/24]}
  - {id: net, kind: internet}
  - {id: web, kind: server, label: www.example.com, ipv4: 198.51.100.80/24}
links:
  - between: [laptop, proxy]
  - between: [proxy, net]
  - between: [net, web]
steps:
  - caption: handshake with the proxy
    actions:
      - send: {from: laptop, to: proxy, layers: [tcp: {dport: 3128}]}
      - send: {from: proxy, to: laptop, at: 1.0, layers: [tcp]}
      - send: {from: laptop, to: proxy, at: 2.0, layers: [tcp]}
  - caption: CONNECT
    actions:
      - send: {from: laptop, to: proxy, layers: [tcp, http: {method: CONNECT, path: "www.example.com:443"}]}
"""

VIP_FIRST = """\
format: 1
title: A reply leaves from the address that was connected to
nodes:
  - {id: client, kind: host, ipv4: 198.51.100.23/24}
  - {id: net, kind: internet}
  - id: rp
    kind: reverse-proxy
    ipv4: [192.0.2.20/24, 10.0.2.1/24]
    balancer: {vip: 192.0.2.20, port: 80, backends: app}
  - {id: app, kind: server, ipv4: 10.0.2.11/24}
links:
  - between: [client, net]
  - between: [net, rp]
  - between: [rp, app]
steps:
  - caption: SYN
    actions:
      - send: {from: client, to: rp, layers: [tcp: {dport: 80}]}
  - caption: SYN-ACK
    actions:
      - send: {from: rp, to: client, layers: [tcp]}
"""


def test_a_dual_homed_proxy_reaches_the_internet_from_its_outside_address() -> None:
    timeline = build_timeline(load_scene_text(PROXY, "t.yaml"))
    syn = next(m for m in timeline.messages if m.step == 2 and m.label.startswith("SYN to"))
    assert Ether(syn.frames[0])[IP].src == "203.0.113.3"


@pytest.mark.parametrize("addresses", ["192.0.2.20/24, 10.0.2.1/24", "10.0.2.1/24, 192.0.2.20/24"])
def test_a_segment_on_an_accepted_connection_leaves_from_the_address_it_was_accepted_on(addresses: str) -> None:
    timeline = build_timeline(load_scene_text(VIP_FIRST.replace("192.0.2.20/24, 10.0.2.1/24", addresses), "t.yaml"))
    syn_ack = next(m for m in timeline.messages if m.step == 2)
    assert Ether(syn_ack.frames[0])[IP].src == "192.0.2.20"
    assert syn_ack.fate == "delivered"
