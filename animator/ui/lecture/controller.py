"""The lecture around the player: decks, chapter and scene keys, resume, quizzes, the traffic filter.

``MainWindow`` plays one scene; this controller knows which scene of a deck that is and what
the clicker means at its edges, asks quiz questions before their step plays, remembers where
the lecture was left, and applies the traffic filter to every stage (the presenter's and the
audience's). The rules themselves are Qt-free (``engine.deck_nav``, ``engine.quiz``,
``engine.traffic``); this module wires them to widgets and settings.
"""

from __future__ import annotations

from bisect import bisect_left
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMenu, QScrollArea

from animator.engine.deck_nav import DeckOutline, Position
from animator.engine.frame import Frame
from animator.engine.quiz import Phase, QuizRun
from animator.engine.timeline import Timeline
from animator.engine.timing import pause_point_at_or_before
from animator.engine.traffic import DERIVED_CLASSES
from animator.model.deck import Deck, load_deck, load_deck_scenes
from animator.model.errors import SceneLoadError
from animator.model.schema import PROTOCOLS, Scene
from animator.render.quiz_card import QuizView, choice_key
from animator.render.theme import PROTOCOL_NAMES
from animator.ui.lecture.contents import DeckNavigator
from animator.ui.lecture.resume import ResumeBanner, ResumeStore
from animator.ui.lecture.sidebar import LessonSidebar

if TYPE_CHECKING:
    from animator.ui.main_window import MainWindow
    from animator.ui.stage.view import StageView

_EPS = 1e-6
#: As for scenes (``main_window.RELOAD_DELAY_MS``): let an editor's save burst finish.
RELOAD_DELAY_MS = 250
#: Filter entries always offered, whatever the scene: the classes a lecturer hides most.
COMMON_CLASSES = ("arp", "dns", "tcp-control", "tls-handshake")


class Lecture(QObject):
    """One per main window. ``deck`` is None while a lone scene is open (a lecture of one scene)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.store = ResumeStore(window.settings)
        self.deck: Deck | None = None
        self.deck_path: Path | None = None
        self.titles: list[str] = []
        self.scenes: list[Scene | None] = []
        self.outline = DeckOutline([0])
        self.index = 0
        self.quiz: QuizRun | None = None
        self._last_time = 0.0
        #: A deck that failed to load, watched so that fixing it opens it.
        self._broken_deck: Path | None = None
        self.hidden: frozenset[str] = self._saved_hidden()

        self.banner = ResumeBanner(window)
        self.banner.resume.connect(self.resume)
        self.banner.start_over.connect(self.start_over)
        self.navigator = DeckNavigator(window)
        self.navigator.jump.connect(self.jump)
        self.contents_dock = QDockWidget("Contents", window)
        self.contents_dock.setObjectName("contents")
        self.contents_dock.setWidget(self.navigator)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.contents_dock)
        self.contents_dock.hide()
        self.sidebar = LessonSidebar(window)
        self.sidebar.quiz.chosen.connect(self.choose)
        self.sidebar.quiz.reveal_requested.connect(self.reveal)
        self.connect_stage(window.stage)
        # Entering or leaving fullscreen moves a question between the sidebar and the stage.
        self._fullscreen = window.isFullScreen()
        window.installEventFilter(self)
        #: Ctrl+1 … Ctrl+9: pick a choice of the question on screen (``add_actions`` makes them).
        self.answer_actions: list[QAction] = []
        self.lesson_dock = QDockWidget("Lesson", window)
        self.lesson_dock.setObjectName("lesson")
        # Scrolled, so a short dock never squeezes the choice buttons to slivers.
        scroller = QScrollArea(window)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        scroller.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroller.setWidget(self.sidebar)
        self.lesson_dock.setWidget(scroller)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.lesson_dock)
        # A tab beside the speaker notes: both want the tall space, and rarely at once.
        window.tabifyDockWidget(window.notes_dock, self.lesson_dock)
        self.traffic_actions: dict[str, QAction] = {}
        self._deck_timer = QTimer(self)
        self._deck_timer.setSingleShot(True)
        self._deck_timer.setInterval(RELOAD_DELAY_MS)
        self._deck_timer.timeout.connect(self.reload_deck)

    # -- menus and keys (called by the window once its menus exist) --------------------
    def add_actions(self, play_menu: QMenu, view_menu: QMenu) -> None:
        w = self.window
        # An edited deck (scenes added, reordered, retitled) is read again, as scenes are.
        w.watcher.fileChanged.connect(self.deck_file_changed)
        play_menu.addSeparator()
        w._action("Next chapter", ["]"], self.next_chapter, play_menu)
        w._action("Previous chapter", ["["], self.previous_chapter, play_menu)
        w._action("Next scene", ["Ctrl+PgDown"], self.next_scene, play_menu)
        w._action("Previous scene", ["Ctrl+PgUp"], self.previous_scene, play_menu)
        # Keys for the choices, in no menu: they matter only while a question shows, and then
        # each choice carries its key. Always enabled, so that with no question Ctrl+digit is
        # still taken here and never reaches the window as a typed step number.
        self.answer_actions = [
            w._action(f"Answer {chr(ord('A') + i)}", [choice_key(i)], lambda _=False, i=i: self.choose(i)) for i in range(9)
        ]
        view_menu.addAction(self.contents_dock.toggleViewAction())
        view_menu.addAction(self.lesson_dock.toggleViewAction())
        self.traffic_menu = view_menu.addMenu("Show &traffic")
        self.traffic_menu.aboutToShow.connect(self._fill_traffic_menu)
        self._fill_traffic_menu()

    # -- opening -------------------------------------------------------------------------
    def open_deck(self, path: Path, step: int | None = None) -> bool:
        """Load a deck and its first scene (or offer to resume where it was left)."""
        if not self._read_deck(path):
            self._broken_deck = path
            self.window._watch(path)  # fixing it in an editor opens it
            return False
        self._broken_deck = None
        self.contents_dock.show()
        self.window._remember_recent(path)
        self.index = 0
        saved = self.store.position(path)  # read before the first scene's step 0 is saved over it
        assert self.deck is not None
        self.window.open_scene(self.deck.scene_path(0), step, in_deck=True)
        self.window._watch(path)
        if step is None:
            self._offer_resume(saved)
        return True

    def _read_deck(self, path: Path) -> bool:
        try:
            deck = load_deck(path)
        except SceneLoadError as exc:
            self.window._show_errors(exc, "deck")
            return False
        loaded = load_deck_scenes(deck)
        self.deck, self.deck_path = deck, path
        self.scenes = [s if isinstance(s, Scene) else None for s in loaded]
        self.titles = [e.title or (s.title if s else e.file) for e, s in zip(deck.scenes, self.scenes, strict=True)]
        self.outline = DeckOutline.of_scenes(self.scenes)
        self.navigator.set_lecture(self.titles, self.scenes)
        return True

    def deck_file_changed(self, path: str) -> None:
        if Path(path) in (self.deck_path, self._broken_deck):
            self._deck_timer.start()

    def reload_deck(self) -> None:
        """The deck file changed: read it again and stay at the same scene number and step."""
        if self._broken_deck is not None:
            self.open_deck(self._broken_deck)
            return
        if self.deck_path is None:
            return
        where = self.position()
        if not self._read_deck(self.deck_path):
            self.window._watch(self.deck_path)  # fixing it brings it back
            return
        assert self.deck is not None
        self.index = min(where.scene, len(self.deck.scenes) - 1)
        self.window.open_scene(self.deck.scene_path(self.index), where.step, in_deck=True)
        self.window._watch(self.deck_path)

    def scene_opened(self, timeline: Timeline, in_deck: bool, fresh: bool) -> None:
        """The window loaded a scene: a lone one (leaving any deck) or one of the deck's."""
        scene = timeline.scene
        if not in_deck:
            self.deck, self.deck_path, self.index = None, None, 0
            self.scenes, self.titles = [scene], [scene.title]
            self.outline = DeckOutline.of_scenes(self.scenes)
            self.navigator.set_lecture(self.titles, self.scenes)
        else:
            self.scenes[self.index] = scene
        if not fresh:  # a reload may have added steps or chapters
            self.outline = DeckOutline.of_scenes(self.scenes)
            self.navigator.set_lecture(self.titles, self.scenes)
        if fresh or self.quiz is None:
            self.quiz = QuizRun(scene, self.store.answers(Path(scene.source)))
        else:  # a reload: keep this visit's answers
            self.quiz = QuizRun(scene, self.quiz.answers)
        self._show_quiz()
        self._show_score()
        self._fill_traffic_menu()  # this scene's protocols
        if self.deck is not None:
            self.window.setWindowTitle(f"{scene.title} — {self.deck.title} — PacketStage")
        if not in_deck and fresh:
            self._offer_resume(self.store.position(Path(scene.source)))

    def _offer_resume(self, saved: Position | None) -> None:
        if saved is None or saved == Position(0, 0) or saved.scene >= self.outline.scene_count:
            self.banner.withdraw()
            return
        # The scene may have lost steps since: offer a place that still exists.
        saved = Position(saved.scene, min(saved.step, self.outline.step_counts[saved.scene]))
        self.banner.offer(self.titles[saved.scene], saved)

    def resume(self) -> None:
        position = self.banner.offered
        self.banner.withdraw()
        if position is not None:
            self.go_to(position)

    def start_over(self) -> None:
        self.banner.withdraw()
        self.go_to(Position(0, 0))

    # -- where we are --------------------------------------------------------------------
    @property
    def timeline(self) -> Timeline | None:
        return self.window.timeline

    def position(self) -> Position:
        """The scene and the pause point shown (the step playing counts as not yet finished)."""
        pb = self.window.clock.playback
        return Position(self.index, min(self._floor_step(), self.outline.step_counts[self.index]) if pb.boundaries else 0)

    def _floor_step(self) -> int:
        """The last pause point at or before the current time."""
        pb = self.window.clock.playback
        return pause_point_at_or_before(pb.boundaries, pb.time)

    def _at_pause_point(self) -> bool:
        pb = self.window.clock.playback
        return not pb.playing and abs(pb.boundaries[self._floor_step()] - pb.time) < _EPS

    def go_to(self, position: Position, play: bool = False) -> None:
        """Show ``position`` (loading its scene if needed); ``play`` plays that step, as a click would."""
        self.banner.withdraw()
        if self.quiz is not None:
            self.quiz.release()
        if position.scene != self.index and self.deck is not None and self.deck_path is not None:
            self.index = position.scene
            self.window.open_scene(self.deck.scene_path(position.scene), None, in_deck=True)
            self.window._watch(self.deck_path)  # opening a scene watches that scene alone
        if play:
            self.window.play_step(position.step)
        else:
            self.window.clock.run("go_to_step", position.step)
        self._show_quiz()

    def jump(self, scene: int, step: int, play: bool) -> None:
        self.go_to(Position(scene, step), play)

    # -- the clicker ---------------------------------------------------------------------
    def next_step(self) -> None:
        """Next: reveal a question asked, play a revealed one's step, or walk on into the next scene."""
        self.banner.withdraw()
        quiz = self.quiz
        if quiz is not None and quiz.phase is Phase.ASKING:
            quiz.reveal()
            self._after_answer()
            return
        if quiz is not None and quiz.phase is Phase.REVEALED:
            quiz.release()
            self._show_quiz()
            self.window.clock.run("next_step")
            return
        pb = self.window.clock.playback
        if not pb.playing and pb.time >= pb.duration - _EPS:
            after = self.outline.after_last_step(self.position())
            if after is not None:
                self.go_to(after)
            return
        if self._at_pause_point() and quiz is not None and quiz.blocks(self._floor_step() + 1):
            quiz.ask(self._floor_step() + 1)
            self._show_quiz()
            return
        self.window.clock.run("next_step")

    def previous_step(self) -> None:
        self.banner.withdraw()
        if self.quiz is not None and self.quiz.phase is not Phase.IDLE:
            self.quiz.release()  # back out of the question; the step had not played
            self._show_quiz()
            return
        pb = self.window.clock.playback
        if pb.time <= _EPS:
            before = self.outline.before_first_step(self.position())
            if before is not None:
                self.go_to(before)
            return
        self.window.clock.run("previous_step")

    def time_moved(self, t: float) -> None:
        """Playing (Space, continuous play, a step-list click) must not run into an unasked question.

        A question blocks when playing forward crosses the pause point before its step, so
        it is checked against the time seen last, not against the step that ``t`` falls in.
        """
        before, self._last_time = self._last_time, t
        timeline, quiz = self.timeline, self.quiz
        if timeline is None or quiz is None:
            return
        if quiz.step is not None and abs(t - timeline.boundary(quiz.step - 1)) > _EPS:
            quiz.release()  # moved away (Home, End, the slider, a click in the step list): the question goes
            self._show_quiz()
        if not self.window.clock.playing or t <= before:
            return
        boundaries = timeline.boundaries
        first = bisect_left(boundaries, before - _EPS)
        for k in range(first, len(boundaries) - 1):
            if boundaries[k] >= t - _EPS:
                break
            if quiz.blocks(k + 1):
                quiz.ask(k + 1)
                self.window.clock.run("seek", boundaries[k])
                self._show_quiz()
                return

    def next_chapter(self) -> None:
        target = self.outline.next_chapter(self.index, self._chapter_probe())
        if target is not None:
            self.go_to(target)

    def previous_chapter(self) -> None:
        target = self.outline.previous_chapter(self.index, self._chapter_probe())
        if target is not None:
            self.go_to(target)

    def _chapter_probe(self) -> float:
        """Where we are for chapter keys: a pause point, or halfway into the step playing."""
        return float(self._floor_step()) if self._at_pause_point() else self._floor_step() + 0.5

    def next_scene(self) -> None:
        target = self.outline.next_scene(self.index)
        if target is not None:
            self.go_to(target)

    def previous_scene(self) -> None:
        target = self.outline.previous_scene(self.index)
        if target is not None:
            self.go_to(target)

    # -- quizzes -------------------------------------------------------------------------
    def choose(self, index: int) -> None:
        """Answer the question asked with choice ``index`` (0-based), from wherever it came: the
        sidebar, Ctrl+1 … Ctrl+9 in either window, or a click on a stage's quiz card. Anything
        else (no question, already revealed, no such choice) is ignored, so a stray key or a
        late click cannot change an answer."""
        quiz = self.quiz
        if quiz is None or quiz.phase is not Phase.ASKING or quiz.quiz is None or not 0 <= index < len(quiz.quiz.choices):
            return
        quiz.choose(index)
        self._after_answer()

    def connect_stage(self, stage: StageView) -> None:
        """A click on a choice of ``stage``'s quiz card answers it, as the sidebar's buttons do."""
        # The stage emits ``quiz_choice_clicked(int)`` from its mouse handler (via quiz_choice_at);
        # looked up by name so this file works before and after the stage gains the signal.
        signal = getattr(stage, "quiz_choice_clicked", None)
        if signal is not None:
            signal.connect(self.choose)

    def reveal(self) -> None:
        if self.quiz is not None and self.quiz.phase is Phase.ASKING:
            self.quiz.reveal()
            self._after_answer()

    def _after_answer(self) -> None:
        assert self.quiz is not None
        if self.timeline is not None:
            self.store.save_answers(Path(self.timeline.scene.source), self.quiz.answers)
        self._show_quiz()
        self._show_score()

    def quiz_view(self) -> QuizView | None:
        quiz = self.quiz
        if quiz is None or quiz.quiz is None or quiz.step is None:
            return None
        q = quiz.quiz
        correct = q.correct_index()
        assert correct is not None  # validated when loaded
        revealed = quiz.phase is Phase.REVEALED
        return QuizView(q.question, q.choices, correct, revealed, quiz.chosen(quiz.step) if revealed else None, q.explain or "")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Fullscreen alone, the stage asks the question (there is no sidebar); back in the
        window, the sidebar asks it again. The window tells no one else when it changes mode."""
        if watched is self.window and event.type() == QEvent.Type.WindowStateChange:
            fullscreen = self.window.isFullScreen()
            if fullscreen != self._fullscreen:
                self._fullscreen = fullscreen
                self._show_quiz(docks=False)
                if not fullscreen:
                    # After the window has put its docks back (it restores them after the state).
                    QTimer.singleShot(0, self, self._show_quiz)
        return super().eventFilter(watched, event)

    def _show_quiz(self, docks: bool = True) -> None:
        """Show the question (or none) on every view that should ask it; ``docks`` also brings
        the lesson sidebar (or, presenting, the notes) to the front."""
        view = self.quiz_view()
        self.sidebar.quiz.show_quiz(view)
        w = self.window
        # The hall sees the question big only while presenting; alone, the sidebar asks it,
        # unless the window is fullscreen (no sidebar): then the stage does.
        if w.audience is not None:
            w.audience.stage.set_quiz(view)
        fullscreen_alone = w.audience is None and w.isFullScreen()
        w.stage.set_quiz(view if fullscreen_alone else None)
        w.presenter_panel.show_question(view)
        if not docks:
            return
        if w.audience is not None:
            w.notes_dock.raise_()  # presenting: the hall has the question, the lecturer keeps the notes
        elif view is not None and not w.isFullScreen():
            self.lesson_dock.show()
            self.lesson_dock.raise_()

    def _show_score(self) -> None:
        right, total = self.quiz.score() if self.quiz is not None else (0, 0)
        self.sidebar.set_score(right, total)

    # -- following playback --------------------------------------------------------------
    def step_shown(self, frame: Frame) -> None:
        """A new step is on screen: explanation, position, navigator, presenter, resume point."""
        timeline = self.timeline
        if timeline is None:
            return
        scene = timeline.scene
        step = scene.steps[frame.step - 1] if frame.step > 0 else None
        if step is None and self.deck is not None and self.index == 0 and self.deck.summary:
            # The lecture's very start: what the whole deck is about, then the first scene.
            self.sidebar.show_step(
                scene.title,
                f"## {self.deck.title}\n\n{self.deck.summary}\n\n---\n\n**{scene.title}**\n\n{scene.summary or ''}",
                "",
            )
        elif step is None:
            self.sidebar.show_step(scene.title, scene.summary, "")
        else:
            self.sidebar.show_step(step.caption, step.explain, step.notes or "")
        self.sidebar.set_position(self.describe(frame))
        self.navigator.show_position(self.index, frame.step)
        self.window.presenter_panel.show_position(self.describe(frame))
        after = self.outline.after_last_step(Position(self.index, frame.step)) if self.deck is not None else None
        if after is not None:  # the end of a scene: the lecturer's next click opens the next one
            self.window.presenter_panel.next_label.setText(f"Scene {after.scene + 1}: {self.titles[after.scene]}")
        if frame.step != 0:
            self.banner.withdraw()
        # While resuming is on offer, the saved place is kept: the user has not chosen yet.
        if self.window.path is not None and self.banner.offered is None:
            position = Position(self.index, frame.step)
            self.store.save_position(self.deck_path or self.window.path, position)

    def describe(self, frame: Frame) -> str:
        """'Scene 2 of 3 · HTTP GET · ARP · step 4 of 10', for the sidebar and the presenter."""
        parts = []
        if self.deck is not None:
            parts.append(f"Scene {self.index + 1} of {self.outline.scene_count}")
        parts.append(self.titles[self.index] if self.index < len(self.titles) else "")
        if frame.chapter:
            parts.append(frame.chapter)
        parts.append(f"step {frame.step} of {frame.step_count}")
        return " · ".join(p for p in parts if p)

    # -- traffic filter ------------------------------------------------------------------
    def _saved_hidden(self) -> frozenset[str]:
        value = self.window.settings.value("traffic/hidden", [])
        if isinstance(value, str):
            value = [value] if value else []
        known = set(PROTOCOLS) | set(DERIVED_CLASSES)
        return frozenset(str(v) for v in (value or []) if str(v) in known)

    def set_hidden(self, hidden: frozenset[str]) -> None:
        self.hidden = hidden
        self.window.settings.setValue("traffic/hidden", sorted(hidden))
        self.apply_filter()
        for name, action in self.traffic_actions.items():
            action.setChecked(name not in hidden)

    def toggle_traffic(self, name: str) -> None:
        self.set_hidden(self.hidden ^ {name})

    def apply_filter(self) -> None:
        """Every stage shows the same traffic: the audience follows the presenter's filter."""
        self.window.stage.set_hidden_traffic(self.hidden)
        if self.window.audience is not None:
            self.window.audience.stage.set_hidden_traffic(self.hidden)

    def audience_opened(self) -> None:
        """Presenting began: the new audience stage gets the filter, the question and legend clicks."""
        audience = self.window.audience
        assert audience is not None
        audience.stage.legend_clicked.connect(self.toggle_traffic)
        self.connect_stage(audience.stage)
        audience.addActions(self.answer_actions)  # the hall's window answers with the same keys
        self.apply_filter()
        self._show_quiz()

    def _traffic_names(self) -> list[str]:
        protocols = self.timeline.protocols if self.timeline is not None else ()
        return list(COMMON_CLASSES) + [p for p in protocols if p not in COMMON_CLASSES]

    def _fill_traffic_menu(self) -> None:
        self.traffic_menu.clear()
        self.traffic_actions = {}
        for i, name in enumerate(self._traffic_names()):
            if i == len(COMMON_CLASSES):
                self.traffic_menu.addSeparator()
            label = DERIVED_CLASSES.get(name) or PROTOCOL_NAMES.get(name, name.upper())
            action = self.traffic_menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(name not in self.hidden)
            action.toggled.connect(lambda on, n=name: self.set_hidden(self.hidden - {n} if on else self.hidden | {n}))
            self.traffic_actions[name] = action
        self.traffic_menu.addSeparator()
        show_all = self.traffic_menu.addAction("Show all traffic")
        show_all.triggered.connect(lambda: self.set_hidden(frozenset()))
