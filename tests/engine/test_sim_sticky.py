"""Sticky sessions at L4 (``algorithm: source``), and a failed backend behind a switch."""

from __future__ import annotations

from animator.engine import build_timeline
from animator.model import load_scene_text

STICKY = """\
format: 1
title: Sticky by source address
nodes:
  - {id: c, kind: host, ipv4: 198.51.100.23/24}
  - {id: net, kind: internet}
  - id: lb
    kind: load-balancer
    ipv4: [203.0.113.10/24, 10.0.1.1/24]
    balancer: {vip: 203.0.113.10, port: 80, backends: [a, b], algorithm: ALGORITHM}
  - {id: sw, kind: switch}
  - {id: a, kind: server, ipv4: 10.0.1.11/24, gateway: 10.0.1.1, listen: 80}
  - {id: b, kind: server, ipv4: 10.0.1.12/24, gateway: 10.0.1.1, listen: 80}
links:
  - between: [c, net]
  - between: [net, lb]
  - between: [lb, sw]
  - between: [sw, a]
  - between: [sw, b]
steps:
  - caption: three connections from one client, from three source ports
    actions:
      - send: {from: c, to: lb, layers: [tcp: {sport: 50001, dport: 80, flags: S}]}
      - send: {from: c, to: lb, at: 0.1, layers: [tcp: {sport: 50002, dport: 80, flags: S}]}
      - send: {from: c, to: lb, at: 0.2, layers: [tcp: {sport: 50003, dport: 80, flags: S}]}
  - caption: a fails; the next connection
    actions:
      - device: {node: a, down: refused}
      - send: {from: c, to: lb, at: 0.1, layers: [tcp: {sport: 50004, dport: 80, flags: S}]}
"""


def _delivered_to(algorithm: str, step: int) -> list[str]:
    timeline = build_timeline(load_scene_text(STICKY.replace("ALGORITHM", algorithm)))
    # The authored SYNs only: each backend's kernel answers, and the client's kernel ACKs.
    authored = [m for m in timeline.messages if m.step == step and m.parent is None]
    return [m.path[-1] for m in authored if m.fate == "delivered" and m.path[-1] in ("a", "b")]


def test_source_sends_every_connection_of_a_client_to_one_backend_until_it_fails() -> None:
    assert _delivered_to("source", 1) == ["a", "a", "a"]  # one backend, whatever the source port
    assert _delivered_to("hash", 1) != ["a", "a", "a"]  # "hash" takes the port in: not sticky
    assert _delivered_to("source", 2) == ["b"]  # the live one, once a is down


def test_a_backend_down_refused_ignores_a_switch_flood_copy_meant_for_another_host() -> None:
    """Only a SYN addressed to the failed machine is reset; a flooded copy is lost without an RST."""
    timeline = build_timeline(load_scene_text(STICKY.replace("ALGORITHM", "source")))
    # the new SYN's copies (a's kernel also closes the three connections its program held)
    copies = [m for m in timeline.messages if m.step == 2 and m.path[-1] == "a" and m.id.startswith("s2.2")]
    assert copies and all(m.dropped for m in copies)
    assert not [m for m in timeline.messages if m.step == 2 and m.id.endswith(".rst")]
