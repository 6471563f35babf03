"""A SYN over IPv6 advertises what Linux advertises there: the IPv6 header is 20 bytes longer."""

from __future__ import annotations

from scapy.layers.inet import TCP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.model import load_scene_text

DUAL_STACK = """\
format: 1
title: The same SYN over both
nodes:
  - {id: pc, kind: host, ipv4: 192.168.1.23/24, ipv6: "2001:db8:1::23/64"}
  - {id: web, kind: server, ipv4: 192.168.1.80/24, ipv6: "2001:db8:1::80/64"}
links:
  - between: [pc, web]
steps:
  - caption: over IPv4
    actions:
      - send: {from: pc, to: web, layers: [tcp: {dport: 80, flags: S}]}
  - caption: over IPv6
    actions:
      - send: {from: pc, to: web, layers: [ipv6, tcp: {dport: 80, flags: S}]}
  - caption: the answer over IPv6
    actions:
      - send: {from: web, to: pc, layers: [ipv6, tcp: {flags: SA}]}
"""


def test_an_ipv6_syn_offers_mss_1440_and_window_64800_while_ipv4_keeps_1460_and_64240() -> None:
    messages = build_timeline(load_scene_text(DUAL_STACK, "t.yaml")).messages
    v4, v6, v6_answer = (Ether(m.frames[0]) for m in messages if m.id in ("s1.1", "s2.1", "s3.1"))
    assert IPv6 not in v4 and IPv6 in v6 and IPv6 in v6_answer
    assert (dict(v4[TCP].options)["MSS"], v4[TCP].window) == (1460, 64240)
    for syn in (v6, v6_answer):
        assert (dict(syn[TCP].options)["MSS"], syn[TCP].window) == (1440, 64800)
        assert [kind for kind, _ in syn[TCP].options] == ["MSS", "NOP", "NOP", "SAckOK", "NOP", "WScale"]
    assert (len(v4), len(v6)) == (66, 86)  # the same 32-byte TCP header behind a 20- or 40-byte IP header


def test_the_sockets_table_writes_an_ipv6_endpoint_in_brackets() -> None:
    timeline = build_timeline(load_scene_text(DUAL_STACK, "t.yaml"))
    (sockets,) = (t for t in timeline.state_at(timeline.boundary(3)).device_tables["web"] if t.title == "Sockets")
    cells = {cell for row in sockets.rows for cell in row[:2]}
    assert "[2001:db8:1::80]:80" in cells and "[2001:db8:1::23]" in " ".join(cells)
    assert "192.168.1.80:80" in cells
