"""Inspector: a field selects its bytes, a byte selects its field, In/Out marks what a device changed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

from animator.engine.timeline import PacketDetail
from animator.ui.inspector import EMPTY_TEXT, Inspector


def a_detail(
    label: str, node: str, link_id: str | None, frame_in: bytes, frame_out: bytes, changes: tuple[str, ...]
) -> PacketDetail:
    return PacketDetail("s1.1", label, node, link_id, frame_in, frame_out, changes, fate="")


def frame(ttl: int = 64) -> bytes:
    return bytes(
        Ether(src="02:00:5e:00:01:23", dst="02:00:5e:00:00:01")
        / IP(src="192.168.1.23", dst="198.51.100.80", ttl=ttl)
        / TCP(sport=51000, dport=443, flags="S")
    )


@pytest.fixture
def inspector(app: QApplication, qtbot: object) -> Inspector:
    widget = Inspector()
    qtbot.addWidget(widget)  # type: ignore[attr-defined]
    widget.resize(600, 800)
    widget.show()
    return widget


def test_empty_state_invites_a_click(inspector: Inspector) -> None:
    inspector.show_detail(None)
    assert inspector.stack.currentWidget() is inspector.empty
    assert inspector.empty.text() == EMPTY_TEXT


def test_selecting_ttl_highlights_exactly_its_byte(inspector: Inspector) -> None:
    inspector.show_frame(frame(ttl=61), "SYN")
    assert inspector.select_path(("IP", "ttl"))
    assert inspector.hex.selection == (22, 23)
    assert inspector.hex.data[22] == 61


def test_clicking_a_hex_byte_selects_the_field_that_owns_it(inspector: Inspector, qtbot: object) -> None:
    inspector.show_frame(frame(), "SYN")
    inspector.select_path(("IP", "ttl"))
    rect = inspector.hex.byte_rect(36)  # first byte of the TCP destination port
    qtbot.mouseClick(inspector.hex.viewport(), Qt.MouseButton.LeftButton, pos=rect.center().toPoint())  # type: ignore[attr-defined]
    assert inspector.selected_path() == ("TCP", "dport")
    assert inspector.hex.selection == (36, 38)
    # The ASCII column maps to the same byte.
    assert inspector.hex.byte_at(rect.center().toPoint()) == 36


def test_in_and_out_mark_the_fields_the_router_changed(inspector: Inspector) -> None:
    detail = a_detail("SYN", "router", None, frame(64), frame(63), ("TTL 64 → 63",))
    inspector.show_detail(detail)
    assert inspector.changed == {("IP", "ttl"), ("IP", "chksum")}
    assert inspector.in_button.isVisibleTo(inspector) and inspector.out_button.isVisibleTo(inspector)
    assert "TTL 64 → 63" in inspector.changes.text()
    # Changed bytes are marked in the hex view of both versions: TTL (22) and checksum (24-25).
    assert inspector.hex.changed == {22, 24, 25}
    assert inspector.hex.data[22] == 64
    inspector.set_side("out")
    assert inspector.hex.data[22] == 63 and inspector.hex.changed == {22, 24, 25}
    ttl_item = inspector._items[("IP", "ttl")]
    assert ttl_item.font().bold()
    assert not inspector._items[("TCP", "sport")].font().bold()


def test_selection_survives_the_packet_moving_on(inspector: Inspector) -> None:
    inspector.show_detail(a_detail("SYN", "sw", "l1", frame(64), frame(64), ()))
    inspector.select_path(("IP", "ttl"))
    inspector.show_detail(a_detail("SYN", "router", None, frame(64), frame(63), ("TTL 64 → 63",)))
    assert inspector.selected_path() == ("IP", "ttl")
    assert inspector.hex.selection == (22, 23)


def test_a_truncated_frame_shows_its_undecodable_bytes(inspector: Inspector) -> None:
    inspector.show_frame(frame()[:40], "broken")
    assert inspector.select_byte(39) is None
    assert inspector.selected_path()  # some node owns the last byte


def test_clicking_a_packet_on_the_stage_selects_it_everywhere(window: object, qtbot: object) -> None:
    from PySide6.QtCore import QPointF

    from animator.ui.stage_items import COLUMN, ROW
    from tests.conftest import REPO

    win = window  # type: ignore[assignment]
    assert win.open_scene(REPO / "scenes" / "tcp-handshake.yaml")  # type: ignore[attr-defined]
    timeline = win.timeline  # type: ignore[attr-defined]
    win.clock.run("seek", timeline.boundary(1) + 0.5)  # type: ignore[attr-defined]
    packet = win.stage.frame.packets[0]  # type: ignore[attr-defined]
    pos = win.stage.mapFromScene(QPointF(packet.x * COLUMN, packet.y * ROW))  # type: ignore[attr-defined]
    assert win.stage.packet_at(pos) == packet.id  # type: ignore[attr-defined]
    qtbot.mouseClick(win.stage.viewport(), Qt.MouseButton.LeftButton, pos=pos)  # type: ignore[attr-defined]
    docks = win.inspection  # type: ignore[attr-defined]
    assert docks.selected == packet.id
    assert win.stage.packets.selected == packet.id  # type: ignore[attr-defined]
    assert docks.ladder.view.selected == packet.id
    # The scene carries real packets: the inspector shows this one's bytes and names it.
    assert docks.inspector.title.text() == packet.label
    assert docks.inspector.detail is not None and docks.inspector.detail.id == packet.id
    # A click on empty stage keeps the selection; a click on a device picks it for the tables dock.
    server = win.stage.nodes["server"]  # type: ignore[attr-defined]
    qtbot.mouseClick(win.stage.viewport(), Qt.MouseButton.LeftButton, pos=win.stage.mapFromScene(server.pos()))  # type: ignore[attr-defined]
    assert docks.tables.node == "server" and "TCB" in docks.tables.tables
    assert docks.selected == packet.id


def test_the_inspector_follows_the_selected_packet_through_the_timeline(window: object) -> None:
    from tests.conftest import REPO

    win = window  # type: ignore[assignment]
    win.open_scene(REPO / "scenes" / "tcp-handshake.yaml")  # type: ignore[attr-defined]
    asked: list[tuple[str, float]] = []

    def packet_detail(packet_id: str, t: float) -> PacketDetail:
        asked.append((packet_id, t))
        return PacketDetail(packet_id, "SYN", "sw1", None, frame(64), frame(64 if t < 1.5 else 63), (), "")

    win.timeline.packet_detail = packet_detail  # type: ignore[attr-defined]
    docks = win.inspection  # type: ignore[attr-defined]
    docks.select_packet("s2.1")
    win.clock.run("seek", 1.0)  # type: ignore[attr-defined]
    win.clock.run("seek", 2.0)  # type: ignore[attr-defined]
    assert asked[-1] == ("s2.1", 2.0)
    assert docks.inspector.changed == {("IP", "ttl"), ("IP", "chksum")}


def test_docks_are_in_the_view_menu_and_leave_for_fullscreen(window: object) -> None:
    win = window  # type: ignore[assignment]
    docks = win.inspection.docks  # type: ignore[attr-defined]
    titles = {a.text() for a in win.menuBar().actions()[2].menu().actions()}  # type: ignore[attr-defined]
    assert {"Sequence", "Inspector", "Device tables"} <= titles
    assert win.inspection.sequence_dock.isVisible()  # type: ignore[attr-defined]
    win.enter_fullscreen()  # type: ignore[attr-defined]
    assert not any(d.isVisible() for d in docks)
    win.leave_fullscreen()  # type: ignore[attr-defined]
    assert win.inspection.sequence_dock.isVisible()  # type: ignore[attr-defined]
