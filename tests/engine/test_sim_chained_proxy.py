"""A forward proxy with a parent proxy: CONNECT goes to the parent, and the tunnel runs through both."""

from __future__ import annotations

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.model import load_scene_text

CHAIN = """\
format: 1
title: Two proxies
nodes:
  - {id: laptop, kind: host, ipv4: 10.10.0.23/24}
  - id: branch
    kind: proxy
    ipv4: [10.10.0.3/24, 172.16.0.3/24]
    balancer: {backends: [hq], backend_port: 8080}
  - {id: hq, kind: proxy, ipv4: [172.16.0.5/24, 203.0.113.5/24]}
  - {id: net, kind: internet}
  - {id: web, kind: server, label: www.example.com, ipv4: 198.51.100.80/24, listen: 443}
links:
  - between: [laptop, branch]
  - between: [branch, hq]
  - between: [hq, net]
  - between: [net, web]
steps:
  - caption: handshake with the branch proxy
    actions:
      - send: {from: laptop, to: branch, layers: [tcp: {dport: 3128}]}
      - send: {from: branch, to: laptop, at: 1.0, layers: [tcp]}
      - send: {from: laptop, to: branch, at: 2.0, layers: [tcp]}
  - caption: CONNECT
    actions:
      - send:
          from: laptop
          to: branch
          layers: [tcp, http: {method: CONNECT, path: "www.example.com:443", headers: {Host: "www.example.com:443"}}]
  - caption: TLS through both
    actions:
      - send: {from: laptop, to: web, layers: [tcp, tls: {msg: client_hello, sni: www.example.com}]}
"""


def _payload(frame: bytes) -> bytes:
    return bytes(Ether(frame)[TCP].payload)


def test_connect_through_a_parent_proxy_opens_one_tunnel_through_both() -> None:
    timeline = build_timeline(load_scene_text(CHAIN))
    step2 = [m for m in timeline.messages if m.step == 2]
    to_parent = next(m for m in step2 if m.path == ("branch", "hq") and _payload(m.frames[0]).startswith(b"CONNECT"))
    request = _payload(to_parent.frames[0])
    assert request.startswith(b"CONNECT www.example.com:443 HTTP/1.1\r\n") and b"Via: 1.1 branch\r\n" in request
    assert Ether(to_parent.frames[0])[TCP].dport == 8080
    to_origin = next(m for m in step2 if m.path[-1] == "web" and str(Ether(m.frames[0])[TCP].flags) == "S")
    assert Ether(to_origin.frames[-1])[IP].src == "203.0.113.5"  # the parent opens the connection to the site
    answers = [m for m in step2 if m.path[-1] == "laptop"]
    assert [_payload(m.frames[0]) for m in answers] == [b"HTTP/1.1 200 Connection established\r\n\r\n"]
    assert answers[0].start > to_origin.end  # only once the site accepted
    hello = [m for m in timeline.messages if m.step == 3]
    assert [m.path[-1] for m in hello] == ["branch", "hq", "web"]
    assert len({_payload(m.frames[-1]) for m in hello}) == 1  # the same TLS bytes on every link
