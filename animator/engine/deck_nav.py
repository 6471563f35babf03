"""Where a clicker goes in a lecture of several scenes: plain positions, no Qt.

A position is a scene and a pause point in it (0: before anything moves; k: step k finished).
The player asks this outline what "next step" means at the end of a scene, and where the
next or previous chapter begins; each scene's start counts as a chapter start, so "next
chapter" walks on into the next scene like a clicker would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from animator.model.schema import Scene


class Position(NamedTuple):
    """A scene (0-based, in deck order) and a pause point in it."""

    scene: int
    step: int


class DeckOutline:
    """The shape of a lecture: how many steps each scene has and where its chapters begin."""

    def __init__(self, step_counts: Sequence[int], chapter_starts: Sequence[Sequence[int]] = ()) -> None:
        self.step_counts = list(step_counts)
        starts = list(chapter_starts) or [[] for _ in self.step_counts]
        #: Every place "next/previous chapter" may stop at, in lecture order.
        self.sections = sorted(
            {Position(i, 0) for i in range(len(self.step_counts))}
            | {Position(i, s) for i, scene_starts in enumerate(starts) for s in scene_starts if 0 <= s <= self.step_counts[i]}
        )

    @classmethod
    def of_scenes(cls, scenes: Sequence[Scene | None]) -> DeckOutline:
        """The outline of loaded scenes; a scene that failed to load (None) has no steps."""
        counts = [len(s.steps) if s is not None else 0 for s in scenes]
        starts = [[i for i, step in enumerate(s.steps) if step.chapter] if s is not None else [] for s in scenes]
        return cls(counts, starts)

    @property
    def scene_count(self) -> int:
        return len(self.step_counts)

    def after_last_step(self, pos: Position) -> Position | None:
        """Clicker "next" at the end of a scene: the start of the next scene, if there is one."""
        if pos.step >= self.step_counts[pos.scene] and pos.scene + 1 < self.scene_count:
            return Position(pos.scene + 1, 0)
        return None

    def before_first_step(self, pos: Position) -> Position | None:
        """Clicker "back" at the start of a scene: the end of the previous scene, if there is one."""
        if pos.step <= 0 and pos.scene > 0:
            return Position(pos.scene - 1, self.step_counts[pos.scene - 1])
        return None

    def next_chapter(self, scene: int, step: float) -> Position | None:
        """The first chapter (or scene) start after ``step``; a step still playing counts as ``k - 0.5``."""
        return next((p for p in self.sections if (p.scene, p.step) > (scene, step)), None)

    def previous_chapter(self, scene: int, step: float) -> Position | None:
        """The last chapter (or scene) start before ``step``: the current chapter's start when inside it."""
        return next((p for p in reversed(self.sections) if (p.scene, p.step) < (scene, step)), None)

    def next_scene(self, scene: int) -> Position | None:
        return Position(scene + 1, 0) if scene + 1 < self.scene_count else None

    def previous_scene(self, scene: int) -> Position | None:
        return Position(scene - 1, 0) if scene > 0 else None
