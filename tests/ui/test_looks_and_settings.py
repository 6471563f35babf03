"""Palette, text size, keyboard help and notes while presenting; damaged settings fall back with a notice."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from animator.cli import main
from animator.render.theme import LIGHT, OKABE_ITO, STANDARD, chip_text_color
from animator.resources import default_scene
from animator.ui.main_window import MainWindow
from tests.conftest import REPO


def new_window(qtbot: QtBot, settings: QSettings) -> MainWindow:
    window = MainWindow(settings)
    qtbot.addWidget(window)
    return window


def test_palette_menu_recolours_chips_and_legend_and_is_remembered(window: MainWindow, settings: QSettings, qtbot: QtBot) -> None:
    window.open_scene(default_scene(), step=2)
    window.stage_controls.palette_actions["okabe-ito"].trigger()
    assert window.stage.protocol_palette is OKABE_ITO and window.stage.packets.palette is OKABE_ITO
    assert window.inspection.ladder.view.protocol_palette is OKABE_ITO  # the ladder's arrows match the chips
    assert window.stage.frame is not None and window.stage.frame.step == 2  # same moment
    assert settings.value("palette") == "okabe-ito"
    again = new_window(qtbot, settings)
    assert again.stage.protocol_palette is OKABE_ITO and again.stage_controls.palette_actions["okabe-ito"].isChecked()
    assert not again.stage_controls.notice.isVisibleTo(again)


def test_okabe_ito_is_used_by_headless_renders(app: object, tmp_path: Path) -> None:
    standard, okabe = tmp_path / "s.png", tmp_path / "o.png"
    for out, palette in ((standard, "standard"), (okabe, "okabe-ito")):
        assert main(["render", str(default_scene()), "--step", "1", "--palette", palette, "--out", str(out)]) == 0
    assert QImage(str(standard)) != QImage(str(okabe))


def test_light_okabe_ito_chips_get_dark_text() -> None:
    assert chip_text_color(OKABE_ITO.color("dns")).name() == "#111111"  # yellow
    assert chip_text_color(OKABE_ITO.color("tcp")).name() == "#ffffff"  # blue
    assert all(chip_text_color(STANDARD.color(p)).name() == "#ffffff" for p in STANDARD.colors)


def test_text_size_enlarges_the_stage_text_not_the_window_chrome(window: MainWindow, settings: QSettings, qtbot: QtBot) -> None:
    window.open_scene(default_scene(), step=2)
    overlay = window.stage.ui_scale()
    label = next(b.px for b in window.stage.boxes if b.kind == "name")
    menu_font = window.menuBar().font().pixelSize()
    window.stage_controls.scale_actions["1.5"].trigger()
    assert window.stage.text_scale == 1.5
    assert window.stage.ui_scale() == pytest.approx(overlay * 1.5)
    assert next(b.px for b in window.stage.boxes if b.kind == "name") >= round(label * 1.5) - 1
    assert window.menuBar().font().pixelSize() == menu_font
    assert float(settings.value("text_scale")) == 1.5
    assert new_window(qtbot, settings).stage.text_scale == 1.5


def test_a_stage_too_small_for_its_text_size_says_what_it_shows_instead(window: MainWindow, qtbot: QtBot) -> None:
    """Docked panels leave home-nat's stage no room for 200 % text: the stage shows less, never
    an overlap, and the status bar says how much and what gives it room."""
    window.resize(1280, 720)
    window.show()
    window.stage_controls.scale_actions["2"].trigger()
    window.open_scene(REPO / "scenes" / "home-nat.yaml", step=1)
    window.stage.resize(874, 662)
    qtbot.waitUntil(lambda: "Stage text at" in window.statusBar().currentMessage())
    message = window.statusBar().currentMessage()
    assert "instead of 200%" in message and "full screen" in message
    shown = int(message.split("Stage text at ")[1].split("%")[0])
    assert 120 <= shown < 200
    window.stage.resize(1280, 720)
    window.stage.grab()  # lays out for the new size
    assert window.stage.stage_layout is None or window.stage.stage_layout.fitted == 1.0


def test_render_scale_option(app: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "big.png"
    assert main(["render", str(default_scene()), "--step", "1", "--scale", "150", "--out", str(out)]) == 0
    with pytest.raises(SystemExit):
        main(["render", str(default_scene()), "--step", "1", "--scale", "90", "--out", str(out)])
    assert "not a text size" in capsys.readouterr().err


# -- damaged settings ------------------------------------------------------------------
def test_a_garbage_settings_file_falls_back_to_defaults_with_a_notice(
    app: object, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "settings.ini"
    path.write_bytes(b"\x00\xff\xfe garbage [[[\n=== \x01\x02\n[General\ntheme=dark\npalette=okabe-ito\n")
    dialogs: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: dialogs.append("warning"))
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: dialogs.append("critical"))
    settings = QSettings(str(path), QSettings.Format.IniFormat)
    window = new_window(qtbot, settings)
    window.show()
    notice = window.stage_controls.notice
    assert notice.isVisible() and "could not be read" in notice.text() and "FormatError" in notice.text()
    assert window.stage.theme is LIGHT and window.stage.protocol_palette is STANDARD
    assert dialogs == []
    qtbot.mouseClick(notice, Qt.MouseButton.LeftButton)
    assert not notice.isVisible()
    window.set_theme(LIGHT)
    settings.sync()  # the next write replaces the damaged file with a readable one
    assert QSettings(str(path), QSettings.Format.IniFormat).status() == QSettings.Status.NoError


def test_values_of_the_wrong_kind_fall_back_and_are_named(app: object, qtbot: QtBot, settings: QSettings) -> None:
    settings.setValue("palette", ["not", "a", "name"])
    settings.setValue("text_scale", "huge")
    settings.setValue("theme", 42)
    settings.setValue("recent", 7)
    window = new_window(qtbot, settings)
    text = window.stage_controls.notice.text()
    assert "palette" in text and "text_scale" in text and "theme" in text
    assert window.stage.protocol_palette is STANDARD and window.stage.text_scale == 1.0 and window.stage.theme is LIGHT
    assert window.recent_files() == []
    window._fill_recent()  # the File menu still opens


# -- help and presenting ---------------------------------------------------------------
def test_f1_shows_help_over_the_window_without_a_dialog(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialogs: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: dialogs.append("information"))
    window.open_scene(default_scene())
    window.start_presenting()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    help_overlay = window.stage_controls.help
    assert help_overlay.isVisible() and help_overlay.window() is window
    assert "follow the packet" in help_overlay.text()
    assert dialogs == [] and QApplication.activeModalWidget() is None
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not help_overlay.isVisible() and window.audience is not None  # Esc closed the help, not the talk
    window.stop_presenting()


def test_presenter_notes_are_large_and_take_most_of_the_column(window: MainWindow) -> None:
    window.resize(1900, 1000)  # a laptop screen (the transport bar needs ~860 px of width)
    window.notes_dock.hide()  # hidden before: presenting brings the notes back, large
    window.open_scene(default_scene(), step=1)
    small = window.notes.font().pixelSize()
    window.start_presenting()
    QApplication.processEvents()
    assert window.notes.font().pixelSize() >= 22 > small
    assert window.notes_dock.height() > 2 * window.steps_dock.height()
    assert window.notes_dock.width() >= 400
    window.stop_presenting()
    assert window.notes.font().pixelSize() == small


def test_chip_colour_on_the_stage_follows_the_palette(window: MainWindow) -> None:
    window.open_scene(default_scene(), step=1)
    window.stage_controls.set_palette(OKABE_ITO)
    image = window.stage.grab().toImage()
    wanted = {OKABE_ITO.color(p).name() for p in window.timeline.protocols}
    found = {QColor(image.pixel(x, y)).name() for y in range(0, image.height(), 2) for x in range(0, image.width(), 2)}
    assert wanted <= found  # the legend swatches at least
