"""A new SYN for a 4-tuple the receiver still holds in TIME_WAIT opens a fresh connection, as
Linux's tcp_timewait_state_process does: a proxy reusing its source port towards a backend that
closed first (the connection-limits scene) must not inherit the old connection's close."""

from __future__ import annotations

from animator.engine.sim.devices.stack import Stack
from animator.engine.sim.simulation import Simulation
from animator.model import load_scene_text
from animator.packets import build_layers

SCENE = """\
format: 1
title: port reuse
nodes:
  - {id: proxy, kind: host, ipv4: 10.0.1.1/24}
  - {id: backend, kind: server, ipv4: 10.0.1.20/24, listen: 8080}
links:
  - {between: [proxy, backend]}
steps:
  - caption: one request, Connection close; the backend closes first
    actions:
      - send: {from: proxy, to: backend, layers: [tcp: {sport: 40000, dport: 8080, flags: S}]}
      - send: {from: backend, to: proxy, at: 1, layers: [tcp: {flags: SA}]}
      - send: {from: proxy, to: backend, at: 2, layers: [tcp: {flags: A}]}
      - send:
          from: proxy
          to: backend
          at: 2.1
          layers: [tcp: {flags: PA}, http: {method: GET, path: /, version: HTTP/1.0, headers: {Connection: close}}]
      - send:
          from: backend
          to: proxy
          at: 3
          layers: [tcp: {flags: FPA}, http: {status: 200, headers: {Connection: close}}]
      - send: {from: proxy, to: backend, at: 4, layers: [tcp: {flags: FA}]}
  - caption: the same source port again, kept alive this time
    actions:
      - send: {from: proxy, to: backend, layers: [tcp: {sport: 40000, dport: 8080, flags: S, seq: 3790000000}]}
      - send: {from: backend, to: proxy, at: 1, layers: [tcp: {dport: 40000, flags: SA, seq: 1200000000}]}
      - send: {from: proxy, to: backend, at: 2, layers: [tcp: {flags: A}]}
      - send: {from: proxy, to: backend, at: 2.1, layers: [tcp: {flags: PA}, http: {method: GET, path: /}]}
      - send: {from: backend, to: proxy, at: 3, layers: [tcp: {dport: 40000, flags: PA}, http: {status: 200}]}
"""


def test_a_syn_on_a_time_wait_tuple_opens_a_fresh_connection() -> None:
    sim = Simulation(load_scene_text(SCENE), lambda a, b: 0.01, build_layers)
    sim.run()
    backend = sim.devices["backend"]
    assert isinstance(backend, Stack)
    conn = backend.conns[("10.0.1.20", 8080), ("10.0.1.1", 40000)]
    assert conn.state == "ESTABLISHED"
    assert conn.irs == 3790000000 and conn.iss == 1200000000
    assert not conn.closing  # the first connection's "Connection: close" is not this one's
