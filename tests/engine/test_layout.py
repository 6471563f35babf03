"""Automatic layout reads left to right along the path traffic takes."""

from __future__ import annotations

from animator.engine import layout_nodes
from animator.model import load_scene_text

NAT = """\
format: 1
title: t
nodes:
  - {id: server, kind: server}
  - {id: inet, kind: internet}
  - {id: nat, kind: nat}
  - {id: sw, kind: switch}
  - {id: a, kind: host}
  - {id: b, kind: host}
  - {id: island, kind: host}
  - {id: island2, kind: dns, pos: [7, 7]}
links:
  - {between: [a, sw]}
  - {between: [b, sw]}
  - {between: [sw, nat]}
  - {between: [nat, inet]}
  - {between: [inet, server]}
steps:
  - caption: go
    actions:
      - send: {from: a, to: server}
      - send: {from: server, to: a, at: 1}
"""


def test_clients_left_server_right_devices_in_path_order() -> None:
    pos = layout_nodes(load_scene_text(NAT))
    order = sorted(["server", "inet", "nat", "sw", "a"], key=lambda n: pos[n][0])
    assert order == ["a", "sw", "nat", "inet", "server"]


def test_hosts_on_one_switch_share_a_column_without_overlapping() -> None:
    pos = layout_nodes(load_scene_text(NAT))
    assert pos["a"][0] == pos["b"][0]
    assert pos["a"][1] != pos["b"][1]
    assert len(set(pos.values())) == len(pos)


def test_unlinked_nodes_go_below_and_author_positions_win() -> None:
    pos = layout_nodes(load_scene_text(NAT))
    main_rows = [pos[n][1] for n in ("a", "b", "sw", "nat", "inet", "server")]
    assert pos["island"][1] > max(main_rows)
    assert pos["island2"] == (7.0, 7.0)
