"""Shape errors (unknown keys, wrong types, bad values) are one `FILE:LINE:COL: message` line at the offending token."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from animator.model import SceneError, SceneLoadError, load_scene

ErrorsOf = Callable[[str], list[SceneError]]
Mutate = Callable[..., str]
Locate = Callable[..., tuple[int, int]]

#: What an action must be, as the loader says it (the action keys in order).
ONE_OF = "steps.2.actions.2: expected a mapping with exactly one of: send, highlight, note, state, table, device, read; "

# (test id, (old, new) replacement in the base scene, message fragment, token the error must point at
# (or token and an offset into it))
SHAPE_ERRORS: list[tuple[str, tuple[str, str], str, str | tuple[str, int]]] = [
    # unknown keys, with the close match suggested, at every level
    ("top-key", ("hop_time: 0.8", "hop_tme: 0.8"), "unknown key 'hop_tme' (did you mean 'hop_time'?)", "hop_tme"),
    ("node-key", ('mac: "02', 'mca: "02'), "nodes.1: unknown key 'mca' (did you mean 'mac'?)", "mca"),
    ("link-key", ("latency: 20ms", "latncy: 20ms"), "links.2: unknown key 'latncy' (did you mean 'latency'?)", "latncy"),
    ("step-key", ("    duration: 3", "    duraton: 3"), "steps.2: unknown key 'duraton' (did you mean 'duration'?)", "duraton"),
    (
        "action-key",
        ("label: GET,", "lable: GET,"),
        "steps.1.actions.1.send: unknown key 'lable' (did you mean 'label'?)",
        "lable",
    ),
    (
        "chapter-key",
        ("{id: reply, title: The reply}", "{id: reply, titles: The reply}"),
        "chapters.2: unknown key 'titles' (did you mean 'title'?)",
        "titles",
    ),
    ("action-name", ("- note: {node: web", "- nots: {node: web"), "unknown action 'nots' (did you mean 'note'?)", "nots"),
    ("kind-value", ("kind: router", "kind: ruoter"), "nodes.2.kind: unknown value 'ruoter' (did you mean 'router'?)", "ruoter"),
    (
        "protocol-value",
        ("label: GET, protocol: http", "label: GET, protocol: htp"),
        "steps.1.actions.1.send.protocol: unknown value 'htp' (did you mean 'http'?)",
        "htp",
    ),
    # wrong types
    ("text-for-number", ("duration: 3", "duration: three"), "steps.2.duration: expected a number, got text 'three'", "three"),
    ("text-for-hop-time", ("hop_time: 0.8", "hop_time: fast"), "hop_time: expected a number, got text 'fast'", "fast"),
    ("text-for-whole-number", ("format: 1", 'format: "1"'), "format: expected a whole number, got text '1'", '"1"'),
    ("float-for-whole-number", ("format: 1", "format: 1.5"), "format: expected a whole number, got number '1.5'", "1.5"),
    (
        "mapping-for-list",
        ("nodes: [r1]", "nodes: {r1: yes}"),
        "steps.1.actions.2.highlight.nodes: expected a list, got a mapping",
        "{r1: yes}",
    ),
    ("text-for-list", ("columns: [dest, via]", "columns: dest"), "table.columns: expected a list, got text 'dest'", "dest,"),
    ("list-for-text", ("caption: web answers", "caption: [web, answers]"), "steps.2.caption: expected text, got a list", "[web"),
    # an empty value is reported just after its key's colon, where the value belongs
    (
        "null-for-text",
        ("caption: web answers", "caption:"),
        "steps.2.caption: expected text, got nothing (null)",
        ("caption:\n", len("caption:")),
    ),
    ("text-for-bool", ("lan]]}", "lan]], hide: maybe}"), "table.hide: expected true or false, got text 'maybe'", "maybe"),
    ("pos-one-number", ("kind: router,", "kind: router, pos: [1],"), "nodes.2.pos: expected a list of 2 values, got 1", "[1]"),
    (
        "pos-text",
        ("kind: server,", "kind: server, pos: [1, right],"),
        "nodes.3.pos.2: expected a number, got text 'right'",
        "right",
    ),
    (
        "action-two-keys",
        ("- note: {node: web, text: reply}", "- {note: {node: web, text: reply}, state: {node: pc}}"),
        ONE_OF + "got 2 keys",
        "{note",
    ),
    (
        "action-as-text",
        ("- note: {node: web, text: reply}", "- note"),
        ONE_OF + "got text 'note'",
        "note\n",
    ),
    # missing required keys point at the mapping that lacks them
    (
        "missing-note-text",
        ("{node: web, text: reply}", "{node: web}"),
        "steps.2.actions.2.note: missing required key 'text'",
        "{node: web}",
    ),
    ("missing-send-to", ("{from: pc, to: web,", "{from: pc,"), "steps.1.actions.1.send: missing required key 'to'", "{from: pc,"),
    ("missing-node-kind", ("{id: web, kind: server,", "{id: web,"), "nodes.3: missing required key 'kind'", "{id: web"),
    ("missing-title", ("title: Base\n", ""), "missing required key 'title'", "format"),
    # duplicate keys point at the second one and name the line of the first
    (
        "duplicate-key-block",
        ("    duration: 3\n", "    duration: 3\n    duration: 4\n"),
        "duplicate key 'duration' (first given at line 22)",
        "duration: 4",
    ),
    (
        "duplicate-key-flow",
        ("{id: pc, kind: host,", "{id: pc, kind: host, kind: server,"),
        "duplicate key 'kind' (first given at line 8)",
        "kind: server, mac",
    ),
    # addresses, latencies, ids, numbers
    ("bad-mac", ('"02:00:00:00:00:01"', '"02:00:00:00:00:0g"'), "nodes.1.mac: '02:00:00:00:00:0g' is not a MAC address", '"02:'),
    ("short-mac", ('"02:00:00:00:00:01"', '"02:00:00:00:01"'), "nodes.1.mac: '02:00:00:00:01' is not a MAC address", '"02:'),
    ("bad-ipv4", ("10.0.0.1/24", "10.0.0.300/24"), "nodes.1.ipv4: '10.0.0.300/24' is not an IPv4 address", "10.0.0.300"),
    (
        "bad-ipv4-prefix-in-list",
        ("198.51.100.1/24", "198.51.100.1/33"),
        "'198.51.100.1/33' is not an IPv4 address",
        "198.51.100.1/33",
    ),
    (
        "ipv6-as-ipv4",
        ("ipv4: 10.0.0.1/24", "ipv4: 2001:db8::1"),
        "nodes.1.ipv4: '2001:db8::1' is not an IPv4 address",
        "2001:db8::1",
    ),
    ("bad-ipv6", ('"2001:db8::80/64"', '"2001:db8::g0/64"'), "nodes.3.ipv6: '2001:db8::g0/64' is not an IPv6 address", '"2001'),
    (
        "bad-latency-unit",
        ("latency: 20ms", "latency: 20 parsecs"),
        "links.2.latency: '20 parsecs' is not a latency",
        "20 parsecs",
    ),
    ("negative-latency", ("latency: 20ms", "latency: -5"), "links.2.latency: '-5' is not a latency", "-5"),
    ("bad-id", ("{id: web, kind: server", '{id: "w b", kind: server'), "nodes.3.id: 'w b' is not a valid id", '"w b"'),
    ("negative-at", ("at: 0.5", "at: -1"), "steps.2.actions.1.send.at: expected 0 or more seconds, got -1", "-1"),
    ("zero-hop-time", ("hop_time: 0.8", "hop_time: 0"), "hop_time: expected a number greater than 0, got 0", "0\n"),
    ("zero-duration", ("duration: 3", "duration: 0"), "steps.2.duration: expected a number greater than 0, got 0", "0\n"),
    ("infinite-at", ("at: 0.5", "at: .inf"), "steps.2.actions.1.send.at: expected a finite number", ".inf"),
    ("nan-hop-time", ("hop_time: 0.8", "hop_time: .nan"), "hop_time: expected a finite number", ".nan"),
    ("huge-whole-number", ("format: 1", "format: 1" + "0" * 5000), "format: expected a whole number", "1000"),
    # merge keys must merge mappings
    (
        "merge-scalar",
        ("{id: web, kind: server,", "{<<: 5, id: web, kind: server,"),
        "nodes.3: '<<' must be followed by a mapping",
        "5,",
    ),
]


@pytest.mark.parametrize(
    ("replacement", "fragment", "token"), [case[1:] for case in SHAPE_ERRORS], ids=[c[0] for c in SHAPE_ERRORS]
)
def test_shape_error_is_one_line_at_the_offending_token(
    errors_of: ErrorsOf,
    mutate: Mutate,
    locate: Locate,
    tmp_path: Path,
    replacement: tuple[str, str],
    fragment: str,
    token: str | tuple[str, int],
) -> None:
    text = mutate(replacement)
    errors = errors_of(text)
    matching = [e for e in errors if fragment in e.message]
    assert len(matching) == 1, f"expected one error containing {fragment!r}, got:\n" + "\n".join(map(str, errors))
    error = matching[0]
    needle, offset = token if isinstance(token, tuple) else (token, 0)
    assert (error.line, error.col) == locate(text, needle, offset), str(error)
    path = str(tmp_path / "scene.yaml")
    for e in errors:
        assert str(e) == f"{path}:{e.line}:{e.col}: {e.message}"
        assert "\n" not in str(e) and "\r" not in str(e)
        assert "Traceback" not in e.message


def test_unknown_key_positions_match_hand_counted_line_and_column(errors_of: ErrorsOf, mutate: Mutate, tmp_path: Path) -> None:
    text = mutate(("hop_time: 0.8", "hop_tme: 0.8"), ("{between: [r1, web], latency", "{between: [r1, web], latncy"))
    assert [str(e) for e in errors_of(text)] == [
        f"{tmp_path / 'scene.yaml'}:3:1: unknown key 'hop_tme' (did you mean 'hop_time'?); expected one of: "
        "format, title, nodes, steps, summary, topic, hop_time, arp, chapters, links, expect",
        f"{tmp_path / 'scene.yaml'}:13:26: links.2: unknown key 'latncy' (did you mean 'latency'?); expected one of: "
        "between, id, label, latency",
    ]


def test_invented_key_gets_no_bogus_suggestion(errors_of: ErrorsOf, mutate: Mutate) -> None:
    (error,) = errors_of(mutate(("hop_time: 0.8", "colour: red")))
    assert "unknown key 'colour'" in error.message
    assert "did you mean" not in error.message
    assert "expected one of: format, title, nodes, steps" in error.message


def test_wrong_case_key_suggests_the_right_spelling(errors_of: ErrorsOf, mutate: Mutate) -> None:
    (error,) = errors_of(mutate(("hop_time: 0.8", "HOP_TIME: 0.8")))
    assert "unknown key 'HOP_TIME' (did you mean 'hop_time'?)" in error.message


@pytest.mark.parametrize(
    "replacement",
    [
        ("hop_time: 0.8", "hop_tme: 0.8"),
        ('mac: "02', 'mca: "02'),
        ("- note: {node: web", "- nots: {node: web"),
        ("duration: 3", "duration: three"),
        ("10.0.0.1/24", "10.0.0.300/24"),
    ],
    ids=["unknown-key", "node-key", "action-name", "wrong-type", "bad-ipv4"],
)
def test_one_mistake_gives_exactly_one_message(errors_of: ErrorsOf, mutate: Mutate, replacement: tuple[str, str]) -> None:
    errors = errors_of(mutate(replacement))
    assert len(errors) == 1, "\n".join(map(str, errors))


def test_every_independent_shape_problem_is_reported_in_one_run(errors_of: ErrorsOf, mutate: Mutate, locate: Locate) -> None:
    text = mutate(
        ("hop_time: 0.8", "hop_tme: 0.8"),
        ('"02:00:00:00:00:01"', '"02:00:00:00:00:0g"'),
        ("latency: 20ms", "latency: 20 parsecs"),
        ("label: GET,", "lable: GET,"),
        ("duration: 3", "duration: three"),
        ("- note: {node: web", "- nots: {node: web"),
    )
    errors = errors_of(text)
    expected = [
        (locate(text, "hop_tme"), "unknown key 'hop_tme'"),
        (locate(text, '"02:00:00:00:00:0g"'), "is not a MAC address"),
        (locate(text, "20 parsecs"), "is not a latency"),
        (locate(text, "lable"), "unknown key 'lable'"),
        (locate(text, "three"), "expected a number, got text 'three'"),
        (locate(text, "nots"), "unknown action 'nots'"),
    ]
    assert len(errors) == len(expected), "\n".join(map(str, errors))
    for (position, fragment), error in zip(expected, errors, strict=True):
        assert ((error.line, error.col), fragment in error.message) == (position, True), str(error)


def test_load_scene_raises_with_one_line_per_problem(scene_path: Callable[[str], Path], mutate: Mutate) -> None:
    path = scene_path(mutate(("hop_time: 0.8", "hop_tme: 0.8"), ("duration: 3", "duration: three")))
    with pytest.raises(SceneLoadError) as caught:
        load_scene(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 2 == len(caught.value.errors)
    assert all(re.fullmatch(re.escape(str(path)) + r":\d+:\d+: \S.*", line) for line in lines), lines


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ('"pc\\nweb"', "pc\\nweb"),
        ('"\\e[31mpc"', "\\x1b[31mpc"),
        ('"pc\\u2028web"', "pc\\u2028web"),
    ],
    ids=["newline", "terminal-escape", "unicode-line-separator"],
)
def test_message_stays_on_one_line_whatever_the_value_holds(errors_of: ErrorsOf, mutate: Mutate, value: str, shown: str) -> None:
    (error,) = errors_of(mutate(("{from: pc, to: web,", "{from: " + value + ", to: web,")))
    assert f"unknown node '{shown}'" in error.message
    assert len(str(error).splitlines()) == 1
    assert str(error).isprintable()


def test_syntax_error_points_at_the_problem(errors_of: ErrorsOf, mutate: Mutate) -> None:
    text = mutate(("  - {between: [pc, r1], id: lan}", "  - {between: [pc, r1], id: lan"))
    (error,) = errors_of(text)
    assert error.message.startswith("YAML syntax error:")
    assert error.line in (12, 13)


def test_expect_names_wireshark_expert_findings_and_points_at_a_bad_one(tmp_path: Path) -> None:
    """``expect:`` lists filter names (tcp.analysis.retransmission); prose there is refused at its item."""

    path = tmp_path / "scene.yaml"
    path.write_text(
        "format: 1\ntitle: t\nexpect: [tcp.analysis.retransmission, Retransmission]\n"
        "nodes:\n  - {id: a, kind: host}\nsteps:\n  - caption: x\n"
    )
    with pytest.raises(SceneLoadError) as caught:
        load_scene(path)
    assert [str(e) for e in caught.value.errors] == [
        f"{path}:3:39: expect: 'Retransmission' is not a Wireshark expert finding: write its filter name,"
        " such as tcp.analysis.retransmission or ip.ttl.too_small"
    ]
    path.write_text(path.read_text().replace(", Retransmission", ""))
    assert load_scene(path).expect == ("tcp.analysis.retransmission",)
