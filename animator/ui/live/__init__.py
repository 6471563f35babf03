"""The live view: capture on an interface and watch hosts and packets appear; File → Import capture
and the Live menu.

``install_capture_menus`` only adds the menu entries: the dialogs (``menu.py``), the live window
(``window.py``) and the capture modules are imported when an entry is chosen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar

from animator.player import PlayerState

if TYPE_CHECKING:
    from animator.ui.services import Services


def install_capture_menus(services: Services, state: PlayerState, file_menu: QMenu, bar: QMenuBar, before: QMenu) -> None:
    """File → Import capture… (Ctrl+I, above the separator before Quit) and a Live menu in ``bar``
    before ``before`` (Help)."""

    def import_capture() -> None:
        from animator.ui.live.menu import import_capture_dialog

        import_capture_dialog(services, state)

    def start_capture() -> None:
        from animator.ui.live.menu import open_live_window

        open_live_window(services)

    action = services.add_action("&Import capture…", [QKeySequence("Ctrl+I")], import_capture)
    separators = [a for a in file_menu.actions() if a.isSeparator()]
    if separators:
        file_menu.insertAction(separators[-1], action)
    else:
        file_menu.addAction(action)
    live = QMenu("&Live", bar)
    bar.insertMenu(before.menuAction(), live)
    live.addAction("&Start capture on interface…").triggered.connect(start_capture)
