"""Opening, dropping, recent files and live reload: the author's edit-and-watch loop."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot

from animator.ui.main_window import MainWindow
from tests.conftest import MINIMAL


def test_live_reload_keeps_the_current_step(window: MainWindow, write_scene: Callable[..., Path], qtbot: QtBot) -> None:
    path = write_scene(MINIMAL)
    assert window.open_scene(path)
    window.clock.go_to_step(2)
    path.write_text(MINIMAL.replace("b answers", "b answers politely"), encoding="utf-8")
    with qtbot.waitSignal(window.watcher.fileChanged, timeout=5000):
        pass
    qtbot.waitUntil(lambda: window.stage.frame.caption == "b answers politely", timeout=5000)
    assert window.clock.time == window.timeline.boundary(2)
    assert window.banner.isHidden()


def test_broken_edit_shows_error_and_keeps_last_good_scene(window: MainWindow, write_scene: Callable[..., Path]) -> None:
    path = write_scene(MINIMAL)
    assert window.open_scene(path)
    good = window.timeline
    window.clock.go_to_step(1)
    path.write_text(MINIMAL.replace("to: b, label: hello", "to: bb, label: hello"), encoding="utf-8")
    window.reload()
    assert window.timeline is good
    assert not window.banner.isHidden()
    text = window.banner.text()
    assert f"{path}:14:29:" in text and "unknown node 'bb' (did you mean 'b'?)" in text
    assert window.stage.frame.caption == "a says hello"  # still showing the good scene
    path.write_text(MINIMAL, encoding="utf-8")
    window.reload()
    assert window.banner.isHidden() and window.timeline is not good


def test_opening_a_broken_file_first_shows_errors_and_an_empty_stage(
    window: MainWindow, write_scene: Callable[..., Path]
) -> None:
    path = write_scene("format: 1\ntitle: [unclosed\n")
    assert not window.open_scene(path)
    assert window.timeline is None
    assert "YAML syntax error" in window.banner.text()
    path.write_text(MINIMAL, encoding="utf-8")
    window.reload()  # fixing the file brings the scene up without reopening it
    assert window.timeline is not None and window.banner.isHidden()


def test_drop_a_scene_file_opens_it(window: MainWindow, write_scene: Callable[..., Path]) -> None:
    path = write_scene(MINIMAL, "dropped.yaml")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    assert window.path == path.resolve()
    assert window.timeline.scene.title == "Minimal"


def test_recent_files_most_recent_first_without_duplicates(window: MainWindow, write_scene: Callable[..., Path]) -> None:
    first, second = write_scene(MINIMAL, "one.yaml"), write_scene(MINIMAL, "two.yaml")
    window.open_scene(first)
    window.open_scene(second)
    window.open_scene(first)
    assert window.recent_files() == [str(first.resolve()), str(second.resolve())]
    window._fill_recent()
    assert [a.text() for a in window.recent_menu.actions()] == window.recent_files()


def test_window_title_and_step_list_follow_the_scene(window: MainWindow, write_scene: Callable[..., Path]) -> None:
    window.open_scene(write_scene(MINIMAL))
    assert window.windowTitle() == "Minimal — PacketStage"
    texts = [window.step_list.item(i).text() for i in range(window.step_list.count())]
    assert texts == ["1. a says hello", "2. b answers"]


def test_fixing_a_broken_second_file_loads_it_not_the_first(window: MainWindow, write_scene: Callable[..., Path]) -> None:
    good = write_scene(MINIMAL, "good.yaml")
    broken = write_scene(MINIMAL.replace("title: Minimal", "title: Second\nbogus: 1"), "second.yaml")
    assert window.open_scene(good)
    assert not window.open_scene(broken)
    assert "unknown key 'bogus'" in window.banner.text()
    assert window.timeline.scene.title == "Minimal"
    broken.write_text(MINIMAL.replace("title: Minimal", "title: Second"), encoding="utf-8")
    window.reload()
    assert window.timeline.scene.title == "Second"
    assert window.watcher.files() == [str(broken.resolve())]


def test_node_tooltip_lists_every_address(window: MainWindow, write_scene: Callable[..., Path]) -> None:
    window.open_scene(write_scene(MINIMAL))
    tip = window.stage.node_tooltip("a")
    assert "MAC 02:00:00:00:00:0a" in tip and "IPv4 10.0.0.1/24" in tip


def test_window_size_and_docks_are_remembered(window: MainWindow, settings: object, qtbot: QtBot) -> None:
    # Offscreen Qt has an 800x600 screen and clamps restored widths to it, so the height,
    # within the screen, is what shows the geometry came back.
    window.resize(1000, 560)
    window.notes_dock.hide()
    window.close()
    again = MainWindow(settings)  # type: ignore[arg-type]
    qtbot.addWidget(again)
    again.show()
    assert again.height() == 560
    assert not again.notes_dock.isVisible() and again.steps_dock.isVisible()


def test_damaged_window_settings_are_ignored(app: object, settings: object, qtbot: QtBot) -> None:
    settings.setValue("window/geometry", "not a geometry")  # type: ignore[attr-defined]
    settings.setValue("window/state", 42)  # type: ignore[attr-defined]
    window = MainWindow(settings)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    window.show()
    assert window.steps_dock.isVisible()


def test_about_names_every_version_and_the_licence(window: MainWindow, monkeypatch: object) -> None:
    import importlib.metadata

    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion
    from PySide6.QtWidgets import QMessageBox

    from animator import __version__

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append(text))  # type: ignore[attr-defined]
    window.show_about()
    (text,) = shown
    for expected in (f"PacketStage {__version__}", f"Qt {qVersion()}", f"PySide6 {pyside_version}", "MIT licence"):
        assert expected in text
    assert f"scapy {importlib.metadata.version('scapy')}" in text


def test_a_deleted_then_recreated_scene_is_watched_again(
    window: MainWindow, write_scene: Callable[..., Path], qtbot: QtBot
) -> None:
    """``git checkout`` or an editor that deletes and writes anew: the watcher drops the file, and the
    folder's change brings the new one up without Ctrl+R."""
    path = write_scene(MINIMAL)
    assert window.open_scene(path)
    path.unlink()
    # The deletion's own reload runs first and finds no file: the last good scene stays, with a banner.
    qtbot.waitUntil(lambda: not window.banner.isHidden(), timeout=5000)
    assert str(path.resolve()) not in window.watcher.files()
    path.write_text(MINIMAL.replace("b answers", "b answers again"), encoding="utf-8")
    qtbot.waitUntil(lambda: window.stage.frame.caption == "b answers again" or _at_end_caption(window), timeout=5000)
    assert str(path.resolve()) in window.watcher.files()
    assert window.banner.isHidden()


def _at_end_caption(window: MainWindow) -> bool:
    timeline = window.timeline
    return timeline is not None and timeline.state_at(timeline.duration).caption == "b answers again"


def test_a_reload_that_cannot_be_shown_changes_nothing(
    window: MainWindow, write_scene: Callable[..., Path], monkeypatch: object
) -> None:
    """A reload is all or nothing: if a view refuses the new timeline, every view keeps the old one,
    the clock keeps its bounds, and the banner says what happened."""
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    path = write_scene(MINIMAL)
    assert window.open_scene(path)
    window.clock.go_to_step(1)
    good, bounds = window.timeline, list(window.clock.playback.boundaries)
    path.write_text(MINIMAL.replace("b answers", "b answers twice"), encoding="utf-8")
    original = window.inspection.set_timeline

    def refuse(timeline: object) -> None:
        if timeline is not good:
            raise RuntimeError("a view refused the timeline")
        original(timeline)

    monkeypatch.setattr(window.inspection, "set_timeline", refuse)
    window.reload()
    assert window.timeline is good and window.stage.timeline is good
    assert list(window.clock.playback.boundaries) == bounds
    assert window.stage.frame.caption == "a says hello"
    assert not window.banner.isHidden() and "could not be shown" in window.banner.text()
