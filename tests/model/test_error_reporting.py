"""How many messages an author gets: one for a future format, a readable number for a flood."""

from __future__ import annotations

from animator.model import SceneLoadError, load_scene_text
from animator.model.loader import MAX_ERRORS
from tests.conftest import MINIMAL


def errors_of(text: str) -> list[str]:
    try:
        load_scene_text(text, "s.yaml")
    except SceneLoadError as exc:
        return [str(e) for e in exc.errors]
    return []


def test_future_format_gets_one_message_not_unknown_keys() -> None:
    text = MINIMAL.replace("format: 1", "format: 2\nlayers: {}\nscripts: []")
    assert errors_of(text) == ["s.yaml:1:9: unsupported format version 2: this PacketStage reads format 1"]


def test_error_flood_is_capped_with_a_count() -> None:
    bad_nodes = "".join(f"  - {{id: n{i}, kind: host, colour: red}}\n" for i in range(300))
    text = MINIMAL.replace("nodes:\n", "nodes:\n" + bad_nodes)
    errors = errors_of(text)
    assert len(errors) == MAX_ERRORS
    assert errors[0].startswith("s.yaml:5:26:") and "unknown key 'colour'" in errors[0]
    assert errors[-1].endswith(f"... and {300 - MAX_ERRORS + 1} more errors not shown")


def test_a_repeated_link_is_one_message() -> None:
    text = MINIMAL.replace("  - {between: [a, sw]}\n", "  - {between: [a, sw]}\n  - {between: [sw, a]}\n")
    (only,) = errors_of(text)
    assert "'sw' and 'a' are already linked at line 9" in only
    assert only.startswith("s.yaml:10:5:")


def test_explicit_tags_on_the_wrong_text_are_errors_not_tracebacks() -> None:
    text = MINIMAL.replace(
        "      - state: {node: b, text: ESTABLISHED}\n", "      - table: {node: b, title: T, hide: !!bool abc}\n"
    )
    (only,) = errors_of(text)
    assert "hide: expected true or false" in only
    text = MINIMAL.replace("format: 1\ntitle: Minimal", "format: 1\ntitle: Minimal\nhop_time: !!int abc")
    (only,) = errors_of(text)
    assert "hop_time: expected a number, got number 'abc', which is not a valid number" in only
