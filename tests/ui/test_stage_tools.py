"""Pen, laser, zoom, pan, follow, reverse and replay: what a lecturer does to the stage mid-talk."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from animator.resources import default_scene
from animator.ui.main_window import MainWindow
from animator.ui.stage.annotation import LASER, NONE, PEN, PEN_COLOR
from animator.ui.stage.view import StageView
from animator.ui.stage.zoom import MAX_ZOOM, MIN_ZOOM, followed_packet


@pytest.fixture
def player(window: MainWindow) -> MainWindow:
    assert window.open_scene(default_scene(), step=2)
    return window


def key(qtbot: QtBot, window: MainWindow, k: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(window, k, modifier)


def drag(qtbot: QtBot, stage: StageView, points: list[QPoint], button: Qt.MouseButton = Qt.MouseButton.LeftButton) -> None:
    viewport = stage.viewport()
    qtbot.mousePress(viewport, button, pos=points[0])
    for point in points[1:]:
        qtbot.mouseMove(viewport, point)
    qtbot.mouseRelease(viewport, button, pos=points[-1])


def middle(stage: StageView) -> QPoint:
    return QPoint(stage.viewport().width() // 2, stage.viewport().height() // 2)


def draw_a_line(qtbot: QtBot, stage: StageView) -> None:
    c = middle(stage)
    drag(qtbot, stage, [c + QPoint(dx, dx // 3) for dx in range(-120, 121, 20)])


# -- pen and laser ---------------------------------------------------------------------
def test_d_picks_the_pen_and_a_drag_leaves_ink_in_scene_units(player: MainWindow, qtbot: QtBot) -> None:
    key(qtbot, player, Qt.Key.Key_D)
    stage = player.stage
    assert stage.annotations.tool == PEN and player.stage_controls.pen_action.isChecked()
    assert stage.viewport().cursor().shape() == Qt.CursorShape.CrossCursor
    draw_a_line(qtbot, stage)
    assert len(stage.annotations.strokes) == 1 and len(stage.annotations.strokes[0].points) >= 10
    start = stage.annotations.strokes[0].points[0]
    assert start == stage.mapToScene(middle(stage) + QPoint(-120, -40))
    # The ink is on screen, in the pen's colour, where it was drawn.
    image = stage.grab().toImage()
    on_line = middle(stage) + QPoint(60, 20)
    assert QColor(image.pixel(on_line)).name() == PEN_COLOR.name()
    # A smaller window: the same scene points, so the ink stays on the device it marks.
    player.resize(900, 600)
    QApplication.processEvents()
    assert stage.annotations.strokes[0].points[0] == start


def test_ink_clears_on_the_next_step_and_on_step_back(player: MainWindow, qtbot: QtBot) -> None:
    key(qtbot, player, Qt.Key.Key_D)
    draw_a_line(qtbot, player.stage)
    key(qtbot, player, Qt.Key.Key_Right)
    player.clock.advance(0.3)
    assert player.stage.annotations.strokes == []
    player.clock.advance(1000)
    draw_a_line(qtbot, player.stage)
    assert player.stage.annotations.strokes
    key(qtbot, player, Qt.Key.Key_Left)
    assert player.stage.annotations.strokes == []
    assert player.stage.annotations.tool == PEN  # the pen stays in hand


def test_e_erases_and_pausing_or_playing_within_a_step_keeps_the_ink(player: MainWindow, qtbot: QtBot) -> None:
    key(qtbot, player, Qt.Key.Key_D)
    draw_a_line(qtbot, player.stage)
    player.clock.seek(player.timeline.boundary(2) + 0.1)  # inside step 3
    draw_a_line(qtbot, player.stage)
    player.clock.seek(player.timeline.boundary(2) + 0.2)
    assert len(player.stage.annotations.strokes) == 1
    key(qtbot, player, Qt.Key.Key_E)
    assert player.stage.annotations.strokes == []


def test_laser_shows_a_dot_and_leaves_no_stroke(player: MainWindow, qtbot: QtBot) -> None:
    key(qtbot, player, Qt.Key.Key_L)
    annotations = player.stage.annotations
    assert annotations.tool == LASER and player.stage_controls.laser_action.isChecked()
    drag(qtbot, player.stage, [middle(player.stage) + QPoint(dx, 0) for dx in range(-100, 101, 25)])
    assert annotations.strokes == []
    assert annotations.trail and annotations.laser_visible
    image = player.stage.grab().toImage()
    assert QColor(image.pixel(middle(player.stage) + QPoint(100, 0))).red() > 200  # the bright dot
    key(qtbot, player, Qt.Key.Key_L)  # put it down: no trail, no fading timer left running
    assert annotations.tool == NONE and not annotations.trail and not annotations.fading()


def test_laser_trail_fades_in_wall_clock_time(app: object) -> None:
    from animator.ui.stage.annotation import TRAIL_SECONDS, AnnotationModel

    now = [0.0]
    model = AnnotationModel(clock=lambda: now[0])
    model.set_tool(LASER)
    for x in range(5):
        now[0] += 0.01
        model.laser_to(QPointF(x, 0))
    assert len(model.trail) == 5 and model.fading()
    now[0] += TRAIL_SECONDS + 0.1
    model._fade_tick()
    assert [p for p, _ in model.trail] == [QPointF(4, 0)]  # only the dot is left
    assert not model.fading()


def test_esc_puts_the_tool_down_before_anything_else(player: MainWindow, qtbot: QtBot) -> None:
    key(qtbot, player, Qt.Key.Key_B)
    key(qtbot, player, Qt.Key.Key_D)
    key(qtbot, player, Qt.Key.Key_Escape)
    assert player.stage.annotations.tool == NONE and player.stage.blanked
    key(qtbot, player, Qt.Key.Key_Escape)
    assert not player.stage.blanked


def test_presenter_ink_and_zoom_appear_on_the_audience_stage(player: MainWindow, qtbot: QtBot) -> None:
    player.start_presenting()
    audience = player.audience
    assert audience is not None
    key(qtbot, player, Qt.Key.Key_D)
    draw_a_line(qtbot, player.stage)
    assert audience.stage.annotations is player.stage.annotations
    key(qtbot, player, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert audience.stage.zoom_state.zoom > 1.0
    # Both stages show the same scene point at the centre of their network area.
    assert audience.stage.network_centre() == player.stage.network_centre()
    fitted = audience.stage.transform().m11()
    # The zoom level is the presenter's business; the hall sees the picture only.
    assert player.stage.show_zoom_level and not audience.stage.show_zoom_level
    key(qtbot, player, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert audience.stage.transform().m11() < fitted
    # With one screen the lecturer may draw on the audience view itself: the presenter sees it too.
    key(qtbot, player, Qt.Key.Key_E)
    draw_a_line(qtbot, audience.stage)
    assert len(player.stage.annotations.strokes) == 1
    player.stop_presenting()


# -- zoom and pan ----------------------------------------------------------------------
def test_zoom_keys_and_their_limits(player: MainWindow, qtbot: QtBot) -> None:
    zoom = player.stage.zoom_state
    scale = player.stage.transform().m11()
    key(qtbot, player, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert zoom.zoom > 1.0 and player.stage.transform().m11() == pytest.approx(scale * zoom.zoom)
    for _ in range(30):
        key(qtbot, player, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert zoom.zoom == MAX_ZOOM
    for _ in range(40):
        key(qtbot, player, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert zoom.zoom == MIN_ZOOM
    assert player.clock.playback.speed == 1.0  # Ctrl+minus zooms; it no longer changes speed
    key(qtbot, player, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert zoom.zoom == 1.0 and zoom.centre is None
    assert player.stage.transform().m11() == pytest.approx(scale)
    assert player._typed_step == ""  # Ctrl+0 is not a typed step number


def wheel(stage: StageView, at: QPoint, notches: float, pixels: QPoint | None = None) -> None:
    event = QWheelEvent(
        QPointF(at),
        QPointF(stage.viewport().mapToGlobal(at)),
        pixels or QPoint(),
        QPoint(0, int(120 * notches)),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(stage.viewport(), event)


def test_wheel_zooms_around_the_cursor(player: MainWindow) -> None:
    stage = player.stage
    at = middle(stage) + QPoint(200, -50)
    under = stage.mapToScene(at)
    wheel(stage, at, 2)
    assert stage.zoom_state.zoom == pytest.approx(2**0.5)
    after = stage.mapToScene(at)
    assert abs(after.x() - under.x()) < 2 and abs(after.y() - under.y()) < 2  # the point under the cursor stays


def test_touchpad_scroll_pans_and_drag_pans_when_zoomed(player: MainWindow, qtbot: QtBot) -> None:
    stage = player.stage
    start = stage.network_centre()
    drag(qtbot, stage, [middle(stage), middle(stage) + QPoint(100, 0)])
    assert stage.network_centre() == start  # at fit there is nothing to pan to
    stage.zoom_by(3.0)
    start = stage.network_centre()
    drag(qtbot, stage, [middle(stage), middle(stage) + QPoint(60, 0), middle(stage) + QPoint(120, 0)])
    moved = stage.network_centre()
    assert moved.x() == pytest.approx(start.x() - 120 / stage.transform().m11(), abs=0.5)
    wheel(stage, middle(stage), 0, QPoint(0, -50))
    assert stage.network_centre().y() > moved.y()
    key(qtbot, player, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert stage.network_centre().x() > moved.x()
    assert not player.clock.playing  # Shift+Right pans; it is not "next step"


def test_panning_stops_at_the_edge_of_the_network(player: MainWindow) -> None:
    stage = player.stage
    stage.zoom_by(4.0)
    for _ in range(50):
        stage.pan_pixels(-500, -500)
    bounds = stage.zoom_state.bounds
    assert stage.network_centre() == bounds.bottomRight()


# -- follow the packet -----------------------------------------------------------------
def test_follow_keeps_the_packet_in_view_while_zoomed(player: MainWindow, qtbot: QtBot) -> None:
    stage = player.stage
    key(qtbot, player, Qt.Key.Key_F, Qt.KeyboardModifier.ShiftModifier)
    assert stage.zoom_state.follow and player.stage_controls.follow_action.isChecked()
    assert not player.isFullScreen()  # Shift+F is not F
    stage.zoom_by(4.0)
    key(qtbot, player, Qt.Key.Key_Right)
    seen = 0
    rect = stage.viewport().rect()
    while player.clock.playing:
        player.clock.advance(1 / 30)
        packet = followed_packet(stage.frame)
        if packet is None:
            continue
        seen += 1
        where = stage.packet_point(packet.id)
        assert rect.contains(where), f"packet at {where} left the view at t={player.clock.time:.2f}"
    assert seen > 10
    key(qtbot, player, Qt.Key.Key_F, Qt.KeyboardModifier.ShiftModifier)
    assert not stage.zoom_state.follow


def test_follow_at_fit_zooms_in_so_it_shows_something(player: MainWindow, qtbot: QtBot) -> None:
    key(qtbot, player, Qt.Key.Key_F, Qt.KeyboardModifier.ShiftModifier)
    assert player.stage.zoom_state.zoom == 2.0
    key(qtbot, player, Qt.Key.Key_Right)
    player.clock.advance(0.5)
    packet = followed_packet(player.stage.frame)
    assert packet is not None
    assert player.stage.viewport().rect().contains(player.stage.packet_point(packet.id))
    player.clock.stop()


def test_without_follow_a_zoomed_view_stays_put(player: MainWindow, qtbot: QtBot) -> None:
    stage = player.stage
    stage.zoom_by(4.0)
    centre = stage.network_centre()
    key(qtbot, player, Qt.Key.Key_Right)
    player.clock.advance(1000)
    assert stage.network_centre() == centre


# -- reverse and replay ----------------------------------------------------------------
def test_v_plays_the_step_backwards_to_its_start(player: MainWindow, qtbot: QtBot) -> None:
    end, start = player.timeline.boundary(2), player.timeline.boundary(1)
    key(qtbot, player, Qt.Key.Key_V)
    assert player.clock.playing and player.clock.timer_active()
    times = []
    while player.clock.playing:
        player.clock.advance(0.1)
        times.append(player.clock.time)
    assert times == sorted(times, reverse=True) and times[0] < end
    assert player.clock.time == start and not player.clock.timer_active()
    assert player.stage.frame.time == start


def test_r_replays_the_step_from_its_start(player: MainWindow, qtbot: QtBot) -> None:
    key(qtbot, player, Qt.Key.Key_R)
    assert player.clock.time == player.timeline.boundary(1) and player.clock.playing
    player.clock.advance(0.2)
    assert player.stage.frame.step == 2
    player.clock.advance(1000)
    assert player.clock.time == player.timeline.boundary(2) and not player.clock.timer_active()


def test_touchpad_pinch_zooms_around_the_fingers(player: MainWindow) -> None:
    from PySide6.QtGui import QNativeGestureEvent, QPointingDevice

    stage = player.stage
    at = QPointF(middle(stage) + QPoint(-150, 30))
    under = stage.mapToScene(at.toPoint())
    event = QNativeGestureEvent(
        Qt.NativeGestureType.ZoomNativeGesture,
        QPointingDevice.primaryPointingDevice(),
        2,
        at,
        at,
        QPointF(stage.viewport().mapToGlobal(at.toPoint())),
        0.5,
        QPointF(),
    )
    QApplication.sendEvent(stage.viewport(), event)
    assert stage.zoom_state.zoom == pytest.approx(1.5)
    after = stage.mapToScene(at.toPoint())
    assert abs(after.x() - under.x()) < 2 and abs(after.y() - under.y()) < 2


def test_pen_tablet_pressure_sets_the_line_width(player: MainWindow, qtbot: QtBot) -> None:
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QPointingDevice, QTabletEvent

    stage = player.stage
    key(qtbot, player, Qt.Key.Key_D)

    def tablet(kind: QEvent.Type, x: int, pressure: float) -> bool:
        pos = QPointF(middle(stage) + QPoint(x, 0))
        event = QTabletEvent(
            kind,
            QPointingDevice.primaryPointingDevice(),
            pos,
            QPointF(stage.viewport().mapToGlobal(pos.toPoint())),
            pressure,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            Qt.KeyboardModifier.NoModifier,
            Qt.MouseButton.LeftButton,
            Qt.MouseButton.LeftButton,
        )
        QApplication.sendEvent(stage.viewport(), event)
        return event.isAccepted()

    assert tablet(QEvent.Type.TabletPress, -50, 0.1)
    tablet(QEvent.Type.TabletMove, 0, 0.1)
    tablet(QEvent.Type.TabletMove, 50, 1.0)
    tablet(QEvent.Type.TabletRelease, 50, 0.0)
    (stroke,) = stage.annotations.strokes
    assert len(stroke.points) == 3 and stroke.widths[2] > 2 * stroke.widths[1]


def test_zoom_and_ink_after_the_audience_window_is_gone(player: MainWindow, qtbot: QtBot) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    player.start_presenting()
    player.stop_presenting()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    key(qtbot, player, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    key(qtbot, player, Qt.Key.Key_D)
    draw_a_line(qtbot, player.stage)
    assert player.stage.zoom_state.zoom > 1.0 and player.stage.annotations.strokes
