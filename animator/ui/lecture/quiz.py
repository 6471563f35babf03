"""The sidebar's question: one button per choice (text that wraps), the verdict and the explanation.

Nothing here opens a dialog: a question is part of the sidebar and, while presenting, of the
audience stage (``animator.render.quiz_card`` paints that card), so a lecture never stops on a
modal window. Both read the same ``QuizView``.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QKeyEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QAbstractButton, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from animator.render.quiz_card import (
    CORRECT,
    ON_VERDICT,
    WRONG,
    QuizView,
    choice_key,
    choice_key_label,
    keys_range,
    letter,
    wrap_lines,
)
from animator.render.theme import font

__all__ = ["ChoiceButton", "QuizPanel", "QuizView", "choice_key"]


class ChoiceButton(QAbstractButton):
    """One choice in the sidebar: a button whose text wraps instead of being cut mid-word.

    A ``QPushButton`` never wraps, so a long choice in a narrow sidebar was elided ("64: neither
    device tou"). This paints its own frame and lays the text out in lines for whatever width
    the sidebar gives it, and reports the height that needs (height-for-width). It takes focus
    from Tab (not from a click, so the stage keeps the clicker keys) and Enter picks it; screen
    readers get the whole choice as its accessible name.
    """

    PAD_X = 10
    PAD_Y = 7
    GAP = 10

    def __init__(self, index: int, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.choice_text = text
        #: "plain", or once revealed "right" (green) or "wrong" (the wrong choice made, red).
        self.state = "plain"
        self.key_label = choice_key_label(index)
        self.setText(f"{letter(index)}.  {text}")
        self.setAccessibleName(text)
        self.setAccessibleDescription(f"Answer {letter(index)}" + (f" ({self.key_label})" if self.key_label else ""))
        self.setToolTip(f"Answer {letter(index)}" + (f" — {self.key_label}" if self.key_label else ""))
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_Hover)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def set_state(self, state: str) -> None:
        self.state = state
        self.update()

    # -- layout -------------------------------------------------------------------------
    def _key_font(self) -> QFont:
        """The key label, a little smaller than the choice: it is a reminder, not the content."""
        f = QFont(self.font())
        if f.pixelSize() > 0:
            f.setPixelSize(max(9, round(f.pixelSize() * 0.85)))
        else:
            f.setPointSizeF(max(7.0, f.pointSizeF() * 0.85))
        return f

    def _text_width(self, width: int) -> float:
        key = QFontMetricsF(self._key_font()).horizontalAdvance(self.key_label) + self.GAP if self.key_label else 0.0
        return max(20.0, width - 2 * self.PAD_X - key)

    def lines(self, width: int | None = None) -> tuple[str, ...]:
        """The text as painted at ``width`` (default: the current width), one string per line.

        Measured in bold, as the right answer is drawn: the lines (and the button's height) stay
        the same when the answer is revealed, and bold text never runs into the key label.
        """
        bold = QFont(self.font())
        bold.setBold(True)
        return wrap_lines(self.text(), bold, self._text_width(self.width() if width is None else width))

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        spacing = QFontMetricsF(self.font()).lineSpacing()
        return math.ceil(len(self.lines(width)) * spacing + 2 * self.PAD_Y)

    def sizeHint(self) -> QSize:  # noqa: N802
        # Wide enough for a few words, never for the whole text: the sidebar's width decides.
        width = 240
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        # One line: the layout asks heightForWidth for the real height at the width it gives.
        return QSize(80, math.ceil(QFontMetricsF(self.font()).lineSpacing() + 2 * self.PAD_Y))

    # -- input and painting -------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Enter picks the focused choice (Space is the player's play/pause everywhere)."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.isEnabled():
            self.click()
            event.accept()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        frame = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        if self.state in ("right", "wrong"):
            fill = QColor(CORRECT if self.state == "right" else WRONG)
            ink = QColor(ON_VERDICT)
        else:
            fill = palette.color(QPalette.ColorRole.Button)
            if self.isDown():
                fill = fill.darker(115)
            elif self.underMouse() and self.isEnabled():
                fill = fill.lighter(108) if fill.lightness() < 128 else fill.darker(104)
            ink = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.ButtonText)
        border = palette.color(QPalette.ColorRole.Highlight) if self.hasFocus() else palette.color(QPalette.ColorRole.Mid)
        painter.setPen(QPen(border, 2.0 if self.hasFocus() else 1.0))
        painter.setBrush(fill)
        painter.drawRoundedRect(frame, 5, 5)
        metrics = QFontMetricsF(self.font())
        painter.setPen(ink)
        f = QFont(self.font())
        f.setBold(self.state == "right")
        painter.setFont(f)
        y = self.PAD_Y + metrics.ascent()
        for line in self.lines():
            painter.drawText(QPointF(self.PAD_X, y), line)
            y += metrics.lineSpacing()
        if self.key_label:
            painter.setFont(self._key_font())
            key_metrics = QFontMetricsF(painter.font())
            x = self.width() - self.PAD_X - key_metrics.horizontalAdvance(self.key_label)
            painter.drawText(QPointF(x, self.PAD_Y + metrics.ascent()), self.key_label)
        painter.end()


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
        self.buttons: list[ChoiceButton] = []
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
        if [b.choice_text for b in self.buttons] != list(view.choices):
            for button in self.buttons:
                self._choices.removeWidget(button)
                button.deleteLater()
            self.buttons = []
            for index, text in enumerate(view.choices):
                button = ChoiceButton(index, text, self)
                button.setFont(font(14))
                button.clicked.connect(lambda _=False, i=index: self.chosen.emit(i))
                self._choices.addWidget(button)
                self.buttons.append(button)
        for index, button in enumerate(self.buttons):
            button.setEnabled(not view.revealed)
            right = view.revealed and index == view.correct
            wrong = view.revealed and index == view.chosen and not right
            button.set_state("right" if right else "wrong" if wrong else "plain")
        # Empty labels are hidden, so they leave no gap between the choices and the button below.
        self.verdict.setVisible(view.revealed)
        self.explain.setVisible(view.revealed and bool(view.explain.strip()))
        if not view.revealed:
            self.verdict.setText("")
            self.verdict.setStyleSheet("")
            self.explain.setText("")
            self.hint.setText(f"Choose an answer ({keys_range(len(view.choices))}) to see the step, or press → to reveal it.")
        else:
            self.verdict.setText(view.verdict(spelled_out=True))
            # White on the verdict colour reads in every theme; green text on a dark sidebar would not.
            fill = CORRECT if view.chosen is None or view.chosen == view.correct else WRONG
            self.verdict.setStyleSheet(f"background: {fill}; color: {ON_VERDICT}; padding: 4px 8px; border-radius: 4px;")
            self.explain.setText(view.explain)
            self.hint.setText("Press → to play the step.")
        self.skip.setVisible(not view.revealed)
        self.show()
