"""A layer-4 proxy (HAProxy ``mode tcp``): two connections, the client's bytes copied unread, and
the PROXY protocol header HAProxy 2.6 wrote in the namespace check (docs/scenes/checks.md)."""

from __future__ import annotations

import pytest
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.engine.timeline import Timeline
from animator.model import load_scene_text
from animator.model.errors import SceneLoadError

SCENE = """\
format: 1
title: HAProxy mode tcp
nodes:
  - {id: client, kind: host, ipv4: 198.51.100.23/24}
  - {id: net, kind: internet}
  - id: hap
    kind: tcp-proxy
    ipv4: [203.0.113.10/24, 10.0.1.1/24]
    balancer: {vip: 203.0.113.10, port: 80, backends: [web1, web2]}
    proxy: {send_proxy: SEND}
  - {id: web1, kind: server, ipv4: 10.0.1.11/24, listen: 80}
  - {id: web2, kind: server, ipv4: 10.0.1.12/24, listen: 80}
links:
  - between: [client, net]
  - between: [net, hap]
  - between: [hap, web1]
  - between: [hap, web2]
steps:
  - caption: the client connects to the proxy
    actions:
      - send: {from: client, to: hap, layers: [tcp: {sport: 50001, dport: 80, flags: S}]}
      - send: {from: hap, to: client, at: 2.0, layers: [tcp: {flags: SA}]}
      - send: {from: client, to: hap, at: 4.0, layers: [tcp: {flags: A}]}
  - caption: a request, copied
    actions:
      - send:
          from: client
          to: hap
          layers: [tcp: {flags: PA}, http: {method: GET, path: /, headers: {Host: www.example.com}}]
  - caption: the answer, copied back
    actions:
      - send: {from: web1, to: hap, layers: [tcp: {flags: PA}, http: {status: 200, body: "hello\\n"}]}
"""


def _timeline(send: str) -> Timeline:
    return build_timeline(load_scene_text(SCENE.replace("SEND", send)))


def _payloads(timeline: Timeline, step: int, last: str) -> list[bytes]:
    out = []
    for m in timeline.messages:
        if m.step == step and m.path[-1] == last:
            tcp = Ether(m.frames[-1])[TCP]
            if tcp.payload:
                out.append(bytes(tcp.payload))
    return out


def test_the_backend_sees_the_proxys_own_connection_not_the_clients() -> None:
    timeline = _timeline("off")
    step1 = [m for m in timeline.messages if m.step == 1]
    syn = next(m for m in step1 if m.path[-1] == "web1" and Ether(m.frames[-1])[TCP].flags == "S")
    upstream = Ether(syn.frames[-1])
    client_syn = Ether(next(m for m in step1 if m.path[0] == "client").frames[0])
    assert upstream[IP].src == "10.0.1.1" and upstream[TCP].sport != 50001  # the proxy's address and port
    assert upstream[TCP].seq != client_syn[TCP].seq  # its own ISN: a second connection
    assert _payloads(timeline, 1, "web1") == []  # no PROXY header unless asked for


def test_the_request_is_copied_byte_for_byte_on_the_other_connection() -> None:
    timeline = _timeline("off")
    sent = _payloads(timeline, 2, "hap")[0]
    assert _payloads(timeline, 2, "web1") == [sent]
    answer = _payloads(timeline, 3, "client")
    assert answer and answer[0].startswith(b"HTTP/1.1 200 OK\r\n") and b"Via" not in answer[0]


def test_send_proxy_writes_the_v1_line_haproxy_writes_first() -> None:
    timeline = _timeline("v1")
    assert _payloads(timeline, 1, "web1") == [b"PROXY TCP4 198.51.100.23 203.0.113.10 50001 80\r\n"]
    # the backend's connection numbers count the header: the request follows it in sequence
    request = next(m for m in timeline.messages if m.step == 2 and m.path[-1] == "web1")
    header = next(m for m in timeline.messages if m.step == 1 and m.path[-1] == "web1" and Ether(m.frames[-1])[TCP].payload)
    first = Ether(header.frames[-1])[TCP]
    assert Ether(request.frames[-1])[TCP].seq == first.seq + len(first.payload)


def test_send_proxy_v2_writes_the_binary_header() -> None:
    timeline = _timeline("v2")
    (header,) = _payloads(timeline, 1, "web1")
    assert header.hex() == "0d0a0d0a000d0a515549540a2111000c" + "c6336417" + "cb00710a" + "c351" + "0050"


def test_a_tcp_proxy_without_backends_or_with_http_pools_is_refused() -> None:
    bad = SCENE.replace("SEND", "v1").replace(
        "balancer: {vip: 203.0.113.10, port: 80, backends: [web1, web2]}", "balancer: {pools: [{path: /, backends: web1}]}"
    )
    with pytest.raises(SceneLoadError, match="tcp-proxy"):
        load_scene_text(bad)


def test_the_lecture_scene_shows_haproxy_beside_the_nat_balancer() -> None:
    from tests.scenekit import tracks

    step = tracks("load-balancing-l4-vs-l7", 12)
    client_syn = Ether(step[0].frames[0])
    upstream = [Ether(m.frames[-1]) for m in step if m.path[-1] == "web3"]
    assert [p[TCP].flags for p in upstream] == ["S", "A", "PA"]
    assert upstream[0][IP].src == "10.0.3.1" and upstream[0][TCP].seq != client_syn[TCP].seq
    assert bytes(upstream[2][TCP].payload) == b"PROXY TCP4 198.51.100.23 192.0.2.30 50004 80\r\n"
    sent, copied = tracks("load-balancing-l4-vs-l7", 13)
    assert bytes(Ether(sent.frames[0])[TCP].payload) == bytes(Ether(copied.frames[-1])[TCP].payload)
    assert b"X-Forwarded-For" not in bytes(Ether(copied.frames[-1])[TCP].payload)


@pytest.mark.parametrize(
    ("kind", "settings", "message"),
    [
        ("tcp-proxy", "{via: true}", "adds no 'via'"),
        ("reverse-proxy", "{send_proxy: v2}", "'send_proxy' is for a tcp-proxy"),
    ],
)
def test_settings_a_kind_cannot_honour_are_refused_where_written(kind: str, settings: str, message: str) -> None:
    text = SCENE.replace("SEND", "v1").replace("kind: tcp-proxy", f"kind: {kind}").replace("{send_proxy: v1}", settings)
    with pytest.raises(SceneLoadError, match=message) as caught:
        load_scene_text(text)
    assert ":10:" in str(caught.value)  # the proxy: line, FILE:LINE:COL


def test_a_backend_without_an_address_is_one_clear_error_not_a_traceback() -> None:
    from animator.engine.check import check

    text = SCENE.replace("SEND", "off").replace(
        "{id: web1, kind: server, ipv4: 10.0.1.11/24, listen: 80}", "{id: web1, kind: server}"
    )
    errors = check(load_scene_text(text))
    assert errors and "web1" in errors[0].message and "address" in errors[0].message
