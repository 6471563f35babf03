"""What a controller or panel may ask of the window it lives in: a narrow interface, not the window.

The lecture, the stage tools, the capture menus and the export dialog used to be handed the
``MainWindow`` and call its private methods (``_action``, ``_watch``, ``_remember_recent``,
``_show_errors``) and reach into its widgets. They now get ``Services``: the handful of things
only the window can do (a shortcut that works in every window of the player, a file watched
for edits, a banner, the status bar, a parent for dialogs). What they show, they learn from the
player's state (``animator.player.PlayerState``); what they change, they change there.

``MainWindow`` implements it; a test can implement it with a few lines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from animator.model.errors import SceneLoadError


class Services(Protocol):
    """The player window's services to the controllers and panels it hosts."""

    #: The player's settings (injectable, so tests never touch the user's).
    settings: QSettings

    def add_action(
        self,
        text: str,
        keys: Sequence[QKeySequence | QKeySequence.StandardKey | str],
        slot: Callable[..., object],
        menu: QMenu | None = None,
    ) -> QAction:
        """A command with shortcuts that work wherever the player has the focus (the audience's
        window too), added to ``menu`` if given."""
        ...

    def open_scene(self, path: str | Path, step: int | None = None, in_deck: bool = False) -> bool:
        """Load and show a scene or a deck; False after showing why not (the banner)."""
        ...

    def watch(self, path: Path, changed: Callable[[Path], None] | None = None) -> None:
        """Watch ``path`` for edits (and for coming back after a delete); ``changed(path)`` is called
        when it changes (default: the window reloads its scene)."""
        ...

    def remember_recent(self, path: Path) -> None:
        """Put ``path`` at the top of File → Open Recent."""
        ...

    def show_errors(self, exc: SceneLoadError, what: str = "scene") -> None:
        """Say in the banner why ``what`` could not be loaded (the last good scene stays on screen)."""
        ...

    def show_status(self, text: str, timeout_ms: int) -> None:
        """A passing message in the status bar."""
        ...

    def dialog_parent(self) -> QWidget:
        """The widget dialogs and message boxes belong to."""
        ...

    def keep_open(self, window: QWidget) -> None:
        """Hold a reference to a top-level ``window`` (a live view) while it is open."""
        ...
