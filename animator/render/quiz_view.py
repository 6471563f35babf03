"""What a question on screen looks like, as plain data: the stage's card and the sidebar both show it.

Kept apart from the card's layout and painting (``animator.render.quiz_card``), which the stage
imports only when a question is on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QKeySequence


def choice_key(index: int) -> str:
    """The shortcut that picks choice ``index`` (0-based): Ctrl+1 … Ctrl+9, or '' past nine.

    Ctrl with a digit, because bare digits type a step number and the presenter's other keys
    are taken (see ``MainWindow._build_actions``). The same text is the QAction's shortcut and,
    in the platform's spelling (⌘1 on a Mac), the label beside each choice.
    """
    return f"Ctrl+{index + 1}" if 0 <= index < 9 else ""


def choice_key_label(index: int) -> str:
    """``choice_key`` as the platform spells it, for labels."""
    key = choice_key(index)
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText) if key else ""


def letter(index: int) -> str:
    return chr(ord("A") + index)


@dataclass(frozen=True, slots=True)
class QuizView:
    """What a quiz looks like now: the question, and once revealed the answer and the choice."""

    question: str
    choices: tuple[str, ...]
    correct: int
    revealed: bool
    #: The choice made, or None (not yet, or revealed by the lecturer's click).
    chosen: int | None
    explain: str = ""

    def verdict(self, spelled_out: bool = False) -> str:
        """One line on the outcome. The card names the right choice by its letter (it is green
        just above); the sidebar, ``spelled_out``, quotes it."""
        if not self.revealed:
            return ""
        right = self.choices[self.correct] if spelled_out else letter(self.correct)
        if self.chosen is None:
            return f"The answer is {right}"
        if self.chosen == self.correct:
            return "✔ Correct!"
        return f"✘ Not quite: the answer is {right}"

    def hint(self) -> str:
        """The card's small print while asking: how to answer, and what the clicker does."""
        return f"Click a choice or press {keys_range(len(self.choices))} · the next click reveals the answer"


def keys_range(count: int) -> str:
    """'Ctrl+1–4': the keys of ``count`` choices, for hints."""
    first, last = choice_key_label(0), choice_key_label(min(count, 9) - 1)
    return f"{first}–{last.removeprefix(first[:-1])}" if count > 1 else first
