"""GUI fixtures: a main window with isolated settings; fails a test that leaves a timer running."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from animator.render.theme import load_fonts
from animator.ui.main_window import MainWindow


@pytest.fixture
def app(qapp: QApplication) -> QApplication:
    load_fonts()
    return qapp


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(app: QApplication, qtbot: QtBot, settings: QSettings) -> Iterator[MainWindow]:
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    yield win
    running = win.clock.timer_active()
    win.clock.stop()
    assert not running, "test left the playback timer running"
