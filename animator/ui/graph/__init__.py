"""The TCP graph beside the stage, for scenes that teach flow and congestion control.

``TcpGraphDocks`` follows the player's state: a scene whose timeline has a graph
(``Timeline.tcp_graph()``, decided in the engine) brings the "TCP graph" dock forward; any other
scene hides it. The dock is a ``LazyDock``, so pyqtgraph is imported only when a scene with a graph
is first shown. While presenting, a second panel sits beside the audience's stage on the projector
(the window hands this controller the audience window's slot for it), so the hall sees the graph
without it covering any of the stage; the presenter keeps the dock in the main window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from animator.engine.frame import Frame
from animator.engine.tcp_graph import TcpGraph
from animator.player import Looks, PlayerState, SceneShown
from animator.render.theme import LIGHT, THEMES
from animator.ui.lazy import LazyDock

if TYPE_CHECKING:
    from animator.ui.graph.panel import TcpGraphPanel

#: Puts a widget beside the audience's stage (None takes it away).
SidePlace = Callable[["QWidget | None"], None]


class TcpGraphDocks(QObject):
    """The "TCP graph" dock (a child of ``parent``) and, while presenting, the projector's copy."""

    def __init__(self, parent: QWidget, state: PlayerState) -> None:
        super().__init__(parent)
        self.state = state
        self.graph: TcpGraph | None = None
        self.time = 0.0
        self.dock: LazyDock[TcpGraphPanel] = LazyDock("TCP graph", "tcp-graph", self._make_panel, parent)
        self.dock.toggleViewAction().setText("TCP &graph")
        self._audience_place: SidePlace | None = None
        self._audience_panel: TcpGraphPanel | None = None
        events = state.events
        events.scene.connect(self._scene)
        events.frame.connect(self.show_frame)
        events.looks.connect(self._looks)

    @property
    def panel(self) -> TcpGraphPanel:
        return self.dock.content()

    @property
    def audience_panel(self) -> TcpGraphPanel | None:
        """The projector's panel while presenting a scene with a graph."""
        return self._audience_panel

    def _new_panel(self, parent: QWidget | None) -> TcpGraphPanel:
        from animator.ui.graph.panel import TcpGraphPanel

        looks = self.state.looks
        panel = TcpGraphPanel(parent, THEMES.get(looks.theme, LIGHT), looks.text_scale)
        panel.set_graph(self.graph)
        panel.show_time(self.time)
        return panel

    def _make_panel(self) -> TcpGraphPanel:
        return self._new_panel(self.dock)

    def _panels(self) -> list[TcpGraphPanel]:
        panels = [self.panel] if self.dock.built else []
        return panels + ([self._audience_panel] if self._audience_panel is not None else [])

    # -- following the player ---------------------------------------------------------
    def _scene(self, shown: SceneShown) -> None:
        self.graph = shown.timeline.tcp_graph()
        for panel in self._panels():
            panel.set_graph(self.graph)
        if self.graph is None:
            self.dock.hide()
        elif shown.fresh:
            self.dock.show()
            self.dock.raise_()
        self._place_audience()

    def show_frame(self, frame: Frame) -> None:
        self.time = frame.time
        if self.graph is None:
            return
        for panel in self._panels():
            panel.show_time(frame.time)

    def _looks(self, looks: Looks) -> None:
        theme = THEMES.get(looks.theme, LIGHT)
        for panel in self._panels():
            panel.set_looks(theme, looks.text_scale)

    # -- the projector ---------------------------------------------------------------
    def attach_audience(self, place: SidePlace | None) -> None:
        """Presenting began (``place`` puts a widget beside the audience's stage) or ended (None)."""
        if place is None and self._audience_place is not None and self._audience_panel is not None:
            self._audience_place(None)
        self._audience_place = place
        self._audience_panel = None
        self._place_audience()

    def _place_audience(self) -> None:
        place = self._audience_place
        if place is None:
            return
        if self.graph is None:
            if self._audience_panel is not None:
                place(None)
                self._audience_panel = None
            return
        if self._audience_panel is None:
            self._audience_panel = self._new_panel(None)
            place(self._audience_panel)
