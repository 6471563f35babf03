"""The presenter's panel: where the talk is, what comes next, the time since presenting began.

While presenting, the main window becomes the presenter view: its own stage, the speaker notes,
the step list, and this panel. It follows the player's state (``animator.player``): the step
shown, the question on screen; nobody else writes into its labels.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from animator.render.quiz_view import QuizView
from animator.render.theme import font


class PresenterPanel(QWidget):
    """Where the talk is: the next step's caption and the time since presenting began."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        self.clock_label = QLabel("0:00", self)
        self.clock_label.setFont(font(28, bold=True, mono=True))
        self.clock_label.setToolTip("Time since presenting began")
        layout.addWidget(self.clock_label)
        self.position_label = QLabel(self)
        self.position_label.setWordWrap(True)
        self.position_label.setFont(font(13, bold=True))
        layout.addWidget(self.position_label)
        self.question_label = QLabel(self)
        self.question_label.setWordWrap(True)
        self.question_label.setFont(font(13, bold=True))
        self.question_label.setStyleSheet("color:#b45309;")
        self.question_label.hide()
        layout.addWidget(self.question_label)
        heading = QLabel("Next", self)
        heading.setFont(font(12, bold=True))
        layout.addWidget(heading)
        self.next_label = QLabel(self)
        self.next_label.setWordWrap(True)
        self.next_label.setFont(font(15))
        layout.addWidget(self.next_label)
        layout.addStretch(1)
        self._elapsed = QElapsedTimer()
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.refresh_clock)

    def set_presenting(self, presenting: bool) -> None:
        """Presenting began (the clock starts at 0:00) or ended."""
        if presenting:
            self.start()
        else:
            self.stop()

    def start(self) -> None:
        self._elapsed.start()
        self.refresh_clock()
        self._tick.start()

    def stop(self) -> None:
        self._tick.stop()

    def refresh_clock(self) -> None:
        minutes, seconds = divmod(int(self._elapsed.elapsed() / 1000) if self._elapsed.isValid() else 0, 60)
        self.clock_label.setText(f"{minutes}:{seconds:02d}")

    def show_cue(self, position: str, following: str) -> None:
        """Where the talk is and what the next click shows (the lecture works both out)."""
        self.show_position(position)
        self.next_label.setText(following)

    def show_position(self, text: str) -> None:
        """Where the talk is in the lecture: 'Scene 2 of 3 · HTTP GET · step 4 of 10'."""
        self.position_label.setText(text)

    def show_question(self, view: QuizView | None) -> None:
        """While a question is on the projector, what the next click will do."""
        if view is None:
            self.question_label.hide()
            return
        answer = view.choices[view.correct]
        self.question_label.setText(
            f"Question on screen. Next click plays the step (answer: {answer})."
            if view.revealed
            else f"Question on screen. Next click reveals the answer: {answer}."
        )
        self.question_label.show()
