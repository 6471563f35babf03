"""The sequence diagram: arrows per mode, a click seeks and selects, the current time is followed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from animator.engine.timeline import build_timeline
from animator.model import load_scene
from animator.ui.inspect.ladder import LadderPanel
from tests.conftest import REPO


@pytest.fixture
def panel(app: QApplication, qtbot: QtBot) -> LadderPanel:
    widget = LadderPanel()
    qtbot.addWidget(widget)
    widget.resize(420, 600)
    widget.show()
    widget.view.set_timeline(build_timeline(load_scene(REPO / "scenes" / "tcp-handshake.yaml")))
    return widget


def test_arrow_count_per_mode(panel: LadderPanel) -> None:
    assert len(panel.view.arrows) == 18  # 9 segments, each crossing client-switch and switch-server
    panel.end_to_end_button.click()
    assert len(panel.view.arrows) == 9
    assert {(a.source, a.target) for a in panel.view.arrows} == {("client", "server"), ("server", "client")}
    panel.per_hop_button.click()
    assert len(panel.view.arrows) == 18


def test_clicking_an_arrow_seeks_to_its_arrival_and_selects_the_packet(panel: LadderPanel, qtbot: QtBot) -> None:
    view = panel.view
    view.set_time(0.0)
    syn = view.arrows[0]
    a, b = view.arrow_line(syn)
    with (
        qtbot.waitSignal(view.seekRequested, timeout=0) as seek,
        qtbot.waitSignal(view.packetSelected, timeout=0) as selected,
    ):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=((a + b) / 2).toPoint())
    assert seek.args == [pytest.approx(syn.end)]
    assert selected.args == [syn.packet_id]
    assert view.selected == syn.packet_id


def test_a_click_away_from_arrows_does_nothing(panel: LadderPanel, qtbot: QtBot) -> None:
    view = panel.view
    with qtbot.assertNotEmitted(view.seekRequested):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.viewport().rect().bottomLeft())


def test_current_time_stays_in_view(panel: LadderPanel) -> None:
    view = panel.view
    end = view.timeline.duration
    view.set_time(end)
    y = view.y_of(end)
    assert 40 <= y <= view.viewport().height()
    view.set_time(0.0)
    assert view.verticalScrollBar().value() == 0
