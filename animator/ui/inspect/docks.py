"""The three inspection docks (Inspector, Sequence, Device tables) and how they follow the player.

The window places the docks (``docks``) and puts them in the View menu; everything else they
learn from the player's state. One selected packet is shared by everything
(``PlayerState.selected``): clicking a chip on the stage or an arrow in the ladder selects it,
the stage and the ladder outline it, and the inspector follows it as time moves (asking the
timeline what the packet looks like at that moment, where the timeline can say).

Each panel is built the first time its dock is shown (``animator.ui.lazy.LazyDock``): at
start-up they are tabs behind the speaker notes, and the inspector alone pulls in the packet
dissector. Until then this controller keeps what they would show and hands it over when built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDockWidget, QMessageBox, QWidget

from animator.engine.frame import Frame
from animator.engine.timeline import Timeline
from animator.player import Looks, PlayerState, SceneShown
from animator.render.theme import LIGHT, PALETTES, STANDARD, THEMES, Theme
from animator.ui.lazy import LazyDock
from animator.ui.playback.clock import PlayerClock
from animator.ui.stage.group import StageGroup

if TYPE_CHECKING:
    from animator.ui.inspect.inspector import Inspector
    from animator.ui.inspect.ladder import LadderPanel
    from animator.ui.inspect.tables import TablesPanel


class InspectionDocks(QObject):
    """Makes the docks (children of ``parent``) and keeps their panels in step with the player's state."""

    def __init__(
        self,
        parent: QWidget,
        state: PlayerState,
        stages: StageGroup,
        clock: PlayerClock,
        show_status: Callable[[str, int], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = parent
        self.show_status = show_status
        self.state = state
        self.clock = clock
        self.timeline: Timeline | None = None
        self.time = 0.0
        self.frame: Frame | None = None
        #: The device whose tables are shown (a click on it), or None.
        self.node: str | None = None
        self._labels: dict[str, str] | None = None
        self._looks_shown = state.looks
        self.inspector_dock: LazyDock[Inspector] = LazyDock("Inspector", "inspector", self._make_inspector, parent)
        self.sequence_dock: LazyDock[LadderPanel] = LazyDock("Sequence", "sequence", self._make_ladder, parent)
        self.tables_dock: LazyDock[TablesPanel] = LazyDock("Device tables", "device-tables", self._make_tables, parent)

        stages.packet_clicked.connect(state.select)
        stages.node_clicked.connect(self.select_node)
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

    # -- the panels, built on first use --------------------------------------------------
    @property
    def inspector(self) -> Inspector:
        return self.inspector_dock.content()

    @property
    def ladder(self) -> LadderPanel:
        return self.sequence_dock.content()

    @property
    def tables(self) -> TablesPanel:
        return self.tables_dock.content()

    def _theme(self) -> Theme:
        return THEMES.get(self._looks_shown.theme, LIGHT)

    def _make_inspector(self) -> Inspector:
        from animator.ui.inspect.inspector import Inspector, SceneNames

        inspector = Inspector(self.inspector_dock, self._theme())
        if self.timeline is not None:
            inspector.set_names(SceneNames.of(self.timeline))
        self.inspector_dock.setWidget(inspector)  # before following: the inspector lays itself out in the dock
        inspector.captureRequested.connect(self.open_capture)
        self._follow(inspector)
        return inspector

    def _make_ladder(self) -> LadderPanel:
        from animator.ui.inspect.ladder import LadderPanel

        ladder = LadderPanel(self.sequence_dock, self._theme())
        ladder.set_palette(PALETTES.get(self._looks_shown.palette, STANDARD))
        ladder.packetSelected.connect(self.state.select)
        ladder.seekRequested.connect(self.clock.seek)
        if self.timeline is not None:
            ladder.view.set_timeline(self.timeline)
            ladder.view.set_time(self.time)
        ladder.view.set_selected(self.state.selected)
        return ladder

    def _make_tables(self) -> TablesPanel:
        from animator.ui.inspect.tables import TablesPanel

        tables = TablesPanel(self.tables_dock, self._theme())
        if self.timeline is not None:
            tables.set_timeline(self.timeline)
        if self.frame is not None:
            tables.show_frame(self.frame)
        if self.node is not None:
            tables.set_node(self.node)
        return tables

    # -- following the player ---------------------------------------------------------
    def _scene(self, shown: SceneShown) -> None:
        self.set_timeline(shown.timeline)

    def set_timeline(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self._labels = None
        if self.inspector_dock.built:
            from animator.ui.inspect.inspector import SceneNames

            self.inspector.set_names(SceneNames.of(timeline))
        if self.sequence_dock.built:
            self.ladder.view.set_timeline(timeline)
        if self.tables_dock.built:
            self.tables.set_timeline(timeline)
        if self.state.selected is not None and self.state.selected not in self.labels():
            self.state.select(None)

    def labels(self) -> dict[str, str]:
        """Each message's label by packet id (worked out when first needed: a selection)."""
        if self._labels is None:
            from animator.engine.sequence import message_tracks

            self._labels = {track.id: track.label for track in message_tracks(self.timeline)} if self.timeline else {}
        return self._labels

    def show_frame(self, frame: Frame) -> None:
        self.time, self.frame = frame.time, frame
        if self.sequence_dock.built:
            self.ladder.view.set_time(frame.time)
        if self.tables_dock.built:
            self.tables.show_frame(frame)
        if self.inspector_dock.built:
            self._follow(self.inspector)

    def _looks(self, looks: Looks) -> None:
        shown, self._looks_shown = self._looks_shown, looks
        if looks.theme != shown.theme:
            theme = THEMES.get(looks.theme, LIGHT)
            for dock in self.docks:
                if isinstance(dock, LazyDock) and dock.built:
                    dock.content().set_theme(theme)
        if looks.palette != shown.palette and self.sequence_dock.built:
            self.ladder.set_palette(PALETTES.get(looks.palette, STANDARD))  # the ladder's arrows match the chips

    # -- selection --------------------------------------------------------------------
    def select_packet(self, packet_id: str | None) -> None:
        """Make ``packet_id`` the packet everything follows (None clears the selection)."""
        self.state.select(packet_id)

    def _selection(self, packet_id: str | None) -> None:
        if self.sequence_dock.built:
            self.ladder.view.set_selected(packet_id)
        if packet_id is None:
            if self.inspector_dock.built:
                self.inspector.clear()
            return
        self.inspector_dock.raise_()
        self._follow(self.inspector)

    def select_node(self, node: str) -> None:
        self.node = node
        self.tables.set_node(node)
        self.tables_dock.raise_()

    def _follow(self, inspector: Inspector) -> None:
        selected = self.state.selected
        if selected is None or self.timeline is None:
            return
        from animator.ui.inspect.inspector import NOT_NOW

        detail = self.timeline.packet_detail(selected, self.time)
        if detail is not None:
            inspector.show_detail(detail)
        else:
            inspector.show_label(self.labels().get(selected, selected), NOT_NOW)

    # -- Wireshark ----------------------------------------------------------------------
    def open_capture(self) -> None:
        """Open the selected packet's wire in Wireshark (``animator.ui.inspect.wireshark``)."""
        selected, timeline = self.state.selected, self.timeline
        if selected is None or timeline is None:
            return
        link = timeline.packet_link(selected, self.time)
        if link is None:
            return
        from animator.export.base import ExportError
        from animator.ui.inspect.wireshark import open_link_capture

        try:
            message = open_link_capture(timeline, link, self.state.path)
        except (OSError, ExportError, ValueError) as exc:
            QMessageBox.warning(self.window, "Open in Wireshark", f"Could not write the capture of link {link}: {exc}")
            return
        if self.show_status is not None:
            self.show_status(message, 10_000)
