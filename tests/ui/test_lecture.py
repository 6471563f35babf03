"""Lecture mode in the window: decks and clicker keys, resume, quizzes, explanations, the traffic filter."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from animator.engine.quiz import Phase
from animator.render.theme import LIGHT
from animator.ui.main_window import MainWindow
from tests.conftest import REPO

DECK = REPO / "scenes" / "intro.deck.yaml"
HTTP_GET = REPO / "scenes" / "http-get.yaml"
#: The http-get scene asks its question before step 4 (the SYN).
QUIZ_STEP = 4


def press(qtbot: QtBot, widget: object, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(widget, key, modifier)


@pytest.fixture
def lecture(window: MainWindow) -> MainWindow:
    assert window.open_scene(DECK)
    return window


def test_deck_opens_its_first_scene_and_lists_every_scene(lecture: MainWindow) -> None:
    assert lecture.timeline is not None and lecture.timeline.scene.title == "TCP 3-way handshake and 4-way close"
    nav = lecture.lecture.navigator
    assert [nav.topLevelItem(i).text(0) for i in range(nav.topLevelItemCount())] == [
        "1. The TCP handshake",
        "2. HTTP GET",
        "3. Home router NAT",
    ]
    assert lecture.lecture.contents_dock.isVisible()
    assert lecture.recent_files()[0] == str(DECK)
    assert (
        lecture.windowTitle()
        == "TCP 3-way handshake and 4-way close — Introduction: from a handshake to a web page — PacketStage"
    )
    assert "Three short scenes" in lecture.lecture.sidebar.explain.toPlainText()


def test_next_at_the_end_of_a_scene_opens_the_next_and_back_returns(lecture: MainWindow, qtbot: QtBot) -> None:
    press(qtbot, lecture, Qt.Key.Key_End)
    press(qtbot, lecture, Qt.Key.Key_PageDown)  # a clicker's "next"
    assert lecture.lecture.index == 1 and lecture.timeline.scene.title.startswith("An HTTP GET")
    assert lecture.clock.time == 0.0 and not lecture.clock.playing
    assert lecture.lecture.sidebar.position.text().startswith("Scene 2 of 3 · HTTP GET")
    press(qtbot, lecture, Qt.Key.Key_PageUp)
    assert lecture.lecture.index == 0 and lecture.clock.time == lecture.timeline.duration


def test_chapter_and_scene_keys(lecture: MainWindow, qtbot: QtBot) -> None:
    timeline = lecture.timeline
    press(qtbot, lecture, Qt.Key.Key_BracketRight)
    assert lecture.clock.time == timeline.boundary(4)  # "Data" begins with step 5
    assert lecture.stage.frame.step == 4
    press(qtbot, lecture, Qt.Key.Key_BracketRight)
    press(qtbot, lecture, Qt.Key.Key_BracketRight)  # past the last chapter: the next scene
    assert lecture.lecture.index == 1 and lecture.clock.time == 0.0
    press(qtbot, lecture, Qt.Key.Key_BracketLeft)
    assert lecture.lecture.index == 0 and lecture.clock.time == lecture.timeline.boundary(6)
    press(qtbot, lecture, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    press(qtbot, lecture, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert lecture.lecture.index == 2 and lecture.timeline.scene.title.startswith("NAT at")
    press(qtbot, lecture, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert lecture.lecture.index == 1


def test_navigator_click_jumps_to_a_step_in_another_scene(lecture: MainWindow) -> None:
    lecture.lecture.jump(2, 3, True)
    lecture.clock.advance(1000)
    assert lecture.lecture.index == 2 and lecture.stage.frame.step == 3
    assert lecture.lecture.navigator.currentItem().text(0).startswith("3. ")


@pytest.fixture
def second(app: QApplication, qtbot: QtBot, settings: QSettings) -> Iterator[MainWindow]:
    """Another window on the same settings: the app opened again later."""
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.clock.stop()


def test_resume_is_offered_in_a_banner_and_taken(lecture: MainWindow, second: MainWindow) -> None:
    lecture.lecture.go_to(lecture.lecture.outline.next_scene(0))  # HTTP GET
    lecture.clock.go_to_step(5)
    lecture.close()
    assert second.open_scene(DECK)
    banner = second.lecture.banner
    assert banner.isVisible() and banner.label.text() == "Resume at ‘HTTP GET’, step 5?"
    assert QApplication.activeModalWidget() is None  # a banner, never a dialog
    assert second.lecture.index == 0  # nothing moves until the user chooses
    banner.resume_button.click()
    assert not banner.isVisible()
    assert second.lecture.index == 1 and second.clock.time == second.timeline.boundary(5)


def test_start_over_dismisses_the_offer(lecture: MainWindow, second: MainWindow) -> None:
    lecture.clock.go_to_step(3)
    assert second.open_scene(DECK)
    second.lecture.banner.start_button.click()
    assert not second.lecture.banner.isVisible() and second.clock.time == 0.0


def test_a_lone_scene_remembers_its_step_too(window: MainWindow, second: MainWindow) -> None:
    window.open_scene(HTTP_GET)
    window.clock.go_to_step(2)
    assert second.open_scene(HTTP_GET)
    assert second.lecture.banner.label.text() == "Resume at ‘An HTTP GET from a laptop to a web server’, step 2?"


@pytest.fixture
def quiz(window: MainWindow) -> MainWindow:
    assert window.open_scene(HTTP_GET)
    window.clock.go_to_step(QUIZ_STEP - 1)
    return window


def test_next_asks_the_question_instead_of_playing_the_step(quiz: MainWindow, qtbot: QtBot) -> None:
    press(qtbot, quiz, Qt.Key.Key_Right)
    panel = quiz.lecture.sidebar.quiz
    assert not quiz.clock.playing and quiz.clock.time == quiz.timeline.boundary(QUIZ_STEP - 1)
    assert panel.isVisible() and "TTL" in panel.question.text() and len(panel.buttons) == 4
    assert quiz.lecture.quiz.phase is Phase.ASKING


def test_a_wrong_choice_shows_the_right_answer_then_next_plays_the_step(quiz: MainWindow, qtbot: QtBot) -> None:
    press(qtbot, quiz, Qt.Key.Key_Right)
    panel = quiz.lecture.sidebar.quiz
    panel.buttons[0].click()
    assert panel.verdict.text().startswith("✘ Not quite: the answer is 63")
    assert "Only routers lower the TTL" in panel.explain.text()
    assert quiz.lecture.sidebar.score.text() == "Quiz score: 0 / 1 correct"
    assert not quiz.clock.playing
    press(qtbot, quiz, Qt.Key.Key_Right)
    assert quiz.clock.playing and not panel.isVisible()
    quiz.clock.advance(1000)
    assert quiz.stage.frame.step == QUIZ_STEP


def test_a_right_choice_is_scored_and_remembered(quiz: MainWindow, second: MainWindow) -> None:
    quiz.lecture.next_step()  # keys would go to the window opened last
    quiz.lecture.sidebar.quiz.buttons[1].click()
    assert quiz.lecture.sidebar.quiz.verdict.text() == "✔ Correct!"
    assert quiz.lecture.sidebar.score.text() == "Quiz score: 1 / 1 correct"
    second.open_scene(HTTP_GET)
    assert second.lecture.sidebar.score.text() == "Quiz score: 1 / 1 correct"


def test_playing_with_space_stops_before_an_unasked_question(quiz: MainWindow, qtbot: QtBot) -> None:
    press(qtbot, quiz, Qt.Key.Key_Space)
    quiz.clock.advance(0.2)
    assert not quiz.clock.playing and quiz.clock.time == quiz.timeline.boundary(QUIZ_STEP - 1)
    assert quiz.lecture.quiz.phase is Phase.ASKING


def test_presenting_the_hall_sees_the_question_and_the_clicker_reveals(quiz: MainWindow, qtbot: QtBot) -> None:
    quiz.start_presenting()
    audience = quiz.audience
    press(qtbot, audience, Qt.Key.Key_PageDown)
    assert audience.stage.quiz is not None and not audience.stage.quiz.revealed
    assert quiz.stage.quiz is None  # the presenter answers from the sidebar
    press(qtbot, audience, Qt.Key.Key_PageDown)
    assert audience.stage.quiz.revealed and audience.stage.quiz.correct == 1 and audience.stage.quiz.chosen is None
    assert quiz.lecture.sidebar.score.text() == "Quiz score: 0 / 1 correct"  # revealed, not answered
    image = audience.stage.grab().toImage()  # the overlay paints; the right answer is green
    assert any(
        image.pixelColor(x, y) == QColor("#15803d") for x in range(0, image.width(), 4) for y in range(0, image.height(), 4)
    )
    press(qtbot, audience, Qt.Key.Key_PageDown)
    assert audience.stage.quiz is None and quiz.clock.playing
    assert QApplication.activeModalWidget() is None
    quiz.clock.advance(1000)
    quiz.stop_presenting()


def test_explanation_is_rendered_markdown_with_an_empty_state(quiz: MainWindow, qtbot: QtBot) -> None:
    sidebar = quiz.lecture.sidebar
    quiz.clock.go_to_step(QUIZ_STEP)
    assert sidebar.has_explanation
    text = sidebar.explain.toPlainText()
    assert "SYN" in text and "**" not in text and "font-weight" in sidebar.explain.toHtml()
    quiz.clock.go_to_step(2)
    assert not sidebar.has_explanation
    assert quiz.timeline.steps[1].caption[:30] in sidebar.explain.toPlainText()
    assert "no explanation of its own" in sidebar.explain.toPlainText()


def test_links_open_outside_only_for_web_schemes(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr("animator.ui.lecture.sidebar.QDesktopServices.openUrl", lambda url: opened.append(url.toString()))
    window.lecture.sidebar.open_link(QUrl("https://www.rfc-editor.org/rfc/rfc9293"))
    window.lecture.sidebar.open_link(QUrl("file:///etc/passwd"))
    assert opened == ["https://www.rfc-editor.org/rfc/rfc9293"]


def arp_pixels(window: MainWindow) -> int:
    image = window.stage.grab().toImage()
    arp = LIGHT.protocol_color("arp")
    return sum(image.pixelColor(x, y) == arp for x in range(0, image.width(), 2) for y in range(0, image.height(), 2))


def test_hiding_arp_removes_its_chips_dims_the_legend_and_persists(window: MainWindow, second: MainWindow) -> None:
    window.open_scene(HTTP_GET)
    window.clock.seek((window.timeline.boundary(1) + window.timeline.boundary(2)) / 2)  # ARP request in flight
    assert any(p.protocol == "arp" for p in window.stage.packets.packets)
    before = arp_pixels(window)
    window.lecture.traffic_actions["arp"].trigger()
    assert not any(p.protocol == "arp" for p in window.stage.packets.packets)
    assert arp_pixels(window) < before / 4  # chip gone, legend swatch dimmed
    assert "arp" in window.stage.frame.packets[0].protocol  # still in the frame: only not drawn
    assert second.lecture.saved_hidden() == frozenset({"arp"})


def test_clicking_a_legend_entry_toggles_it_and_the_audience_follows(window: MainWindow, qtbot: QtBot) -> None:
    window.open_scene(HTTP_GET)
    window.stage.grab()  # paint once: the legend's places are known after drawing
    rect = next(r for r, protocol in window.stage.legend_hits if protocol == "tcp")
    qtbot.mouseClick(window.stage.viewport(), Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert window.lecture.hidden == frozenset({"tcp"}) and not window.lecture.traffic_actions["tcp"].isChecked()
    window.start_presenting()
    assert window.audience.stage.hidden_traffic == frozenset({"tcp"})
    window.lecture.toggle_traffic("tcp")
    assert window.audience.stage.hidden_traffic == frozenset()
    window.stop_presenting()


def test_an_edited_deck_is_read_again_at_the_same_place(window: MainWindow, tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    for name in ("tcp-handshake.yaml", "http-get.yaml"):
        (folder / name).write_text((REPO / "scenes" / name).read_text(encoding="utf-8"), encoding="utf-8")
    deck = folder / "talk.deck.yaml"
    deck.write_text("format: 1\ntitle: Talk\nscenes:\n  - file: tcp-handshake.yaml\n  - file: http-get.yaml\n", encoding="utf-8")
    assert window.open_scene(deck)
    window.lecture.go_to(window.lecture.outline.next_scene(0))
    window.clock.go_to_step(2)
    assert str(deck) in window.watcher.files()  # still watched after moving to another scene
    deck.write_text(deck.read_text(encoding="utf-8").replace("file: http-get.yaml", "file: http-get.yaml\n    title: Web"))
    window.lecture.reload_deck()  # what the watcher's timer calls
    assert window.lecture.navigator.topLevelItem(1).text(0) == "2. Web"
    assert window.lecture.index == 1 and window.clock.time == window.timeline.boundary(2)
    deck.write_text("format: 1\ntitle: Talk\nscenes: []\n")
    window.lecture.reload_deck()
    assert window.banner.isVisible() and "a deck needs at least one scene" in window.banner.text()
    assert window.timeline is not None  # the last good scene stays on screen


def test_presenting_a_deck_offers_resume_on_the_presenter_window_only(window: MainWindow, second: MainWindow) -> None:
    window.open_scene(DECK)
    window.lecture.jump(2, 4, False)
    assert second.open_scene(DECK)
    second.start_presenting()
    assert second.lecture.banner.isVisible() and second.lecture.banner.window() is second
    assert second.audience.findChildren(type(second.lecture.banner)) == []
    assert second.audience.stage.frame.step == 0  # the hall sees the start until the presenter chooses
    second.lecture.banner.resume_button.click()
    assert second.audience.stage.timeline.scene.title == "NAT at a home router"
    assert second.audience.stage.frame.step == 4
    second.stop_presenting()


def test_a_damaged_resume_value_is_ignored(window: MainWindow, settings: QSettings, second: MainWindow) -> None:
    window.open_scene(HTTP_GET)
    window.clock.go_to_step(2)
    for key in settings.allKeys():
        if key.startswith("resume/"):
            settings.setValue(key, "not:a:position")
    assert second.open_scene(HTTP_GET)
    assert not second.lecture.banner.isVisible()


def test_presenter_is_told_what_the_next_click_does_with_a_question(quiz: MainWindow) -> None:
    quiz.start_presenting()
    panel = quiz.presenter_panel
    quiz.lecture.next_step()
    assert panel.question_label.text() == "Question on screen. Next click reveals the answer: 63: the router lowers it by one."
    quiz.lecture.next_step()
    assert panel.question_label.text().startswith("Question on screen. Next click plays the step")
    quiz.lecture.next_step()
    assert panel.question_label.isHidden()
    quiz.clock.advance(1000)
    quiz.stop_presenting()


def test_fullscreen_alone_the_stage_asks_the_question(quiz: MainWindow) -> None:
    quiz.enter_fullscreen()
    quiz.lecture.next_step()
    assert quiz.stage.quiz is not None and not quiz.lecture.lesson_dock.isVisible()
    quiz.lecture.next_step()
    assert quiz.stage.quiz.revealed
    quiz.leave_fullscreen()


def test_a_broken_deck_is_reported_and_opens_once_fixed(window: MainWindow, tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "http-get.yaml").write_text(HTTP_GET.read_text(encoding="utf-8"), encoding="utf-8")
    deck = folder / "talk.deck.yaml"
    deck.write_text("format: 1\ntitle: Talk\nscenes:\n  - file: http-gett.yaml\n", encoding="utf-8")
    assert not window.open_scene(deck)
    assert window.banner.text().startswith("This deck could not be loaded.")
    assert "4:11: scenes.1.file: no scene file 'http-gett.yaml' next to the deck (did you mean 'http-get.yaml'?)" in (
        window.banner.text()
    )
    assert str(deck) in window.watcher.files()
    deck.write_text("format: 1\ntitle: Talk\nscenes:\n  - file: http-get.yaml\n", encoding="utf-8")
    window.lecture.reload_deck()  # what the watcher's timer calls
    assert window.timeline is not None and window.lecture.deck is not None and not window.banner.isVisible()


def test_moving_away_from_a_question_withdraws_it(quiz: MainWindow, qtbot: QtBot) -> None:
    press(qtbot, quiz, Qt.Key.Key_Right)
    assert quiz.lecture.sidebar.quiz.isVisible()
    press(qtbot, quiz, Qt.Key.Key_Home)
    assert quiz.lecture.quiz.phase is Phase.IDLE and not quiz.lecture.sidebar.quiz.isVisible()
    quiz.play_step(QUIZ_STEP)  # a step-list click: asked again, as it was never answered
    quiz.clock.advance(0.05)
    assert quiz.lecture.quiz.phase is Phase.ASKING and not quiz.clock.playing
    quiz.lecture.reveal()
    quiz.lecture.next_step()
    quiz.clock.advance(1000)
    quiz.play_step(QUIZ_STEP)  # revealed once: in this visit the step now simply plays
    quiz.clock.advance(0.05)
    assert quiz.lecture.quiz.phase is Phase.IDLE and quiz.clock.playing
    quiz.clock.advance(1000)


def test_presenter_sees_the_next_scene_at_the_end_of_one(lecture: MainWindow) -> None:
    lecture.start_presenting()
    lecture.clock.end()
    assert lecture.presenter_panel.next_label.text() == "Scene 2: HTTP GET"
    assert lecture.presenter_panel.position_label.text() == "Scene 1 of 3 · The TCP handshake · 4-way close · step 12 of 12"
    lecture.stop_presenting()


def test_a_decks_parts_head_its_scenes_in_the_contents_and_go_to_their_first_scene(window: MainWindow, tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    for name in ("tcp-handshake.yaml", "http-get.yaml", "home-nat.yaml"):
        (folder / name).write_text((REPO / "scenes" / name).read_text(encoding="utf-8"), encoding="utf-8")
    deck = folder / "talk.deck.yaml"
    deck.write_text(
        "format: 1\ntitle: Talk\nscenes:\n  - {file: tcp-handshake.yaml, part: Transport}\n"
        "  - {file: http-get.yaml, part: The web}\n  - file: home-nat.yaml\n",
        encoding="utf-8",
    )
    assert window.open_scene(deck)
    nav = window.lecture.navigator
    tops = [nav.topLevelItem(i) for i in range(nav.topLevelItemCount())]
    assert [t.text(0) for t in tops] == [
        "Part 1: Transport",
        "1. TCP 3-way handshake and 4-way close",
        "Part 2: The web",
        "2. An HTTP GET from a laptop to a web server",
        "3. NAT at a home router",
    ]
    assert tops[2].font(0).bold() and tops[2].font(0).pixelSize() > tops[3].font(0).pixelSize()
    nav.itemClicked.emit(tops[2], 0)
    assert window.lecture.index == 1 and window.timeline is not None and window.timeline.scene.title.startswith("An HTTP GET")
    # Scrolled to a part's first scene, the part's heading stays in view above it.
    nav.resize(300, 160)
    nav.show_position(1, 0)
    assert nav.visualItemRect(tops[2]).top() >= 0 and nav.visualItemRect(tops[3]).isValid()
    # A step with a question says so in words the bundled font has (it drew ❓ as an empty box).
    quiz_steps = [
        tops[3].child(i).child(j).text(0)
        for i in range(tops[3].childCount())
        for j in range(tops[3].child(i).childCount())
        if tops[3].child(i).child(j).text(0).endswith("(quiz)")
    ]
    assert quiz_steps
