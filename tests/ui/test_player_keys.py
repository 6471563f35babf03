"""Every key a lecturer or a clicker sends does what the transport promises."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from animator.resources import default_scene
from animator.ui.main_window import MainWindow


@pytest.fixture
def player(window: MainWindow) -> MainWindow:
    assert window.open_scene(default_scene())
    return window


def press(qtbot: QtBot, window: MainWindow, key: Qt.Key) -> None:
    qtbot.keyClick(window, key, Qt.KeyboardModifier.NoModifier)


@pytest.mark.parametrize("key", [Qt.Key.Key_Right, Qt.Key.Key_PageDown])
def test_next_key_animates_exactly_one_step(player: MainWindow, qtbot: QtBot, key: Qt.Key) -> None:
    press(qtbot, player, key)
    assert player.clock.playing and player.clock.timer_active()
    player.clock.advance(0.3)
    assert player.stage.frame is not None and player.stage.frame.step == 1
    player.clock.advance(1000.0)
    assert not player.clock.playing and not player.clock.timer_active()
    assert player.clock.time == player.timeline.boundary(1)
    assert player.transport.step_label.text() == f"step 1 / {player.timeline.step_count}"


@pytest.mark.parametrize("key", [Qt.Key.Key_Left, Qt.Key.Key_PageUp])
def test_back_key_jumps_to_previous_pause_point(player: MainWindow, qtbot: QtBot, key: Qt.Key) -> None:
    player.clock.go_to_step(3)
    press(qtbot, player, key)
    assert player.clock.time == player.timeline.boundary(2)
    assert not player.clock.playing


def test_space_toggles_play_and_pause(player: MainWindow, qtbot: QtBot) -> None:
    press(qtbot, player, Qt.Key.Key_Space)
    assert player.clock.playing
    player.clock.advance(0.2)
    press(qtbot, player, Qt.Key.Key_Space)
    assert not player.clock.playing and not player.clock.timer_active()
    assert player.clock.time == pytest.approx(0.2)


def test_home_and_end(player: MainWindow, qtbot: QtBot) -> None:
    press(qtbot, player, Qt.Key.Key_End)
    assert player.clock.time == player.timeline.duration
    assert player.stage.frame.step == player.timeline.step_count
    press(qtbot, player, Qt.Key.Key_Home)
    assert player.clock.time == 0.0 and player.stage.frame.step == 0


def test_plus_and_minus_change_speed_and_the_speed_box_follows(player: MainWindow, qtbot: QtBot) -> None:
    press(qtbot, player, Qt.Key.Key_Plus)
    assert player.clock.playback.speed == 1.5
    assert player.transport.speed_box.currentText() == "1.5×"
    press(qtbot, player, Qt.Key.Key_Minus)
    press(qtbot, player, Qt.Key.Key_Minus)
    assert player.clock.playback.speed == 0.75
    press(qtbot, player, Qt.Key.Key_Space)
    player.clock.advance(1.0)
    press(qtbot, player, Qt.Key.Key_Space)
    assert player.clock.time == pytest.approx(0.75)


def test_f_enters_and_esc_leaves_fullscreen(player: MainWindow, qtbot: QtBot) -> None:
    player.notes_dock.hide()  # the user's choice of docks survives the round trip
    press(qtbot, player, Qt.Key.Key_F)
    assert player.windowState() & Qt.WindowState.WindowFullScreen
    assert not player.steps_dock.isVisible() and not player.menuBar().isVisible()
    assert player.transport.isVisible()
    press(qtbot, player, Qt.Key.Key_Escape)
    assert not player.windowState() & Qt.WindowState.WindowFullScreen
    assert player.steps_dock.isVisible() and player.menuBar().isVisible()
    assert not player.notes_dock.isVisible()


def test_continuous_play_toggle_runs_past_boundaries(player: MainWindow, qtbot: QtBot) -> None:
    player.transport.pacing_box.setChecked(False)
    press(qtbot, player, Qt.Key.Key_Space)
    player.clock.advance(player.timeline.boundary(2) + 0.05)
    assert player.clock.playing and player.stage.frame.step == 3
    press(qtbot, player, Qt.Key.Key_Space)
    assert player.pacing_action.isChecked() is False


def test_keys_work_after_clicking_transport_widgets(player: MainWindow, qtbot: QtBot) -> None:
    """A focused button would eat Space; no transport widget may take focus."""
    qtbot.mouseClick(player.transport.next_button, Qt.MouseButton.LeftButton)
    player.clock.advance(1000)
    qtbot.mouseClick(player.transport.speed_box, Qt.MouseButton.LeftButton)
    player.transport.speed_box.hidePopup()
    press(qtbot, player, Qt.Key.Key_Space)
    assert player.clock.playing
    press(qtbot, player, Qt.Key.Key_Space)


def test_slider_click_seeks(player: MainWindow, qtbot: QtBot) -> None:
    slider = player.transport.slider
    x = int(slider.x_for(player.timeline.duration / 2))
    qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=QPoint(x, slider.height() // 2))
    assert player.clock.time == pytest.approx(player.timeline.duration / 2, rel=0.05)
    assert player.stage.frame.time == player.clock.time


def test_step_list_click_plays_that_step(player: MainWindow, qtbot: QtBot) -> None:
    target = next(
        player.step_list.item(i)
        for i in range(player.step_list.count())
        if player.step_list.item(i).data(Qt.ItemDataRole.UserRole) == 4
    )
    player.step_list.itemClicked.emit(target)
    assert player.clock.time == player.timeline.boundary(3) and player.clock.playing
    player.clock.advance(1000)
    assert player.clock.time == player.timeline.boundary(4)
    assert player.step_list.currentItem() is target
    assert player.notes.toPlainText().strip() != ""


def test_open_with_step_argument(window: MainWindow) -> None:
    assert window.open_scene(Path(default_scene()), step=2)
    assert window.clock.time == window.timeline.boundary(2)
    assert window.stage.frame.step == 2
