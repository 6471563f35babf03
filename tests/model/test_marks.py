"""Decoded objects remember where their values start: ``marks`` reads back as ``Mark``s at the tokens an author wrote."""

from __future__ import annotations

from collections.abc import Callable

from animator.model import Highlight, Scene, Send, TableSet
from animator.model.errors import Mark

LoadText = Callable[[str], Scene]
Locate = Callable[..., tuple[int, int]]


def test_each_key_and_each_item_of_a_list_of_ids_has_a_mark(load_text: LoadText, base: str, locate: Locate) -> None:
    scene = load_text(base)
    link = scene.links[1]
    assert link.marks["between"] == Mark(*locate(base, "[r1, web], latency"))
    assert link.marks["between[0]"] == Mark(*locate(base, "r1, web], latency"))
    assert link.marks["between[1]"] == Mark(*locate(base, "web], latency"))
    assert link.marks["latency"] == Mark(*locate(base, "20ms"))
    assert "id" not in link.marks  # not written, so nowhere to point
    assert link.marks.get("id", link.mark) == link.mark == Mark(*locate(base, "{between: [r1, web]"))


def test_lists_inside_actions_keep_a_mark_per_item(load_text: LoadText, base: str, locate: Locate) -> None:
    scene = load_text(base)
    highlight = scene.steps[0].actions[1]
    assert isinstance(highlight, Highlight)
    assert highlight.marks["nodes[0]"] == Mark(*locate(base, "r1], links"))
    assert highlight.marks["links[1]"] == Mark(*locate(base, "[r1, web]]}"))
    table = scene.steps[1].actions[3]
    assert isinstance(table, TableSet)
    assert table.marks["rows[0]"] == Mark(*locate(base, "[10.0.0.0/24, lan]"))


def test_objects_in_lists_carry_their_own_mark(load_text: LoadText, base: str, locate: Locate) -> None:
    scene = load_text(base)
    send = scene.steps[0].actions[0]
    assert isinstance(send, Send)
    assert send.mark == Mark(*locate(base, "{from: pc, to: web, label: GET"))
    assert list(send.marks) == ["from", "to", "label", "protocol"]  # the keys written, in declaration order
    assert scene.nodes[2].mark == Mark(*locate(base, "{id: web"))
