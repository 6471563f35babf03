"""Remembering where a lecture was left, and offering to go back there without getting in the way.

Positions (scene index and pause point) are kept per deck and per scene file in QSettings,
written at every step so they survive a crash. The offer to resume is a banner in the
presenter's window, never a dialog: a modal question at the start of a talk would sit on
the projector, and with ``--present`` the audience window never shows it at all.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from animator.engine.deck_nav import Position
from animator.render.theme import font


def _key(path: Path) -> str:
    """A settings key for a file, readable in the settings file. QSettings treats '/' and '\\'
    in keys as groups, so they become '|' (no hashing: hashlib costs milliseconds at start-up)."""
    return str(path).replace("/", "|").replace("\\", "|")


class ResumeStore:
    """Positions and quiz answers per file, in the app's QSettings."""

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def position(self, path: Path) -> Position | None:
        value = self.settings.value(f"resume/{_key(path)}")
        try:
            scene, step = (int(v) for v in str(value).split(":"))
        except (TypeError, ValueError):
            return None  # never saved, or damaged: start at the beginning
        return Position(scene, step) if scene >= 0 and step >= 0 else None

    def save_position(self, path: Path, position: Position) -> None:
        key, value = f"resume/{_key(path)}", f"{position.scene}:{position.step}"
        if self.settings.value(key) == value:
            return  # unchanged (a scene opened at the place it was left): no write, no 15 ms sync at start-up
        self.settings.setValue(key, value)
        self.settings.sync()  # on disk now: a crash mid-lecture must not lose the place

    def answers(self, path: Path) -> dict[int, int | None]:
        """A scene's quiz answers: step number → choice index (None: revealed without a choice).

        Stored as ``"4=1;8=-"`` (step 4: choice 1; step 8: revealed unanswered); a damaged
        value counts as no answers at all.
        """
        text = str(self.settings.value(f"quiz/{_key(path)}", "") or "")
        answers: dict[int, int | None] = {}
        for item in filter(None, text.split(";")):
            step, _, choice = item.partition("=")
            try:
                answers[int(step)] = None if choice == "-" else int(choice)
            except ValueError:
                return {}
        return answers

    def save_answers(self, path: Path, answers: dict[int, int | None]) -> None:
        text = ";".join(f"{step}={'-' if choice is None else choice}" for step, choice in sorted(answers.items()))
        self.settings.setValue(f"quiz/{_key(path)}", text)
        self.settings.sync()


class ResumeBanner(QFrame):
    """ "Resume at 'HTTP GET', step 5?  [Resume] [Start over]", above the stage."""

    resume = Signal()
    start_over = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resumeBanner")
        self.setStyleSheet(
            "#resumeBanner { background:#e0ecff; border-bottom:2px solid #2563eb; }"
            " QLabel { color:#0f2a5c; } QPushButton { padding:4px 14px; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        self.label = QLabel(self)
        self.label.setFont(font(14))
        layout.addWidget(self.label, 1)
        self.resume_button = QPushButton("Resume", self)
        self.start_button = QPushButton("Start over", self)
        for button in (self.resume_button, self.start_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay the player's
            layout.addWidget(button)
        self.resume_button.clicked.connect(self.resume)
        self.start_button.clicked.connect(self.start_over)
        self.offered: Position | None = None
        self.hide()

    def offer(self, title: str, position: Position) -> None:
        self.offered = position
        self.label.setText(f"Resume at ‘{title}’, step {position.step}?")
        self.show()

    def withdraw(self) -> None:
        self.offered = None
        self.hide()
