"""Inspector: a field selects its bytes, a byte selects its field, In/Out marks what a device changed."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

from animator.engine.timeline import PacketDetail
from animator.ui.inspect.inspector import EMPTY_TEXT, Inspector
from animator.ui.main_window import MainWindow


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
def inspector(app: QApplication, qtbot: QtBot) -> Inspector:
    widget = Inspector()
    qtbot.addWidget(widget)
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


def test_clicking_a_hex_byte_selects_the_field_that_owns_it(inspector: Inspector, qtbot: QtBot) -> None:
    inspector.show_frame(frame(), "SYN")
    inspector.select_path(("IP", "ttl"))
    rect = inspector.hex.byte_rect(36)  # first byte of the TCP destination port
    qtbot.mouseClick(inspector.hex.viewport(), Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
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


def test_clicking_a_packet_on_the_stage_selects_it_everywhere(window: MainWindow, qtbot: QtBot) -> None:
    from PySide6.QtCore import QPointF

    from tests.conftest import REPO

    win = window
    assert win.open_scene(REPO / "scenes" / "tcp-handshake.yaml")
    timeline = win.timeline
    win.clock.seek(timeline.boundary(1) + 0.5)
    packet = win.stage.frame.packets[0]
    pos = win.stage.packet_point(packet.id)
    assert win.stage.packet_at(pos) == packet.id
    qtbot.mouseClick(win.stage.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    docks = win.inspection
    assert docks.selected == packet.id
    assert win.stage.packets.selected == packet.id
    assert docks.ladder.view.selected == packet.id
    # The scene carries real packets: the inspector shows this one's bytes and names it.
    assert docks.inspector.title.text() == packet.label
    assert docks.inspector.detail is not None and docks.inspector.detail.id == packet.id
    # A click on empty stage keeps the selection; a click on a device picks it for the tables dock.
    icon = next(b for b in win.stage.boxes if b.kind == "icon" and b.node == "server")
    where = win.stage.mapFromScene(QPointF(icon.rect.cx, icon.rect.cy))
    qtbot.mouseClick(win.stage.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert docks.tables.node == "server" and "TCB" in docks.tables.tables
    assert docks.selected == packet.id


def test_the_inspector_follows_the_selected_packet_through_the_timeline(window: MainWindow) -> None:
    from tests.conftest import REPO

    win = window
    win.open_scene(REPO / "scenes" / "tcp-handshake.yaml")
    asked: list[tuple[str, float]] = []

    def packet_detail(packet_id: str, t: float) -> PacketDetail:
        asked.append((packet_id, t))
        return PacketDetail(packet_id, "SYN", "sw1", None, frame(64), frame(64 if t < 1.5 else 63), (), "")

    win.timeline.packet_detail = packet_detail
    docks = win.inspection
    docks.select_packet("s2.1")
    win.clock.seek(1.0)
    win.clock.seek(2.0)
    assert asked[-1] == ("s2.1", 2.0)
    assert docks.inspector.changed == {("IP", "ttl"), ("IP", "chksum")}


def test_docks_are_in_the_view_menu_and_leave_for_fullscreen(window: MainWindow) -> None:
    win = window
    docks = win.inspection.docks
    titles = {a.text() for a in win.menuBar().actions()[2].menu().actions()}
    assert {"Sequence", "Inspector", "Device tables"} <= titles
    assert win.inspection.sequence_dock.isVisible()
    win.enter_fullscreen()
    assert not any(d.isVisible() for d in docks)
    win.leave_fullscreen()
    assert win.inspection.sequence_dock.isVisible()


def raw_ids(text: str, scene: object) -> list[str]:
    """Node and link ids a student would see in ``text`` once every display name is taken out.

    An id the author also uses as a plain word in a name ("router" in "Home router (NAT)") is
    English there, and in a device's own words ("the ISP's router"): it is not counted.
    """
    labels = [node.display_label for node in scene.nodes]  # type: ignore[attr-defined]
    for label in sorted(labels, key=len, reverse=True):
        text = text.replace(label, "")
    ids = [link.link_id for link in scene.links] + [node.id for node in scene.nodes]  # type: ignore[attr-defined]

    def found(word: str, within: str) -> bool:
        return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", within) is not None

    return [i for i in ids if found(i, text) and not any(found(i, label) for label in labels)]


def shown_text(inspector: Inspector) -> str:
    """Everything the inspector says in words (title, place, changes, or the empty page's message)."""
    if inspector.stack.currentWidget() is inspector.empty:
        return inspector.empty.text()
    return "\n".join([inspector.title.text(), inspector.where.text(), inspector.changes.text()])


def test_a_packet_reaching_the_server_is_described_by_name_and_direction(window: MainWindow, qtbot: QtBot) -> None:
    """The bug: the GET on its last wire read "on link internet--server, heading to internet" (the sender)."""
    from tests.conftest import REPO

    win = window
    assert win.open_scene(REPO / "scenes" / "http-get.yaml")
    timeline, docks = win.timeline, win.inspection
    scene = timeline.scene
    get = next(track for track in timeline.messages if track.label.startswith("GET"))
    assert get.path[-2:] == ("internet", "server")
    # Click the GET's last arrow in the sequence diagram, as a lecturer would.
    ladder = docks.ladder.view
    arrow = next(a for a in ladder.arrows if a.packet_id == get.id and a.target == "server")
    ladder.set_time(arrow.start)
    a, b = ladder.arrow_line(arrow)
    qtbot.mouseClick(ladder.viewport(), Qt.MouseButton.LeftButton, pos=((a + b) / 2).toPoint())
    assert docks.selected == get.id
    inspector = docks.inspector
    # The click seeks to the arrow's end, where the stage shows the GET docked at the server.
    assert inspector.where.text() == "At www.example.com (arrived)"
    # Halfway along that last wire it is on its way, named by where it goes, not by the sender.
    win.clock.seek((arrow.start + arrow.end) / 2)
    assert inspector.where.text() == "On the wire from Internet to www.example.com"
    assert "heading to" not in shown_text(inspector) and not raw_ids(shown_text(inspector), scene)
    # A moment after the end it is still there: the server is where it is, not where it came from.
    win.clock.seek(get.end + 0.1)
    assert inspector.where.text() == "At www.example.com (arrived)"
    assert inspector.stack.currentWidget() is not inspector.empty  # the bytes as they reached the server
    assert not raw_ids(shown_text(inspector), scene)


def test_every_moment_of_every_packet_is_told_with_display_names(window: MainWindow) -> None:
    """Sender, next device, destination and the device's changes: never an id like "homesw" or "router--internet"."""
    from tests.conftest import REPO

    win = window
    assert win.open_scene(REPO / "scenes" / "http-get.yaml")
    timeline, docks = win.timeline, win.inspection
    for track in timeline.messages:
        docks.select_packet(track.id)
        for start, end in zip(track.hop_starts, track.hop_ends, strict=True):
            for t in ((start + end) / 2, end + 0.05):
                win.clock.seek(t)
                text = shown_text(docks.inspector)
                assert not raw_ids(text, timeline.scene), (track.id, t, text)
    # At the NAT router on its way out, the router says what it did, under its own name.
    syn = next(t for t in timeline.messages if t.label.startswith("SYN "))
    docks.select_packet(syn.id)
    win.clock.seek(syn.hop_ends[syn.path.index("router") - 1] + 0.05)
    assert docks.inspector.where.text() == "At Home router (NAT), on its way to www.example.com"
    assert "What Home router (NAT) changed" in docks.inspector.changes.text()


def test_a_packet_without_bytes_still_says_where_it_is(window: MainWindow) -> None:
    """The reference scene's packets are labelled tokens: the empty page names the place, lost ones say so."""
    from tests.conftest import REPO

    win = window
    assert win.open_scene(REPO / "tests" / "ui" / "reference_scene.yaml")
    timeline, docks = win.timeline, win.inspection
    syn = next(t for t in timeline.messages if t.label.startswith("SYN seq"))
    docks.select_packet(syn.id)
    win.clock.seek(syn.end + 0.05)
    assert "At Web server (arrived)" in docks.inspector.empty.text()
    dns = next(t for t in timeline.messages if t.dropped)
    docks.select_packet(dns.id)
    win.clock.seek((dns.hop_starts[-1] + dns.hop_ends[-1]) / 2)
    assert "On the wire from Home router to Internet\n" in docks.inspector.empty.text()
    win.clock.seek(dns.end + 0.05)
    assert "Lost at Internet" in docks.inspector.empty.text()
    assert not raw_ids(docks.inspector.empty.text(), timeline.scene)
