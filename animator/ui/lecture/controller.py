"""The lecture around the player: decks, chapter and scene keys, resume, quizzes, the traffic filter.

``MainWindow`` plays one scene; this controller knows which scene of a deck that is and what
the clicker means at its edges, asks quiz questions before their step plays (a time guard on
the player's state), remembers where the lecture was left, and owns the traffic filter (the
state's hidden classes, which every stage follows). The rules themselves are Qt-free
(``engine.deck_nav``, ``engine.quiz``, ``engine.traffic``); this module wires them to its own
widgets (the contents tree, the lesson sidebar, the resume banner) and to settings.

It knows nothing of the window: it asks ``Services`` for what only the window can do (actions,
watching files, the error banner, recent files) and says what others show through its signals:
the question on screen (``quiz_changed``), the presenter's cue (``cue_changed``: where the talk
is, what the next click shows) and the window title (``title_changed``).
"""

from __future__ import annotations

from bisect import bisect_left
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMenu, QScrollArea, QWidget

from animator.engine.deck_nav import DeckOutline, Position
from animator.engine.frame import Frame
from animator.engine.quiz import Phase, QuizRun
from animator.engine.timeline import Timeline
from animator.engine.timing import pause_point_at_or_before
from animator.engine.traffic import DERIVED_CLASSES
from animator.model.deck import Deck, load_deck, load_deck_scenes
from animator.model.errors import SceneLoadError
from animator.model.schema import PROTOCOLS, Scene
from animator.player import PlayerState, SceneShown
from animator.render.quiz_view import QuizView, choice_key
from animator.render.theme import PROTOCOL_NAMES
from animator.ui.lazy import LazyDock
from animator.ui.lecture.resume import ResumeBanner, ResumeStore

if TYPE_CHECKING:
    from animator.ui.lecture.contents import DeckNavigator
    from animator.ui.lecture.sidebar import LessonSidebar
    from animator.ui.playback.clock import PlayerClock
    from animator.ui.services import Services
    from animator.ui.stage.group import StageGroup
    from animator.ui.stage.view import StageView

_EPS = 1e-6
#: As for scenes (``main_window.RELOAD_DELAY_MS``): let an editor's save burst finish.
RELOAD_DELAY_MS = 250
#: Filter entries always offered, whatever the scene: the classes a lecturer hides most.
COMMON_CLASSES = ("arp", "dns", "tcp-control", "tls-handshake")


class Lecture(QObject):
    """One per player window. ``deck`` is None while a lone scene is open (a lecture of one scene)."""

    #: The question to show now (a ``QuizView``), or None: the window puts it on the stage the hall
    #: sees or in the sidebar, and on the presenter's panel.
    quiz_changed = Signal(object)
    #: Where the talk is ('Scene 2 of 3 · HTTP GET · step 4 of 10') and what the next click shows.
    cue_changed = Signal(str, str)
    #: The window's title for the scene of the deck on screen.
    title_changed = Signal(str)

    def __init__(self, services: Services, state: PlayerState, clock: PlayerClock, parent: QWidget) -> None:
        super().__init__(parent)
        self.services = services
        self.state = state
        self.clock = clock
        self.store = ResumeStore(services.settings)
        self.deck: Deck | None = None
        self.deck_path: Path | None = None
        self.titles: list[str] = []
        #: The deck's parts: (title, index of the first scene), for the contents.
        self.parts: list[tuple[str, int]] = []
        self.scenes: list[Scene | None] = []
        self.outline = DeckOutline([0])
        self.index = 0
        self.quiz: QuizRun | None = None
        #: A deck that failed to load, watched so that fixing it opens it.
        self._broken_deck: Path | None = None

        self.banner = ResumeBanner(parent)
        self.banner.resume.connect(self.resume)
        self.banner.start_over.connect(self.start_over)
        #: What the lesson sidebar and the contents tree show: kept here, handed over when they are
        #: built (the first time their dock is shown: at start-up they are a tab and a hidden dock).
        self._shown_step: tuple[str, str | None, str] = ("", None, "")
        self._shown_position = ""
        self._shown_score = (0, 0)
        self._shown_quiz: QuizView | None = None
        self._shown_place = (0, 0)
        self._sidebar: LessonSidebar | None = None
        self.contents_dock: LazyDock[DeckNavigator] = LazyDock("Contents", "contents", self._make_navigator, parent)
        self.contents_dock.hide()
        #: Ctrl+1 … Ctrl+9: pick a choice of the question on screen (``add_actions`` makes them).
        self.answer_actions: list[QAction] = []
        self.lesson_dock: LazyDock[QScrollArea] = LazyDock("Lesson", "lesson", self._make_sidebar, parent)
        self.traffic_actions: dict[str, QAction] = {}
        self._deck_timer = QTimer(self)
        self._deck_timer.setSingleShot(True)
        self._deck_timer.setInterval(RELOAD_DELAY_MS)
        self._deck_timer.timeout.connect(self.reload_deck)

        state.set_hidden(self.saved_hidden())
        state.add_guard(self.time_moved)
        state.events.scene.connect(self.scene_opened)
        state.events.step.connect(self.step_shown)
        state.events.hidden.connect(self._hidden_changed)
        state.events.presenting.connect(self._presenting)

    # -- the panels, built on first use ----------------------------------------------------
    @property
    def navigator(self) -> DeckNavigator:
        return self.contents_dock.content()

    @property
    def sidebar(self) -> LessonSidebar:
        self.lesson_dock.content()
        assert self._sidebar is not None
        return self._sidebar

    def _make_navigator(self) -> DeckNavigator:
        from animator.ui.lecture.contents import DeckNavigator

        navigator = DeckNavigator(self.contents_dock)
        navigator.jump.connect(self.jump)
        navigator.set_lecture(self.titles, self.scenes, self.parts)
        navigator.show_position(*self._shown_place)
        return navigator

    def _make_sidebar(self) -> QScrollArea:
        from animator.ui.lecture.sidebar import LessonSidebar

        sidebar = self._sidebar = LessonSidebar(self.lesson_dock)
        sidebar.quiz.chosen.connect(self.choose)
        sidebar.quiz.reveal_requested.connect(self.reveal)
        # Scrolled, so a short dock never squeezes the choice buttons to slivers.
        scroller = QScrollArea(self.lesson_dock)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        scroller.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroller.setWidget(sidebar)
        sidebar.show_step(*self._shown_step)
        sidebar.set_position(self._shown_position)
        sidebar.set_score(*self._shown_score)
        sidebar.quiz.show_quiz(self._shown_quiz)
        return scroller

    def _show_lecture(self) -> None:
        """The deck's scenes (or the lone scene) in the contents tree."""
        if self.contents_dock.built:
            self.navigator.set_lecture(self.titles, self.scenes, self.parts)

    @property
    def docks(self) -> tuple[QDockWidget, ...]:
        """The contents tree (left) and the lesson sidebar (right): the window places them."""
        return (self.contents_dock, self.lesson_dock)

    # -- menus and keys (called by the window once its menus exist) --------------------
    def add_actions(self, play_menu: QMenu, view_menu: QMenu) -> None:
        add = self.services.add_action
        play_menu.addSeparator()
        add("Next chapter", ["]"], self.next_chapter, play_menu)
        add("Previous chapter", ["["], self.previous_chapter, play_menu)
        add("Next scene", ["Ctrl+PgDown"], self.next_scene, play_menu)
        add("Previous scene", ["Ctrl+PgUp"], self.previous_scene, play_menu)
        # Keys for the choices, in no menu: they matter only while a question shows, and then
        # each choice carries its key. Always enabled, so that with no question Ctrl+digit is
        # still taken here and never reaches the window as a typed step number.
        self.answer_actions = [
            add(f"Answer {chr(ord('A') + i)}", [choice_key(i)], lambda _=False, i=i: self.choose(i)) for i in range(9)
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
            self._watch_deck(path)  # fixing it in an editor opens it
            return False
        self._broken_deck = None
        self.contents_dock.show()
        self.services.remember_recent(path)
        self.index = 0
        saved = self.store.position(path)  # read before the first scene's step 0 is saved over it
        assert self.deck is not None
        self.services.open_scene(self.deck.scene_path(0), step, in_deck=True)
        self._watch_deck(path)
        if step is None:
            self._offer_resume(saved)
        return True

    def _read_deck(self, path: Path) -> bool:
        try:
            deck = load_deck(path)
        except SceneLoadError as exc:
            self.services.show_errors(exc, "deck")
            return False
        loaded = load_deck_scenes(deck)
        self.deck, self.deck_path = deck, path
        self.scenes = [s if isinstance(s, Scene) else None for s in loaded]
        self.titles = [e.title or (s.title if s else e.file) for e, s in zip(deck.scenes, self.scenes, strict=True)]
        self.parts = deck.parts()
        self.outline = DeckOutline.of_scenes(self.scenes)
        self._show_lecture()
        return True

    def _watch_deck(self, path: Path) -> None:
        """An edited deck (scenes added, reordered, retitled) is read again, as scenes are."""
        self.services.watch(path, self.deck_file_changed)

    def deck_file_changed(self, path: Path | str) -> None:
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
            self._watch_deck(self.deck_path)  # fixing it brings it back
            return
        assert self.deck is not None
        self.index = min(where.scene, len(self.deck.scenes) - 1)
        self.services.open_scene(self.deck.scene_path(self.index), where.step, in_deck=True)
        self._watch_deck(self.deck_path)

    def scene_opened(self, shown: SceneShown) -> None:
        """A scene is on screen: a lone one (leaving any deck) or one of the deck's."""
        timeline, fresh, in_deck = shown.timeline, shown.fresh, shown.in_deck
        scene = timeline.scene
        if not in_deck:
            self.deck, self.deck_path, self.index = None, None, 0
            self.scenes, self.titles, self.parts = [scene], [scene.title], []
            self.outline = DeckOutline.of_scenes(self.scenes)
            self._show_lecture()
        else:
            self.scenes[self.index] = scene
        if not fresh:  # a reload may have added steps or chapters
            self.outline = DeckOutline.of_scenes(self.scenes)
            self._show_lecture()
        if fresh or self.quiz is None:
            self.quiz = QuizRun(scene, self.store.answers(Path(scene.source)))
        else:  # a reload: keep this visit's answers
            self.quiz = QuizRun(scene, self.quiz.answers)
        self._show_quiz()
        self._show_score()
        self._fill_traffic_menu()  # this scene's protocols
        self.title_changed.emit(
            f"{scene.title} — {self.deck.title} — PacketStage" if self.deck is not None else f"{scene.title} — PacketStage"
        )
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
        return self.state.timeline

    def position(self) -> Position:
        """The scene and the pause point shown (the step playing counts as not yet finished)."""
        pb = self.state.playback
        return Position(self.index, min(self._floor_step(), self.outline.step_counts[self.index]) if pb.boundaries else 0)

    def _floor_step(self) -> int:
        """The last pause point at or before the current time."""
        pb = self.state.playback
        return pause_point_at_or_before(pb.boundaries, pb.time)

    def _at_pause_point(self) -> bool:
        pb = self.state.playback
        return not pb.playing and abs(pb.boundaries[self._floor_step()] - pb.time) < _EPS

    def go_to(self, position: Position, play: bool = False) -> None:
        """Show ``position`` (loading its scene if needed); ``play`` plays that step, as a click would."""
        self.banner.withdraw()
        if self.quiz is not None:
            self.quiz.release()
        if position.scene != self.index and self.deck is not None and self.deck_path is not None:
            self.index = position.scene
            self.services.open_scene(self.deck.scene_path(position.scene), None, in_deck=True)
            self._watch_deck(self.deck_path)  # opening a scene watches that scene alone
        if play:
            self.clock.play_step(position.step)
        else:
            self.clock.go_to_step(position.step)
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
            self.clock.next_step()
            return
        pb = self.state.playback
        if not pb.playing and pb.time >= pb.duration - _EPS:
            after = self.outline.after_last_step(self.position())
            if after is not None:
                self.go_to(after)
            return
        if self._at_pause_point() and quiz is not None and quiz.blocks(self._floor_step() + 1):
            quiz.ask(self._floor_step() + 1)
            self._show_quiz()
            return
        self.clock.next_step()

    def previous_step(self) -> None:
        self.banner.withdraw()
        if self.quiz is not None and self.quiz.phase is not Phase.IDLE:
            self.quiz.release()  # back out of the question; the step had not played
            self._show_quiz()
            return
        pb = self.state.playback
        if pb.time <= _EPS:
            before = self.outline.before_first_step(self.position())
            if before is not None:
                self.go_to(before)
            return
        self.clock.previous_step()

    def time_moved(self, before: float, t: float) -> None:
        """The player's time guard: playing (Space, continuous play, a step-list click) must not
        run into an unasked question.

        A question blocks when playing forward crosses the pause point before its step, so
        it is checked against the time shown last (``before``), not against the step that ``t``
        falls in. Stopping there seeks the playback before any view sees the time past it.
        """
        timeline, quiz = self.timeline, self.quiz
        if timeline is None or quiz is None:
            return
        if quiz.step is not None and abs(t - timeline.boundary(quiz.step - 1)) > _EPS:
            quiz.release()  # moved away (Home, End, the slider, a click in the step list): the question goes
            self._show_quiz()
        if not self.state.playing or t <= before:
            return
        boundaries = timeline.boundaries
        first = bisect_left(boundaries, before - _EPS)
        for k in range(first, len(boundaries) - 1):
            if boundaries[k] >= t - _EPS:
                break
            if quiz.blocks(k + 1):
                quiz.ask(k + 1)
                self.state.playback.seek(boundaries[k])
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

    def connect_stage(self, stage: StageView | StageGroup) -> None:
        """A click on a choice of ``stage``'s quiz card (or any stage of a group) answers it, as
        the sidebar's buttons do."""
        stage.quiz_choice_clicked.connect(self.choose)

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

    def _show_quiz(self) -> None:
        """The question changed (asked, answered, revealed, released): the sidebar shows it, and
        the window puts it wherever else it belongs (``quiz_changed``)."""
        view = self._shown_quiz = self.quiz_view()
        if self._sidebar is not None:
            self._sidebar.quiz.show_quiz(view)
        self.quiz_changed.emit(view)

    def _presenting(self, presenting: bool) -> None:
        self._show_quiz()  # the hall's stage asks now (or the sidebar again)

    def _show_score(self) -> None:
        self._shown_score = self.quiz.score() if self.quiz is not None else (0, 0)
        if self._sidebar is not None:
            self._sidebar.set_score(*self._shown_score)

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
            self._shown_step = (
                scene.title,
                f"## {self.deck.title}\n\n{self.deck.summary}\n\n---\n\n**{scene.title}**\n\n{scene.summary or ''}",
                "",
            )
        elif step is None:
            self._shown_step = (scene.title, scene.summary, "")
        else:
            self._shown_step = (step.caption, step.explain, step.notes or "")
        self._shown_position = self.describe(frame)
        self._shown_place = (self.index, frame.step)
        if self._sidebar is not None:
            self._sidebar.show_step(*self._shown_step)
            self._sidebar.set_position(self._shown_position)
        if self.contents_dock.built:
            self.navigator.show_position(*self._shown_place)
        self.cue_changed.emit(self.describe(frame), self.next_cue(frame))
        if frame.step != 0:
            self.banner.withdraw()
        # While resuming is on offer, the saved place is kept: the user has not chosen yet.
        path = self.state.path
        if path is not None and self.banner.offered is None:
            position = Position(self.index, frame.step)
            self.store.save_position(self.deck_path or path, position)

    def next_cue(self, frame: Frame) -> str:
        """What the lecturer's next click shows: the next step, or at the end of a scene of a deck,
        the next scene; '(end of the scene)' at the very end."""
        timeline = self.timeline
        assert timeline is not None
        after = self.outline.after_last_step(Position(self.index, frame.step)) if self.deck is not None else None
        if after is not None:  # the end of a scene: the lecturer's next click opens the next one
            return f"Scene {after.scene + 1}: {self.titles[after.scene]}"
        following = timeline.steps[frame.step] if frame.step < timeline.step_count else None
        return f"{following.number}. {following.caption}" if following is not None else "(end of the scene)"

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
    @property
    def hidden(self) -> frozenset[str]:
        """The traffic classes not drawn, on every stage (the player's state holds them)."""
        return self.state.hidden

    def saved_hidden(self) -> frozenset[str]:
        """The filter as settings remember it (unknown or damaged entries dropped)."""
        value = self.services.settings.value("traffic/hidden", [])
        if isinstance(value, str):
            value = [value] if value else []
        if not isinstance(value, list):
            return frozenset()  # a damaged value: nothing hidden
        known = set(PROTOCOLS) | set(DERIVED_CLASSES)
        return frozenset(str(v) for v in value if str(v) in known)

    def set_hidden(self, hidden: frozenset[str]) -> None:
        self.state.set_hidden(hidden)

    def toggle_traffic(self, name: str) -> None:
        self.set_hidden(self.hidden ^ {name})

    def _hidden_changed(self, hidden: frozenset[str]) -> None:
        self.services.settings.setValue("traffic/hidden", sorted(hidden))
        for name, action in self.traffic_actions.items():
            action.setChecked(name not in hidden)

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
