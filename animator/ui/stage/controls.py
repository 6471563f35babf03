"""What a lecturer does *to* the stage: pen and laser, zoom and pan, follow, reverse and
replay, palette and text size, keyboard help; and the settings notice.

Kept out of ``main_window.py`` so the window only wires it in: the window builds its own
menus and calls ``StageControls(window, playback_menu, view_menu)``, then three hooks
(``escape``, ``presenting_started``, ``presenting_stopped``). The stage models (zoom,
annotation) belong to the presenter's stage; the audience's stage shares them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QLabel, QMenu

from animator.render.theme import PALETTES, STANDARD, TEXT_SCALES, THEMES, Palette, font
from animator.ui.keyhelp import KeyHelpOverlay
from animator.ui.settings_check import SettingsCheck
from animator.ui.stage.annotation import LASER, NONE, PEN
from animator.ui.stage.zoom import ZOOM_STEP

if TYPE_CHECKING:
    from animator.ui.main_window import MainWindow
    from animator.ui.stage.view import StageView

#: Shift+arrow pans by this fraction of the stage.
PAN_FRACTION = 0.12
#: Speaker notes while presenting: read at arm's length, often standing.
NOTES_PIXELS = 22
NOTICE_SECONDS = 30


class StageControls:
    """Actions, menus and settings for the stage tools of one main window."""

    def __init__(self, window: MainWindow, playback_menu: QMenu, view_menu: QMenu) -> None:
        self.window = window
        self.check = SettingsCheck(window.settings)
        stage = window.stage
        stage.show_zoom_level = True
        add = window._action

        playback_menu.addSeparator()
        add("Play this step &backwards", ["V"], lambda: window.clock.run("reverse"), playback_menu)
        add("&Replay this step", ["R"], lambda: window.clock.run("replay"), playback_menu)

        draw = view_menu.addMenu("&Draw")
        self.pen_action = add("&Pen", ["D"], lambda: stage.annotations.toggle_tool(PEN), draw)
        self.laser_action = add("&Laser pointer", ["L"], lambda: stage.annotations.toggle_tool(LASER), draw)
        for action in (self.pen_action, self.laser_action):
            action.setCheckable(True)
        add("&Erase the drawing", ["E"], stage.annotations.clear, draw)
        stage.annotations.tool_changed.connect(self._tool_changed)

        zoom = view_menu.addMenu("&Zoom")
        add("Zoom &in", ["Ctrl+=", "Ctrl++"], lambda: stage.zoom_by(ZOOM_STEP), zoom)
        add("Zoom &out", ["Ctrl+-"], lambda: stage.zoom_by(1 / ZOOM_STEP), zoom)
        add("&Fit the scene", ["Ctrl+0"], stage.zoom_state.reset, zoom)
        self.follow_action = add("F&ollow the packet", ["Shift+F"], stage.zoom_state.set_follow, zoom)
        self.follow_action.setCheckable(True)
        stage.zoom_state.follow_changed.connect(self.follow_action.setChecked)
        for key, dx, dy in (("Left", 1, 0), ("Right", -1, 0), ("Up", 0, 1), ("Down", 0, -1)):
            add(f"Pan {key.lower()}", [f"Shift+{key}"], lambda _=False, dx=dx, dy=dy: self.pan(dx, dy))

        palette_menu = view_menu.addMenu("&Palette")
        self.palette_actions = self._radio_menu(
            palette_menu, {name: p.label for name, p in PALETTES.items()}, lambda name: self.set_palette(PALETTES[name])
        )
        scale_menu = view_menu.addMenu("Text &size")
        self.scale_actions = self._radio_menu(
            scale_menu, {f"{s:g}": f"{s * 100:.0f}%" for s in TEXT_SCALES}, lambda name: self.set_text_scale(float(name))
        )

        self.help = KeyHelpOverlay(window.centralWidget())
        self.notice = self._make_notice()
        self.palette: Palette = self.check.choice("palette", PALETTES, STANDARD)
        self.text_scale = self.check.number("text_scale", TEXT_SCALES, 1.0)
        if window.settings.value("theme") is not None:
            self.check.choice("theme", THEMES, THEMES["light"])  # the window falls back itself; this reports it
        self._apply_looks()
        self.show_notice(self.check.notice())

    # -- building ----------------------------------------------------------------------
    def _radio_menu(self, menu: QMenu, labels: dict[str, str], chosen: object) -> dict[str, QAction]:
        group = QActionGroup(menu)
        actions = {}
        for name, label in labels.items():
            action = menu.addAction(label)
            action.setCheckable(True)
            action.triggered.connect(lambda _=False, n=name: chosen(n))  # type: ignore[operator]
            group.addAction(action)
            actions[name] = action
        return actions

    def _make_notice(self) -> QLabel:
        """A non-modal notice above the stage, in the presenter's window only; a click dismisses it."""
        notice = QLabel(self.window.centralWidget())
        notice.setWordWrap(True)
        notice.setFont(font(13))
        notice.setStyleSheet("background:#fef3c7; color:#78350f; border-bottom:2px solid #d97706; padding:6px 12px;")
        notice.setToolTip("Click to dismiss")
        notice.mousePressEvent = lambda _event: notice.hide()  # type: ignore[method-assign]
        notice.hide()
        layout = self.window.centralWidget().layout()
        layout.insertWidget(0, notice)  # type: ignore[attr-defined]
        return notice

    def show_notice(self, text: str) -> None:
        if not text:
            return
        self.notice.setText(text)
        self.notice.show()
        QTimer.singleShot(NOTICE_SECONDS * 1000, self.notice, self.notice.hide)

    # -- stages ------------------------------------------------------------------------
    def stages(self) -> list[StageView]:
        audience = self.window.audience
        return [self.window.stage] + ([audience.stage] if audience is not None else [])

    def set_palette(self, palette: Palette) -> None:
        self.palette = palette
        self.window.settings.setValue("palette", palette.name)
        self._apply_looks()

    def set_text_scale(self, scale: float) -> None:
        self.text_scale = scale
        self.window.settings.setValue("text_scale", scale)
        self._apply_looks()

    def _apply_looks(self) -> None:
        for stage in self.stages():
            stage.set_looks(self.palette, self.text_scale)
        self.window.inspection.set_palette(self.palette)  # the ladder's arrows match the chips
        self.palette_actions[self.palette.name].setChecked(True)
        self.scale_actions[f"{self.text_scale:g}"].setChecked(True)
        self._style_notes()

    def _style_notes(self) -> None:
        presenting = self.window.audience is not None
        self.window.notes.setFont(font((NOTES_PIXELS if presenting else 14) * self.text_scale))

    def pan(self, dx: int, dy: int) -> None:
        viewport = self.window.stage.viewport()
        self.window.stage.pan_pixels(dx * viewport.width() * PAN_FRACTION, dy * viewport.height() * PAN_FRACTION)

    def _tool_changed(self, tool: str) -> None:
        self.pen_action.setChecked(tool == PEN)
        self.laser_action.setChecked(tool == LASER)

    # -- hooks the window calls -------------------------------------------------------
    def escape(self) -> bool:
        """Esc first puts the pen or laser down, then closes the help; returns whether it did."""
        annotations = self.window.stage.annotations
        if annotations.tool != NONE:
            annotations.set_tool(NONE)
            return True
        if self.help.isVisible():
            self.help.hide()
            return True
        return False

    def toggle_help(self) -> None:
        self.help.toggle()

    def presenting_started(self) -> None:
        """The audience mirrors the presenter's zoom and ink; notes become large and readable."""
        window = self.window
        assert window.audience is not None
        window.audience.stage.share_interaction(window.stage)
        self._style_notes()
        window.layout().activate()  # lay out the docks just shown: sizing them before has no effect
        self._size_notes()

    def _size_notes(self) -> None:
        """Notes get most of the right-hand column, and the column a third of the window."""
        window = self.window
        column = window.steps_dock.height() + window.notes_dock.height()
        window.resizeDocks([window.steps_dock, window.notes_dock], [column // 4, column - column // 4], Qt.Orientation.Vertical)
        window.resizeDocks([window.notes_dock], [max(420, window.width() // 3)], Qt.Orientation.Horizontal)

    def presenting_stopped(self) -> None:
        self._style_notes()
