"""What a lecturer does *to* the stage: pen and laser, zoom and pan, follow, reverse and
replay, palette and text size, keyboard help; and the notice above the stage.

Kept out of ``main_window.py`` so the window only wires it in: it builds its menus and calls
``StageControls(services, state, stages, clock, overlay_parent, playback_menu, view_menu)``, then
``escape`` on Esc. The stage models (zoom, annotation) belong to the presenter's stage; the
audience's stage shares them. Palette and text size are the player's looks
(``PlayerState.set_looks``): every stage and the sequence diagram follow them from there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QLabel, QMenu, QVBoxLayout, QWidget

from animator.player import Looks, PlayerState
from animator.render.theme import PALETTES, STANDARD, TEXT_SCALES, Palette, font
from animator.ui.playback.clock import PlayerClock
from animator.ui.services import Services
from animator.ui.stage.annotation import LASER, NONE, PEN
from animator.ui.stage.group import StageGroup
from animator.ui.stage.zoom import ZOOM_STEP

if TYPE_CHECKING:
    from animator.ui.keyhelp import KeyHelpOverlay

#: Shift+arrow pans by this fraction of the stage.
PAN_FRACTION = 0.12
NOTICE_SECONDS = 30


class StageControls:
    """Actions, menus and settings for the stage tools of one player window."""

    def __init__(
        self,
        services: Services,
        state: PlayerState,
        stages: StageGroup,
        clock: PlayerClock,
        overlay_parent: QWidget,
        playback_menu: QMenu,
        view_menu: QMenu,
    ) -> None:
        self.services = services
        self.state = state
        self.stages = stages
        self.overlay_parent = overlay_parent
        stage = stages.presenter
        stage.show_zoom_level = True
        add = services.add_action

        playback_menu.addSeparator()
        add("Play this step &backwards", ["V"], clock.reverse, playback_menu)
        add("&Replay this step", ["R"], clock.replay, playback_menu)

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

        self._help: KeyHelpOverlay | None = None
        self.notice = self._make_notice()
        state.events.looks.connect(self._looks_changed)
        self._looks_changed(state.looks)

    # -- building ----------------------------------------------------------------------
    def _radio_menu(self, menu: QMenu, labels: dict[str, str], chosen: Callable[[str], None]) -> dict[str, QAction]:
        group = QActionGroup(menu)
        actions = {}
        for name, label in labels.items():
            action = menu.addAction(label)
            action.setCheckable(True)
            action.triggered.connect(lambda _=False, n=name: chosen(n))
            group.addAction(action)
            actions[name] = action
        return actions

    def _make_notice(self) -> QLabel:
        """A non-modal notice above the stage, in the presenter's window only; a click dismisses it."""
        notice = QLabel(self.overlay_parent)
        notice.setWordWrap(True)
        notice.setFont(font(13))
        notice.setStyleSheet("background:#fef3c7; color:#78350f; border-bottom:2px solid #d97706; padding:6px 12px;")
        notice.setToolTip("Click to dismiss")
        notice.mousePressEvent = lambda _event: notice.hide()  # type: ignore[method-assign]
        notice.hide()
        layout = self.overlay_parent.layout()
        if isinstance(layout, QVBoxLayout):
            layout.insertWidget(0, notice)
        return notice

    def show_notice(self, text: str) -> None:
        """A notice above the stage (damaged settings fell back to defaults); it goes by itself."""
        if not text:
            return
        self.notice.setText(text)
        self.notice.show()
        QTimer.singleShot(NOTICE_SECONDS * 1000, self.notice, self.notice.hide)

    # -- looks (the player's state holds them; every stage follows) ------------------------
    @property
    def palette(self) -> Palette:
        return PALETTES.get(self.state.looks.palette, STANDARD)

    @property
    def text_scale(self) -> float:
        return self.state.looks.text_scale

    def set_palette(self, palette: Palette) -> None:
        self.services.settings.setValue("palette", palette.name)
        self.state.set_looks(replace(self.state.looks, palette=palette.name))

    def set_text_scale(self, scale: float) -> None:
        self.services.settings.setValue("text_scale", scale)
        self.state.set_looks(replace(self.state.looks, text_scale=scale))

    def _looks_changed(self, looks: Looks) -> None:
        self.palette_actions[looks.palette].setChecked(True)
        self.scale_actions[f"{looks.text_scale:g}"].setChecked(True)

    def pan(self, dx: int, dy: int) -> None:
        stage = self.stages.presenter
        viewport = stage.viewport()
        stage.pan_pixels(dx * viewport.width() * PAN_FRACTION, dy * viewport.height() * PAN_FRACTION)

    def _tool_changed(self, tool: str) -> None:
        self.pen_action.setChecked(tool == PEN)
        self.laser_action.setChecked(tool == LASER)

    # -- hooks the window calls -------------------------------------------------------
    def escape(self) -> bool:
        """Esc first puts the pen or laser down, then closes the help; returns whether it did."""
        annotations = self.stages.presenter.annotations
        if annotations.tool != NONE:
            annotations.set_tool(NONE)
            return True
        if self._help is not None and self._help.isVisible():
            self._help.hide()
            return True
        return False

    @property
    def help(self) -> KeyHelpOverlay:
        """The keyboard help over the window (made the first time F1 asks for it)."""
        if self._help is None:
            from animator.ui.keyhelp import KeyHelpOverlay

            self._help = KeyHelpOverlay(self.overlay_parent)
        return self._help

    def toggle_help(self) -> None:
        self.help.toggle()
