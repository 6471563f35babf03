"""The audience's window while presenting: the stage alone, fullscreen on the projector.

It shares the main window's actions, so a clicker works whichever window has the focus, and it
never shows a menu, a dock or a dialog. Its stage belongs to the window's ``StageGroup``. A scene
with a TCP graph gets the graph beside the stage (``set_side``), never over it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeyEvent, QScreen
from PySide6.QtWidgets import QHBoxLayout, QWidget

from animator.render.theme import Theme
from animator.ui.stage.view import StageView


class AudienceWindow(QWidget):
    """The projector's picture: the stage alone, fullscreen on its own screen."""

    def __init__(self, theme: Theme, on_key: Callable[[QKeyEvent], None], on_close: Callable[[], None]) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.setWindowTitle("PacketStage — audience")
        self._on_key, self._on_close = on_key, on_close
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self.stage = StageView(self, theme)
        self.stage.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._layout.addWidget(self.stage, 2)
        #: What sits beside the stage (the TCP graph), or None.
        self.side: QWidget | None = None

    def set_side(self, widget: QWidget | None) -> None:
        """Put ``widget`` to the right of the stage, a third of the width (None: the stage alone)."""
        if self.side is not None:
            self._layout.removeWidget(self.side)
            self.side.deleteLater()
        self.side = widget
        if widget is not None:
            widget.setParent(self)
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self._layout.addWidget(widget, 1)
            widget.show()

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
