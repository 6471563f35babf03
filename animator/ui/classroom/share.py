"""Sharing with the class from the app: the class server beside the Qt event loop.

The pages are built on a worker thread (a deck takes a second or two), then the server starts on
its own thread (``animator.classroom.server``), so the lecture never stutters. From then on the
player's state is published at every change the students should see (a step, a seek, play or
pause, the blank, a question asked or revealed; not every frame: their pages play a step on
their own clock); the remote's clicks come back as Qt signals, queued to this thread, and act as
the lecturer's own keys would. Sharing ends when presenting ends.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal, SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from animator.classroom.address import DEFAULT_PORT, choose_binding
from animator.classroom.codes import qr_matrix, qr_png, spaced
from animator.classroom.page import LecturePages
from animator.classroom.server import ClassServer
from animator.engine.frame import Frame
from animator.engine.quiz import QuizRun
from animator.player import PlayerState
from animator.ui.classroom.chart import ChartData
from animator.ui.classroom.join_screen import JoinScreen
from animator.ui.classroom.live_state import live_state, only_time_moved, signature
from animator.ui.classroom.panel import ClassPanel
from animator.ui.classroom.results_screen import ResultsScreen
from animator.ui.playback.clock import PlayerClock
from animator.ui.stage.view import StageView

if TYPE_CHECKING:
    from animator.ui.classroom import ClassroomMenu

log = logging.getLogger(__name__)
#: Seconds between two updates that only move the time (the presenter dragging the slider).
SCRUB_S = 0.1


class LectureLike(Protocol):
    """What sharing needs of the lecture controller (``animator.ui.lecture.controller.Lecture``)."""

    index: int
    deck_path: Path | None
    quiz: QuizRun | None
    quiz_changed: SignalInstance

    def next_step(self) -> None: ...
    def previous_step(self) -> None: ...


class ClassroomHost(Protocol):
    """What sharing needs of the player window (``MainWindow`` has all of it)."""

    state: PlayerState
    clock: PlayerClock
    settings: QSettings
    blank_action: QAction

    @property
    def lecture(self) -> LectureLike: ...
    @property
    def audience_stage(self) -> StageView: ...
    def toggle_blank(self) -> None: ...
    def start_presenting(self, screen: int | None = None) -> None: ...
    def show_status(self, text: str, timeout_ms: int) -> None: ...
    def dialog_parent(self) -> QWidget: ...


class ClassroomShare(QObject):
    """One per window: the server while sharing, the Class panel and the projector's join screen."""

    built = Signal(object)
    failed = Signal(str)
    #: From the server's thread (the remote's clicks, answers, head counts): queued to this one.
    command = Signal(str)
    tally = Signal(object)
    room = Signal(int)

    def __init__(self, host: ClassroomHost, menu: ClassroomMenu | None = None) -> None:
        super().__init__(host.dialog_parent())
        self.host, self.menu = host, menu
        self.server: ClassServer | None = None
        self.pages: LecturePages | None = None
        self._last: tuple[object, ...] | None = None
        self._join: JoinScreen | None = None
        self._join_step: int | None = None
        self._counts: dict[tuple[int, int], tuple[int, ...]] = {}
        self._building = False
        self._sent_at = 0.0
        self._trailing = QTimer(self)
        self._trailing.setSingleShot(True)
        self._trailing.timeout.connect(self._publish)
        self._shown: tuple[tuple[int, int], bool] | None = None
        self._results: ResultsScreen | None = None
        self._results_key: tuple[int, int] | None = None
        self.panel = ClassPanel()
        self.dock = QDockWidget("Class", host.dialog_parent())
        self.dock.setObjectName("class")
        self.dock.setWidget(self.panel)
        self.dock.hide()
        window = host.dialog_parent()
        if isinstance(window, QMainWindow):
            window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        self.panel.stop_clicked.connect(self.stop)
        self.panel.join_screen_toggled.connect(self.show_join_screen)
        self.built.connect(self.serve)
        self.failed.connect(self._failed)
        self.command.connect(self._command)
        self.tally.connect(self._tally)
        self.room.connect(self.panel.show_students)

    @property
    def sharing(self) -> bool:
        return self.server is not None

    # -- starting and stopping ----------------------------------------------------------
    def lecture_path(self) -> Path | None:
        return self.host.lecture.deck_path or self.host.state.path

    def start(self) -> None:
        """Present (if not already), build the pages on a worker thread, then serve them."""
        if self.sharing or self._building:
            return
        path = self.lecture_path()
        if path is None:
            self.host.show_status("Open a scene or a deck first, then share it with the class.", 5000)
            self._menu(False)
            return
        if not self.host.state.presenting:
            self.host.start_presenting()
        self._building = True
        self.host.show_status("Preparing the students' page…", 0)
        threading.Thread(target=self._build, args=(path,), name="classroom-pages", daemon=True).start()

    def _build(self, path: Path) -> None:
        from animator.classroom.page import build_pages
        from animator.export.registry import load_source
        from animator.model import SceneLoadError

        try:
            self.built.emit(build_pages(load_source(path)))
        except SceneLoadError as exc:
            self.failed.emit(str(exc.errors[0]))
        except Exception as exc:  # a bug: say so in the status bar, never on the projector
            log.exception("building the class pages failed")
            self.failed.emit(f"the students' page could not be made ({exc})")

    def _failed(self, message: str) -> None:
        self._building = False
        self.host.show_status(f"Sharing failed: {message}", 10000)
        self._menu(False)

    def serve(self, pages: LecturePages, port: int | None = None, bind: str | None = None) -> bool:
        """Start the server for ``pages`` (on the worker's signal; tests call it directly). It
        listens on the default route's interface, or on ``bind``, or on the address in the
        settings' ``classroom/bind`` (a lecturer whose laptop has two networks)."""
        self._building = False
        if self.sharing:
            return True
        chosen = bind or self.host.settings.value("classroom/bind")
        try:
            binding = choose_binding(chosen if isinstance(chosen, str) and chosen else None)
        except ValueError as exc:
            self._failed(str(exc))
            return False
        wanted = DEFAULT_PORT if port is None else port
        server = None
        for candidate in dict.fromkeys((wanted, 0)):  # the usual port, or any free one
            server = ClassServer(
                pages, binding, candidate, on_command=self.command.emit, on_tally=self.tally.emit, on_room=self.room.emit
            )
            try:
                server.start()
                break
            except OSError as exc:
                log.info("port %s: %s", candidate, exc)
                server = None
        if server is None:
            self.host.show_status(f"Sharing failed: cannot listen on {binding.listen}", 10000)
            self._menu(False)
            return False
        self.server, self.pages = server, pages
        self._last = None
        self._counts = {}
        state = self.host.state
        state.events.frame.connect(self._frame)
        state.events.transport.connect(self._publish)  # speed or pacing changed while paused
        state.events.presenting.connect(self._presenting)
        self.host.lecture.quiz_changed.connect(self._publish)
        self.host.blank_action.toggled.connect(self._publish)
        self.panel.show_session(spaced(server.join_code), server.base_url, qr_png(server.remote_url, scale=4))
        self.panel.show_students(0)
        self.dock.show()
        self.dock.raise_()
        note = f" ({binding.note})" if binding.note else ""
        self.host.show_status(f"Sharing at {server.base_url} · code {spaced(server.join_code)}{note}", 0)
        self._publish()
        self.show_join_screen(True)
        self._menu(True)
        return True

    def stop(self) -> None:
        server, self.server = self.server, None
        if server is None:
            self._menu(False)
            return
        state = self.host.state
        self._trailing.stop()
        state.events.frame.disconnect(self._frame)
        state.events.transport.disconnect(self._publish)
        state.events.presenting.disconnect(self._presenting)
        self.host.lecture.quiz_changed.disconnect(self._publish)
        self.host.blank_action.toggled.disconnect(self._publish)
        self.show_join_screen(False)
        self._show_results(None)
        self._shown = None
        server.stop()
        self.dock.hide()
        self.panel.clear_chart()
        self.host.show_status("Sharing with the class has ended.", 5000)
        self._menu(False)

    def _presenting(self, presenting: bool) -> None:
        if not presenting:
            self.stop()

    def _menu(self, sharing: bool) -> None:
        if self.menu is not None:
            self.menu.sharing_changed(sharing)

    # -- publishing what the class sees ----------------------------------------------------
    def _frame(self, frame: Frame) -> None:
        self._publish()
        if self._join is not None and self._join_step is not None and frame.step != self._join_step:
            self.show_join_screen(False)  # the lecture moved on

    def _publish(self, *_: Any) -> None:
        server = self.server
        if server is None or self.host.state.timeline is None:
            return
        host = self.host
        lecture = host.lecture
        chapter = lecture.index if lecture.deck_path is not None else 0
        live = live_state(host.state.playback, chapter, host.state.step, lecture.quiz, host.audience_stage.blanked)
        mark = signature(live)
        if mark == self._last:
            return
        # Dragging the slider moves only the time, every frame: at most one of those per SCRUB_MS
        # (the last one always, by the timer); a step, play, blank or question goes out at once.
        now = time.monotonic()
        wait = SCRUB_S - (now - self._sent_at)
        if self._last is not None and only_time_moved(mark, self._last) and wait > 0:
            if not self._trailing.isActive():
                self._trailing.start(max(1, int(wait * 1000)))
            return
        self._last, self._sent_at = mark, now
        server.publish(live)
        self._show_question(
            live.quiz.chapter if live.quiz else None,
            live.quiz.step if live.quiz else None,
            live.quiz is not None and live.quiz.phase == "revealed",
        )

    def _show_question(self, chapter: int | None, step: int | None, revealed: bool) -> None:
        quiz = None if chapter is None or step is None or self.server is None else self.server.state.quizzes.get((chapter, step))
        if quiz is None:
            self._shown = None
            self.panel.clear_chart()
            self._show_results(None)
            return
        counts = self._counts.get(quiz.key, (0,) * len(quiz.choices))
        self.panel.show_chart(quiz.question, quiz.choices, counts, quiz.answer, revealed)
        self._shown = (quiz.key, revealed)
        if not revealed:
            self._show_results(None)
        elif self._results is None or self._results_key != quiz.key:
            # The counts are final at the reveal (the server froze them): the projector shows them.
            final = self.server.state.tallies[quiz.key].counts() if self.server is not None else list(counts)
            self._counts[quiz.key] = tuple(final)
            self.panel.show_chart(quiz.question, quiz.choices, tuple(final), quiz.answer, True)
            data = ChartData(quiz.question, quiz.choices, tuple(final), quiz.answer, True, self.panel.students)
            self._show_results(data, quiz.explain)
            self._results_key = quiz.key

    def _show_results(self, data: ChartData | None, explain: str = "") -> None:
        if self._results is not None:
            self._results.hide()
            self._results.deleteLater()
            self._results = None
            self._results_key = None
        if data is not None:
            self._results = ResultsScreen(self.host.audience_stage, data, explain)
            self._results.show()
            self._results.raise_()

    @property
    def results_screen(self) -> ResultsScreen | None:
        return self._results

    def _tally(self, message: dict[str, Any]) -> None:
        key = (int(message["q"][0]), int(message["q"][1]))
        self._counts[key] = tuple(int(n) for n in message["counts"])
        shown = self._shown
        if shown is not None and shown[0] == key and not shown[1]:
            self._show_question(key[0], key[1], shown[1])

    # -- the remote's clicks --------------------------------------------------------------
    def _command(self, do: str) -> None:
        host = self.host
        actions = {
            "next": host.lecture.next_step,
            "back": host.lecture.previous_step,
            "blank": host.toggle_blank,
            "home": host.clock.home,
            "end": host.clock.end,
        }
        action = actions.get(do)
        if action is not None:
            action()

    # -- the projector's join screen --------------------------------------------------------
    def show_join_screen(self, on: bool) -> None:
        server = self.server
        if self._join is not None:
            self._join.hide()
            self._join.deleteLater()
            self._join = None
        if on and server is not None and self.pages is not None:
            stage = self.host.audience_stage
            # With http:// spelled out: a phone's browser would try https:// first and fail.
            short = server.base_url.rstrip("/")
            self._join = JoinScreen(
                stage, self.pages.title, server.join_url, short, spaced(server.join_code), qr_matrix(server.join_url)
            )
            self._join.show()
            self._join.raise_()
            self._join_step = self.host.state.step
        self.panel.set_join_screen(self._join is not None)
        if self.menu is not None:
            self.menu.join_action.setChecked(self._join is not None)

    @property
    def join_screen(self) -> JoinScreen | None:
        return self._join
