"""The player window: stage, transport, step list and notes, menus, open/drop/recent, live reload.

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
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QByteArray, QFileSystemWatcher, QSettings, QSize, Qt, QTimer, qVersion
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
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from animator import __version__
from animator.engine.timeline import Timeline, build_timeline
from animator.model import SceneLoadError, load_scene
from animator.model.deck import is_deck_path
from animator.model.errors import SceneError
from animator.render.theme import LIGHT, THEMES, Theme, font
from animator.resources import assets_dir
from animator.ui.exporting.dialog import install_export_menu
from animator.ui.inspect.docks import InspectionDocks
from animator.ui.lecture.controller import Lecture
from animator.ui.live.menu import install_capture_menus
from animator.ui.playback.clock import PlayerClock
from animator.ui.playback.transport import TransportBar
from animator.ui.presenter.audience import AudienceWindow
from animator.ui.presenter.panel import PresenterPanel
from animator.ui.stage.controls import StageControls
from animator.ui.stage.view import StageView

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
    """The player. ``settings`` is injectable so tests never touch the user's own settings."""

    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings("PacketStage", "PacketStage")
        self.timeline: Timeline | None = None
        #: The file whose scene is on screen.
        self.path: Path | None = None
        #: The file the user last asked for: the one watched and reloaded (it may be broken).
        self.requested: Path | None = None
        self.clock = PlayerClock(self)
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
        self.stage = StageView(central)
        self.stage.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(self.stage, 1)
        self.transport = TransportBar(central)
        layout.addWidget(self.transport)
        self.setCentralWidget(central)

        self.step_list = QListWidget(self)
        self.step_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.step_list.setWordWrap(True)
        self.step_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.step_list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.step_list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.step_list.itemClicked.connect(self._step_clicked)
        #: The list row of each step number (chapter headers take rows too).
        self._step_rows: dict[int, int] = {}
        # Word-wrapped rows are laid out later and again whenever the dock changes width; each
        # time, bring the current step back into view.
        self.step_list.verticalScrollBar().rangeChanged.connect(lambda *_: self._scroll_to_current_step())
        self.steps_dock = QDockWidget("Steps", self)
        self.steps_dock.setObjectName("steps")
        self.steps_dock.setWidget(self.step_list)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.steps_dock)
        self.notes = QTextBrowser(self)
        self.notes.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.notes.setOpenExternalLinks(True)
        self.notes_dock = QDockWidget("Notes", self)
        self.notes_dock.setObjectName("notes")
        self.notes_dock.setWidget(self.notes)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.notes_dock)
        self.presenter_panel = PresenterPanel(self)
        self.presenter_dock = QDockWidget("Presenter", self)
        self.presenter_dock.setObjectName("presenter")
        self.presenter_dock.setWidget(self.presenter_panel)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.presenter_dock)
        self.presenter_dock.hide()
        self.audience: AudienceWindow | None = None
        self.inspection = InspectionDocks(self, self.stage, lambda t: self.clock.run("seek", t), LIGHT, self.notes_dock)
        # Decks, chapter keys, resume, quizzes and the traffic filter (animator/ui/lecture/controller.py).
        self.lecture = Lecture(self)
        layout.insertWidget(1, self.lecture.banner)
        self.stage.legend_clicked.connect(self.lecture.toggle_traffic)

        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self._file_changed)
        self.watcher.directoryChanged.connect(self._folder_changed)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.reload)

        self.clock.time_changed.connect(self._show_time)
        self.clock.state_changed.connect(self._show_transport)
        self.transport.command.connect(self.clock.run)
        self.transport.seek_requested.connect(lambda t: self.clock.run("seek", t))
        self.transport.speed_chosen.connect(self._set_speed)
        self.transport.pacing_changed.connect(lambda on: self.clock.run("set_pause_at_steps", on))
        self._build_actions()
        self._shown_step = -1
        #: The window state and dock layout to go back to when fullscreen ends (None: not fullscreen).
        self._before_fullscreen: tuple[Qt.WindowState, QByteArray] | None = None
        self._docks_before_presenting: list[QDockWidget] = []
        self._typed_step = ""
        #: Whether the docks still need their default layout (nothing saved, or saved by an older version).
        self._needs_layout = not self._restore_window()
        saved = self.settings.value("theme", LIGHT.name)
        self.set_theme(THEMES.get(saved if isinstance(saved, str) else "", LIGHT))

    # -- actions and keys ------------------------------------------------------------
    def _action(self, text: str, keys: list[QKeySequence | str], slot: object, menu: object = None) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        if menu is not None:
            menu.addAction(action)
        return action

    def _build_actions(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action("&Open…", [QKeySequence.StandardKey.Open], self.open_dialog, file_menu)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._action("&Reload", [QKeySequence("Ctrl+R")], self.reload, file_menu)
        file_menu.addSeparator()
        self._action("&Quit", [QKeySequence.StandardKey.Quit], self.close, file_menu)

        play = bar.addMenu("&Playback")
        run = self.clock.run
        self._action("Play / pause", ["Space"], lambda: run("toggle"), play)
        self._action("Next step", ["Right", "PgDown"], self.lecture.next_step, play)
        self._action("Previous step", ["Left", "PgUp"], self.lecture.previous_step, play)
        self._action("Restart", ["Home"], lambda: run("home"), play)
        self._action("Go to end", ["End"], lambda: run("end"), play)
        play.addSeparator()
        self._action("Faster", ["+", "="], lambda: run("faster"), play)
        self._action("Slower", ["-"], lambda: run("slower"), play)
        self.pacing_action = self._action("Pause at each step", [], lambda on: run("set_pause_at_steps", on), play)
        self.pacing_action.setCheckable(True)
        self.pacing_action.setChecked(True)

        view = bar.addMenu("&View")
        self.fullscreen_action = self._action("&Fullscreen", ["F", "F11"], self.toggle_fullscreen, view)
        self._action("Leave fullscreen", ["Esc"], self.escape)
        self.blank_action = self._action("&Blank the screen", ["B", "."], self.toggle_blank, view)
        self.blank_action.setCheckable(True)
        self.present_action = self._action("&Present on a second screen", ["Ctrl+P", "F5"], self.toggle_presenting, view)
        self.present_action.setCheckable(True)
        self._action("Swap presenter and audience view", ["P"], self.swap_views, view)
        view.addAction(self.steps_dock.toggleViewAction())
        view.addAction(self.notes_dock.toggleViewAction())
        for dock in self.inspection.docks:
            view.addAction(dock.toggleViewAction())
        self._action("Reset the &layout of the panels", [], lambda: self.arrange_docks(), view)
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
        self.stage_controls = StageControls(self, play, view)

        self.lecture.add_actions(play, view)

        help_menu = bar.addMenu("&Help")
        self._action("&Keyboard shortcuts", [QKeySequence.StandardKey.HelpContents], self.show_shortcuts, help_menu)
        self._action("&About PacketStage", [], self.show_about, help_menu)
        install_capture_menus(self, file_menu, before=help_menu)
        self.export_menu = install_export_menu(self, file_menu)  # File → Import capture…, and the Live menu

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
        self.requested = path
        self._watch(path)
        try:
            timeline = build_timeline(load_scene(path))
        except SceneLoadError as exc:
            self._show_errors(exc)
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
            self._show_errors(SceneLoadError([error]))
            return False
        self.banner.hide()
        if not in_deck:
            self._remember_recent(path)
        if step is not None:
            self.clock.run("go_to_step", step)
        return True

    def _install(self, timeline: Timeline, path: Path, keep_step: bool, in_deck: bool) -> None:
        """Put ``timeline`` on every view; raises if a view refuses it (``open_scene`` rolls back)."""
        if not keep_step:
            self.stage.zoom_state.reset()
        self.stage.set_timeline(timeline)
        self.inspection.set_timeline(timeline)
        if self.audience is not None:
            self.audience.stage.set_timeline(timeline)
        self.transport.slider.set_steps(timeline.boundaries, [s.number - 1 for s in timeline.steps if s.begins_chapter])
        self.timeline = timeline
        self.path = path
        self._fill_step_list()
        self.setWindowTitle(f"{timeline.scene.title} — PacketStage")
        self._shown_step = -1
        self.lecture.scene_opened(timeline, in_deck, fresh=not keep_step)
        self.clock.set_boundaries(timeline.boundaries, keep_step=keep_step)

    def _restore(self, previous: tuple[Timeline | None, Path | None]) -> None:
        """Put the previous timeline back on every view after a failed install (or clear them)."""
        timeline, path = previous
        self.timeline, self.path = timeline, path
        if timeline is None or path is None:
            return
        try:
            self._install(timeline, path, keep_step=True, in_deck=self.lecture.deck is not None)
        except Exception:  # pragma: no cover - the old timeline was shown a moment ago
            log.exception("restoring %s failed", path)

    def reload(self) -> None:
        if self.requested is not None:
            self.open_scene(self.requested, in_deck=self.lecture.deck is not None)

    def _watch(self, path: Path) -> None:
        """Watch the file, and its folder: a file that is deleted and made again (``git checkout``,
        some editors' saves) drops out of the watcher, and only the folder says when it is back."""
        if path.exists() and str(path) not in self.watcher.files():
            self.watcher.addPath(str(path))
        folder = str(path.parent)
        if path.parent.is_dir() and folder not in self.watcher.directories():
            self.watcher.addPath(folder)

    def _file_changed(self, path: str) -> None:
        # Editors that save by renaming a new file over the old one make the watcher drop
        # the path; it is re-added when the reload runs.
        self._reload_timer.start()

    def _folder_changed(self, folder: str) -> None:
        """A file appeared or went in a watched folder: reload if it is the scene or the deck that came back."""
        watched = set(self.watcher.files())

        def back(path: Path | None) -> bool:
            return path is not None and str(path.parent) == folder and path.exists() and str(path) not in watched

        deck = self.lecture.deck_path
        if back(deck):
            self.lecture.deck_file_changed(str(deck))
        if back(self.requested):
            self._reload_timer.start()

    def _show_errors(self, exc: SceneLoadError, what: str = "scene") -> None:
        shown = exc.errors[:6]
        more = len(exc.errors) - len(shown)
        lines = [str(e) for e in shown] + ([f"… and {more} more"] if more > 0 else [])
        kept = " The last good version stays on screen." if self.timeline is not None else ""
        self.banner.setText(f"This {what} could not be loaded.{kept}\n" + "\n".join(lines))
        self.banner.show()

    def open_dialog(self) -> None:
        start = str(self.path.parent) if self.path else str(Path.home())
        name, _ = QFileDialog.getOpenFileName(self, "Open scene", start, SCENE_FILTER)
        if name:
            self.open_scene(name)

    def _remember_recent(self, path: Path) -> None:
        recent = [p for p in self.recent_files() if p != str(path)]
        self.settings.setValue("recent", [str(path), *recent][:MAX_RECENT])

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

    # -- step list -------------------------------------------------------------------
    def _fill_step_list(self) -> None:
        assert self.timeline is not None
        self.step_list.clear()
        self._step_rows = {}
        for span in self.timeline.steps:
            if span.begins_chapter:
                header = QListWidgetItem(span.begins_chapter.upper())
                header.setFlags(Qt.ItemFlag.NoItemFlags)
                header.setFont(font(12, bold=True))
                self.step_list.addItem(header)
            item = QListWidgetItem(f"{span.number}. {span.caption}")
            item.setData(Qt.ItemDataRole.UserRole, span.number)
            self._step_rows[span.number] = self.step_list.count()
            self.step_list.addItem(item)

    def _show_step_in_list(self, step: int) -> None:
        """Select the current step's row and scroll to it. Step 0 (the very start, before step 1)
        has no row: nothing is selected and the list is back at its top, where step 1 waits.

        Called for every step change, whatever caused it (Home, End, the slider, a key, a click,
        a reload, a new scene), so the list never shows a step the stage has left.
        """
        row = self._step_rows.get(step, -1)
        if row < 0:
            self.step_list.setCurrentRow(-1)
            self.step_list.clearSelection()
        else:
            self.step_list.setCurrentRow(row)
        self._scroll_to_current_step()

    def _scroll_to_current_step(self) -> None:
        item = self.step_list.currentItem()
        if item is None:
            self.step_list.scrollToTop()
        else:
            # Centred: the chapter header above a step and the next step below both stay in sight.
            self.step_list.scrollToItem(item, QAbstractItemView.ScrollHint.PositionAtCenter)

    def _step_clicked(self, item: QListWidgetItem) -> None:
        number = item.data(Qt.ItemDataRole.UserRole)
        if number is not None:
            self.play_step(int(number))

    def play_step(self, number: int) -> None:
        """Jump to just before step ``number`` and play it, as a clicker would; 0 is the start."""
        if number <= 0:
            self.clock.run("home")
            return
        self.clock.run("go_to_step", number - 1)
        self.clock.run("next_step")

    # -- reacting to time ------------------------------------------------------------
    def _show_time(self, t: float) -> None:
        if self.timeline is None:
            return
        self.lecture.time_moved(t)
        t = self.clock.time  # a quiz may have stopped playing just before its step
        frame = self.timeline.state_at(t)
        self.stage.show_frame(frame)
        self.inspection.show_frame(frame)
        if self.audience is not None:
            self.audience.stage.show_frame(frame)
        if frame.step != self._shown_step:
            self._shown_step = frame.step
            self.notes.setMarkdown(frame.notes or "*No notes for this step.*")
            following = self.timeline.steps[frame.step] if frame.step < self.timeline.step_count else None
            self.presenter_panel.show_next(following.number if following else None, following.caption if following else "")
            self._show_step_in_list(frame.step)
            self.lecture.step_shown(frame)
        self._show_transport()

    def _show_transport(self) -> None:
        pb = self.clock.playback
        steps = self.timeline.step_count if self.timeline else 0
        step = self.timeline.step_at(pb.time) if self.timeline else 0
        self.transport.show_state(pb.time, pb.duration, step, steps, pb.playing, pb.speed, pb.pause_at_steps)
        if self.pacing_action.isChecked() != pb.pause_at_steps:
            self.pacing_action.setChecked(pb.pause_at_steps)

    def _set_speed(self, speed: float) -> None:
        self.clock.playback.speed = speed
        self._show_transport()

    # -- presenting ------------------------------------------------------------------
    @property
    def audience_stage(self) -> StageView:
        """The stage the class sees: the audience window's while presenting, else this one."""
        return self.audience.stage if self.audience is not None else self.stage

    def toggle_blank(self) -> None:
        stage = self.audience_stage
        stage.set_blanked(not stage.blanked)
        self.blank_action.setChecked(stage.blanked)
        self._refresh_prompt()

    def _refresh_prompt(self) -> None:
        """The presenter stage's prompt, derived from what is pending: a typed step number, or
        a reminder that the audience screen is blank (the presenter still sees the scene)."""
        if self._typed_step:
            self.stage.set_prompt(f"Go to step {self._typed_step}")
        elif self.audience is not None and self.audience.stage.blanked:
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
        elif self.audience_stage.blanked:
            self.toggle_blank()
        elif self.audience is not None:
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
        self.audience = AudienceWindow(self.stage.theme, self.keyPressEvent, self.stop_presenting)
        self.audience.addActions(self.actions())  # clicker keys work whichever window has focus
        if self.timeline is not None:
            self.audience.stage.set_timeline(self.timeline)
            if self.stage.frame is not None:
                self.audience.stage.show_frame(self.stage.frame)
        self.audience.show_on(target)
        self.lecture.audience_opened()
        self._presenter_docks()
        self.stage_controls.presenting_started()
        self.presenter_panel.start()
        self.present_action.setChecked(True)
        self._shown_step = -1
        self._show_time(self.clock.time)

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

    def stop_presenting(self) -> None:
        if self.audience is None:
            return
        audience, self.audience = self.audience, None
        audience.close()
        audience.deleteLater()
        self.presenter_panel.stop()
        self.presenter_dock.hide()
        for dock in self._docks_before_presenting:
            dock.show()
        self._docks_before_presenting = []
        self.stage_controls.presenting_stopped()
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
        self.stage.set_theme(theme)
        self.inspection.set_theme(theme)
        if self.audience is not None:
            self.audience.stage.set_theme(theme)
        self.transport.set_theme(theme)
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
        # The selected step is white on the accent colour: legible in every theme (on high-contrast,
        # text and borders are both black, so a border-coloured highlight hid the current step).
        self.step_list.setStyleSheet(
            f"QListWidget {{ background: {theme.panel_fill}; }}"
            f"QListWidget::item {{ padding: 5px 4px; border-bottom: 1px solid {theme.panel_border}; color: {theme.text}; }}"
            f"QListWidget::item:selected {{ background: {theme.accent}; color: white; border-left: 4px solid {theme.text}; }}"
        )
        self.theme_actions[theme.name].setChecked(True)
        self.settings.setValue("theme", theme.name)

    def toggle_fullscreen(self) -> None:
        if self._before_fullscreen is not None or self.isFullScreen():
            self.leave_fullscreen()
        else:
            self.enter_fullscreen()

    def enter_fullscreen(self) -> None:
        """Projector mode: the stage and the transport only; docks and menus come back after.

        The window state (maximised or not) and the dock layout (sizes, tabs, the tab in front)
        are kept, so Esc puts back exactly the window the lecturer had.
        """
        if self._before_fullscreen is None:
            before = self.windowState() & ~Qt.WindowState.WindowFullScreen
            self._before_fullscreen = (before, self.saveState(LAYOUT_VERSION))
        for dock in self.findChildren(QDockWidget):
            if dock.isVisible():
                dock.hide()
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
        if self.audience is not None:  # presenting began in fullscreen: the presenter's docks, not the old ones
            self._presenter_docks()
        self._scroll_to_current_step()  # the list was hidden: back to the step on the stage

    def show_shortcuts(self) -> None:
        """F1: the keys, over this window and never as a dialog (it could land on the projector)."""
        self.stage_controls.toggle_help()

    def show_about(self) -> None:
        import importlib.metadata  # 20 ms at start-up for a dialog few people open

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
        super().closeEvent(event)

    def _restore_window(self) -> bool:
        """Size, position and docks as the user left them; a damaged value is ignored.

        Returns whether the dock layout came back (False: it needs the default one).
        """
        geometry, state = self.settings.value("window/geometry"), self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        return isinstance(state, QByteArray) and self.restoreState(state, LAYOUT_VERSION)

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
        tabs = [self.lecture.lesson_dock, self.inspection.inspector_dock, self.inspection.tables_dock]
        wide = width >= WIDE_WINDOW
        if wide:
            self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, sequence)
        else:
            tabs.append(sequence)
        for dock in tabs:
            self.tabifyDockWidget(self.notes_dock, dock)
        for dock in (self.presenter_dock, self.lecture.contents_dock):
            self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        for dock in self.findChildren(QDockWidget):
            dock.setVisible(dock not in hidden)
        self.notes_dock.raise_()

        # Sizes: readable docks, as long as the stage keeps what it needs (the transport bar's minimum).
        columns = [self.steps_dock, sequence] if wide else [self.steps_dock]
        room = (width - self.centralWidget().minimumSizeHint().width()) // len(columns) - 8
        column = max(DOCK_WIDTH, round(width * (0.22 if wide else 0.3)))
        column = max(self.steps_dock.minimumSizeHint().width(), min(column, room))
        self.layout().activate()
        self.resizeDocks(columns, [column] * len(columns), Qt.Orientation.Horizontal)
        height = max(self.height(), 400)
        self.resizeDocks([self.steps_dock, self.notes_dock], [height * 3 // 10, height * 7 // 10], Qt.Orientation.Vertical)
