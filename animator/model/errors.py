"""Errors a scene author sees. Each names file, line and column so an editor can jump there."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Mark:
    """A 1-based position in the source file, as editors and compilers print it."""

    line: int
    col: int


NO_MARK = Mark(1, 1)


class Marks(Mapping[str, Mark]):
    """Where each value of a mapping starts, by key: ``marks["via"]``, list items as ``marks["via[0]"]``.

    Positions are kept as plain ``(line, col)`` tuples and become ``Mark``s when read. A long
    lecture records about 100,000 of them and validation reads a few: plain tuples are cheaper
    to build, and the garbage collector stops tracking a tuple of ints after one look (never a
    ``Mark``), so they do not slow down every later collection.
    """

    __slots__ = ("_positions",)

    def __init__(self, positions: dict[str, tuple[int, int]]) -> None:
        self._positions = positions

    def __getitem__(self, key: str) -> Mark:
        return Mark(*self._positions[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._positions)

    def __len__(self) -> int:
        return len(self._positions)

    def __repr__(self) -> str:
        return f"Marks({dict(self)!r})"


@dataclass(frozen=True, slots=True)
class SceneError:
    """One problem in one file: printed as ``FILE:LINE:COL: message``."""

    file: str
    line: int
    col: int
    message: str

    def __post_init__(self) -> None:
        # Messages quote what the author wrote; a line break or terminal escape in a value must
        # not split the one-line report or reach the terminal raw.
        object.__setattr__(self, "file", _one_line(self.file))
        object.__setattr__(self, "message", _one_line(self.message))

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


def _one_line(text: str) -> str:
    """Escape control and separator characters (``\\n``, ``\\x1b``, ``\\u2028``) so text stays on one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


#: Errors reported for one file at most: past that, more lines only bury the first (real) one.
MAX_ERRORS = 100


def capped(errors: list[SceneError]) -> list[SceneError]:
    """At most ``MAX_ERRORS`` messages, the last saying how many more were found.

    Applied by ``SceneLoadError`` itself, so every path that refuses a scene (loading, layer
    checks, the simulator, decks) prints at most 100 lines: a fuzzed file with 100,000 unknown
    layer fields once printed 100,000. Capping a capped list changes nothing.
    """
    if len(errors) <= MAX_ERRORS:
        return errors
    last = errors[MAX_ERRORS - 1]
    more = SceneError(last.file, last.line, last.col, f"... and {len(errors) - MAX_ERRORS + 1} more errors not shown")
    return [*errors[: MAX_ERRORS - 1], more]


class SceneLoadError(Exception):
    """Raised when a scene cannot be loaded; carries the problems found (the first ``MAX_ERRORS``), not just the first."""

    def __init__(self, errors: list[SceneError]) -> None:
        errors = capped(list(errors))
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest choice, or an empty string.

    Authors misspell ids and keys far more often than they invent new ones, so the hint
    usually turns a lookup in the docs into a one-character fix.
    """
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not match:
        lowered = {c.lower(): c for c in choices}
        if word.lower() in lowered:
            match = [lowered[word.lower()]]
    return f" (did you mean '{match[0]}'?)" if match else ""
