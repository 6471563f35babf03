"""Fixtures for the model tests: a valid base scene, a way to break it, and where its tokens are."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from animator.model import Scene, SceneError, load_scene, validate_file

#: A valid scene touching every part of the format. Tests break it with ``mutate`` (one exact
#: text replacement) and expect the error to point at a token they locate in the mutated text.
#: The smallest valid scene, for tests that only need something that loads.
SMALL = """\
format: 1
title: Small
nodes:
  - {id: a, kind: host}
  - {id: b, kind: server}
links:
  - {between: [a, b]}
steps:
  - caption: a greets b
    actions:
      - send: {from: a, to: b, label: hello}
"""


BASE = """\
format: 1
title: Base
hop_time: 0.8
chapters:
  - {id: intro, title: Introduction}
  - {id: reply, title: The reply}
nodes:
  - {id: pc, kind: host, mac: "02:00:00:00:00:01", ipv4: 10.0.0.1/24}
  - {id: r1, kind: router, ipv4: [10.0.0.254/24, 198.51.100.1/24]}
  - {id: web, kind: server, ipv6: "2001:db8::80/64"}
links:
  - {between: [pc, r1], id: lan}
  - {between: [r1, web], latency: 20ms}
steps:
  - caption: pc sends a request
    chapter: intro
    actions:
      - send: {from: pc, to: web, label: GET, protocol: http}
      - highlight: {nodes: [r1], links: [lan, [r1, web]]}
  - caption: web answers
    chapter: reply
    duration: 3
    actions:
      - send: {from: web, to: pc, label: "200 OK", protocol: http, at: 0.5}
      - note: {node: web, text: reply}
      - state: {node: pc, text: ESTABLISHED}
      - table: {node: r1, title: Routes, columns: [dest, via], rows: [[10.0.0.0/24, lan]]}
"""

Replacements = tuple[tuple[str, str], ...]


def apply(text: str, replacements: Replacements) -> str:
    """Apply exact ``(old, new)`` replacements, each of which must match exactly once."""
    for old, new in replacements:
        assert text.count(old) == 1, f"test bug: {old!r} occurs {text.count(old)} times in the scene"
        text = text.replace(old, new)
    return text


def position(text: str, needle: str, offset: int = 0) -> tuple[int, int]:
    """1-based (line, column) of the unique ``needle`` in ``text``, plus ``offset`` characters."""
    assert text.count(needle) == 1, f"test bug: {needle!r} occurs {text.count(needle)} times in the scene"
    index = text.index(needle) + offset
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


@pytest.fixture
def base() -> str:
    """The valid base scene text."""
    return BASE


@pytest.fixture
def mutate() -> Callable[..., str]:
    """``mutate((old, new), ...)`` is the base scene with each exact replacement applied once."""

    def run(*replacements: tuple[str, str], text: str = BASE) -> str:
        return apply(text, replacements)

    return run


@pytest.fixture
def locate() -> Callable[..., tuple[int, int]]:
    """``locate(text, needle, offset=0)``: 1-based (line, column) of the unique needle."""
    return position


@pytest.fixture
def scene_path(tmp_path: Path) -> Callable[[str], Path]:
    """Write scene text verbatim (no dedent, so positions stay exact) and return the path."""

    def write(text: str) -> Path:
        path = tmp_path / "scene.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def errors_of(scene_path: Callable[[str], Path]) -> Callable[[str], list[SceneError]]:
    """Every problem ``validate_file`` reports for the given scene text."""

    def run(text: str) -> list[SceneError]:
        return validate_file(scene_path(text))

    return run


@pytest.fixture
def load_text(scene_path: Callable[[str], Path]) -> Callable[[str], Scene]:
    """Load scene text that must be valid; a failure shows every reported problem."""

    def run(text: str) -> Scene:
        errors = validate_file(scene_path(text))
        assert errors == [], "\n".join(map(str, errors))
        return load_scene(scene_path(text))

    return run
