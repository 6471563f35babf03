"""A CDN edge's Age header counts the scene's seconds since the copy was stored, across steps."""

from __future__ import annotations

import re

from scapy.layers.inet import TCP
from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.model import load_scene_text

EDGE = """\
format: 1
title: A cached copy ages
nodes:
  - {id: c, kind: host, ipv4: 198.51.100.23/24}
  - {id: net, kind: internet}
  - id: edge
    kind: reverse-proxy
    ipv4: [203.0.113.50/24, 192.0.2.50/24]
    balancer: {vip: 203.0.113.50, port: 80, backends: [origin], cache: true}
  - {id: origin, kind: server, ipv4: 192.0.2.80/24, listen: 80}
links:
  - between: [c, net]
  - between: [net, edge]
  - {between: [edge, origin], latency: 80ms}
steps:
  - caption: handshake
    actions:
      - send: {from: c, to: edge, layers: [tcp: {dport: 80}]}
      - send: {from: edge, to: c, at: 2.0, layers: [tcp]}
      - send: {from: c, to: edge, at: 4.0, layers: [tcp]}
  - caption: a miss
    actions:
      - send: {from: c, to: edge, layers: [tcp, {http: {path: /logo.svg, headers: {Host: www.example.com}}}]}
  - caption: the origin answers
    actions:
      - send: {from: origin, to: edge, layers: [tcp, {http: {status: 200, headers: {Cache-Control: "max-age=60"}, body: logo}}]}
  - caption: time passes on the wire
    actions:
      - send: {from: c, to: edge, layers: [tcp, {http: {path: /other, headers: {Host: www.example.com}}}]}
      - send: {from: origin, to: edge, at: 4.0, layers: [tcp, {http: {status: 404}}]}
  - caption: a hit
    actions:
      - send: {from: c, to: edge, layers: [tcp, {http: {path: /logo.svg, headers: {Host: www.example.com}}}]}
"""


def test_age_is_the_time_since_the_copy_was_stored_not_the_time_into_the_step() -> None:
    timeline = build_timeline(load_scene_text(EDGE))
    stored = next(m for m in timeline.messages if m.step == 3 and m.path[-1] == "edge").end
    request = next(m for m in timeline.messages if m.step == 5 and m.path[-1] == "edge")
    answer = next(m for m in timeline.messages if m.step == 5 and m.path[-1] == "c" and m is not request)
    payload = bytes(Ether(answer.frames[-1])[TCP].payload)
    assert b"X-Cache: HIT" in payload
    (age,) = re.findall(rb"\r\nAge: (\d+)\r\n", payload)
    elapsed = request.end - stored  # timeline seconds; the gaps between steps add a little
    assert int(age) > 3 and abs(int(age) - elapsed) <= 1.5, (age, elapsed)
