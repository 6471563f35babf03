"""Panels built on first use: a dock's title and tab exist from the start, its content when it is shown.

Start-up pays for every Qt class a window touches and every module it imports (PySide6 makes each
class and enum on first use), so the first frame should build what it shows and nothing else.
A ``LazyDock`` takes its place in the window's layout at once (the tab reads "Inspector") with
an empty placeholder, and calls its factory the first time the dock becomes visible or someone
asks for ``content()``. The controller behind it keeps what the panel should show (from the
player's state) and hands it over in the factory, so nothing is lost before the panel exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtWidgets import QDockWidget, QWidget

W = TypeVar("W", bound=QWidget)


class LazyDock(QDockWidget, Generic[W]):
    """A dock whose widget ``factory()`` makes the first time the dock is shown or asked for."""

    def __init__(self, title: str, name: str, factory: Callable[[], W], parent: QWidget) -> None:
        super().__init__(title, parent)
        self.setObjectName(name)  # saveState/restoreState key
        self._factory: Callable[[], W] | None = factory
        self._content: W | None = None
        self.setWidget(QWidget(self))  # a placeholder: nothing to lay out until the panel is wanted
        self.visibilityChanged.connect(self._visibility_changed)

    @property
    def built(self) -> bool:
        return self._content is not None

    def content(self) -> W:
        """The panel, built now if it was not yet."""
        if self._content is None:
            assert self._factory is not None, "the panel's factory is running (it asked for its own content)"
            factory, self._factory = self._factory, None
            try:
                self._content = factory()
            finally:
                if self._content is None:
                    self._factory = factory  # it failed: try again next time
            self.setWidget(self._content)
        return self._content

    def _visibility_changed(self, visible: bool) -> None:
        if visible and self._content is None:
            self.content()
