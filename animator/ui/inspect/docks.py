"""The three inspection docks (Inspector, Sequence, Device tables) and how they follow the player.

The window places the docks (``docks``) and puts them in the View menu; everything else they
learn from the player's state. One selected packet is shared by everything
(``PlayerState.selected``): clicking a chip on the stage or an arrow in the ladder selects it,
the stage and the ladder outline it, and the inspector follows it as time moves (asking the
timeline what the packet looks like at that moment, where the timeline can say).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDockWidget, QWidget

from animator.engine.frame import Frame
from animator.engine.sequence import message_tracks
from animator.engine.timeline import Timeline
from animator.player import Looks, PlayerState, SceneShown
from animator.render.theme import LIGHT, PALETTES, STANDARD, THEMES
from animator.ui.inspect.inspector import NOT_NOW, Inspector, SceneNames
from animator.ui.inspect.ladder import LadderPanel
from animator.ui.inspect.tables import TablesPanel
from animator.ui.playback.clock import PlayerClock
from animator.ui.stage.group import StageGroup


class InspectionDocks(QObject):
    """Builds the docks (children of ``parent``) and keeps them in step with the player's state."""

    def __init__(self, parent: QWidget, state: PlayerState, stages: StageGroup, clock: PlayerClock) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.state = state
        self.timeline: Timeline | None = None
        self.time = 0.0
        self._labels: dict[str, str] = {}
        theme = THEMES.get(state.looks.theme, LIGHT)
        self.inspector = Inspector(parent, theme)
        self.ladder = LadderPanel(parent, theme)
        self.tables = TablesPanel(parent, theme)
        self.inspector_dock = self._dock("Inspector", "inspector", self.inspector)
        self.sequence_dock = self._dock("Sequence", "sequence", self.ladder)
        self.tables_dock = self._dock("Device tables", "device-tables", self.tables)
        self.ladder.set_palette(PALETTES.get(state.looks.palette, STANDARD))
        self._looks_shown = state.looks

        stages.packet_clicked.connect(state.select)
        stages.node_clicked.connect(self.select_node)
        self.ladder.packetSelected.connect(state.select)
        self.ladder.seekRequested.connect(clock.seek)
        events = state.events
        events.scene.connect(self._scene)
        events.frame.connect(self.show_frame)
        events.selection.connect(self._selection)
        events.looks.connect(self._looks)

    @property
    def docks(self) -> tuple[QDockWidget, ...]:
        return (self.sequence_dock, self.inspector_dock, self.tables_dock)

    @property
    def selected(self) -> str | None:
        return self.state.selected

    def _dock(self, title: str, name: str, widget: Any) -> QDockWidget:
        dock = QDockWidget(title, self.parent_widget)
        dock.setObjectName(name)  # saveState/restoreState key
        dock.setWidget(widget)
        return dock

    # -- following the player ---------------------------------------------------------
    def _scene(self, shown: SceneShown) -> None:
        self.set_timeline(shown.timeline)

    def set_timeline(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self._labels = {track.id: track.label for track in message_tracks(timeline)}
        self.inspector.set_names(SceneNames.of(timeline))
        self.ladder.view.set_timeline(timeline)
        self.tables.set_timeline(timeline)
        if self.state.selected not in self._labels:
            self.state.select(None)

    def show_frame(self, frame: Frame) -> None:
        self.time = frame.time
        self.ladder.view.set_time(frame.time)
        self.tables.show_frame(frame)
        self._follow()

    def _looks(self, looks: Looks) -> None:
        if looks.theme != self._looks_shown.theme:
            theme = THEMES.get(looks.theme, LIGHT)
            self.inspector.set_theme(theme)
            self.ladder.set_theme(theme)
            self.tables.set_theme(theme)
        if looks.palette != self._looks_shown.palette:
            self.ladder.set_palette(PALETTES.get(looks.palette, STANDARD))  # the ladder's arrows match the chips
        self._looks_shown = looks

    # -- selection --------------------------------------------------------------------
    def select_packet(self, packet_id: str | None) -> None:
        """Make ``packet_id`` the packet everything follows (None clears the selection)."""
        self.state.select(packet_id)

    def _selection(self, packet_id: str | None) -> None:
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
        selected = self.state.selected
        if selected is None or self.timeline is None:
            return
        detail = self.timeline.packet_detail(selected, self.time)
        if detail is not None:
            self.inspector.show_detail(detail)
        else:
            label = self._labels.get(selected, selected)
            self.inspector.show_label(label, NOT_NOW)
