"""The window fits a 1280x720 projector and a 1366-pixel laptop: small minimum, readable docks, tabs.

Also what a lecturer notices when moving around: leaving fullscreen gives back the window as it
was (maximised stays maximised), the Steps list always shows the step on the stage, and the
transport buttons can be seen on the dark theme.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QRect, QSettings, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QDockWidget, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from animator.render.theme import DARK, HIGH_CONTRAST, LIGHT, Theme
from animator.ui.main_window import MainWindow
from tests.conftest import REPO

#: The widest minimum the window may have: a 1024-pixel screen (and a 1280 projector with room to spare).
MINIMUM = 1024
NAT = REPO / "scenes" / "home-nat.yaml"
HTTP_GET = REPO / "scenes" / "http-get.yaml"
DECK = REPO / "scenes" / "intro.deck.yaml"


@pytest.fixture
def projector(app: QApplication, qtbot: QtBot, settings: QSettings) -> Iterator[MainWindow]:
    """A first start on a 1280x720 projector: the window maximised (less the title bar) when it first shows."""
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.resize(1280, 690)
    win.show()
    assert win.open_scene(NAT)
    yield win
    win.clock.stop()


def minimum_width(window: MainWindow) -> int:
    """What the window insists on: its layout's minimum, as the window manager is told it."""
    QApplication.processEvents()
    window.layout().activate()
    return max(window.minimumSizeHint().width(), window.minimumSize().width())


def on_screen(window: MainWindow, widget: QWidget) -> QRect:
    """The part of ``widget`` inside the window (empty if none; a tab not in front is moved out of it)."""
    rect = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
    return rect.intersected(window.rect()) if widget.isVisible() else QRect()


# -- minimum width -----------------------------------------------------------------------


def test_the_window_can_be_as_narrow_as_a_1024_pixel_screen(window: MainWindow) -> None:
    assert window.open_scene(NAT)
    assert minimum_width(window) <= MINIMUM
    window.resize(MINIMUM, 700)
    QApplication.processEvents()
    assert window.width() == MINIMUM


@pytest.mark.parametrize("width", [1280, 1920], ids=["sequence-in-a-tab", "sequence-in-a-column"])
def test_with_the_device_tables_open_and_full_the_window_still_fits(window: MainWindow, width: int) -> None:
    assert window.open_scene(NAT)
    window.arrange_docks(width)
    window.clock.end()
    window.inspection.select_node("nat")  # the NAT table, every row filled
    assert window.inspection.tables.tables["NAT table"].rowCount() >= 2
    assert window.inspection.tables_dock.isVisible() and not window.inspection.tables_dock.visibleRegion().isEmpty()
    assert minimum_width(window) <= MINIMUM


def test_every_dock_shown_at_once_still_fits(window: MainWindow) -> None:
    """A deck (the Contents dock) on a wide layout, with the presenter panel open too."""
    assert window.open_scene(DECK)
    window.arrange_docks(1920)
    for dock in window.findChildren(QDockWidget):
        dock.show()
    assert minimum_width(window) <= MINIMUM


# -- the default layout ------------------------------------------------------------------


def test_on_a_1280_projector_every_dock_is_on_screen_and_readable(projector: MainWindow) -> None:
    window = projector
    stage = on_screen(window, window.stage)
    assert stage.width() >= 700, "the stage stays the largest thing on screen"
    for dock in (window.steps_dock, window.notes_dock, window.lecture.lesson_dock, *window.inspection.docks):
        dock.raise_()  # what a click on its tab does
        QApplication.processEvents()
        seen = on_screen(window, dock)
        assert seen == QRect(dock.mapTo(window, dock.rect().topLeft()), dock.size()), f"{dock.windowTitle()} is cut off"
        assert seen.width() >= 400, f"{dock.windowTitle()} is too narrow to read"
    # The sequence diagram is a tab beside the inspector: no room for a column of its own.
    assert window.inspection.sequence_dock in window.tabifiedDockWidgets(window.inspection.inspector_dock)


def test_a_wide_screen_gives_the_sequence_diagram_its_own_column(app: QApplication, qtbot: QtBot, settings: QSettings) -> None:
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.resize(1920, 1050)
    window.show()
    sequence, inspector = window.inspection.sequence_dock, window.inspection.inspector_dock
    assert window.dockWidgetArea(sequence) == Qt.DockWidgetArea.LeftDockWidgetArea
    inspector.raise_()
    QApplication.processEvents()
    assert sequence.width() >= 400 and inspector.width() >= 400
    assert on_screen(window, window.stage).width() >= 900


def test_reset_layout_brings_back_a_dragged_away_dock_and_keeps_hidden_docks_hidden(projector: MainWindow) -> None:
    window = projector
    window.inspection.inspector_dock.setFloating(True)
    window.notes_dock.hide()
    reset = next(a for a in window.menuBar().actions()[2].menu().actions() if "layout" in a.text().lower())
    reset.trigger()
    assert not window.inspection.inspector_dock.isFloating()
    assert window.inspection.inspector_dock in window.tabifiedDockWidgets(window.lecture.lesson_dock)
    assert window.notes_dock.isHidden() and not window.steps_dock.isHidden()


def test_a_layout_saved_by_an_older_version_is_replaced_by_the_readable_one(
    app: QApplication, qtbot: QtBot, settings: QSettings
) -> None:
    old = MainWindow(settings)
    qtbot.addWidget(old)
    settings.setValue("window/state", old.saveState(0))  # how versions before the layout version saved it
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.resize(1280, 690)
    window.show()
    window.inspection.inspector_dock.raise_()
    QApplication.processEvents()
    assert window.inspection.inspector_dock.width() >= 400


# -- fullscreen ----------------------------------------------------------------------------


def press(qtbot: QtBot, window: MainWindow, key: Qt.Key) -> None:
    qtbot.keyClick(window, key, Qt.KeyboardModifier.NoModifier)


def test_leaving_fullscreen_keeps_a_maximised_window_maximised(projector: MainWindow, qtbot: QtBot) -> None:
    window = projector
    window.showMaximized()
    assert window.windowState() & Qt.WindowState.WindowMaximized
    press(qtbot, window, Qt.Key.Key_F)
    assert window.windowState() & Qt.WindowState.WindowFullScreen
    press(qtbot, window, Qt.Key.Key_Escape)
    assert window.windowState() & Qt.WindowState.WindowMaximized
    assert not window.windowState() & Qt.WindowState.WindowFullScreen


def test_leaving_fullscreen_keeps_a_normal_window_normal(projector: MainWindow, qtbot: QtBot) -> None:
    window = projector
    press(qtbot, window, Qt.Key.Key_F)
    press(qtbot, window, Qt.Key.Key_F)  # F toggles back, as Esc does
    assert window.windowState() == Qt.WindowState.WindowNoState


def test_leaving_fullscreen_gives_back_the_tab_that_was_in_front(projector: MainWindow, qtbot: QtBot) -> None:
    window = projector
    window.inspection.inspector_dock.raise_()
    QApplication.processEvents()
    press(qtbot, window, Qt.Key.Key_F)
    assert window.inspection.inspector_dock.visibleRegion().isEmpty()
    press(qtbot, window, Qt.Key.Key_Escape)
    QApplication.processEvents()
    assert not window.inspection.inspector_dock.visibleRegion().isEmpty()
    assert window.notes_dock.visibleRegion().isEmpty()  # still behind the inspector
    assert window.inspection.inspector_dock.width() >= 400


def test_presenting_begun_in_fullscreen_keeps_the_presenter_docks_after_it(projector: MainWindow) -> None:
    window = projector
    window.enter_fullscreen()
    window.start_presenting()
    window.leave_fullscreen()
    assert window.presenter_dock.isVisible() and window.notes_dock.isVisible()
    assert window.inspection.inspector_dock.isHidden()  # packet internals wait until the talk ends
    window.stop_presenting()
    assert not window.presenter_dock.isVisible() and not window.inspection.inspector_dock.isHidden()


# -- the Steps list follows the stage ------------------------------------------------------


def assert_list_shows_the_step(window: MainWindow) -> None:
    """The current row is the stage's step, selected and scrolled into view; at step 0 (the start,
    which has no row) nothing is selected and the list is at its top."""
    QApplication.processEvents()
    step_list, step = window.step_list, window.stage.frame.step
    item = step_list.currentItem()
    if step == 0:
        assert item is None and not step_list.selectedItems()
        assert step_list.verticalScrollBar().value() == 0
        return
    assert item is not None and item.data(Qt.ItemDataRole.UserRole) == step
    assert item.isSelected()
    assert step_list.viewport().rect().intersects(step_list.visualItemRect(item)), "the current step is scrolled out of view"


def test_steps_list_follows_home_end_and_the_keys(window: MainWindow, qtbot: QtBot) -> None:
    assert window.open_scene(NAT)
    press(qtbot, window, Qt.Key.Key_End)
    assert window.stage.frame.step == window.timeline.step_count
    assert_list_shows_the_step(window)
    press(qtbot, window, Qt.Key.Key_Home)
    assert_list_shows_the_step(window)
    press(qtbot, window, Qt.Key.Key_Right)
    window.clock.advance(1000)
    assert window.stage.frame.step == 1
    assert_list_shows_the_step(window)


def test_steps_list_follows_the_slider(window: MainWindow) -> None:
    assert window.open_scene(NAT)
    window.transport.seek_requested.emit(window.timeline.boundary(7) - 0.01)
    assert window.stage.frame.step == 7
    assert_list_shows_the_step(window)


def test_steps_list_follows_another_scene_and_a_reload(window: MainWindow) -> None:
    assert window.open_scene(NAT)
    window.clock.end()
    assert window.open_scene(HTTP_GET)
    assert window.stage.frame.step == 0
    assert_list_shows_the_step(window)
    window.clock.go_to_step(5)
    window.reload()  # the same file again: the step stays, and so does the list
    assert window.stage.frame.step == 5
    assert_list_shows_the_step(window)
    assert window.open_scene(NAT, step=9)
    assert_list_shows_the_step(window)


def test_steps_list_follows_a_decks_next_and_previous_scene(window: MainWindow, qtbot: QtBot) -> None:
    assert window.open_scene(DECK)
    press(qtbot, window, Qt.Key.Key_End)
    press(qtbot, window, Qt.Key.Key_PageDown)  # on into the deck's next scene, at its start
    assert window.lecture.index == 1
    assert_list_shows_the_step(window)
    press(qtbot, window, Qt.Key.Key_PageUp)  # back into the first scene, at its end
    assert window.lecture.index == 0 and window.stage.frame.step == window.timeline.step_count
    assert_list_shows_the_step(window)


def test_steps_list_shows_the_step_again_after_fullscreen(window: MainWindow, qtbot: QtBot) -> None:
    assert window.open_scene(NAT)
    press(qtbot, window, Qt.Key.Key_F)
    window.clock.go_to_step(8)  # moved on while the list was hidden
    press(qtbot, window, Qt.Key.Key_Escape)
    assert_list_shows_the_step(window)


# -- the transport bar ---------------------------------------------------------------------


def test_a_narrow_window_shows_the_whole_transport_bar(window: MainWindow) -> None:
    assert window.open_scene(NAT)
    window.resize(MINIMUM, 700)
    QApplication.processEvents()
    bar = window.transport
    for widget in (bar.restart_button, bar.play_button, bar.end_button, bar.slider, bar.step_label, bar.pacing_box):
        assert widget.isVisible()
        assert bar.rect().contains(widget.geometry()), f"{widget.objectName() or type(widget).__name__} is cut off"
    assert bar.slider.width() >= 120
    window.resize(1920, 1000)
    QApplication.processEvents()
    assert bar.time_label.isVisible() and bar.speed_box.isVisible()  # room again: everything comes back
    assert bar.pacing_box.text() == "Pause at each step"


def luminance(color: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast(a: QColor, b: QColor) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def icon_contrast(button: QToolButton) -> float:
    """How far the button's icon stands out from its background, as drawn on screen (WCAG ratio)."""
    image = button.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    background = image.pixelColor(1, 1)
    return max(contrast(image.pixelColor(x, y), background) for x in range(image.width()) for y in range(image.height()))


@pytest.mark.parametrize("theme", [LIGHT, DARK, HIGH_CONTRAST], ids=lambda t: t.name)
def test_transport_icons_stand_out_in_every_theme(window: MainWindow, theme: Theme) -> None:
    window.set_theme(theme)
    bar = window.transport
    for button in (bar.restart_button, bar.previous_button, bar.play_button, bar.next_button, bar.end_button):
        assert icon_contrast(button) >= 4.5, f"{button.toolTip()} is hard to see on the {theme.name} theme"
    window.clock.toggle()  # the pause icon, drawn when playing, follows the theme too
    assert icon_contrast(bar.play_button) >= 4.5
    window.clock.toggle()
