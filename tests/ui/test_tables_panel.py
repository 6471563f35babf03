"""Device tables dock: a device's tables at the current moment, new rows highlighted."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from animator.engine.timeline import build_timeline
from animator.model import load_scene
from animator.ui.inspect.hexview import changed_fill
from animator.ui.inspect.tables import TablesPanel
from tests.conftest import REPO


@pytest.fixture
def panel(app: QApplication, qtbot: QtBot) -> TablesPanel:
    widget = TablesPanel()
    qtbot.addWidget(widget)
    widget.resize(600, 500)
    widget.show()
    return widget


def rows(panel: TablesPanel, title: str) -> list[list[str]]:
    table = panel.tables[title]
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_nat_table_grows_with_the_timeline(panel: TablesPanel) -> None:
    timeline = build_timeline(load_scene(REPO / "scenes" / "home-nat.yaml"))
    panel.set_timeline(timeline)
    panel.set_node("nat")
    panel.show_frame(timeline.state_at(timeline.boundary(1)))
    assert rows(panel, "NAT table") == []
    panel.show_frame(timeline.state_at(timeline.boundary(3)))
    assert rows(panel, "NAT table") == [["tcp", "192.168.1.23:51000", "203.0.113.7:40001"]]
    step = next(s.number for s in timeline.steps if len(timeline.state_at(s.end).tables["nat"][0].rows) == 2)
    panel.show_frame(timeline.state_at(timeline.boundary(step)))
    table = panel.tables["NAT table"]
    assert table.rowCount() == 2
    # The row this step added is highlighted; the older one is not.
    assert table.item(1, 1).text() == "192.168.1.42:51000"
    assert table.item(1, 0).background().color() == changed_fill(panel.theme)
    assert table.item(0, 0).background().color() != changed_fill(panel.theme)


def test_a_device_without_tables_says_so(panel: TablesPanel) -> None:
    timeline = build_timeline(load_scene(REPO / "scenes" / "home-nat.yaml"))
    panel.set_timeline(timeline)
    panel.set_node("internet")  # the cloud keeps no table (the scanner has a socket since it sent a SYN)
    panel.show_frame(timeline.state_at(timeline.duration))
    assert panel.tables == {}
    assert panel.message.isVisibleTo(panel)


def test_a_long_device_name_does_not_widen_the_dock(app: QApplication, qtbot: QtBot) -> None:
    """The combo is sized by a fixed number of characters: sized by its longest name, it made the
    dock (and so the window) wider than a 1280-pixel projector when the dock was first opened."""
    widget = TablesPanel()
    qtbot.addWidget(widget)
    widget.set_timeline(build_timeline(load_scene(REPO / "scenes" / "home-nat.yaml")))
    widget.combo.addItem("A device with a very long name indeed, as scene authors write them", "long")
    widget.show()  # the first show is when a combo that fits its contents measures them
    assert widget.combo.sizeHint().width() <= 200
    assert widget.minimumSizeHint().width() <= 240
