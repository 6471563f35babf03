"""F1: the keyboard help, drawn over the window (never a dialog, which could land on the projector)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from animator.render.theme import font

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
        if parent is None:
            return
        self.adjustSize()
        w, h = min(self.width(), parent.width() - 20), min(self.height(), parent.height() - 20)
        self.setGeometry((parent.width() - w) // 2, (parent.height() - h) // 2, w, h)

    def mousePressEvent(self, event: object) -> None:  # noqa: N802
        self.hide()
