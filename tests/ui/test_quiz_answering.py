"""Answering a question every way a lecture allows: the sidebar's wrapping choices (mouse or
keyboard), Ctrl+1 … Ctrl+9 in the main and the audience window, and a click on a stage's card."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from animator.engine.quiz import Phase
from animator.render.quiz_view import QuizView
from animator.ui.lecture.quiz import QuizPanel
from animator.ui.main_window import MainWindow
from tests.conftest import REPO

HTTP_GET = REPO / "scenes" / "http-get.yaml"
#: http-get asks before step 4: "What is its TTL when it leaves the home router?", answer B (index 1).
QUIZ_STEP = 4
CTRL = Qt.KeyboardModifier.ControlModifier


def http_get_view(revealed: bool = False, chosen: int | None = None) -> QuizView:
    return QuizView(
        "The SYN leaves the laptop with TTL 64 and crosses the home switch and the home router. What is its TTL?",
        (
            "64: neither device touches it",
            "63: the router lowers it by one",
            "62: the switch and the router each lower it by one",
            "128: NAT sets a fresh TTL",
        ),
        1,
        revealed,
        chosen,
        "Only routers lower the TTL.",
    )


def asking(window: MainWindow) -> MainWindow:
    assert window.open_scene(HTTP_GET)
    window.clock.go_to_step(QUIZ_STEP - 1)
    window.lecture.next_step()
    assert window.lecture.quiz is not None and window.lecture.quiz.phase is Phase.ASKING
    return window


def test_sidebar_choices_wrap_whole_at_a_narrow_width(app: QApplication, qtbot: QtBot) -> None:
    panel = QuizPanel()
    qtbot.addWidget(panel)
    panel.show_quiz(http_get_view())
    panel.resize(260, 800)
    panel.show()
    panel.layout().activate()
    longest = panel.buttons[2]
    metrics = QFontMetricsF(longest.font())
    lines = longest.lines()
    # Once "64: neither device tou": now every word is there, on as many lines as it takes.
    assert len(lines) >= 2
    assert " ".join(lines) == "C.  62: the switch and the router each lower it by one"
    assert all(metrics.horizontalAdvance(line) <= longest.width() for line in lines)
    one_line = metrics.lineSpacing() + 2 * longest.PAD_Y
    assert longest.height() >= len(lines) * metrics.lineSpacing() + 2 * longest.PAD_Y > one_line  # grown to hold them
    assert longest.accessibleName() == "62: the switch and the router each lower it by one"
    assert longest.key_label == "Ctrl+3" and "Ctrl+1–4" in panel.hint.text()
    # Wider, the same choice needs fewer lines and less height.
    panel.resize(700, 800)
    panel.layout().activate()
    assert len(longest.lines()) == 1 and longest.height() < len(lines) * metrics.lineSpacing() + 2 * longest.PAD_Y


def test_sidebar_choice_is_reached_by_tab_and_picked_with_enter(app: QApplication, qtbot: QtBot) -> None:
    panel = QuizPanel()
    qtbot.addWidget(panel)
    panel.show_quiz(http_get_view())
    panel.show()
    assert panel.buttons[0].focusPolicy() & Qt.FocusPolicy.TabFocus
    panel.buttons[2].setFocus()
    with qtbot.waitSignal(panel.chosen) as picked:
        qtbot.keyClick(panel.buttons[2], Qt.Key.Key_Return)
    assert picked.args == [2]


def test_ctrl_2_answers_the_question_asked(window: MainWindow, qtbot: QtBot) -> None:
    asking(window)
    time = window.clock.time
    qtbot.keyClick(window, Qt.Key.Key_2, CTRL)
    quiz = window.lecture.quiz
    assert quiz.phase is Phase.REVEALED and quiz.chosen(QUIZ_STEP) == 1
    assert window.lecture.sidebar.quiz.verdict.text() == "✔ Correct!"
    assert window.lecture.sidebar.score.text() == "Quiz score: 1 / 1 correct"
    # Neither a typed step number nor a blank screen nor playback: just the answer.
    assert window.stage.prompt == "" and not window.stage.blanked and window.clock.time == time and not window.clock.playing
    qtbot.keyClick(window, Qt.Key.Key_3, CTRL)
    assert quiz.chosen(QUIZ_STEP) == 1  # revealed: a later key changes nothing


def test_ctrl_digits_do_nothing_without_a_question(window: MainWindow, qtbot: QtBot) -> None:
    assert window.open_scene(HTTP_GET)
    window.clock.go_to_step(2)
    time = window.clock.time
    for key in (Qt.Key.Key_2, Qt.Key.Key_1, Qt.Key.Key_9):
        qtbot.keyClick(window, key, CTRL)
    qtbot.keyClick(window, Qt.Key.Key_Return)
    assert window.lecture.quiz.phase is Phase.IDLE and window.lecture.quiz.answers == {}
    assert window.stage.prompt == "" and not window.stage.blanked
    assert window.clock.time == time and not window.clock.playing  # no "go to step 219"


def test_a_key_past_the_last_choice_is_ignored(window: MainWindow, qtbot: QtBot) -> None:
    asking(window)
    qtbot.keyClick(window, Qt.Key.Key_7, CTRL)
    assert window.lecture.quiz.phase is Phase.ASKING and window.lecture.sidebar.quiz.verdict.text() == ""


def test_the_audience_window_answers_with_the_same_keys(window: MainWindow, qtbot: QtBot) -> None:
    assert window.open_scene(HTTP_GET)
    window.clock.go_to_step(QUIZ_STEP - 1)
    window.start_presenting()
    audience = window.audience
    qtbot.keyClick(audience, Qt.Key.Key_PageDown)
    assert audience.stage.quiz is not None and not audience.stage.quiz.revealed
    qtbot.keyClick(audience, Qt.Key.Key_3, CTRL)
    card = audience.stage.quiz
    assert card.revealed and card.chosen == 2 and card.verdict() == "✘ Not quite: the answer is B"
    assert not audience.stage.blanked and window.stage.prompt == ""
    window.stop_presenting()


class FakeStage(QObject):
    """Stands in for a stage whose click test found a choice on its quiz card."""

    quiz_choice_clicked = Signal(int)


def test_a_click_on_a_stage_card_choice_answers(window: MainWindow) -> None:
    asking(window)
    stage = FakeStage()
    window.lecture.connect_stage(stage)  # type: ignore[arg-type]
    stage.quiz_choice_clicked.emit(0)
    quiz = window.lecture.quiz
    assert quiz.phase is Phase.REVEALED and quiz.chosen(QUIZ_STEP) == 0
    assert window.lecture.sidebar.quiz.buttons[0].state == "wrong" and window.lecture.sidebar.quiz.buttons[1].state == "right"


def test_a_question_follows_the_window_into_fullscreen_and_back(window: MainWindow) -> None:
    asking(window)
    assert window.stage.quiz is None and window.lecture.sidebar.quiz.isVisible()  # the sidebar asks
    window.enter_fullscreen()
    assert window.stage.quiz is not None and not window.stage.quiz.revealed  # no sidebar: the stage asks
    window.leave_fullscreen()
    assert window.stage.quiz is None  # not asked twice
    QApplication.processEvents()  # the sidebar comes back once the window has restored its docks
    assert window.lecture.lesson_dock.isVisible() and window.lecture.sidebar.quiz.isVisible()
    assert window.lecture.quiz.phase is Phase.ASKING
