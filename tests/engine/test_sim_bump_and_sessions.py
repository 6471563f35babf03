"""Settings added for issue 16's ssl-bump proxy and sharding router: what a scene author gets
wrong is refused at the line that says it, and a database session opened before the scene lets
its first query go out without a handshake."""

from __future__ import annotations

import pytest
from scapy.layers.inet import TCP
from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.model import load_scene_text
from animator.model.errors import SceneLoadError

PROXY = """\
format: 1
title: bump
nodes:
  - {id: pc, kind: host, ipv4: 10.0.0.2/24}
  - id: squid
    kind: KIND
    ipv4: 10.0.0.3/24
    proxy: SETTINGS
    balancer: {backends: [web]}
  - {id: web, kind: server, ipv4: 10.0.0.4/24}
links:
  - between: [pc, squid]
  - between: [squid, web]
steps:
  - caption: nothing yet
    actions:
      - note: {node: pc, text: hi}
"""


@pytest.mark.parametrize(
    ("kind", "settings", "message"),
    [
        ("reverse-proxy", "{bump: true}", "'bump' intercepts CONNECT tunnels"),
        ("proxy", "{product: squid/5.7}", "'product' is written by a bumping proxy"),
        ("proxy", "{bump: true, ca: 'Example Corp CA'}", "is not a name attribute"),
        ("proxy", "{bump: true, request_headers: ['Cache-Control max-age=1']}", "is not a header line"),
    ],
)
def test_bump_settings_a_proxy_cannot_honour_are_refused_where_written(kind: str, settings: str, message: str) -> None:
    with pytest.raises(SceneLoadError, match=message) as caught:
        load_scene_text(PROXY.replace("KIND", kind).replace("SETTINGS", settings))
    assert ":8:" in str(caught.value)  # the proxy: line, FILE:LINE:COL


DATABASE = """\
format: 1
title: sessions
nodes:
  - {id: app, kind: server, ipv4: 10.0.0.2/24}
  - id: db
    kind: database
    ipv4: 10.0.0.5/24
    listen: 5432
    database: {name: shop, sessions: [CLIENT]}
links:
  - between: [app, db]
steps:
  - caption: a query on a session opened before the scene
    actions:
      - send: {from: app, to: db, layers: [tcp, pgsql: {msg: query, sql: "SELECT 1;"}]}
      - send:
          from: db
          to: app
          at: 1.0
          layers: [tcp, pgsql: {msg: command_complete, tag: SELECT 1}, pgsql: {msg: ready, status: I}]
"""


def test_a_session_open_before_the_scene_carries_its_first_query_with_continuing_numbers() -> None:
    line = build_timeline(load_scene_text(DATABASE.replace("CLIENT", "app")))
    query, answer = (Ether(m.frames[0]) for m in line.messages)
    assert int(query[TCP].flags) == 0x18 and query[TCP].dport == 5432  # PSH, ACK: no SYN, no login
    assert answer[TCP].ack == query[TCP].seq + len(query[TCP].payload)
    assert answer[TCP].seq == query[TCP].ack
    activity = {t.title: t.rows for t in line.state_at(0.0).device_tables["db"]}["pg_stat_activity"]
    assert [row[1:4] for row in activity] == [("postgres", "shop", "idle")]


def test_a_session_for_a_node_that_does_not_exist_is_refused_at_its_name() -> None:
    with pytest.raises(SceneLoadError, match="database session: unknown node 'ap'") as caught:
        load_scene_text(DATABASE.replace("CLIENT", "ap"))
    assert ":9:" in str(caught.value)
