"""The live lecture as the class server keeps it: where the presenter is, and the quiz tallies.

Plain data and no network, so the rules are tested directly: a presenter's state is checked
against the lecture (a chapter that exists, a time within it, a question that is in it), each
student has one answer per question that they may change until the reveal, and a revealed
question's counts are final. Students are anonymous: an answer is kept under the random id their
page made up, only for this session, and only the counts ever leave this object.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from typing import Any

from animator.classroom.messages import Answer, BadMessage, LiveState, QuizRef

#: Seconds a time may lie outside its chapter (rounding in the film's bounds).
TIME_SLACK = 0.01


@dataclass(frozen=True)
class Quiz:
    """One question of the lecture: where it is asked, and what students see at the reveal."""

    chapter: int
    step: int
    scene: str
    question: str
    choices: tuple[str, ...]
    answer: int
    explain: str = ""

    @property
    def key(self) -> tuple[int, int]:
        return (self.chapter, self.step)


@dataclass(frozen=True)
class ChapterSpan:
    """One scene of the lecture: its first pause point, how many steps, and their times."""

    first: int
    count: int
    start: float
    end: float
    #: The time of each pause point, ``first`` to ``first + count``.
    bounds: tuple[float, ...] = ()


@dataclass
class Tally:
    """Answers to one question: one per student id, changeable until ``final``."""

    choices: int
    by_student: dict[str, int] = field(default_factory=dict)
    final: bool = False

    def counts(self) -> list[int]:
        out = [0] * self.choices
        for choice in self.by_student.values():
            out[choice] += 1
        return out


class ClassState:
    """The lecture's live state and its questions' tallies."""

    def __init__(self, chapters: list[ChapterSpan], quizzes: list[Quiz]) -> None:
        if not chapters:
            raise ValueError("a lecture has at least one scene")
        self.chapters = chapters
        self.quizzes = {q.key: q for q in quizzes}
        self.tallies = {q.key: Tally(len(q.choices)) for q in quizzes}
        first = chapters[0]
        self.live = LiveState(chapter=0, step=first.first, time=first.start)
        #: Bumped at every change of ``live``: students and tests can tell updates apart.
        self.version = 0

    # -- the presenter ------------------------------------------------------------------------
    def check(self, state: LiveState) -> LiveState:
        """``state`` if it fits the lecture (times clamped into their chapter); BadMessage if not."""
        if state.chapter >= len(self.chapters):
            raise BadMessage(f"c: the lecture has {len(self.chapters)} scene(s)")
        span = self.chapters[state.chapter]
        if not span.first <= state.step <= span.first + span.count:
            raise BadMessage(f"step: {span.first} to {span.first + span.count} in scene {state.chapter + 1}")
        if not span.start - TIME_SLACK <= state.time <= span.end + TIME_SLACK:
            raise BadMessage("time: outside the scene")
        until = state.until
        if until is not None:
            until = min(max(until, span.start), span.end)
        if state.quiz is not None and (state.quiz.chapter, state.quiz.step) not in self.quizzes:
            raise BadMessage("quiz: no such question in the lecture")
        return replace(state, time=min(max(state.time, span.start), span.end), until=until)

    def set_live(self, state: LiveState) -> QuizRef | None:
        """Make ``state`` (already checked) the live one; returns the question it reveals, if it does."""
        revealed = None
        quiz = state.quiz
        if quiz is not None and quiz.phase == "revealed":
            tally = self.tallies[(quiz.chapter, quiz.step)]
            if not tally.final:
                tally.final = True
                revealed = quiz
        self.live = state
        self.version += 1
        return revealed

    @property
    def asking(self) -> Quiz | None:
        """The question open for answers now, if any."""
        quiz = self.live.quiz
        if quiz is None or quiz.phase != "asking":
            return None
        found = self.quizzes[(quiz.chapter, quiz.step)]
        return None if self.tallies[found.key].final else found

    # -- students -------------------------------------------------------------------------------
    def answer(self, student: str, answer: Answer) -> bool:
        """Record (or change) ``student``'s answer; False when that question is not open or the
        choice is not one of its choices (the answer is ignored, the student's socket stays)."""
        quiz = self.asking
        if quiz is None or quiz.key != (answer.chapter, answer.step) or answer.choice >= len(quiz.choices):
            return False
        self.tallies[quiz.key].by_student[student] = answer.choice
        return True

    def mine(self, student: str) -> dict[str, Any] | None:
        """A (re)connecting student's own answer to the question on screen, so their page shows it."""
        quiz = self.live.quiz
        if quiz is None:
            return None
        choice = self.tallies[(quiz.chapter, quiz.step)].by_student.get(student)
        return None if choice is None else {"t": "mine", "q": [quiz.chapter, quiz.step], "choice": choice}

    # -- what the pages are sent -----------------------------------------------------------------
    def quiz_json(self, presenter: bool) -> dict[str, Any] | None:
        quiz = self.live.quiz
        if quiz is None:
            return None
        found = self.quizzes[(quiz.chapter, quiz.step)]
        tally = self.tallies[found.key]
        out: dict[str, Any] = {
            "c": quiz.chapter,
            "s": quiz.step,
            "phase": quiz.phase,
            "q": found.question,
            "choices": list(found.choices),
        }
        if quiz.phase == "revealed" or presenter:
            counts = tally.counts()
            out |= {"counts": counts, "total": sum(counts)}
        if quiz.phase == "revealed" or presenter:
            out |= {"answer": found.answer, "explain": found.explain}
        return out

    def live_message(self, presenter: bool) -> dict[str, Any]:
        """The ``live`` message: the state, with the question's words (and, revealed, its answer
        and counts; presenters see both while it is asked: the remote marks the answer for them)."""
        state = self.live.to_json()
        state["quiz"] = self.quiz_json(presenter)
        return {"t": "live", "v": self.version, "s": state}

    def tally_message(self, key: tuple[int, int]) -> dict[str, Any]:
        counts = self.tallies[key].counts()
        return {"t": "tally", "q": list(key), "counts": counts, "total": sum(counts)}

    # -- after the lecture ------------------------------------------------------------------------
    def counts_csv(self) -> str:
        """Per question and choice, how many answered it: all that is kept after a session."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["scene", "step", "question", "choice", "text", "correct", "count", "revealed"])
        for key in sorted(self.quizzes):
            quiz, tally = self.quizzes[key], self.tallies[key]
            if not tally.by_student and not tally.final:
                continue
            for i, (text, count) in enumerate(zip(quiz.choices, tally.counts(), strict=True)):
                writer.writerow(
                    [
                        quiz.scene,
                        quiz.step,
                        quiz.question,
                        chr(65 + i),
                        text,
                        "yes" if i == quiz.answer else "",
                        count,
                        "yes" if tally.final else "no",
                    ]
                )
        return out.getvalue()
