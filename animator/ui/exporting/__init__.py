"""File → Export: a dialog per format of ``animator.export.registry`` and a cancellable progress dialog.

``install_export_menu`` only makes the submenu: its entries are listed the first time the File
menu opens, and the dialog (``dialog.py``) and the exporters are imported when one is chosen, so
start-up pays for none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMenu

from animator.player import PlayerState

if TYPE_CHECKING:
    from animator.export.base import Exporter
    from animator.ui.services import Services

#: The deck open now (its file), or None: asked when the menu is used, since decks come and go.
DeckPath = Callable[[], "Path | None"]


def install_export_menu(services: Services, state: PlayerState, file_menu: QMenu, deck_path: DeckPath) -> QMenu:
    """File → Export ▸, above the separator before Quit, with one entry per format (listed when
    the File menu first opens) and enabled while a scene is open."""
    menu = QMenu("&Export", file_menu)

    def choose(fmt: Exporter) -> None:
        from animator.ui.exporting.dialog import export_dialog

        export_dialog(services, state, fmt, deck_path())

    def fill() -> None:
        menu.setEnabled(state.timeline is not None)
        if menu.actions():
            return
        from animator.export.registry import exporters

        for fmt in exporters():
            action = menu.addAction(fmt.label)
            action.setToolTip(fmt.help)
            action.triggered.connect(lambda _=False, f=fmt: choose(f))

    separators = [a for a in file_menu.actions() if a.isSeparator()]
    if separators:
        file_menu.insertMenu(separators[-1], menu)
    else:
        file_menu.addMenu(menu)
    menu.setEnabled(False)
    file_menu.aboutToShow.connect(fill)
    return menu
