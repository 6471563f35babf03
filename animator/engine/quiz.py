""" "Predict, then reveal": which question is asked, what was answered, the score. No Qt.

The rules, in one place so the sidebar, the stage overlay and the clicker agree:

- When playback is about to play a step that has a quiz not yet asked in this scene, the step
  does not play; its question is *asked* instead.
- While asking, choosing an answer *reveals* it (scored); "next" reveals it without a choice
  (the lecturer's clicker: ask the hall, then click to show the answer; not scored).
- Once revealed, "next" plays the step. A revealed question is not asked again in this visit
  of the scene (stepping back and forward again plays the step); one left unanswered (by
  stepping back or jumping away) is asked again next time.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from animator.model.schema import Quiz, Scene


class Phase(Enum):
    IDLE = "idle"
    ASKING = "asking"
    REVEALED = "revealed"


class QuizRun:
    """The quizzes of one scene and what happened to them.

    ``answers`` may come from an earlier visit (the score is remembered); a new choice for the
    same question replaces the old one, so a student who tries again can improve the score.
    """

    def __init__(self, scene: Scene, answers: Mapping[int, int | None] | None = None) -> None:
        #: Step number (1-based) → its quiz.
        self.quizzes: dict[int, Quiz] = {n: s.quiz for n, s in enumerate(scene.steps, start=1) if s.quiz is not None}
        #: Step number → the choice made (0-based), or None when revealed without a choice.
        self.answers: dict[int, int | None] = {
            k: v for k, v in (answers or {}).items() if k in self.quizzes and (v is None or 0 <= v < len(self.quizzes[k].choices))
        }
        #: The step whose question is on screen, if any.
        self.step: int | None = None
        #: Steps asked in this visit, and those whose answer has been shown.
        self._asked: set[int] = set()
        self._revealed: set[int] = set()

    @property
    def phase(self) -> Phase:
        if self.step is None:
            return Phase.IDLE
        return Phase.REVEALED if self.step in self._revealed else Phase.ASKING

    @property
    def quiz(self) -> Quiz | None:
        return self.quizzes.get(self.step) if self.step is not None else None

    def blocks(self, step: int) -> bool:
        """Whether playing ``step`` must wait for its question first."""
        return step in self.quizzes and step not in self._asked

    def ask(self, step: int) -> None:
        self.step = step
        self._asked.add(step)
        self._revealed.discard(step)

    def choose(self, index: int) -> bool:
        """Answer the question on screen; returns whether it was right."""
        quiz = self.quiz
        assert quiz is not None and self.step is not None, "no question is being asked"
        if self.phase is Phase.ASKING:
            self.answers[self.step] = index
            self._revealed.add(self.step)
        return index == quiz.correct_index()

    def reveal(self) -> None:
        """Show the answer without a choice (a lecturer's click); an earlier visit's answer is kept."""
        if self.phase is Phase.ASKING and self.step is not None:
            self.answers.setdefault(self.step, None)
            self._revealed.add(self.step)

    def release(self) -> None:
        """The question leaves the screen: its step plays, or the viewer went elsewhere (then it is asked again)."""
        if self.step is not None and self.step not in self._revealed:
            self._asked.discard(self.step)
        self.step = None

    def chosen(self, step: int) -> int | None:
        return self.answers.get(step)

    def score(self) -> tuple[int, int]:
        """Right answers, out of the scene's questions."""
        right = sum(
            1 for step, choice in self.answers.items() if choice is not None and choice == self.quizzes[step].correct_index()
        )
        return right, len(self.quizzes)
