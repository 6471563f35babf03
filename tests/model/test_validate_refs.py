"""Cross-references (node, link and chapter ids, paths, routes, tables, timing) are checked and reported at the token."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from animator.model import SceneError

ErrorsOf = Callable[[str], list[SceneError]]
Mutate = Callable[..., str]
Locate = Callable[..., tuple[int, int]]

ISLAND = (
    '{id: web, kind: server, ipv6: "2001:db8::80/64"}',
    '{id: web, kind: server, ipv6: "2001:db8::80/64"}\n  - {id: island, kind: host}',
)

# (test id, replacements in the base scene, message fragment, (token, offset) the error must point at)
REFERENCE_ERRORS: list[tuple[str, tuple[tuple[str, str], ...], str, tuple[str, int]]] = [
    # unknown node ids, everywhere a node is named, with the close match suggested
    (
        "link-end",
        (("{between: [pc, r1], id: lan}", "{between: [pc, rtr1], id: lan}"),),
        "link: unknown node 'rtr1' (did you mean 'r1'?)",
        ("rtr1", 0),
    ),
    (
        "send-from",
        (("{from: pc, to: web,", "{from: pcc, to: web,"),),
        "step 1 send.from: unknown node 'pcc' (did you mean 'pc'?)",
        ("pcc", 0),
    ),
    (
        "send-to",
        (("{from: pc, to: web,", "{from: pc, to: wbe,"),),
        "step 1 send.to: unknown node 'wbe' (did you mean 'web'?)",
        ("wbe", 0),
    ),
    (
        "send-via",
        (("label: GET,", "via: [rtr1], label: GET,"),),
        "step 1 send.via: unknown node 'rtr1' (did you mean 'r1'?)",
        ("rtr1", 0),
    ),
    (
        "send-path",
        (("label: GET,", "path: [pc, rtr1, web], label: GET,"),),
        "step 1 send.path: unknown node 'rtr1' (did you mean 'r1'?)",
        ("rtr1", 0),
    ),
    (
        "send-drop-at",
        (("label: GET,", "drop_at: rtr1, label: GET,"),),
        "step 1 send.drop_at: unknown node 'rtr1' (did you mean 'r1'?)",
        ("rtr1", 0),
    ),
    (
        "highlight-node",
        (("nodes: [r1]", "nodes: [rtr1]"),),
        "step 1 highlight: unknown node 'rtr1' (did you mean 'r1'?)",
        ("rtr1", 0),
    ),
    (
        "highlight-link-pair-node",
        (("[r1, web]]", "[r1, wbe]]"),),
        "step 1 highlight: unknown node 'wbe' (did you mean 'web'?)",
        ("[r1, wbe]", 0),
    ),
    (
        "note-node",
        (("{node: web, text: reply}", "{node: wbe, text: reply}"),),
        "step 2: unknown node 'wbe' (did you mean 'web'?)",
        ("wbe", 0),
    ),
    (
        "state-node",
        (("{node: pc, text: ESTABLISHED}", "{node: cp, text: ESTABLISHED}"),),
        "step 2: unknown node 'cp'",
        ("cp,", 0),
    ),
    (
        "table-node",
        (("{node: r1, title: Routes", "{node: rr1, title: Routes"),),
        "step 2 table: unknown node 'rr1' (did you mean 'r1'?)",
        ("rr1", 0),
    ),
    # links
    (
        "highlight-link-id",
        (("links: [lan,", "links: [lna,"),),
        "step 1 highlight: unknown link 'lna' (did you mean 'lan'?)",
        ("lna", 0),
    ),
    (
        "highlight-default-link-id",
        (("links: [lan, [r1, web]]", "links: [lan, r1--wbe]"),),
        "step 1 highlight: unknown link 'r1--wbe' (did you mean 'r1--web'?)",
        ("r1--wbe", 0),
    ),
    (
        "highlight-unlinked-pair",
        (("[r1, web]]", "[pc, web]]"),),
        "step 1 highlight: no link joins 'pc' and 'web'",
        ("[pc, web]", 0),
    ),
    (
        "self-loop",
        (("{between: [r1, web], latency", "{between: [web, web], latency"),),
        "link: both ends are 'web'; a link joins two different nodes",
        ("[web, web]", 0),
    ),
    (
        "duplicate-link-reversed",
        (("  - {between: [r1, web], latency: 20ms}\n", "  - {between: [r1, web], latency: 20ms}\n  - {between: [web, r1]}\n"),),
        "link: 'web' and 'r1' are already linked at line 13",
        ("{between: [web, r1]}", 0),
    ),
    (
        "duplicate-link-id",
        (
            (
                "  - {between: [r1, web], latency: 20ms}\n",
                "  - {between: [r1, web], latency: 20ms}\n  - {between: [pc, web], id: lan}\n",
            ),
        ),
        "duplicate link id 'lan' (first defined at line 12)",
        ("lan}\nsteps", 0),
    ),
    (
        "duplicate-node-id",
        (("  - {id: web, kind: server,", "  - {id: r1, kind: switch}\n  - {id: web, kind: server,"),),
        "duplicate node id 'r1' (first defined at line 9)",
        ("r1, kind: switch", 0),
    ),
    # sends
    (
        "path-not-linked",
        (("label: GET,", "path: [pc, web], label: GET,"),),
        "step 1: path goes from 'pc' to 'web' but no link joins them",
        ("web], label: GET", 0),
    ),
    (
        "path-wrong-end",
        (("label: GET,", "path: [pc, r1], label: GET,"),),
        "step 1: path must start at 'pc' and end at 'web'",
        ("[pc, r1], label", 0),
    ),
    ("path-empty", (("label: GET,", "path: [], label: GET,"),), "step 1: path must start at 'pc' and end at 'web'", ("[]", 0)),
    (
        "drop-at-off-path",
        (("label: GET,", "drop_at: pc, label: GET,"),),
        "step 1: drop_at 'pc' is not on the path pc → r1 → web",
        ("pc, label: GET", 0),
    ),
    (
        "no-route",
        (ISLAND, ("{from: pc, to: web, label: GET", "{from: pc, to: island, label: GET")),
        "step 1: no chain of links leads from 'pc' to 'island'",
        ("{from: pc, to: island", 0),
    ),
    (
        "no-route-via",
        (ISLAND, ("label: GET,", "via: [island], label: GET,")),
        "step 1: no chain of links leads from 'pc' to 'web' through island",
        ("{from: pc, to: web", 0),
    ),
    (
        "path-and-via",
        (("label: GET,", "path: [pc, r1, web], via: [r1], label: GET,"),),
        "step 1: give either 'path' or 'via', not both",
        ("[r1], label", 0),
    ),
    (
        "send-to-itself",
        (("{from: pc, to: web,", "{from: pc, to: pc,"),),
        "step 1: a message from 'pc' to itself goes nowhere",
        ("pc, label: GET", 0),
    ),
    # chapters
    (
        "unknown-chapter",
        (("chapter: reply", "chapter: replay"),),
        "unknown chapter 'replay' (did you mean 'reply'?); declare it under 'chapters:'",
        ("replay", 0),
    ),
    (
        "chapter-begun-twice",
        (("chapter: reply", "chapter: intro\n    id: again"),),
        "chapter 'intro' already began at an earlier step; a chapter begins once",
        ("intro\n    id: again", 0),
    ),
    (
        "chapter-never-begun",
        (("    chapter: reply\n", ""),),
        "chapter 'reply' is never begun: add 'chapter: reply' to its first step",
        ("{id: reply", 0),
    ),
    (
        "chapters-out-of-order",
        (("chapter: intro", "chapter: reply"), ("chapter: reply\n    duration", "chapter: intro\n    duration")),
        "chapters begin in the order reply, intro but are declared as intro, reply",
        ("\n  - {id: intro", 3),
    ),
    # tables and timing
    (
        "table-row-too-short",
        (("rows: [[10.0.0.0/24, lan]]", "rows: [[10.0.0.0/24, lan], [0.0.0.0/0]]"),),
        "step 2 table: row has 1 cells but there are 2 columns",
        ("[0.0.0.0/0]", 0),
    ),
    (
        "table-row-too-long",
        (("rows: [[10.0.0.0/24, lan]]", "rows: [[10.0.0.0/24, lan, extra]]"),),
        "step 2 table: row has 3 cells but there are 2 columns",
        ("[10.0.0.0/24, lan, extra]", 0),
    ),
    ("at-beyond-duration", (("at: 0.5", "at: 3.5"),), "step 2: 'at: 3.5' is not within the step's duration of 3 s", ("3.5", 0)),
    (
        "at-equal-duration",
        (("{node: web, text: reply}", "{node: web, text: reply, at: 3}"),),
        "step 2: 'at: 3' is not within",
        ("3}", 0),
    ),
    # version
    (
        "format-version",
        (("format: 1", "format: 2"),),
        "unsupported format version 2: this PacketStage reads format 1",
        ("2\n", 0),
    ),
]


@pytest.mark.parametrize(
    ("replacements", "fragment", "token"),
    [case[1:] for case in REFERENCE_ERRORS],
    ids=[case[0] for case in REFERENCE_ERRORS],
)
def test_reference_error_points_at_the_offending_token(
    errors_of: ErrorsOf,
    mutate: Mutate,
    locate: Locate,
    replacements: tuple[tuple[str, str], ...],
    fragment: str,
    token: tuple[str, int],
) -> None:
    text = mutate(*replacements)
    errors = errors_of(text)
    matching = [e for e in errors if fragment in e.message]
    assert len(matching) == 1, f"expected one error containing {fragment!r}, got:\n" + "\n".join(map(str, errors))
    error = matching[0]
    assert (error.line, error.col) == locate(text, *token), str(error)
    assert all(len(str(e).splitlines()) == 1 for e in errors)


def test_documented_example_position(errors_of: ErrorsOf, mutate: Mutate) -> None:
    """The `send.to: unknown node 'rtr1'` example: hand-counted line 18, column 30."""
    (error,) = errors_of(mutate(("{from: pc, to: web,", "{from: pc, to: rtr1,")))
    assert str(error).endswith(":18:30: step 1 send.to: unknown node 'rtr1' (did you mean 'r1'?)")


def test_unknown_id_far_from_any_is_not_given_a_suggestion(errors_of: ErrorsOf, mutate: Mutate) -> None:
    (error,) = errors_of(mutate(("{node: web, text: reply}", "{node: mainframe, text: reply}")))
    assert error.message == "step 2: unknown node 'mainframe'"


def test_every_independent_reference_problem_is_reported_in_one_run(errors_of: ErrorsOf, mutate: Mutate, locate: Locate) -> None:
    text = mutate(
        ("nodes: [r1]", "nodes: [rtr1]"),
        ("links: [lan,", "links: [lna,"),
        ("{node: web, text: reply}", "{node: wbe, text: reply}"),
        ("at: 0.5", "at: 3.5"),
        ("rows: [[10.0.0.0/24, lan]]", "rows: [[10.0.0.0/24]]"),
        ("{node: pc, text: ESTABLISHED}", "{node: cp, text: ESTABLISHED}"),
    )
    got = [((e.line, e.col), e.message) for e in errors_of(text)]
    assert got == [
        (locate(text, "rtr1"), "step 1 highlight: unknown node 'rtr1' (did you mean 'r1'?)"),
        (locate(text, "lna"), "step 1 highlight: unknown link 'lna' (did you mean 'lan'?)"),
        (locate(text, "3.5"), "step 2: 'at: 3.5' is not within the step's duration of 3 s"),
        (locate(text, "wbe"), "step 2: unknown node 'wbe' (did you mean 'web'?)"),
        (locate(text, "cp,"), "step 2: unknown node 'cp'"),
        (locate(text, "[10.0.0.0/24]"), "step 2 table: row has 1 cells but there are 2 columns"),
    ]


def test_shape_errors_come_before_reference_checks(errors_of: ErrorsOf, mutate: Mutate) -> None:
    """A typo in one key must not cascade: reference checks wait until the shape is right."""
    errors = errors_of(mutate(("hop_time: 0.8", "hop_tme: 0.8"), ("nodes: [r1]", "nodes: [rtr1]")))
    assert [e.message.split(";")[0] for e in errors] == ["unknown key 'hop_tme' (did you mean 'hop_time'?)"]


@pytest.mark.parametrize(
    "replacement",
    [
        ("{between: [pc, r1], id: lan}", "{between: [pc, r1], id: lan, label: 1 Gb/s}"),
        ("label: GET,", "path: [pc, r1, web], label: GET,"),
        ("label: GET,", "via: [r1], drop_at: web, label: GET,"),
        ("[r1, web]]", "[web, r1]]"),
        ("links: [lan, [r1, web]]", "links: [lan, r1--web]"),
        ("at: 0.5", "at: 2.99"),
        ("rows: [[10.0.0.0/24, lan]]", "rows: [], hide: true"),
        ("{from: web, to: pc,", "{from: web, to: r1,"),
    ],
    ids=[
        "link-label",
        "explicit-path",
        "via-and-drop",
        "reversed-pair",
        "default-link-id",
        "at-inside",
        "empty-rows",
        "shorter-send",
    ],
)
def test_valid_variations_are_accepted(errors_of: ErrorsOf, mutate: Mutate, replacement: tuple[str, str]) -> None:
    assert errors_of(mutate(replacement)) == []
