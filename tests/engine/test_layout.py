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


def _star(switches: int, hosts: int) -> str:
    nodes = ["  - {id: core, kind: router}", "  - {id: web, kind: server}"]
    links = ["  - {between: [core, web]}"]
    for s in range(switches):
        nodes.append(f"  - {{id: sw{s}, kind: switch}}")
        links.append(f"  - {{between: [sw{s}, core]}}")
        for h in range(hosts):
            nodes.append(f"  - {{id: h{s}_{h}, kind: host}}")
            links.append(f"  - {{between: [h{s}_{h}, sw{s}]}}")
    steps = ["steps:", "  - caption: go", "    actions:", "      - send: {from: h0_0, to: web}"]
    return "\n".join(["format: 1", "title: t", "nodes:", *nodes, "links:", *links, *steps]) + "\n"


def test_crowded_columns_wrap_instead_of_shrinking_everything() -> None:
    pos = layout_nodes(load_scene_text(_star(5, 10)))
    ys = [y for (_, y) in pos.values()]
    assert max(ys) - min(ys) <= 5  # six rows at most: fifty hosts do not make a fifty-row column
    assert len(set(pos.values())) == len(pos)


def test_hosts_stay_grouped_by_their_switch_and_switches_follow() -> None:
    pos = layout_nodes(load_scene_text(_star(3, 4)))

    def mean_row(s: int) -> float:
        return sum(pos[f"h{s}_{h}"][1] for h in range(4)) / 4

    # Each group's hosts sit together, in the same order as their switches.
    assert mean_row(0) < mean_row(1) < mean_row(2)
    assert pos["sw0"][1] < pos["sw1"][1] < pos["sw2"][1]
    for s in range(3):
        spread = [pos[f"h{s}_{h}"][1] for h in range(4)]
        assert max(spread) - min(spread) <= 1.0


def test_a_host_beyond_the_internet_is_not_put_with_the_clients() -> None:
    text = NAT.replace("  - {id: island, kind: host}\n", "  - {id: scanner, kind: host}\n").replace(
        "  - {between: [inet, server]}\n", "  - {between: [inet, server]}\n  - {between: [inet, scanner]}\n"
    )
    text = text.replace(
        "      - send: {from: a, to: server}\n",
        "      - send: {from: a, to: server}\n      - send: {from: scanner, to: nat, at: 2}\n",
    )
    pos = layout_nodes(load_scene_text(text))
    assert pos["a"][0] == pos["b"][0] == 0
    assert pos["scanner"][0] > pos["inet"][0]  # on the far side, with the server
