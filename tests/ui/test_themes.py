"""Themes: the window, the stage and headless renders switch together, and the choice sticks."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from animator.cli import main
from animator.engine import build_timeline
from animator.model import load_scene
from animator.render.theme import DARK, HIGH_CONTRAST, LIGHT, THEMES
from animator.resources import default_scene
from animator.ui.main_window import MainWindow
from tests.stage_points import background_point


@pytest.mark.parametrize("theme", list(THEMES.values()), ids=list(THEMES))
def test_cli_render_uses_the_theme(app: object, tmp_path: Path, theme: object) -> None:
    out = tmp_path / "frame.png"
    assert main(["render", str(default_scene()), "--step", "2", "--theme", theme.name, "--out", str(out)]) == 0  # type: ignore[attr-defined]
    image = QImage(str(out))
    x, y = background_point(build_timeline(load_scene(default_scene())), (1280, 720), 2)
    assert QColor(image.pixel(x, y)).name() == theme.background  # type: ignore[attr-defined]


def test_unknown_theme_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["render", str(default_scene()), "--step", "1", "--theme", "neon", "--out", str(tmp_path / "x.png")])
    assert exit_info.value.code == 2
    assert "invalid choice: 'neon'" in capsys.readouterr().err


def test_theme_menu_switches_stage_and_is_remembered(window: MainWindow, settings: QSettings, qtbot: QtBot) -> None:
    window.open_scene(default_scene(), step=2)
    assert window.stage.theme is LIGHT
    window.theme_actions["dark"].trigger()
    assert window.stage.theme is DARK and window.transport.slider.theme is DARK
    assert window.stage.frame is not None and window.stage.frame.step == 2  # same moment, new colours
    image = window.stage.grab().toImage()
    assert QColor(image.pixel(5, image.height() // 2)).name() == DARK.background
    again = MainWindow(settings)
    qtbot.addWidget(again)
    assert again.stage.theme is DARK and again.theme_actions["dark"].isChecked()
    # Every panel starts in the remembered theme, not only those that hear of a change.
    assert again.transport.theme is DARK and again.transport.slider.theme is DARK
    assert again.inspection.ladder.view.theme is DARK and DARK.panel_fill in again.step_list.styleSheet()
    again.set_theme(HIGH_CONTRAST)
    assert settings.value("theme") == "high-contrast"


def test_unknown_saved_theme_falls_back_to_light(app: object, settings: QSettings, qtbot: QtBot) -> None:
    settings.setValue("theme", "solarized-neon")
    window = MainWindow(settings)
    qtbot.addWidget(window)
    assert window.stage.theme is LIGHT and window.theme_actions["light"].isChecked()
