"""Presenting: the audience sees only the stage; the lecturer's window shows what comes next."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from animator.cli import main
from animator.resources import default_scene
from animator.ui.main_window import MainWindow


@pytest.fixture
def presenting(window: MainWindow) -> Iterator[MainWindow]:
    assert window.open_scene(default_scene())
    window.start_presenting()
    yield window
    window.stop_presenting()
    assert not window.presenter_panel._tick.isActive(), "presenter clock left running"


def test_audience_window_shows_only_the_stage_fullscreen(presenting: MainWindow) -> None:
    audience = presenting.audience
    assert audience is not None and audience.isVisible() and audience.isFullScreen()
    assert audience.stage.timeline is presenting.timeline
    assert audience.stage.frame is not None and audience.stage.frame.step == 0
    assert presenting.presenter_dock.isVisible() and presenting.notes_dock.isVisible()
    first = presenting.timeline.steps[0]
    assert presenting.presenter_panel.next_label.text() == f"1. {first.caption}"


def test_both_stages_follow_the_clock_and_next_moves_on(presenting: MainWindow, qtbot: QtBot) -> None:
    qtbot.keyClick(presenting.audience, Qt.Key.Key_Right)  # clicker aimed at the projector
    presenting.clock.advance(1000)
    assert presenting.audience.stage.frame.step == 1 == presenting.stage.frame.step
    second = presenting.timeline.steps[1]
    assert presenting.presenter_panel.next_label.text() == f"2. {second.caption}"
    qtbot.keyClick(presenting.audience, Qt.Key.Key_5)
    qtbot.keyClick(presenting.audience, Qt.Key.Key_Return)
    presenting.clock.advance(1000)
    assert presenting.audience.stage.frame.step == 5


def test_blank_affects_the_audience_only_and_esc_unwinds(presenting: MainWindow, qtbot: QtBot) -> None:
    qtbot.keyClick(presenting, Qt.Key.Key_B)
    assert presenting.audience.stage.blanked and not presenting.stage.blanked
    assert presenting.stage.prompt == "The audience screen is blank (B)"
    qtbot.keyClick(presenting, Qt.Key.Key_Escape)
    assert not presenting.audience.stage.blanked and presenting.stage.prompt == ""
    qtbot.keyClick(presenting, Qt.Key.Key_Escape)
    assert presenting.audience is None and not presenting.presenter_dock.isVisible()


def test_closing_the_audience_window_stops_presenting(presenting: MainWindow) -> None:
    presenting.audience.close()
    assert presenting.audience is None and not presenting.present_action.isChecked()


def test_theme_and_reload_reach_the_audience(presenting: MainWindow) -> None:
    presenting.theme_actions["dark"].trigger()
    assert presenting.audience.stage.theme.name == "dark"
    presenting.reload()
    assert presenting.audience.stage.timeline is presenting.timeline


def test_screen_needs_present(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--screen", "1"]) == 2
    assert "--screen N goes with --present" in capsys.readouterr().err


def test_blank_reminder_survives_typing_a_step_number(presenting: MainWindow, qtbot: QtBot) -> None:
    qtbot.keyClick(presenting, Qt.Key.Key_B)
    qtbot.keyClick(presenting, Qt.Key.Key_3)
    assert presenting.stage.prompt == "Go to step 3"
    qtbot.keyClick(presenting, Qt.Key.Key_Escape)
    assert presenting.stage.prompt == "The audience screen is blank (B)"
