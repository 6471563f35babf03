"""Present → Share with the class: the class server (``animator.classroom``) started from the app.

``install_classroom`` adds the Present menu; the controller (``share.py``), the presenter's panel
with the live answer chart (``panel.py``) and the projector's join screen (``join_screen.py``) are
imported when sharing first begins, so start-up pays nothing for them (nor for aiohttp).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMenu, QMenuBar

if TYPE_CHECKING:
    from animator.ui.classroom.share import ClassroomHost, ClassroomShare


class ClassroomMenu:
    """The Present menu's entries; the controller behind them is built on first use."""

    def __init__(self, host: ClassroomHost, bar: QMenuBar, before: QMenu) -> None:
        self.host = host
        self._share: ClassroomShare | None = None
        menu = QMenu("P&resent", bar)
        bar.insertMenu(before.menuAction(), menu)
        self.share_action = menu.addAction("Share with the &class…")
        self.share_action.setCheckable(True)
        self.share_action.setToolTip("Students follow on their phones and answer the quizzes live")
        self.share_action.triggered.connect(self.toggle)
        self.join_action = menu.addAction("Show the &join code on the projector")
        self.join_action.setCheckable(True)
        self.join_action.setEnabled(False)
        self.join_action.triggered.connect(lambda on: self.share.show_join_screen(bool(on)))
        self.menu = menu

    @property
    def share(self) -> ClassroomShare:
        if self._share is None:
            from animator.ui.classroom.share import ClassroomShare

            self._share = ClassroomShare(self.host, self)
        return self._share

    def toggle(self, on: bool) -> None:
        if on:
            self.share.start()
        elif self._share is not None:
            self._share.stop()

    def sharing_changed(self, sharing: bool) -> None:
        """The controller started or stopped: the menu says so."""
        self.share_action.setChecked(sharing)
        self.join_action.setEnabled(sharing)
        if not sharing:
            self.join_action.setChecked(False)


def install_classroom(host: ClassroomHost, bar: QMenuBar, before: QMenu) -> ClassroomMenu:
    """A Present menu in ``bar`` before ``before`` (Help): share with the class, the join screen."""
    return ClassroomMenu(host, bar, before)
