"""The three inspection docks (Inspector, Sequence, Device tables) and how they follow the player.

Kept out of ``main_window`` so the window only has to create this, hand it each Frame, and
put its docks in the View menu. One selected packet is shared by everything: clicking a chip
on the stage or an arrow in the ladder selects it, the stage and the ladder outline it, and
the inspector follows it as time moves (asking the timeline what the packet looks like at
that moment, where the timeline can say).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow

from animator.engine.frame import Frame
from animator.engine.sequence import message_tracks
from animator.render.theme import Palette, Theme
from animator.ui.inspect.inspector import NOT_NOW, Inspector, SceneNames
from animator.ui.inspect.ladder import LadderPanel
from animator.ui.inspect.tables import TablesPanel
from animator.ui.stage.view import StageView


class InspectionDocks(QObject):
    """Builds the docks into ``window`` and keeps them in step with the stage and the clock."""

    def __init__(self, window: QMainWindow, stage: StageView, seek: Any, theme: Theme, beside: QDockWidget | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.stage = stage
        self.timeline: Any = None
        self.selected: str | None = None
        self.time = 0.0
        self._labels: dict[str, str] = {}
        self.inspector = Inspector(window, theme)
        self.ladder = LadderPanel(window, theme)
        self.tables = TablesPanel(window, theme)
        self.inspector_dock = self._dock("Inspector", "inspector", self.inspector)
        self.sequence_dock = self._dock("Sequence", "sequence", self.ladder)
        self.tables_dock = self._dock("Device tables", "device-tables", self.tables)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.sequence_dock)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.inspector_dock)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.tables_dock)
        # Tabbed with the notes (``beside``) rather than stacked under them: a 768-pixel-high
        # laptop screen has no room for a fourth pane, and a click on a packet or a device
        # brings its tab to the front anyway.
        if beside is not None:
            window.tabifyDockWidget(beside, self.inspector_dock)
        window.tabifyDockWidget(self.inspector_dock, self.tables_dock)
        (beside or self.inspector_dock).raise_()

        stage.packetClicked.connect(self.select_packet)
        stage.nodeClicked.connect(self.select_node)
        self.ladder.packetSelected.connect(self.select_packet)
        self.ladder.seekRequested.connect(seek)

    @property
    def docks(self) -> tuple[QDockWidget, ...]:
        return (self.sequence_dock, self.inspector_dock, self.tables_dock)

    def _dock(self, title: str, name: str, widget: Any) -> QDockWidget:
        dock = QDockWidget(title, self.window)
        dock.setObjectName(name)  # saveState/restoreState key
        dock.setWidget(widget)
        return dock

    # -- following the player ---------------------------------------------------------
    def set_timeline(self, timeline: Any) -> None:
        self.timeline = timeline
        self._labels = {track.id: track.label for track in message_tracks(timeline)}
        self.inspector.set_names(SceneNames.of(timeline))
        self.ladder.view.set_timeline(timeline)
        self.tables.set_timeline(timeline)
        if self.selected not in self._labels:
            self.select_packet(None)

    def show_frame(self, frame: Frame) -> None:
        self.time = frame.time
        self.ladder.view.set_time(frame.time)
        self.tables.show_frame(frame)
        self._follow()

    def set_theme(self, theme: Theme) -> None:
        self.inspector.set_theme(theme)
        self.ladder.set_theme(theme)
        self.tables.set_theme(theme)

    def set_palette(self, palette: Palette) -> None:
        self.ladder.set_palette(palette)

    # -- selection --------------------------------------------------------------------
    def select_packet(self, packet_id: str | None) -> None:
        """Make ``packet_id`` the packet everything follows (None clears the selection)."""
        self.selected = packet_id
        self.stage.set_selected_packet(packet_id)
        self.ladder.view.set_selected(packet_id)
        if packet_id is None:
            self.inspector.clear()
            return
        self.inspector_dock.raise_()
        self._follow()

    def select_node(self, node: str) -> None:
        self.tables.set_node(node)
        self.tables_dock.raise_()

    def _follow(self) -> None:
        if self.selected is None or self.timeline is None:
            return
        detail = self.timeline.packet_detail(self.selected, self.time)
        if detail is not None:
            self.inspector.show_detail(detail)
        else:
            label = self._labels.get(self.selected, self.selected)
            self.inspector.show_label(label, NOT_NOW)
