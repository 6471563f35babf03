"""The player window: it builds the panels, wires them to one player state, and places them.

What the player shows lives in ``animator.player.PlayerState`` (Qt-free): the scene, the moment,
the frame, the selected packet, the hidden traffic, the looks, whether it is presenting. Every
panel here subscribes to the state's events and shows its part; a key or a click changes the
state (through the player clock's typed commands for time), never another panel. This window
is what is left: it owns the Qt-only things (menus and shortcuts, the file watcher, the error
banner, fullscreen, the audience's window, the dock layout) and offers some of them to the
panels it hosts through a narrow interface (``animator.ui.services.Services``) instead of
handing them itself.

Loading never pops up a dialog: a scene that fails to load (at start, from the Open dialog,
or when an edit on disk breaks it) is reported in a banner above the stage while the last
good scene stays on screen. That keeps a lecture running and makes the app a comfortable
preview while writing a scene in an editor beside it.

The window has to fit a 1280x720 projector and a 1366-pixel laptop with every dock on screen,
so nothing in it may demand more than 1024 pixels: the docks share tabs, the transport
bar sheds what it can spare, and the default layout is chosen from the width there is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QFileSystemWatcher, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QIcon,
    QKeyEvent,
    QKeySequence,
    QPalette,
    QShowEvent,
)
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMenu, QTabWidget, QVBoxLayout, QWidget

from animator.engine.timeline import Timeline, build_timeline
from animator.model import SceneLoadError, load_scene
from animator.model.deck import is_deck_path
from animator.model.errors import SceneError
from animator.player import Looks, PlayerState
from animator.render.quiz_view import QuizView
from animator.render.theme import LIGHT, PALETTES, STANDARD, TEXT_SCALES, THEMES, Theme, font
from animator.resources import assets_dir
from animator.ui.classroom import install_classroom
from animator.ui.exporting import install_export_menu
from animator.ui.graph import TcpGraphDocks
from animator.ui.inspect.docks import InspectionDocks
from animator.ui.lazy import LazyDock
from animator.ui.lecture.controller import Lecture
from animator.ui.live import install_capture_menus
from animator.ui.playback.clock import PlayerClock
from animator.ui.playback.steps import NotesView, StepList
from animator.ui.playback.transport import TransportBar
from animator.ui.settings_check import SettingsCheck
from animator.ui.stage.controls import StageControls
from animator.ui.stage.group import StageGroup
from animator.ui.stage.view import StageView

if TYPE_CHECKING:
    from animator.ui.presenter.audience import AudienceWindow
    from animator.ui.presenter.panel import PresenterPanel

log = logging.getLogger(__name__)

MAX_RECENT = 8
#: Editors save in bursts (truncate, write, rename); wait for the burst to finish.
RELOAD_DELAY_MS = 250
SCENE_FILTER = "PacketStage scenes and decks (*.yaml *.yml);;All files (*)"
#: The width at which a dock is comfortable to read (packet fields, a ladder of four lifelines).
DOCK_WIDTH = 400
#: Below this window width the sequence diagram is a tab on the right instead of a column on the
#: left: two 400-pixel columns and a stage of 800 need it.
WIDE_WINDOW = 2 * DOCK_WIDTH + 800
#: The size a first start opens at (no saved geometry), shrunk to the screen.
DEFAULT_SIZE = QSize(1280, 800)
#: Bumped when the default dock layout changes, so a layout saved by an older version (a
#: 190-pixel inspector, the ladder in a column too wide for a projector) is replaced once.
LAYOUT_VERSION = 1


class MainWindow(QMainWindow):
    """The player. ``settings`` is injectable so tests never touch the user's own settings.

    It implements ``animator.ui.services.Services`` for the panels it hosts."""

    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        #: Whether the window was fullscreen at its last state change (a question moves with it).
        self._fullscreen = False
        self.settings = settings or QSettings("PacketStage", "PacketStage")
        # Settings may be damaged (a file cut short, a value from a future version): read them once,
        # falling back to defaults, and say so in a notice (never a dialog: it could reach the projector).
        check = SettingsCheck(self.settings)
        looks = Looks(
            theme=check.choice("theme", THEMES, LIGHT).name,
            palette=check.choice("palette", PALETTES, STANDARD).name,
            text_scale=check.number("text_scale", TEXT_SCALES, 1.0),
        )
        theme = looks.theme
        #: What the player shows; every panel below follows it.
        self.state = PlayerState(looks)
        self._settings_notice = check.notice()
        #: The file the user last asked for: the one watched and reloaded (it may be broken).
        self.requested: Path | None = None
        self.clock = PlayerClock(self.state, self)
        self.setWindowTitle("PacketStage")
        self.setWindowIcon(QIcon(str(assets_dir() / "icons" / "app.svg")))
        self.setAcceptDrops(True)
        # Grouped dragging: a tab group moves as one by its title bar (one tab still moves by its tab).
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
            | QMainWindow.DockOption.GroupedDragging
        )
        # Tabs on top, where a tab group reads like a browser's, not hidden along the bottom edge.
        self.setTabPosition(Qt.DockWidgetArea.AllDockWidgetAreas, QTabWidget.TabPosition.North)
        # First start: most of a large screen (room for the wide layout), all of a small one.
        screen = self.screen().availableGeometry().size()
        self.resize(DEFAULT_SIZE.expandedTo(screen * 0.85).boundedTo(screen))

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.banner = QLabel(central)
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.setStyleSheet("background:#fde8e8; color:#7f1d1d; border-bottom:2px solid #dc2626; padding:8px 12px;")
        self.banner.setFont(font(13, mono=True))
        self.banner.hide()
        layout.addWidget(self.banner)
        self.stage = StageView(central, THEMES[theme])
        self.stage.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.stage.text_fitted.connect(self._text_fitted)
        layout.addWidget(self.stage, 1)
        #: The presenter's stage and, while presenting, the audience's: both follow the state.
        self.stages = StageGroup(self.state, self.stage, self)
        self.transport = TransportBar(central)
        self.transport.follow(self.state)
        layout.addWidget(self.transport)
        self.setCentralWidget(central)
        self._central = central
        self.audience: AudienceWindow | None = None

        self.step_list = StepList(self.state, self)
        self.step_list.step_chosen.connect(self.play_step)
        self.steps_dock = self._dock("Steps", "steps", self.step_list, Qt.DockWidgetArea.RightDockWidgetArea)
        self.notes = NotesView(self.state, self)
        self.notes_dock = self._dock("Notes", "notes", self.notes, Qt.DockWidgetArea.RightDockWidgetArea)
        #: What the presenter's panel shows (kept for it until it is built, when presenting begins).
        self._cue = ("", "")
        self._quiz_view: QuizView | None = None
        self.presenter_dock: LazyDock[PresenterPanel] = LazyDock("Presenter", "presenter", self._make_presenter_panel, self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.presenter_dock)
        self.presenter_dock.hide()
        self.state.events.presenting.connect(self._presenting_changed)

        # The inspector, the sequence diagram and the device tables (animator/ui/inspect).
        self.inspection = InspectionDocks(self, self.state, self.stages, self.clock, show_status=self.show_status)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.inspection.sequence_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.inspection.inspector_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.inspection.tables_dock)
        # Tabbed with the notes rather than stacked under them: a 768-pixel-high laptop screen has
        # no room for a fourth pane, and a click on a packet or a device brings its tab forward.
        self.tabifyDockWidget(self.notes_dock, self.inspection.inspector_dock)
        self.tabifyDockWidget(self.inspection.inspector_dock, self.inspection.tables_dock)
        self.notes_dock.raise_()

        # The TCP graph (animator/ui/graph): a tab beside the notes, shown only for scenes that have one.
        self.graphs = TcpGraphDocks(self, self.state)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.graphs.dock)
        self.tabifyDockWidget(self.inspection.tables_dock, self.graphs.dock)
        self.graphs.dock.hide()

        # Decks, chapter keys, resume, quizzes and the traffic filter (animator/ui/lecture).
        self.lecture = Lecture(self, self.state, self.clock, self)
        layout.insertWidget(1, self.lecture.banner)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.lecture.contents_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.lecture.lesson_dock)
        # A tab beside the speaker notes: both want the tall space, and rarely at once.
        self.tabifyDockWidget(self.notes_dock, self.lecture.lesson_dock)
        self.stages.legend_clicked.connect(self.lecture.toggle_traffic)
        self.lecture.connect_stage(self.stages)
        self.lecture.quiz_changed.connect(self._show_quiz)
        self.lecture.cue_changed.connect(self._cue_changed)
        self.lecture.title_changed.connect(self.setWindowTitle)

        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self._file_changed)
        self.watcher.directoryChanged.connect(self._folder_changed)
        #: What to do when a watched file changes (by path); the scene's own reloads it.
        self._watch_callbacks: dict[str, Callable[[Path], None]] = {}
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.reload)
        #: Live views opened from this window, kept while they are open.
        self._kept: list[QWidget] = []

        self.transport.restart_clicked.connect(self.clock.home)
        self.transport.previous_clicked.connect(self.clock.previous_step)
        self.transport.play_clicked.connect(self.clock.toggle)
        self.transport.next_clicked.connect(self.clock.next_step)
        self.transport.end_clicked.connect(self.clock.end)
        self.transport.seek_requested.connect(self.clock.seek)
        self.transport.speed_chosen.connect(self.clock.set_speed)
        self.transport.pacing_changed.connect(self.clock.set_pause_at_steps)
        self.state.events.transport.connect(self._transport_changed)
        self.state.events.looks.connect(self._looks_changed)
        self._build_actions()
        #: The window state and dock layout to go back to when fullscreen ends (None: not fullscreen).
        self._before_fullscreen: tuple[Qt.WindowState, QByteArray] | None = None
        self._docks_before_presenting: list[QDockWidget] = []
        self._typed_step = ""
        #: Whether the docks still need their default layout (nothing saved, or saved by an older version).
        self._needs_layout = not self._restore_window()
        self._looks_changed(self.state.looks)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState/restoreState key
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    # -- what the player shows (read from the state) ----------------------------------------
    @property
    def timeline(self) -> Timeline | None:
        return self.state.timeline

    @property
    def path(self) -> Path | None:
        """The file whose scene is on screen."""
        return self.state.path

    @property
    def presenter_panel(self) -> PresenterPanel:
        """The presenter's panel (built when presenting first begins, or when asked for)."""
        return self.presenter_dock.content()

    def _make_presenter_panel(self) -> PresenterPanel:
        from animator.ui.presenter.panel import PresenterPanel

        panel = PresenterPanel(self.presenter_dock)
        panel.show_cue(*self._cue)
        panel.show_question(self._quiz_view)
        if self.state.presenting:
            panel.start()
        return panel

    def _cue_changed(self, position: str, following: str) -> None:
        self._cue = (position, following)
        if self.presenter_dock.built:
            self.presenter_panel.show_cue(position, following)

    def _presenting_changed(self, presenting: bool) -> None:
        if self.presenter_dock.built:
            self.presenter_panel.set_presenting(presenting)

    # -- services (animator.ui.services.Services) --------------------------------------------
    def add_action(
        self,
        text: str,
        keys: Sequence[QKeySequence | QKeySequence.StandardKey | str],
        slot: Callable[..., object],
        menu: QMenu | None = None,
    ) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        if self.audience is not None:
            self.audience.addAction(action)  # clicker keys work whichever window has focus
        if menu is not None:
            menu.addAction(action)
        return action

    def watch(self, path: Path, changed: Callable[[Path], None] | None = None) -> None:
        """Watch the file, and its folder: a file that is deleted and made again (``git checkout``,
        some editors' saves) drops out of the watcher, and only the folder says when it is back."""
        if changed is not None:
            self._watch_callbacks[str(path)] = changed
        if path.exists() and str(path) not in self.watcher.files():
            self.watcher.addPath(str(path))
        folder = str(path.parent)
        if path.parent.is_dir() and folder not in self.watcher.directories():
            self.watcher.addPath(folder)

    def remember_recent(self, path: Path) -> None:
        recent = [p for p in self.recent_files() if p != str(path)]
        self.settings.setValue("recent", [str(path), *recent][:MAX_RECENT])

    def show_errors(self, exc: SceneLoadError, what: str = "scene") -> None:
        shown = exc.errors[:6]
        more = len(exc.errors) - len(shown)
        lines = [str(e) for e in shown] + ([f"… and {more} more"] if more > 0 else [])
        kept = " The last good version stays on screen." if self.timeline is not None else ""
        self.banner.setText(f"This {what} could not be loaded.{kept}\n" + "\n".join(lines))
        self.banner.show()

    def show_status(self, text: str, timeout_ms: int) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def _text_fitted(self, shown: float) -> None:
        """The stage is too small for the text size asked: say what it shows instead, and how to get more."""
        asked = self.stage.text_scale
        if shown < asked - 0.005:
            self.show_status(
                f"Stage text at {shown:.0%} instead of {asked:.0%}, so devices do not run into each other: "
                "a larger window, fewer panels or full screen gives it room",
                10000,
            )

    def dialog_parent(self) -> QWidget:
        return self

    def keep_open(self, window: QWidget) -> None:
        self._kept.append(window)
        window.destroyed.connect(lambda _=None, w=window: self._kept.remove(w) if w in self._kept else None)

    # -- actions and keys ------------------------------------------------------------
    def _build_actions(self) -> None:
        bar = self.menuBar()
        add = self.add_action
        file_menu = bar.addMenu("&File")
        add("&Open…", [QKeySequence.StandardKey.Open], self.open_dialog, file_menu)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        add("&Reload", [QKeySequence("Ctrl+R")], self.reload, file_menu)
        file_menu.addSeparator()
        add("&Quit", [QKeySequence.StandardKey.Quit], self.close, file_menu)

        play = bar.addMenu("&Playback")
        clock = self.clock
        add("Play / pause", ["Space"], clock.toggle, play)
        add("Next step", ["Right", "PgDown"], self.lecture.next_step, play)
        add("Previous step", ["Left", "PgUp"], self.lecture.previous_step, play)
        add("Restart", ["Home"], clock.home, play)
        add("Go to end", ["End"], clock.end, play)
        play.addSeparator()
        add("Faster", ["+", "="], clock.faster, play)
        add("Slower", ["-"], clock.slower, play)
        self.pacing_action = add("Pause at each step", [], clock.set_pause_at_steps, play)
        self.pacing_action.setCheckable(True)
        self.pacing_action.setChecked(True)

        view = bar.addMenu("&View")
        self.fullscreen_action = add("&Fullscreen", ["F", "F11"], self.toggle_fullscreen, view)
        add("Leave fullscreen", ["Esc"], self.escape)
        self.blank_action = add("&Blank the screen", ["B", "."], self.toggle_blank, view)
        self.blank_action.setCheckable(True)
        self.present_action = add("&Present on a second screen", ["Ctrl+P", "F5"], self.toggle_presenting, view)
        self.present_action.setCheckable(True)
        add("Swap presenter and audience view", ["P"], self.swap_views, view)
        view.addAction(self.steps_dock.toggleViewAction())
        view.addAction(self.notes_dock.toggleViewAction())
        for dock in self.inspection.docks:
            view.addAction(dock.toggleViewAction())
        view.addAction(self.graphs.dock.toggleViewAction())
        add("Reset the &layout of the panels", [], lambda: self.arrange_docks(), view)
        theme_menu = view.addMenu("&Theme")
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for name in THEMES:
            action = theme_menu.addAction(name.replace("-", " ").capitalize())
            action.setCheckable(True)
            action.triggered.connect(lambda _=False, n=name: self.set_theme(THEMES[n]))
            group.addAction(action)
            self.theme_actions[name] = action
        # Pen, laser, zoom, follow, reverse/replay, palette, text size, F1 help, settings notice.
        self.stage_controls = StageControls(self, self.state, self.stages, self.clock, self._central, play, view)
        self.stage_controls.show_notice(self._settings_notice)

        self.lecture.add_actions(play, view)

        help_menu = bar.addMenu("&Help")
        add("&Keyboard shortcuts", [QKeySequence.StandardKey.HelpContents], self.show_shortcuts, help_menu)
        add("&About PacketStage", [], self.show_about, help_menu)
        self.classroom = install_classroom(self, bar, before=help_menu)  # Present → Share with the class
        install_capture_menus(self, self.state, file_menu, bar, before=help_menu)  # File → Import capture…, the Live menu
        self.export_menu = install_export_menu(self, self.state, file_menu, lambda: self.lecture.deck_path)

    # -- loading ---------------------------------------------------------------------
    def open_scene(self, path: str | Path, step: int | None = None, in_deck: bool = False) -> bool:
        """Load ``path``; on failure keep what is on screen and show why in the banner.

        Either way the file becomes the one watched and reloaded, so fixing a broken file
        in an editor brings it up without opening it again. A deck (``*.deck.yaml``) opens its
        first scene; ``in_deck`` marks a scene the deck itself opens.
        """
        path = Path(path).resolve()
        if is_deck_path(path) and not in_deck:
            return self.lecture.open_deck(path, step)
        keep_step = self.path == path and self.timeline is not None
        if self.requested != path and (self.watcher.files() or self.watcher.directories()):
            self.watcher.removePaths(self.watcher.files() + self.watcher.directories())
            self._watch_callbacks.clear()
        self.requested = path
        self.watch(path)
        try:
            timeline = build_timeline(load_scene(path))
        except SceneLoadError as exc:
            self.show_errors(exc)
            return False
        previous = (self.timeline, self.path)
        try:
            self._install(timeline, path, keep_step, in_deck)
        except Exception:
            # All or nothing: a timeline that loads but cannot be shown (a bug, never the
            # author's fault) must not leave the views half on the new scene, half on the old.
            log.exception("installing %s failed", path)
            self._restore(previous)
            error = SceneError(str(path), 1, 1, "this scene loads but could not be shown (a bug; please report it)")
            self.show_errors(SceneLoadError([error]))
            return False
        self.banner.hide()
        if not in_deck:
            self.remember_recent(path)
        if step is not None:
            self.clock.go_to_step(step)
        return True

    def _install(self, timeline: Timeline, path: Path, keep_step: bool, in_deck: bool) -> None:
        """Put ``timeline`` on every view; raises if a view refuses it (``open_scene`` rolls back)."""
        self.state.show_scene(timeline, path, keep_step, in_deck)
        self.clock.restart_scene()

    def _restore(self, previous: tuple[Timeline | None, Path | None]) -> None:
        """Put the previous timeline back on every view after a failed install (or clear them)."""
        timeline, path = previous
        self.state.timeline, self.state.path = timeline, path
        if timeline is None or path is None:
            return
        try:
            self._install(timeline, path, keep_step=True, in_deck=self.lecture.deck is not None)
        except Exception:  # pragma: no cover - the old timeline was shown a moment ago
            log.exception("restoring %s failed", path)

    def reload(self) -> None:
        if self.requested is not None:
            self.open_scene(self.requested, in_deck=self.lecture.deck is not None)

    def _file_changed(self, path: str) -> None:
        # Editors that save by renaming a new file over the old one make the watcher drop
        # the path; it is re-added when the reload runs.
        changed = self._watch_callbacks.get(path)
        if changed is not None:
            changed(Path(path))
        else:
            self._reload_timer.start()

    def _folder_changed(self, folder: str) -> None:
        """A file appeared or went in a watched folder: reload if it is the scene or the deck that came back."""
        watched = set(self.watcher.files())

        def back(path: Path | None) -> bool:
            return path is not None and str(path.parent) == folder and path.exists() and str(path) not in watched

        for name, changed in list(self._watch_callbacks.items()):
            if back(Path(name)):
                changed(Path(name))
        if back(self.requested) and str(self.requested) not in self._watch_callbacks:
            self._reload_timer.start()

    def open_dialog(self) -> None:
        from PySide6.QtWidgets import QFileDialog  # 5 ms of start-up for a dialog opened later, if at all

        start = str(self.path.parent) if self.path else str(Path.home())
        name, _ = QFileDialog.getOpenFileName(self, "Open scene", start, SCENE_FILTER)
        if name:
            self.open_scene(name)

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):  # QSettings returns a lone string for one-item lists
            value = [value]
        return [str(v) for v in value] if isinstance(value, list) else []  # a damaged value: no recent files

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for name in self.recent_files():
            action = self.recent_menu.addAction(name)
            action.triggered.connect(lambda _=False, n=name: self.open_scene(n))
        if not self.recent_menu.actions():
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    # -- drag and drop ---------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if any(u.isLocalFile() and u.toLocalFile().endswith((".yaml", ".yml")) for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        for url in event.mimeData().urls():
            if url.isLocalFile() and url.toLocalFile().endswith((".yaml", ".yml")):
                self.open_scene(url.toLocalFile())
                event.acceptProposedAction()
                return

    # -- following the state -----------------------------------------------------------
    def play_step(self, number: int) -> None:
        """Jump to just before step ``number`` and play it, as a clicker would; 0 is the start."""
        self.clock.play_step(number)

    def _transport_changed(self, _changed: object = None) -> None:
        pacing = self.state.playback.pause_at_steps
        if self.pacing_action.isChecked() != pacing:
            self.pacing_action.setChecked(pacing)

    def _show_quiz(self, view: QuizView | None, raise_docks: bool = True) -> None:
        """Show the question (or none) wherever it should be asked: the hall sees it big only while
        presenting; alone, the sidebar asks it, unless the window is fullscreen (no sidebar): then
        the stage does. ``raise_docks`` also brings the lesson sidebar (or, presenting, the notes)
        to the front."""
        presenting = self.state.presenting
        self.stages.show_quiz(view, on_stage=presenting or self.isFullScreen())
        self._quiz_view = view
        if self.presenter_dock.built:
            self.presenter_panel.show_question(view)
        if not raise_docks:
            return
        if presenting:
            self.notes_dock.raise_()  # presenting: the hall has the question, the lecturer keeps the notes
        elif view is not None and not self.isFullScreen():
            self.lecture.lesson_dock.show()
            self.lecture.lesson_dock.raise_()

    # -- presenting ------------------------------------------------------------------
    @property
    def audience_stage(self) -> StageView:
        """The stage the class sees: the audience window's while presenting, else this one."""
        return self.stages.hall

    def toggle_blank(self) -> None:
        self.blank_action.setChecked(self.stages.toggle_blank())
        self._refresh_prompt()

    def _refresh_prompt(self) -> None:
        """The presenter stage's prompt, derived from what is pending: a typed step number, or
        a reminder that the audience screen is blank (the presenter still sees the scene)."""
        if self._typed_step:
            self.stage.set_prompt(f"Go to step {self._typed_step}")
        elif self.state.presenting and self.stages.hall.blanked:
            self.stage.set_prompt("The audience screen is blank (B)")
        else:
            self.stage.set_prompt("")

    def escape(self) -> None:
        """Esc backs out of one thing at a time: the pen or laser, the help, a typed step number,
        a blank, presenting, fullscreen."""
        if self.stage_controls.escape():
            return
        if self._typed_step:
            self._set_typed_step("")
        elif self.stages.hall.blanked:
            self.toggle_blank()
        elif self.state.presenting:
            self.stop_presenting()
        else:
            self.leave_fullscreen()

    def toggle_presenting(self) -> None:
        if self.audience is None:
            self.start_presenting()
        else:
            self.stop_presenting()

    def start_presenting(self, screen: int | None = None) -> None:
        """Stage alone, fullscreen, on ``screen`` (default: the one this window is not on).

        With a single screen the audience view takes it and P swaps between the two views.
        """
        screens = QGuiApplication.screens()
        if screen is None:
            others = [s for s in screens if s is not self.screen()]
            target = others[0] if others else screens[0]
        else:
            target = screens[max(0, min(screen, len(screens) - 1))]
        from animator.ui.presenter.audience import AudienceWindow

        self.audience = AudienceWindow(self.stage.theme, self.keyPressEvent, self.stop_presenting)
        self.audience.addActions(self.actions())  # clicker keys work whichever window has focus
        self.stages.add_audience(self.audience.stage)
        self.graphs.attach_audience(self.audience.set_side)  # the hall sees the graph beside the stage
        self.audience.show_on(target)
        self._presenter_docks()
        self.state.set_presenting(True)
        self._activate_layout()  # lay out the docks just shown: sizing them before has no effect
        self._size_notes()
        self.present_action.setChecked(True)
        self.state.refresh(step_again=True)  # the presenter's panel shows where the talk is

    def _presenter_docks(self) -> None:
        """The presenter's screen needs room for notes and what comes next, not packet internals.
        The lesson sidebar is the student's; the presenter panel says where a question stands."""
        hide = [d for d in (*self.inspection.docks, self.lecture.lesson_dock) if d.isVisible()]
        self._docks_before_presenting = [*self._docks_before_presenting, *hide]
        for dock in hide:
            dock.hide()
        self.presenter_dock.show()
        self.notes_dock.show()
        self.steps_dock.show()

    def _activate_layout(self) -> None:
        layout = self.layout()
        if layout is not None:
            layout.activate()

    def _size_notes(self) -> None:
        """Notes get most of the right-hand column, and the column a third of the window."""
        column = self.steps_dock.height() + self.notes_dock.height()
        self.resizeDocks([self.steps_dock, self.notes_dock], [column // 4, column - column // 4], Qt.Orientation.Vertical)
        self.resizeDocks([self.notes_dock], [max(420, self.width() // 3)], Qt.Orientation.Horizontal)

    def stop_presenting(self) -> None:
        if self.audience is None:
            return
        audience, self.audience = self.audience, None
        self.graphs.attach_audience(None)
        self.stages.remove_audience()
        audience.close()
        audience.deleteLater()
        self.presenter_dock.hide()
        for dock in self._docks_before_presenting:
            dock.show()
        self._docks_before_presenting = []
        self.state.set_presenting(False)
        self._refresh_prompt()
        self.blank_action.setChecked(self.stage.blanked)
        self.present_action.setChecked(False)

    def swap_views(self) -> None:
        """One screen: bring the presenter view or the audience view to the front."""
        if self.audience is None:
            return
        front = self if self.audience.isActiveWindow() else self.audience
        front.raise_()
        front.activateWindow()

    def _set_typed_step(self, digits: str) -> None:
        self._typed_step = digits
        self._refresh_prompt()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Digits then Enter jump to a step, as presentation software does with slide numbers."""
        key, text = event.key(), event.text()
        if text.isdigit() and len(self._typed_step) < 6:
            self._set_typed_step(self._typed_step + text)
        elif key == Qt.Key.Key_Backspace and self._typed_step:
            self._set_typed_step(self._typed_step[:-1])
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._typed_step:
            step = int(self._typed_step)
            self._set_typed_step("")
            if self.timeline is not None:
                self.play_step(min(step, self.timeline.step_count))
        else:
            super().keyPressEvent(event)

    # -- window ----------------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        """Stage, transport, step list and window chrome in one theme; remembered."""
        self.settings.setValue("theme", theme.name)
        self.state.set_looks(replace(self.state.looks, theme=theme.name))

    def _looks_changed(self, looks: Looks) -> None:
        theme = THEMES.get(looks.theme, LIGHT)
        palette = QPalette(self.palette())
        for role, name in (
            (QPalette.ColorRole.Window, "caption_fill"),
            (QPalette.ColorRole.Base, "panel_fill"),
            (QPalette.ColorRole.AlternateBase, "background"),
            (QPalette.ColorRole.Button, "caption_fill"),
            (QPalette.ColorRole.WindowText, "text"),
            (QPalette.ColorRole.Text, "text"),
            (QPalette.ColorRole.ButtonText, "text"),
            (QPalette.ColorRole.Highlight, "accent"),
            (QPalette.ColorRole.Link, "accent"),
        ):
            palette.setColor(role, theme.color(name))
        self.setPalette(palette)
        self.theme_actions[theme.name].setChecked(True)

    def toggle_fullscreen(self) -> None:
        if self._before_fullscreen is not None or self.isFullScreen():
            self.leave_fullscreen()
        else:
            self.enter_fullscreen()

    def enter_fullscreen(self) -> None:
        """Projector mode: the stage and the transport only (and a scene's TCP graph beside the
        stage, as the audience's window has it while presenting); docks and menus come back after.

        The window state (maximised or not) and the dock layout (sizes, tabs, the tab in front)
        are kept, so Esc puts back exactly the window the lecturer had.
        """
        if self._before_fullscreen is None:
            before = self.windowState() & ~Qt.WindowState.WindowFullScreen
            self._before_fullscreen = (before, self.saveState(LAYOUT_VERSION))
        graph = self.graphs.dock if self.graphs.graph is not None and not self.state.presenting else None
        for dock in self.findChildren(QDockWidget):
            if dock.isVisible() and dock is not graph:
                dock.hide()
        if graph is not None:
            graph.show()
            graph.raise_()
            self.resizeDocks([graph], [max(DOCK_WIDTH, self.screen().geometry().width() * 36 // 100)], Qt.Orientation.Horizontal)
        self.menuBar().hide()
        # Not showFullScreen(): it drops the maximised flag, and leaving would un-maximise.
        self.setWindowState((self.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowFullScreen)
        self.show()

    def leave_fullscreen(self) -> None:
        if self._before_fullscreen is None:
            if self.isFullScreen():  # made fullscreen by the window manager, not by F: just leave it
                self.setWindowState(self.windowState() & ~Qt.WindowState.WindowFullScreen)
            return
        state, layout = self._before_fullscreen
        self._before_fullscreen = None
        self.setWindowState(state)
        self.show()
        self.menuBar().show()
        self.restoreState(layout, LAYOUT_VERSION)
        if self.state.presenting:  # presenting began in fullscreen: the presenter's docks, not the old ones
            self._presenter_docks()
        self.step_list.scroll_to_current()  # the list was hidden: back to the step on the stage

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        """Entering or leaving fullscreen moves a question between the sidebar and the stage: alone
        and fullscreen the stage asks it (there is no sidebar); back in the window, the sidebar."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.WindowStateChange:
            fullscreen = self.isFullScreen()
            if fullscreen != self._fullscreen:
                self._fullscreen = fullscreen
                self._show_quiz(self.lecture.quiz_view(), raise_docks=False)
                if not fullscreen:
                    # After the window has put its docks back (it restores them after the state).
                    QTimer.singleShot(0, self, lambda: self._show_quiz(self.lecture.quiz_view()))

    def show_shortcuts(self) -> None:
        """F1: the keys, over this window and never as a dialog (it could land on the projector)."""
        self.stage_controls.toggle_help()

    def show_about(self) -> None:
        import importlib.metadata  # 20 ms at start-up for a dialog few people open

        from PySide6 import __version__ as pyside_version
        from PySide6.QtCore import qVersion
        from PySide6.QtWidgets import QMessageBox

        from animator import __version__

        try:
            scapy_version = importlib.metadata.version("scapy")
        except importlib.metadata.PackageNotFoundError:
            scapy_version = "not installed"
        QMessageBox.about(
            self,
            "About PacketStage",
            f"<h3>PacketStage {__version__}</h3><p>Step-by-step animations of packets crossing a network.</p>"
            f"<p>Qt {qVersion()} · PySide6 {pyside_version} · scapy {scapy_version}</p>"
            "<p>Licensed under the MIT licence. Icons CC0; DejaVu fonts under their free licence.</p>",
        )

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.clock.stop()
        self.stop_presenting()
        self.leave_fullscreen()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(LAYOUT_VERSION))
        self.settings.setValue("window/docks", sorted(d.objectName() for d in self.findChildren(QDockWidget)))
        super().closeEvent(event)

    def _restore_window(self) -> bool:
        """Size, position and docks as the user left them; a damaged value is ignored.

        Returns whether the dock layout came back (False: it needs the default one).
        """
        geometry, state = self.settings.value("window/geometry"), self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if not (isinstance(state, QByteArray) and self.restoreState(state, LAYOUT_VERSION)):
            return False
        # A dock newer than the saved layout is left where Qt cannot bring its tab forward (its
        # raise_() does nothing): put it among the notes' tabs, as the default layout does.
        docks = self.findChildren(QDockWidget)
        saved = self.settings.value("window/docks")
        # Layouts saved before the list was kept predate the TCP graph, and only it.
        known = set(saved) if isinstance(saved, list) else {d.objectName() for d in docks} - {"tcp-graph"}
        for dock in docks:
            if dock.objectName() not in known and dock is not self.notes_dock:
                hidden = dock.isHidden()
                dock.show()  # tabified while hidden, it would still be lost
                self.tabifyDockWidget(self.notes_dock, dock)
                dock.setHidden(hidden)
        return True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        """The first show lays the docks out for the width the window really has (known only now)."""
        super().showEvent(event)
        if self._needs_layout:
            self._needs_layout = False
            self.arrange_docks()

    def arrange_docks(self, width: int | None = None) -> None:
        """The default layout for a window ``width`` pixels wide (default: as wide as it is, or as
        the screen when maximised); also View → Reset the layout of the panels.

        On the right, the steps above one group of tabs (notes, lesson, inspector, device tables),
        at ``DOCK_WIDTH`` or more, so packet fields and tables are readable. The sequence diagram
        gets a column of its own on the left only when the window is ``WIDE_WINDOW`` or wider;
        otherwise it is one more tab, because a 1280-pixel projector has no room for two readable
        columns and a stage between them. Which docks are shown is left as it is.
        """
        if width is None:
            big = self.windowState() & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen)
            width = self.screen().availableGeometry().width() if big else self.width()
        sequence = self.inspection.sequence_dock
        hidden = {dock for dock in self.findChildren(QDockWidget) if dock.isHidden()}
        right = Qt.DockWidgetArea.RightDockWidgetArea
        for dock in self.findChildren(QDockWidget):
            dock.setFloating(False)
        self.addDockWidget(right, self.steps_dock)
        self.splitDockWidget(self.steps_dock, self.notes_dock, Qt.Orientation.Vertical)
        tabs: list[QDockWidget] = [
            self.lecture.lesson_dock,
            self.inspection.inspector_dock,
            self.inspection.tables_dock,
            self.graphs.dock,
        ]
        wide = width >= WIDE_WINDOW
        if wide:
            self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, sequence)
        else:
            tabs.append(sequence)
        for dock in tabs:
            self.tabifyDockWidget(self.notes_dock, dock)
        left: tuple[QDockWidget, ...] = (self.presenter_dock, self.lecture.contents_dock)
        for dock in left:
            self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        for dock in self.findChildren(QDockWidget):
            dock.setVisible(dock not in hidden)
        self.notes_dock.raise_()
        if self.graphs.dock.isVisible():
            self.graphs.dock.raise_()  # a scene with a TCP graph: the students see it beside the stage

        # Sizes: readable docks, as long as the stage keeps what it needs (the transport bar's minimum).
        columns = [self.steps_dock, sequence] if wide else [self.steps_dock]
        room = (width - self._central.minimumSizeHint().width()) // len(columns) - 8
        column = max(DOCK_WIDTH, round(width * (0.22 if wide else 0.3)))
        column = max(self.steps_dock.minimumSizeHint().width(), min(column, room))
        self._activate_layout()
        self.resizeDocks(columns, [column] * len(columns), Qt.Orientation.Horizontal)
        height = max(self.height(), 400)
        self.resizeDocks([self.steps_dock, self.notes_dock], [height * 3 // 10, height * 7 // 10], Qt.Orientation.Vertical)
