"""Presenting with two screens: the audience sees only the stage; the lecturer sees what's next.

The audience window is a bare, fullscreen StageView on the projector. It shares the main
window's actions, so a clicker works whichever window has the focus, and it never shows a
menu, a dock or a dialog. The main window becomes the presenter view: its own stage, the
speaker notes, the step list, and this panel with the next step and the elapsed time.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeyEvent, QScreen
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from animator.render.theme import Theme, font
from animator.ui.quiz import QuizView
from animator.ui.stage import StageView


class AudienceWindow(QWidget):
    """The projector's picture: the stage alone, fullscreen on its own screen."""

    def __init__(self, theme: Theme, on_key: Callable[[QKeyEvent], None], on_close: Callable[[], None]) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.setWindowTitle("PacketStage — audience")
        self._on_key, self._on_close = on_key, on_close
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stage = StageView(self, theme)
        self.stage.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(self.stage)

    def show_on(self, screen: QScreen) -> None:
        self.setScreen(screen)
        self.setGeometry(screen.geometry())
        self.showFullScreen()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        # Typed step numbers are handled by the presenter window, whichever window has focus.
        self._on_key(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._on_close()
        super().closeEvent(event)


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

    def start(self) -> None:
        self._elapsed.start()
        self.refresh_clock()
        self._tick.start()

    def stop(self) -> None:
        self._tick.stop()

    def refresh_clock(self) -> None:
        minutes, seconds = divmod(int(self._elapsed.elapsed() / 1000) if self._elapsed.isValid() else 0, 60)
        self.clock_label.setText(f"{minutes}:{seconds:02d}")

    def show_next(self, number: int | None, caption: str) -> None:
        self.next_label.setText(f"{number}. {caption}" if number is not None else "(end of the scene)")

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


#: The keyboard help, as rows of (keys, what they do); shown by F1 without a dialog.
KEY_HELP: tuple[tuple[str, str], ...] = (
    ("Space", "play / pause"),
    ("Right, PageDown", "next step (finish it if playing)"),
    ("Left, PageUp", "previous pause point"),
    ("Home / End", "start / end"),
    ("] / [", "next / previous chapter"),
    ("Ctrl+PageDown / Ctrl+PageUp", "next / previous scene of a deck"),
    ("V / R", "play this step backwards / replay it"),
    ("+ / −", "faster / slower"),
    ("number, Enter", "play that step"),
    ("D / L / E", "pen / laser pointer / erase the drawing"),
    ("wheel, pinch, Ctrl+= / Ctrl+−", "zoom around the pointer / in / out"),
    ("Ctrl+0", "fit the whole scene again"),
    ("drag, Shift+arrows", "pan when zoomed in"),
    ("Shift+F", "follow the packet"),
    ("F / Esc", "fullscreen / back out of one thing"),
    ("B or .", "blank the audience screen"),
    ("Ctrl+1 … Ctrl+9", "answer the question on screen (choice A, B, …)"),
    ("Ctrl+P, F5 / P", "present / swap views (one screen)"),
    ("Ctrl+O, Ctrl+R", "open / reload"),
    ("F1", "show or hide this help"),
)


class KeyHelpOverlay(QLabel):
    """Keyboard help drawn over the presenter's own window: never a dialog, which could
    steal the focus from the clicker or pop up on the projector mid-talk."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        cell = "<td style='padding:2px 18px 2px 0'>"
        rows = "".join(f"<tr>{cell}<b>{keys}</b></td><td>{what}</td></tr>" for keys, what in KEY_HELP)
        self.setText(f"<h3 style='margin:0 0 8px 0'>Keyboard</h3><table>{rows}</table><p><i>F1 or Esc closes this.</i></p>")
        self.setFont(font(15))
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setStyleSheet("QLabel { background: rgba(15, 23, 42, 232); color: white; border-radius: 12px; padding: 18px 22px; }")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, False)
        self.hide()

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            self.place()
            self.show()
            self.raise_()

    def place(self) -> None:
        """Centred over the parent, at its natural size (never larger than the parent)."""
        parent = self.parentWidget()
        self.adjustSize()
        w, h = min(self.width(), parent.width() - 20), min(self.height(), parent.height() - 20)
        self.setGeometry((parent.width() - w) // 2, (parent.height() - h) // 2, w, h)

    def mousePressEvent(self, event: object) -> None:  # noqa: N802
        self.hide()
