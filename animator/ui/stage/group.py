"""The stages of one player: the presenter's, and while presenting the audience's, kept in step.

Every stage shows the player's state: the same scene, the same frame, the same traffic filter
and looks; the audience's stage mirrors the presenter's zoom and ink (it shares their models).
The group subscribes to the state once and fans each change out to its stages, so no one else
asks whether an audience window exists; clicks on any stage (a legend entry, a quiz choice, a
packet, a device) come out of the group's own signals.

What only one stage shows is the group's to decide too: the selected packet's outline is the
presenter's (the hall follows the scene, not the lecturer's inspection); a question is drawn
big on the stage the hall sees; a blank screen and a typed step number are the hall's and the
presenter's respectively.
"""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QObject, Signal

from animator.engine.frame import Frame
from animator.player import Looks, PlayerState, SceneShown
from animator.render.quiz_view import QuizView
from animator.render.theme import LIGHT, PALETTES, STANDARD, THEMES
from animator.ui.stage.view import StageView


class StageGroup(QObject):
    """The presenter's stage and, while presenting, the audience's, following one ``PlayerState``."""

    #: A legend entry was clicked on any stage: the protocol whose traffic to hide or show.
    legend_clicked = Signal(str)
    #: A choice on a stage's quiz card was clicked (its index).
    quiz_choice_clicked = Signal(int)
    #: A packet chip (its id) or a device (its node id) was clicked on the presenter's stage.
    packet_clicked = Signal(str)
    node_clicked = Signal(str)

    def __init__(self, state: PlayerState, presenter: StageView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.presenter = presenter
        #: The audience's stage while presenting, else None.
        self.audience: StageView | None = None
        self.quiz: QuizView | None = None
        self._quiz_on_stage = False
        self._connect(presenter)
        presenter.packetClicked.connect(self.packet_clicked)
        presenter.nodeClicked.connect(self.node_clicked)
        self._apply_looks(presenter, state.looks)
        presenter.set_hidden_traffic(state.hidden)
        events = state.events
        events.scene.connect(self._scene)
        events.frame.connect(self._frame)
        events.hidden.connect(self._hidden)
        events.looks.connect(self._looks)
        events.selection.connect(self._selection)

    def __iter__(self) -> Iterator[StageView]:
        yield self.presenter
        if self.audience is not None:
            yield self.audience

    @property
    def hall(self) -> StageView:
        """The stage the class sees: the audience's while presenting, else the presenter's own."""
        return self.audience if self.audience is not None else self.presenter

    # -- the audience's stage ---------------------------------------------------------------
    def add_audience(self, stage: StageView) -> None:
        """Presenting began: ``stage`` (in the audience's window) shows what the presenter's shows."""
        self.remove_audience()
        self.audience = stage
        self._connect(stage)
        self._apply_looks(stage, self.state.looks)
        stage.share_interaction(self.presenter)  # zoom and ink, palette and text size
        stage.set_hidden_traffic(self.state.hidden)
        if self.state.timeline is not None:
            stage.set_timeline(self.state.timeline)
            if self.state.frame is not None:
                stage.show_frame(self.state.frame)
        self._show_quiz()

    def remove_audience(self) -> None:
        stage, self.audience = self.audience, None
        if stage is not None:
            stage.legend_clicked.disconnect(self.legend_clicked)
            stage.quiz_choice_clicked.disconnect(self.quiz_choice_clicked)
            self._show_quiz()

    def _connect(self, stage: StageView) -> None:
        stage.legend_clicked.connect(self.legend_clicked)
        stage.quiz_choice_clicked.connect(self.quiz_choice_clicked)

    # -- following the state -------------------------------------------------------------
    def _scene(self, shown: SceneShown) -> None:
        if shown.fresh:
            self.presenter.zoom_state.reset()  # shared: the audience's stage follows
        for stage in self:
            stage.set_timeline(shown.timeline)

    def _frame(self, frame: Frame) -> None:
        # The presenter's first: it moves the shared zoom when following a packet.
        for stage in self:
            stage.show_frame(frame)

    def _hidden(self, hidden: frozenset[str]) -> None:
        for stage in self:
            stage.set_hidden_traffic(hidden)

    def _looks(self, looks: Looks) -> None:
        for stage in self:
            self._apply_looks(stage, looks)

    @staticmethod
    def _apply_looks(stage: StageView, looks: Looks) -> None:
        theme = THEMES.get(looks.theme, LIGHT)
        palette = PALETTES.get(looks.palette, STANDARD)
        if (palette, looks.text_scale) != (stage.protocol_palette, stage.text_scale):
            stage.protocol_palette, stage.text_scale = palette, looks.text_scale
            stage.set_theme(theme)  # one redraw for all three
        elif theme != stage.theme:
            stage.set_theme(theme)

    def _selection(self, packet_id: str | None) -> None:
        self.presenter.set_selected_packet(packet_id)

    # -- what one stage shows ----------------------------------------------------------------
    def show_quiz(self, view: QuizView | None, on_stage: bool) -> None:
        """A question (or none); ``on_stage`` draws it big on the stage the hall sees (presenting,
        or fullscreen with no sidebar), else only the sidebar asks it."""
        self.quiz, self._quiz_on_stage = view, on_stage
        self._show_quiz()

    def _show_quiz(self) -> None:
        hall = self.hall
        for stage in self:
            stage.set_quiz(self.quiz if self._quiz_on_stage and stage is hall else None)

    def toggle_blank(self) -> bool:
        """Blank the hall's screen, or bring it back; returns whether it is blank now."""
        hall = self.hall
        hall.set_blanked(not hall.blanked)
        return hall.blanked
