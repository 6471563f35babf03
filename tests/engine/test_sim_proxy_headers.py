"""What a forward proxy passes on: the origin form of the request, a Via header, no hop-by-hop headers."""

from __future__ import annotations

from scapy.layers.inet import TCP
from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.model import load_scene_text

FORWARD = """\
format: 1
title: Through a forward proxy
nodes:
  - {id: laptop, kind: host, ipv4: 10.10.0.23/24}
  - {id: proxy, kind: proxy, ipv4: [10.10.0.3/24, 203.0.113.3/24]}
  - {id: net, kind: internet}
  - {id: web, kind: server, label: www.example.com, ipv4: 198.51.100.80/24, listen: 80}
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
  - caption: an absolute-form GET, as curl -x sends it
    actions:
      - send:
          from: laptop
          to: proxy
          layers:
            - tcp
            - http:
                method: GET
                path: "http://www.example.com/"
                headers: {Host: www.example.com, Accept: "*/*", Proxy-Connection: Keep-Alive}
"""


def test_the_origin_gets_the_origin_form_with_via_and_without_proxy_connection() -> None:
    timeline = build_timeline(load_scene_text(FORWARD))
    proxied = next(m for m in timeline.messages if m.step == 2 and m.path[-1] == "web")
    request = bytes(Ether(proxied.frames[-1])[TCP].payload)
    assert request.startswith(b"GET / HTTP/1.1\r\nHost: www.example.com\r\n")
    assert b"\r\nVia: 1.1 proxy\r\n" in request
    assert b"Proxy-Connection" not in request
