"""The step list and the speaker notes: two docks that follow the step the player shows.

Both only read the player's state: the list is filled when a scene is shown and selects the
step on screen whatever moved there (a key, the slider, a click, a reload); the notes show that
step's speaker notes, large while presenting (read at arm's length, often standing).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QTextBrowser, QWidget

from animator.engine.frame import Frame
from animator.player import Looks, PlayerState, SceneShown
from animator.render.theme import LIGHT, THEMES, font

#: Speaker notes while presenting: read at arm's length, often standing.
NOTES_PIXELS = 22
#: ...and otherwise.
NOTES_PIXELS_ALONE = 14


class StepList(QListWidget):
    """Every step's caption under its chapter; a click plays that step (``step_chosen``)."""

    #: A step's row was clicked: its number.
    step_chosen = Signal(int)

    def __init__(self, state: PlayerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.itemClicked.connect(self._clicked)
        #: The list row of each step number (chapter headers take rows too).
        self._rows: dict[int, int] = {}
        # Word-wrapped rows are laid out later and again whenever the dock changes width; each
        # time, bring the current step back into view.
        self.verticalScrollBar().rangeChanged.connect(lambda *_: self.scroll_to_current())
        state.events.scene.connect(self._scene)
        state.events.step.connect(self._step)
        state.events.looks.connect(self._looks)
        self._looks(state.looks)

    def _scene(self, shown: SceneShown) -> None:
        self.clear()
        self._rows = {}
        for span in shown.timeline.steps:
            if span.begins_chapter:
                header = QListWidgetItem(span.begins_chapter.upper())
                header.setFlags(Qt.ItemFlag.NoItemFlags)
                header.setFont(font(12, bold=True))
                self.addItem(header)
            item = QListWidgetItem(f"{span.number}. {span.caption}")
            item.setData(Qt.ItemDataRole.UserRole, span.number)
            self._rows[span.number] = self.count()
            self.addItem(item)

    def _step(self, frame: Frame) -> None:
        """Select the current step's row and scroll to it. Step 0 (the very start, before step 1)
        has no row: nothing is selected and the list is back at its top, where step 1 waits."""
        row = self._rows.get(frame.step, -1)
        if row < 0:
            self.setCurrentRow(-1)
            self.clearSelection()
        else:
            self.setCurrentRow(row)
        self.scroll_to_current()

    def scroll_to_current(self) -> None:
        item: QListWidgetItem | None = self.currentItem()  # None with no row selected (step 0)
        if item is None:
            self.scrollToTop()
        else:
            # Centred: the chapter header above a step and the next step below both stay in sight.
            self.scrollToItem(item, QAbstractItemView.ScrollHint.PositionAtCenter)

    def _clicked(self, item: QListWidgetItem) -> None:
        number = item.data(Qt.ItemDataRole.UserRole)
        if number is not None:
            self.step_chosen.emit(int(number))

    def _looks(self, looks: Looks) -> None:
        theme = THEMES.get(looks.theme, LIGHT)
        # The selected step is white on the accent colour: legible in every theme (on high-contrast,
        # text and borders are both black, so a border-coloured highlight hid the current step).
        self.setStyleSheet(
            f"QListWidget {{ background: {theme.panel_fill}; }}"
            f"QListWidget::item {{ padding: 5px 4px; border-bottom: 1px solid {theme.panel_border}; color: {theme.text}; }}"
            f"QListWidget::item:selected {{ background: {theme.accent}; color: white; border-left: 4px solid {theme.text}; }}"
        )


class NotesView(QTextBrowser):
    """The speaker notes of the step on screen, sized for reading while presenting."""

    def __init__(self, state: PlayerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setOpenExternalLinks(True)
        state.events.step.connect(self._step)
        state.events.looks.connect(self._style)
        state.events.presenting.connect(self._style)
        self._style()

    def _step(self, frame: Frame) -> None:
        self.setMarkdown(frame.notes or "*No notes for this step.*")

    def _style(self, _changed: object = None) -> None:
        pixels = NOTES_PIXELS if self.state.presenting else NOTES_PIXELS_ALONE
        self.setFont(font(pixels * self.state.looks.text_scale))
