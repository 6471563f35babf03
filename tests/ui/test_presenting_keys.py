"""Keys a lecturer uses mid-talk: blank the screen, jump to a step by number; no key crashes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from animator.resources import default_scene
from animator.ui.main_window import MainWindow


@pytest.fixture
def player(window: MainWindow) -> MainWindow:
    assert window.open_scene(default_scene())
    return window


def type_keys(qtbot: QtBot, window: MainWindow, *keys: Qt.Key) -> None:
    for key in keys:
        qtbot.keyClick(window, key)


@pytest.mark.parametrize("key", [Qt.Key.Key_B, Qt.Key.Key_Period])
def test_b_or_period_blanks_and_restores_the_stage(player: MainWindow, qtbot: QtBot, key: Qt.Key) -> None:
    type_keys(qtbot, player, key)
    assert player.stage.blanked
    image = player.stage.grab().toImage()
    assert QColor(image.pixel(image.width() // 2, image.height() // 2)).name() == "#000000"
    type_keys(qtbot, player, key)
    assert not player.stage.blanked
    image = player.stage.grab().toImage()
    assert QColor(image.pixel(5, image.height() // 2)).name() == player.stage.theme.background


def test_number_then_enter_plays_that_step(player: MainWindow, qtbot: QtBot) -> None:
    type_keys(qtbot, player, Qt.Key.Key_1, Qt.Key.Key_2)
    assert player.stage.prompt == "Go to step 12"
    type_keys(qtbot, player, Qt.Key.Key_Backspace)
    assert player.stage.prompt == "Go to step 1"
    type_keys(qtbot, player, Qt.Key.Key_Backspace, Qt.Key.Key_4, Qt.Key.Key_Return)
    assert player.stage.prompt == ""
    assert player.clock.time == player.timeline.boundary(3) and player.clock.playing
    player.clock.advance(1000)
    assert player.stage.frame.step == 4


def test_too_large_a_number_goes_to_the_last_step_and_zero_to_the_start(player: MainWindow, qtbot: QtBot) -> None:
    type_keys(qtbot, player, Qt.Key.Key_9, Qt.Key.Key_9, Qt.Key.Key_Enter)
    player.clock.advance(1000)
    assert player.clock.time == player.timeline.duration
    type_keys(qtbot, player, Qt.Key.Key_0, Qt.Key.Key_Return)
    assert player.clock.time == 0.0 and not player.clock.playing


def test_esc_backs_out_one_thing_at_a_time(player: MainWindow, qtbot: QtBot) -> None:
    type_keys(qtbot, player, Qt.Key.Key_F, Qt.Key.Key_B, Qt.Key.Key_3)
    type_keys(qtbot, player, Qt.Key.Key_Escape)
    assert player.stage.prompt == "" and player.stage.blanked and player.isFullScreen()
    type_keys(qtbot, player, Qt.Key.Key_Escape)
    assert not player.stage.blanked and player.isFullScreen()
    type_keys(qtbot, player, Qt.Key.Key_Escape)
    assert not player.isFullScreen()


# Iterating skips aliases. µ (0xb5) is left out: PySide names it by its deprecated alias
# Key_mu when the key is sent, and warns.
KEYS = [key for key in Qt.Key if key.value != 0xB5]


@pytest.mark.parametrize("with_scene", [False, True], ids=["empty", "scene"])
def test_no_key_crashes_the_player(window: MainWindow, qtbot: QtBot, with_scene: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every key Qt knows (pytest-qt fails the test on an exception inside a Qt handler).

    Modal dialogs are recorded instead of shown: no key may open one (F1's help is an overlay),
    since a dialog can land on the projector or take the clicker's focus mid-talk.
    """
    dialogs: list[tuple[str, int]] = []
    current = {"key": 0}
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: dialogs.append(("information", current["key"])))
    monkeypatch.setattr(QMessageBox, "about", lambda *a, **k: dialogs.append(("about", current["key"])))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (dialogs.append(("open", current["key"])), ("", ""))[1])
    if with_scene:
        window.open_scene(default_scene())
    for key in KEYS:
        if key in (Qt.Key.Key_F, Qt.Key.Key_F11):  # fullscreen toggles are tested above
            continue
        current["key"] = int(key.value)
        qtbot.keyClick(window, key)
        window.clock.advance(0.05)
    window.clock.stop()
    assert window.isVisible()
    assert dialogs == []
