"""What proxies write into what they relay: Squid's forwarded_for and via, nginx's defaults.

Checked against Squid 5.7 in network namespaces (docs/scenes/checks.md): by default it sends the
origin ``Via`` and ``X-Forwarded-For: <client>`` and adds ``Via`` to the response it relays.
"""

from __future__ import annotations

import pytest
from scapy.layers.inet import TCP
from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.model import load_scene_text

SCENE = """\
format: 1
title: Through a forward proxy
nodes:
  - {id: laptop, kind: host, ipv4: 10.10.0.23/24}
  - {id: proxy, kind: KIND, ipv4: [10.10.0.3/24, 203.0.113.3/24]SETTINGS}
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
  - caption: a GET that already passed one proxy
    actions:
      - send:
          from: laptop
          to: proxy
          layers:
            - tcp
            - http:
                method: GET
                path: "PATH"
                headers: {Host: www.example.com, Accept: "*/*", X-Forwarded-For: 192.0.2.7}
  - caption: the answer
    actions:
      - send: {from: web, to: proxy, layers: [tcp, http: {status: 200, body: "hi\\n"}]}
"""


def _exchange(settings: str = "", kind: str = "proxy") -> tuple[bytes, bytes]:
    path = "http://www.example.com/" if kind == "proxy" else "/"
    extra = ", balancer: {backends: [web]}" if kind == "reverse-proxy" else ""
    text = SCENE.replace("KIND", kind).replace("SETTINGS", extra + (f", proxy: {settings}" if settings else ""))
    timeline = build_timeline(load_scene_text(text.replace("PATH", path)))
    request = next(m for m in timeline.messages if m.step == 2 and m.path[-1] == "web")
    response = next(m for m in timeline.messages if m.step == 3 and m.path[-1] == "laptop")
    return (bytes(Ether(request.frames[-1])[TCP].payload), bytes(Ether(response.frames[-1])[TCP].payload))


def test_a_forward_proxy_names_the_client_and_itself_by_default_as_squid_does() -> None:
    request, response = _exchange()
    assert request.endswith(b"\r\nVia: 1.1 proxy\r\nX-Forwarded-For: 192.0.2.7, 10.10.0.23\r\n\r\n")
    assert b"\r\nVia: 1.1 proxy\r\n" in response


@pytest.mark.parametrize(
    ("mode", "header"),
    [
        ("off", b"X-Forwarded-For: 192.0.2.7, unknown\r\n"),
        ("truncate", b"X-Forwarded-For: 10.10.0.23\r\n"),
        ("transparent", b"X-Forwarded-For: 192.0.2.7\r\n"),
        ("delete", None),
    ],
)
def test_forwarded_for_follows_squids_directive(mode: str, header: bytes | None) -> None:
    request, _ = _exchange(f"{{forwarded_for: {mode}}}")
    if header is None:
        assert b"X-Forwarded-For" not in request
    else:
        assert request.count(b"X-Forwarded-For") == 1 and header in request


def test_an_anonymising_proxy_sends_neither_header() -> None:
    request, response = _exchange("{forwarded_for: delete, via: false}")
    assert b"Via" not in request and b"X-Forwarded-For" not in request and b"Via" not in response


def test_a_reverse_proxy_adds_no_via_unless_asked_as_nginx() -> None:
    request, response = _exchange(kind="reverse-proxy")
    assert b"Via" not in request and b"Via" not in response
    assert b"X-Forwarded-For: 192.0.2.7, 10.10.0.23\r\nX-Forwarded-Proto: http\r\n" in request
    request, response = _exchange("{via: true}", kind="reverse-proxy")
    assert b"\r\nVia: 1.1 proxy\r\n" in request and b"\r\nVia: 1.1 proxy\r\n" in response
