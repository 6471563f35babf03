"""CONNECT through a forward proxy: a real handshake with the target before "200 Connection established"."""

from __future__ import annotations

from scapy.layers.inet import TCP
from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.engine.timeline import Timeline
from animator.model import load_scene_text

SCENE = """\
format: 1
title: CONNECT
nodes:
  - {id: laptop, kind: host, ipv4: 10.10.0.23/24}
  - {id: proxy, kind: proxy, ipv4: [10.10.0.3/24, 203.0.113.3/24]}
  - {id: web, kind: server, label: www.example.com, ipv4: 203.0.113.80/24, listen: PORT}
links:
  - between: [laptop, proxy]
  - between: [proxy, web]
steps:
  - caption: handshake with the proxy
    actions:
      - send: {from: laptop, to: proxy, layers: [tcp: {dport: 3128, flags: S}]}
      - send: {from: proxy, to: laptop, at: 1.0, layers: [tcp: {flags: SA}]}
      - send: {from: laptop, to: proxy, at: 2.0, layers: [tcp: {flags: A}]}
  - caption: CONNECT
    actions:
      - send:
          from: laptop
          to: proxy
          layers: [tcp, http: {method: CONNECT, path: "www.example.com:443", headers: {Host: "www.example.com:443"}}]
  - caption: TLS through the tunnel
    actions:
      - send: {from: laptop, to: web, layers: [tcp, tls: {msg: client_hello, sni: www.example.com}]}
  - caption: bytes that only look like TLS
    actions:
      - send: {from: laptop, to: web, layers: [tcp, raw: {hex: "160301000568656c6c6f"}]}
"""


def _timeline(port: int) -> Timeline:
    return build_timeline(load_scene_text(SCENE.replace("PORT", str(port)), "t.yaml"))


def test_the_proxy_completes_a_handshake_with_the_target_before_answering_200() -> None:
    timeline = _timeline(443)
    step2 = [m for m in timeline.messages if m.step == 2]
    upstream = [(m, Ether(m.frames[0])[TCP]) for m in step2 if m.path[:2] in (("proxy", "web"), ("web", "proxy"))]
    assert [str(tcp.flags) for _, tcp in upstream] == ["S", "SA", "A"]
    syn, syn_ack, ack = (tcp for _, tcp in upstream)
    assert (syn_ack.ack, ack.seq, ack.ack) == (syn.seq + 1, syn.seq + 1, syn_ack.seq + 1)
    (ok,) = [m for m in step2 if m.label.startswith("200")]
    assert ok.start >= upstream[1][0].end  # not before the target has accepted
    relayed = next(m for m in timeline.messages if m.step == 3 and m.path[0] == "proxy")
    tcp = Ether(relayed.frames[0])[TCP]
    assert tcp.seq == ack.seq and tcp.window == 502  # the tunnel's own connection, window scaled as negotiated


def test_a_target_refusing_the_connection_becomes_503_as_squid_answers() -> None:
    # Squid 5.7 answered a refused CONNECT "503 Service Unavailable" (X-Squid-Error: ERR_CONNECT_FAIL 111)
    # in the namespace check (docs/scenes/checks.md); nginx-style 502 is a reverse proxy's answer.
    timeline = _timeline(8443)
    labels = [m.label for m in timeline.messages if m.step == 2]
    assert "RST" in labels
    assert any(label.startswith("503 Service Unavailable") for label in labels)
    assert not any(label.startswith("502") for label in labels)


def test_the_tunnel_relays_bytes_exactly_even_where_scapy_would_read_a_tls_record() -> None:
    timeline = _timeline(443)
    sent, relayed = (m for m in timeline.messages if m.step == 4)
    # Compared on the raw frames: dissecting port-443 bytes as TLS and re-serialising them is
    # exactly the rewrite that must not happen.
    assert sent.frames[0][-10:] == relayed.frames[0][-10:] == bytes.fromhex("1603010005") + b"hello"
