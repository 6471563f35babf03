"""The TCP graph panel: beside the stage for scenes that sample a TCP sender, absent otherwise.

Most tests give tcp-vs-udp's journey a few samples (through ``build_timeline``), a scene with a
retransmission and a round number of segments; one opens the congestion-control lesson itself.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest
from PySide6.QtWidgets import QDockWidget
from pytestqt.qtbot import QtBot

import animator.ui.main_window as main_window
from animator.engine.check import simulated
from animator.engine.sim.journey import Sample
from animator.engine.timeline import Timeline
from animator.model.schema import Scene
from animator.model.topology import topology_of
from animator.render.theme import DARK
from animator.ui.main_window import MainWindow
from tests.conftest import REPO

TCP_SCENE = REPO / "scenes" / "tcp-vs-udp.yaml"
CONN = "192.168.1.10:50312>10.0.0.20:9000"
BACK = "10.0.0.20:9000>192.168.1.10:50312"
#: What the simulator of a congestion-control scene records: cwnd doubling, an rwnd, ssthresh after loss.
SAMPLES = (
    (1, Sample(3.9, "client", CONN, "cwnd", 14600.0)),
    (1, Sample(3.9, "server", BACK, "rwnd", 64256.0)),
    (2, Sample(1.9, "client", CONN, "cwnd", 29200.0)),
    (4, Sample(0.0, "client", CONN, "ssthresh", 14600.0)),
    (4, Sample(0.0, "client", CONN, "cwnd", 14600.0)),
)


def sampled_timeline(scene: Scene) -> Timeline:
    journey = copy.deepcopy(simulated(scene, topology_of(scene)))
    if journey is not None and scene.source.endswith("tcp-vs-udp.yaml"):
        for step, sample in SAMPLES:
            journey.steps[step - 1].samples.append(sample)
    return Timeline(scene, journey)


@pytest.fixture
def sampling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(main_window, "build_timeline", sampled_timeline)


def test_the_panel_appears_for_a_sampled_scene_and_not_for_home_nat(window: MainWindow, sampling: None) -> None:
    assert window.open_scene(TCP_SCENE)
    dock = window.graphs.dock
    assert dock.isVisible() and dock.built
    assert dock.toggleViewAction() in window.menuBar().actions()[2].menu().actions()  # the View menu
    assert window.open_scene(REPO / "scenes" / "home-nat.yaml")
    assert not dock.isVisible()
    assert window.open_scene(TCP_SCENE)
    assert dock.isVisible()


def test_the_congestion_control_lesson_shows_its_graph_growing_step_by_step(window: MainWindow) -> None:
    assert window.open_scene(REPO / "scenes" / "tcp-congestion-control.yaml")
    assert window.graphs.dock.isVisible()
    panel = window.graphs.panel
    seen = []
    for step in range(window.timeline.step_count + 1 if window.timeline else 0):
        window.clock.go_to_step(step)
        seen.append(panel.point_counts()["segments"] // 2)
    assert seen == sorted(seen) and seen[0] == 0 and seen[-1] > 10  # segments pile up as the lesson plays
    assert "MSS 1000" in panel.window_title.text()


def test_a_scene_without_samples_never_builds_the_panel(window: MainWindow) -> None:
    assert window.open_scene(REPO / "scenes" / "home-nat.yaml")
    assert not window.graphs.dock.built


def test_curves_hold_the_points_that_have_happened(window: MainWindow, sampling: None) -> None:
    assert window.open_scene(TCP_SCENE)
    panel = window.graphs.panel
    timeline = window.timeline
    assert timeline is not None
    window.clock.go_to_step(2)  # the five pieces sent, none acknowledged yet
    counts = panel.point_counts()
    assert counts["segments"] == 2 * 5  # a bar (two points) per segment
    assert counts["retransmissions"] == 0
    assert counts["cwnd"] == 4  # 14600 held, then 29200 held to the cursor: a staircase of 4 points
    assert panel.cursors[0].value() == pytest.approx(timeline.boundary(2))
    window.clock.go_to_step(4)
    assert panel.point_counts()["retransmissions"] == 2
    window.clock.go_to_step(1)  # stepping back shrinks the graph
    counts = panel.point_counts()
    assert counts["segments"] == 0 and counts["cwnd"] == 2


def test_dark_theme_and_200_percent_text(window: MainWindow, sampling: None) -> None:
    assert window.open_scene(TCP_SCENE)
    window.set_theme(DARK)
    window.state.set_looks(replace(window.state.looks, text_scale=2.0))
    panel = window.graphs.panel
    axis = panel.seq_plot.getPlotItem().getAxis("left")
    panel.resize(700, 600)  # the fullscreen or projector panel
    assert axis.style["tickFont"].pixelSize() == 32
    # A narrow tab (a saved layout's 245 px): the text gives way so headings and plots still fit.
    panel.resize(245, 600)
    assert axis.style["tickFont"].pixelSize() == 12 and panel.seq_title.font().pixelSize() == 12
    panel.resize(700, 600)
    assert axis.style["tickFont"].pixelSize() == 32
    assert panel.seq_plot.backgroundBrush().color().name() == DARK.background
    assert panel.curves["cwnd"].opts["pen"].color().name() == "#56b4e9"  # sky blue reads on the dark background


def test_presenting_puts_the_graph_beside_the_projectors_stage(window: MainWindow, sampling: None, qtbot: QtBot) -> None:
    assert window.open_scene(TCP_SCENE)
    window.start_presenting()
    try:
        audience = window.audience
        assert audience is not None and audience.side is window.graphs.audience_panel is not None
        qtbot.waitUntil(lambda: audience.stage.width() > 0)
        stage, side = audience.stage.geometry(), audience.side.geometry()
        assert not stage.intersects(side) and stage.width() > side.width()
        assert window.graphs.dock.isVisible()  # the presenter keeps it too
        assert window.open_scene(REPO / "scenes" / "home-nat.yaml")
        assert audience.side is None
    finally:
        window.stop_presenting()


def test_fullscreen_keeps_the_graph_beside_the_stage(window: MainWindow, sampling: None) -> None:
    assert window.open_scene(TCP_SCENE)
    window.inspection.inspector_dock.show()
    window.enter_fullscreen()
    try:
        shown = [dock.objectName() for dock in window.findChildren(QDockWidget) if dock.isVisible()]
        assert shown == ["tcp-graph"]  # the stage, the transport and the graph: no notes, no inspector
        assert not window.graphs.dock.geometry().intersects(window.stage.geometry().translated(window._central.pos()))
    finally:
        window.leave_fullscreen()
    assert window.steps_dock.isVisible()
    assert window.open_scene(REPO / "scenes" / "home-nat.yaml")
    window.enter_fullscreen()
    try:
        assert not any(dock.isVisible() for dock in window.findChildren(QDockWidget))
    finally:
        window.leave_fullscreen()


def test_a_layout_saved_before_the_graph_existed_still_brings_its_tab_forward(settings: object, qtbot: QtBot) -> None:
    """Upgrading keeps the user's dock layout, which has no TCP graph: Qt then leaves the new dock
    where raising it does nothing, and the lesson's graph stayed behind the notes tab. The window
    puts docks newer than the layout among the notes' tabs."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QTabBar

    assert isinstance(settings, QSettings)
    first = MainWindow(settings)
    qtbot.addWidget(first)
    first.resize(1280, 720)
    first.show()
    first.graphs.dock.setObjectName("not-saved")  # the layout of a version without the graph
    first.close()
    settings.remove("window/docks")  # and without the list of docks it knew
    second = MainWindow(settings)
    qtbot.addWidget(second)
    second.resize(1280, 720)
    assert second.open_scene(REPO / "scenes" / "tcp-congestion-control.yaml")  # from the command line: before show
    second.show()
    bars = [bar for bar in second.findChildren(QTabBar) if "TCP graph" in [bar.tabText(i) for i in range(bar.count())]]
    assert bars and bars[0].tabText(bars[0].currentIndex()) == "TCP graph"
    assert second.graphs.dock.geometry().left() >= 0 and second.graphs.dock.width() > 100
