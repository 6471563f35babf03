"""Values decode to what the author meant: latencies in ms, address lists, typed text, merge keys, defaults, icons."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from animator.model import Highlight, Scene, Send, TableSet, load_scene, validate_file

LoadText = Callable[[str], Scene]
Mutate = Callable[..., str]


@pytest.mark.parametrize(
    ("written", "ms"),
    [
        ('"40ms"', 40.0),
        ("40ms", 40.0),
        ('"0.2s"', 200.0),
        ('"500us"', 0.5),
        ('"500µs"', 0.5),
        ("40", 40.0),
        ("2.5", 2.5),
        ('"40"', 40.0),
        ('"1.5 ms"', 1.5),
        ('".5s"', 500.0),
        ("0", 0.0),
    ],
)
def test_latency_is_read_in_milliseconds(load_text: LoadText, mutate: Mutate, written: str, ms: float) -> None:
    scene = load_text(mutate(("latency: 20ms", f"latency: {written}")))
    assert scene.links[1].latency_ms == pytest.approx(ms)


def test_latency_defaults_to_one_millisecond(load_text: LoadText, base: str) -> None:
    assert load_text(base).links[0].latency_ms == 1.0


def test_single_address_becomes_a_one_item_tuple(load_text: LoadText, base: str) -> None:
    pc, r1, web = load_text(base).nodes
    assert pc.ipv4 == ("10.0.0.1/24",)
    assert r1.ipv4 == ("10.0.0.254/24", "198.51.100.1/24")
    assert web.ipv6 == ("2001:db8::80/64",)
    assert web.ipv4 == () and pc.ipv6 == ()


def test_quoted_single_address_is_also_a_one_item_tuple(load_text: LoadText, mutate: Mutate) -> None:
    scene = load_text(mutate(("ipv4: 10.0.0.1/24", 'ipv4: "10.0.0.1/24"')))
    assert scene.nodes[0].ipv4 == ("10.0.0.1/24",)


def test_address_without_prefix_is_accepted(load_text: LoadText, mutate: Mutate) -> None:
    scene = load_text(mutate(("ipv4: 10.0.0.1/24", "ipv4: 10.0.0.1"), ('"2001:db8::80/64"', "2001:db8::80")))
    assert scene.nodes[0].ipv4 == ("10.0.0.1",)
    assert scene.nodes[2].ipv6 == ("2001:db8::80",)


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("200", "200"),
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("1.50", "1.50"),
        ("0x1F", "0x1F"),
        ("1e3", "1e3"),
        ("2024-01-01", "2024-01-01"),
    ],
)
def test_label_keeps_the_text_as_typed(load_text: LoadText, mutate: Mutate, written: str, shown: str) -> None:
    scene = load_text(mutate(("{id: web, kind: server,", f"{{id: web, kind: server, label: {written},")))
    assert scene.nodes[2].label == shown
    assert scene.nodes[2].display_label == shown


def test_typed_text_in_captions_states_and_table_cells(load_text: LoadText, mutate: Mutate) -> None:
    scene = load_text(
        mutate(
            ("caption: web answers", "caption: 404"),
            ("text: ESTABLISHED", "text: off"),
            ("rows: [[10.0.0.0/24, lan]]", "rows: [[1.0, 08], [true, 1e3]]"),
        )
    )
    step = scene.steps[1]
    assert step.caption == "404"
    assert step.actions[2].text == "off"
    table = step.actions[3]
    assert isinstance(table, TableSet)
    assert table.rows == (("1.0", "08"), ("true", "1e3"))


def test_empty_label_is_kept_empty(load_text: LoadText, mutate: Mutate) -> None:
    scene = load_text(mutate(("{id: web, kind: server,", '{id: web, kind: server, label: "",')))
    assert scene.nodes[2].display_label == ""


def test_label_defaults_to_the_id(load_text: LoadText, base: str) -> None:
    assert [n.display_label for n in load_text(base).nodes] == ["pc", "r1", "web"]


MERGE_SCENE = """\
format: 1
title: Merge keys
nodes:
  - &router {id: r1, kind: router, label: Router, ipv4: 10.0.0.1/24, pos: [1, 0]}
  - {<<: *router, id: r2, ipv4: 10.0.1.1/24}
  - {<<: [*router], id: r3, kind: firewall, pos: [2, 0]}
  - <<: *router
    id: r4
links:
  - {between: [r1, r2]}
  - {between: [r2, r3]}
  - {between: [r3, r4]}
steps:
  - caption: hello
"""


def test_merge_keys_copy_node_defaults_and_explicit_keys_win(load_text: LoadText) -> None:
    r1, r2, r3, r4 = load_text(MERGE_SCENE).nodes
    assert (r2.id, r2.kind, r2.label, r2.ipv4, r2.pos) == ("r2", "router", "Router", ("10.0.1.1/24",), (1.0, 0.0))
    assert (r3.id, r3.kind, r3.label, r3.ipv4, r3.pos) == ("r3", "firewall", "Router", ("10.0.0.1/24",), (2.0, 0.0))
    assert (r4.id, r4.kind, r4.ipv4) == ("r4", "router", ("10.0.0.1/24",))
    assert r1.ipv4 == ("10.0.0.1/24",) and r1.id == "r1"


def test_merge_key_typo_in_defaults_is_reported_where_it_is_written(scene_path: Callable[[str], Path]) -> None:
    text = MERGE_SCENE.replace("label: Router,", "lable: Router,")
    errors = validate_file(scene_path(text))
    assert errors
    line = text.splitlines().index("  - &router {id: r1, kind: router, lable: Router, ipv4: 10.0.0.1/24, pos: [1, 0]}") + 1
    assert {(e.line, e.col) for e in errors} == {(line, text.splitlines()[line - 1].index("lable") + 1)}
    assert all("unknown key 'lable' (did you mean 'label'?)" in e.message for e in errors)


@pytest.mark.parametrize(
    ("kind", "icon"),
    [("cloud", "internet"), ("internet", "internet"), ("host", "host"), ("load-balancer", "load-balancer"), ("nat", "nat")],
)
def test_icon_kind(load_text: LoadText, mutate: Mutate, kind: str, icon: str) -> None:
    node = load_text(mutate(("kind: router", f"kind: {kind}"))).nodes[1]
    assert node.kind == kind
    assert node.icon_kind == icon


def test_link_id_defaults_to_both_ends_joined(load_text: LoadText, base: str) -> None:
    lan, uplink = load_text(base).links
    assert lan.link_id == "lan"
    assert uplink.id is None and uplink.link_id == "r1--web"


def test_defaults_of_optional_values(load_text: LoadText, scene_path: Callable[[str], Path], base: str) -> None:
    scene = load_text(base.replace("hop_time: 0.8\n", "").replace("label: GET, protocol: http", "label: GET"))
    assert scene.hop_time == 0.8
    assert scene.summary is None and scene.topic is None
    send = scene.steps[0].actions[0]
    assert isinstance(send, Send)
    assert (send.protocol, send.at, send.via, send.path, send.drop_at) == ("data", 0.0, (), None, None)
    assert scene.steps[0].duration is None
    assert scene.nodes[0].pos is None


def test_send_label_defaults_to_protocol_upper_cased(load_text: LoadText, mutate: Mutate) -> None:
    scene = load_text(mutate(("label: GET, protocol: http", "protocol: http"), ('label: "200 OK", ', "")))
    assert [a.display_label for a in (scene.steps[0].actions[0], scene.steps[1].actions[0])] == ["HTTP", "HTTP"]
    scene = load_text(mutate(("label: GET, protocol: http", "protocol: tcp")))
    assert scene.steps[0].actions[0].display_label == "TCP"


def test_numbers_are_read_as_numbers(load_text: LoadText, mutate: Mutate) -> None:
    scene = load_text(mutate(("hop_time: 0.8", "hop_time: 1"), ("kind: router,", "kind: router, pos: [1, 2.5],")))
    assert scene.hop_time == 1.0 and isinstance(scene.hop_time, float)
    assert scene.nodes[1].pos == (1.0, 2.5)
    assert scene.steps[1].duration == 3.0
    assert scene.steps[1].actions[0].at == 0.5


def test_highlight_links_accept_ids_and_node_pairs(load_text: LoadText, base: str) -> None:
    highlight = load_text(base).steps[0].actions[1]
    assert isinstance(highlight, Highlight)
    assert highlight.nodes == ("r1",)
    assert highlight.links == ("lan", ("r1", "web"))


def test_scene_remembers_its_file(scene_path: Callable[[str], Path], base: str) -> None:
    path = scene_path(base)
    assert load_scene(path).source == str(path)


def test_loading_twice_gives_equal_scenes(scene_path: Callable[[str], Path], base: str) -> None:
    path = scene_path(base)
    assert load_scene(path) == load_scene(path)


def test_repeated_loads_do_not_leak_memory(scene_path: Callable[[str], Path], base: str) -> None:
    """An app that reloads a scene on every save must not grow without bound."""
    path = scene_path(
        base
        + "".join(f"  - {{caption: s{i}, duration: {i + 1}, actions: [{{state: {{node: pc, at: 0.5}}}}]}}\n" for i in range(100))
    )
    for _ in range(5):
        load_scene(path)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(20):
            load_scene(path)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 256 * 1024, f"grew by {grown / 1024:.0f} KiB over 20 loads"
