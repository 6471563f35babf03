"""Quiz widgets: the sidebar's question with choice buttons, and the big version on the stage.

The rules of asking and revealing live in ``animator.engine.quiz``; this module only shows a
``QuizView`` (plain data) and reports clicks. Nothing here opens a dialog: a question is part
of the sidebar and, while presenting, of the audience stage, so a lecture never stops on a
modal window.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from animator.ui.theme import Theme, font

CORRECT = "#15803d"
WRONG = "#b91c1c"


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


class QuizPanel(QWidget):
    """The question in the sidebar: one button per choice, then the verdict and the explanation."""

    chosen = Signal(int)
    reveal_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        self.heading = QLabel("Predict, then reveal", self)
        self.heading.setFont(font(12, bold=True))
        layout.addWidget(self.heading)
        self.question = QLabel(self)
        self.question.setWordWrap(True)
        self.question.setFont(font(15, bold=True))
        layout.addWidget(self.question)
        self.buttons: list[QPushButton] = []
        self._choices = QVBoxLayout()
        layout.addLayout(self._choices)
        self.verdict = QLabel(self)
        self.verdict.setWordWrap(True)
        self.verdict.setFont(font(14, bold=True))
        layout.addWidget(self.verdict)
        self.explain = QLabel(self)
        self.explain.setWordWrap(True)
        self.explain.setTextFormat(Qt.TextFormat.MarkdownText)
        self.explain.setOpenExternalLinks(True)
        layout.addWidget(self.explain)
        self.skip = QPushButton("Show the answer", self)
        self.skip.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.skip.setToolTip("Reveal without answering (the next-step key does the same)")
        self.skip.clicked.connect(self.reveal_requested)
        layout.addWidget(self.skip)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.hint.setFont(font(12))
        layout.addWidget(self.hint)
        self.view: QuizView | None = None
        self.hide()

    def show_quiz(self, view: QuizView | None) -> None:
        self.view = view
        if view is None:
            self.hide()
            return
        self.question.setText(view.question)
        if [b.property("choice_text") for b in self.buttons] != list(view.choices):
            for button in self.buttons:
                self._choices.removeWidget(button)
                button.deleteLater()
            self.buttons = []
            for index, text in enumerate(view.choices):
                button = QPushButton(f"{chr(ord('A') + index)}.  {text}", self)
                button.setProperty("choice_text", text)
                # No focus: Space and the arrow keys must stay the player's, not the buttons'.
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                button.setMinimumHeight(30)
                # A long choice must not widen the sidebar: it is elided, and whole in the tooltip.
                button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
                button.setToolTip(text)
                button.clicked.connect(lambda _=False, i=index: self.chosen.emit(i))
                self._choices.addWidget(button)
                self.buttons.append(button)
        for index, button in enumerate(self.buttons):
            button.setEnabled(not view.revealed)
            style = "text-align: left; padding: 6px 10px;"
            if view.revealed and index == view.correct:
                style += f" background: {CORRECT}; color: white; font-weight: bold;"
            elif view.revealed and index == view.chosen:
                style += f" background: {WRONG}; color: white;"
            button.setStyleSheet(style)
        if not view.revealed:
            self.verdict.setText("")
            self.explain.setText("")
            self.hint.setText("Choose an answer to see the step, or press → to reveal it.")
        else:
            right = view.choices[view.correct]
            if view.chosen is None:
                self.verdict.setText(f"The answer: {right}")
                self.verdict.setStyleSheet("")
            elif view.chosen == view.correct:
                self.verdict.setText("✔ Correct!")
                self.verdict.setStyleSheet(f"color: {CORRECT};")
            else:
                self.verdict.setText(f"✘ Not quite: the answer is {right}")
                self.verdict.setStyleSheet(f"color: {WRONG};")
            self.explain.setText(view.explain)
            self.hint.setText("Press → to play the step.")
        self.skip.setVisible(not view.revealed)
        self.show()


def paint_quiz_overlay(painter: QPainter, area: QRectF, view: QuizView, theme: Theme, k: float) -> None:
    """The question and choices, large enough for the back of a lecture hall, over the stage.

    Drawn in viewport pixels; ``k`` is the stage's overlay scale. Once revealed, the right
    choice is green and a wrong choice made in the sidebar is red.
    """
    painter.save()
    margin = 40 * k
    box = area.adjusted(margin, margin * 1.6, -margin, -margin * 1.6)
    painter.setPen(QPen(theme.color("panel_border"), 2 * k))
    fill = QColor(theme.color("panel_fill"))
    painter.setBrush(fill)
    painter.drawRoundedRect(box, 16 * k, 16 * k)
    inner = box.adjusted(28 * k, 22 * k, -28 * k, -22 * k)
    flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap)
    painter.setPen(theme.color("text"))
    painter.setFont(font(30 * k, bold=True))
    question = QFontMetricsF(painter.font()).boundingRect(inner, flags, view.question)
    painter.drawText(inner, flags, view.question)
    y = question.bottom() + 22 * k
    row = min(64 * k, max(34 * k, (inner.bottom() - y) / max(1, len(view.choices)) - 10 * k))
    for index, text in enumerate(view.choices):
        rect = QRectF(inner.left(), y, inner.width(), row)
        right = view.revealed and index == view.correct
        wrong = view.revealed and index == view.chosen and not right
        painter.setPen(QPen(theme.color("panel_border"), 1.5 * k))
        painter.setBrush(QColor(CORRECT) if right else QColor(WRONG) if wrong else theme.color("caption_fill"))
        painter.drawRoundedRect(rect, 10 * k, 10 * k)
        letter = QRectF(rect.left() + 10 * k, rect.top() + 6 * k, row - 12 * k, row - 12 * k)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("white") if right or wrong else theme.color("accent"))
        painter.drawEllipse(letter)
        painter.setPen(QColor(CORRECT if right else WRONG) if right or wrong else QColor("white"))
        painter.setFont(font(row * 0.42, bold=True))
        painter.drawText(letter, Qt.AlignmentFlag.AlignCenter, chr(ord("A") + index))
        painter.setPen(QColor("white") if right or wrong else theme.color("text"))
        painter.setFont(font(min(26 * k, row * 0.45), bold=right))
        label = QRectF(letter.right() + 16 * k, rect.top(), rect.width() - letter.width() - 40 * k, row)
        mark = "  ✔" if right else "  ✘" if wrong else ""
        painter.drawText(label, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), text + mark)
        y += row + 10 * k
        if y > inner.bottom():
            break
    if not view.revealed:
        painter.setPen(theme.color("muted"))
        painter.setFont(font(16 * k))
        painter.drawText(
            QRectF(inner.left(), inner.bottom() - 24 * k, inner.width(), 24 * k),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            "Next click reveals the answer",
        )
    painter.restore()
