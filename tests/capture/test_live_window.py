"""The live view driven by a fake capture, frame by frame (no sleeps, no capture rights needed)."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from animator.capture.live_stats import CLASSES
from animator.capture.reader import CaptureReader
from animator.model import load_scene
from animator.ui.live.window import MAX_DOTS, SPAWN_PER_FRAME, LiveWindow
from animator.ui.main_window import MainWindow


def frame(src: str, dst: str, proto: int = 6, seq: int = 0, size: int = 100) -> bytes:
    if proto == 6:
        l4 = struct.pack("!HHIIBBHHH", 50000, 443, seq, 0, 0x50, 0x18, 0, 0, 0) + bytes(size)
    else:
        l4 = struct.pack("!HHHH", 40000, 53, 8 + size, 0) + bytes(size)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0, 64, proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return bytes.fromhex("02005e000001") + bytes.fromhex("02005e000002") + b"\x08\x00" + ip + l4


class FakeSource:
    """Hands out what a test queued, like LiveCapture.drain."""

    def __init__(self) -> None:
        self.queue: list[tuple[float, bytes, int]] = []
        self.dropped = 0
        self.kernel_dropped = 0
        self.stopped = False

    def push(self, t: float, data: bytes) -> None:
        self.queue.append((t, data, 1))

    def drain(self, limit: int | None = None) -> list[tuple[float, bytes, int]]:
        n = len(self.queue) if limit is None else min(limit, len(self.queue))
        out, self.queue = self.queue[:n], self.queue[n:]
        return out

    def stop(self) -> None:
        self.stopped = True


@pytest.fixture
def live(app: QApplication, qtbot: QtBot) -> Iterator[tuple[LiveWindow, FakeSource]]:
    win = LiveWindow(clock=lambda: 0.0)
    qtbot.addWidget(win)
    source = FakeSource()
    win.attach(source, "eth0")
    win.timer.stop()  # the test drives the clock
    win.show()
    yield win, source
    win.stop()
    assert source.stopped


def test_hosts_appear_as_seen_and_packets_fly(live: tuple[LiveWindow, FakeSource]) -> None:
    win, source = live
    source.push(100.0, frame("192.168.1.23", "93.184.216.34"))
    win.tick(1.0)
    assert set(win.hosts) == {"192.168.1.23", "93.184.216.34"}
    assert win.hosts["192.168.1.23"].pos().x() < 0 < win.hosts["93.184.216.34"].pos().x()  # local left, remote right
    win.tick(1.3)
    ((point, _color),) = win.layer.dots
    a, b = win.hosts["192.168.1.23"].pos(), win.hosts["93.184.216.34"].pos()
    assert point.x() == pytest.approx(a.x() + (b.x() - a.x()) * 0.5)  # half way after half the travel time
    win.tick(2.0)
    assert win.layer.dots == []


def test_dense_traffic_becomes_flows_and_is_counted(live: tuple[LiveWindow, FakeSource]) -> None:
    win, source = live
    t = 0.0
    for i in range(40):
        for j in range(100):
            source.push(100 + i * 0.033 + j * 1e-4, frame(f"10.0.0.{j % 5 + 1}", "10.0.1.1", proto=17 if j % 2 else 6))
        t += 0.033
        win.tick(t)
    assert len(win.layer.dots) <= MAX_DOTS
    assert win.not_drawn >= 4000 - 40 * SPAWN_PER_FRAME
    assert win.layer.flows and any(label.endswith("pkt/s") for *_ab, _w, label in win.layer.flows)
    assert win.stats.total_packets == 4000
    for _ in range(10):  # the status line refreshes every 10th frame
        t += 0.033
        win.tick(t)
    assert "not drawn (shown as flows): " in win.status.text() and "4,000 packets" in win.status.text()


def test_status_shows_the_kernels_drops_beside_the_queues(live: tuple[LiveWindow, FakeSource]) -> None:
    win, source = live
    source.dropped, source.kernel_dropped = 3, 1234  # as ProcessCapture reports them
    for k in range(10):  # the status line refreshes every 10th frame
        win.tick(k * 0.033)
    assert "dropped by kernel: 1,234, by PacketStage (queue full): 3" in win.status.text()


def test_charts_follow_the_rates_and_stevens_graph(live: tuple[LiveWindow, FakeSource]) -> None:
    win, source = live
    for i in range(30):
        source.push(100 + i * 0.1, frame("192.168.1.23", "93.184.216.34", seq=1000 + i * 100))
        source.push(100 + i * 0.1, frame("192.168.1.23", "192.168.1.1", proto=17))
    for k in range(1, 4):
        win.tick(k * 0.033)
    tcp_curve = win.charts.packet_curves[CLASSES.index("TCP")]
    x, y = tcp_curve.getData()
    assert x[-1] == -1 and y.sum() == 20  # the whole seconds 100 and 101 (the current second, 102, is still filling)
    assert win.charts.connection_box.currentText() == "192.168.1.23:50000 → 93.184.216.34:443"
    t, seq = win.charts.stevens_curve.getData()
    assert list(seq[:3]) == [0, 100, 200] and t[-1] == pytest.approx(2.9)
    assert win.charts.talkers.item(0, 0).text() == "192.168.1.23"


def test_pause_freezes_the_picture_but_keeps_capturing(live: tuple[LiveWindow, FakeSource], tmp_path: Path) -> None:
    win, source = live
    source.push(100.0, frame("192.168.1.23", "93.184.216.34"))
    win.tick(0.1)
    win.set_paused(True)
    assert win.pause_action.isChecked()
    source.push(100.5, frame("192.168.1.50", "93.184.216.34"))
    win.tick(0.2)
    assert "192.168.1.50" not in win.hosts and win.stats.total_packets == 2
    out = tmp_path / "last.pcapng"
    assert win.save_last(30, out) == 2
    assert len(list(CaptureReader(out))) == 2
    scene_path = tmp_path / "last.yaml"
    assert win.save_last(30, scene_path) == 2
    assert len(load_scene(scene_path).steps) == 2


def test_capture_setup_errors_are_shown_not_raised(live: tuple[LiveWindow, FakeSource], monkeypatch: pytest.MonkeyPatch) -> None:
    win, _source = live
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    assert not win.start_capture("lo", "udp prt 53")
    assert shown and "bad filter 'udp prt 53'" in shown[0]
    assert "Not capturing: bad filter" in win.status.text()


def test_main_window_has_import_and_live_menu(window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from animator.capture.importer import ImportOptions
    from animator.ui.live.menu import import_to_scene
    from tests.capture.traffic import write_web_visit

    menus = [a.text() for a in window.menuBar().actions()]
    assert menus.index("&Live") == menus.index("&Help") - 1
    file_actions = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert file_actions.index("&Import capture…") < file_actions.index("&Quit")
    capture = write_web_visit(tmp_path / "web.pcap")
    assert import_to_scene(window, capture, tmp_path / "web.yaml", ImportOptions())
    assert window.timeline.step_count == 15
    assert window.windowTitle().startswith("Capture web.pcap")
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    assert not import_to_scene(window, tmp_path / "web.yaml", tmp_path / "x.yaml", ImportOptions())
    assert "not a pcap or pcapng capture" in shown[0]


def test_review_opens_the_last_seconds_in_the_player(live: tuple[LiveWindow, FakeSource], settings: object, qtbot: QtBot) -> None:
    win, source = live
    for i in range(5):
        source.push(100.0 + i, frame("192.168.1.23", "93.184.216.34", seq=i * 100))
    win.tick(0.1)
    player = win.review_last(2.5, settings)  # type: ignore[arg-type]
    qtbot.addWidget(player)
    assert player.timeline is not None and player.timeline.step_count == 3  # packets at 102, 103, 104 s
    assert player.timeline.scene.title == "Live capture on eth0, 2.5 s"
    player.clock.stop()


def test_loopback_traffic_is_drawn_between_client_and_server(live: tuple[LiveWindow, FakeSource]) -> None:
    win, source = live
    source.push(100.0, frame("127.0.0.1", "127.0.0.1"))  # TCP 50000 -> 443
    win.tick(0.1)
    assert set(win.hosts) == {"127.0.0.1", "127.0.0.1#443"}
    assert win.hosts["127.0.0.1#443"].node.display_label == "127.0.0.1:443"
    assert len(win.layer.dots) == 1


def test_hosts_beyond_the_limit_fold_into_other_hosts(live: tuple[LiveWindow, FakeSource]) -> None:
    from animator.ui.live.window import MAX_HOSTS

    win, source = live
    for i in range(MAX_HOSTS + 10):
        source.push(100.0 + i * 0.001, frame(f"10.0.{i // 200}.{i % 200 + 1}", "93.184.216.34", proto=17))
    win.tick(0.1)
    assert len(win.hosts) == MAX_HOSTS + 1
    assert "other local hosts" in win.hosts and win.stats.total_packets == MAX_HOSTS + 10


def host_marks(win: LiveWindow) -> dict[str, list[QRectF]]:
    """Each host's icon and the tight box of its name as drawn (``NodeItem.paint``): what a dot must not cover."""
    from PySide6.QtGui import QFontMetricsF

    from animator.render.theme import font
    from animator.ui.live.items import ICON, NodeItem

    metrics = QFontMetricsF(font(NodeItem.LABEL_SIZE, bold=True))
    marks = {}
    for key, item in win.hosts.items():
        pos = item.pos()
        text = metrics.boundingRect(item.node.display_label)  # relative to the baseline
        line = QRectF(pos.x() - text.width() / 2, pos.y() + ICON / 2 + 8, text.width(), 20)  # the name's line, centred
        name = QRectF(line.left(), line.center().y() - text.height() / 2, text.width(), text.height())
        marks[key] = [QRectF(pos.x() - ICON / 2, pos.y() - ICON / 2, ICON, ICON), name]
    return marks


def test_talking_hosts_are_linked_and_dots_keep_off_every_icon_and_name(live: tuple[LiveWindow, FakeSource]) -> None:
    """Lines join the pairs that talk (bent round the hosts between them); dots ride them, never over a device."""
    win, source = live
    web, dns, router = "93.184.216.34", "8.8.8.8", "192.168.1.1"
    hosts = ["192.168.1.23", router, "192.168.1.61", "192.168.1.110", "192.168.1.50", "192.168.1.90", web, dns]
    for i, host in enumerate(hosts):  # make every host appear first, so the layout is fixed: 5 + 1 local columns
        other = web if host != web else dns
        source.push(100.0 + i * 0.001, frame(host, other, proto=17))
    win.tick(0.0)
    talks = [
        ("192.168.1.23", web),  # across the view
        ("192.168.1.23", router),  # same column, two laptops in between
        ("192.168.1.61", "192.168.1.110"),  # neighbours in a column
        ("192.168.1.90", dns),  # second column, through the first
        (web, "192.168.1.50"),
    ]
    for a, b in talks:
        source.push(101.0, frame(a, b))
        source.push(101.0, frame(b, a))
    win.tick(1.0)
    marks = host_marks(win)
    every_mark = [rect for rects in marks.values() for rect in rects]
    for a, b in talks:
        found = win.route_of(a, b)
        assert found is not None and not found[0].path.isEmpty(), f"no line between {a} and {b}"
        route = found[0]
        assert not any(route.blocked), f"the line {a}–{b} found no way round the hosts"
        # The line itself stays off icons and names too.
        for point in route.points:
            assert not any(QRectF(point.x() - 2, point.y() - 2, 4, 4).intersects(r) for r in every_mark), (a, b)
    # Same column, two laptops in between: the line bends round them instead of crossing them.
    assert win.route_of("192.168.1.23", router)[0].bend != 0  # type: ignore[index]
    seen = 0
    for t in (1.0, 1.05, 1.15, 1.3, 1.45, 1.55, 1.59):
        win.tick(t)
        assert len(win.layer.dots) == 2 * len(talks)  # every packet in flight is drawn, none hidden
        for point, _color in win.layer.dots:
            dot = QRectF(point.x() - 8, point.y() - 8, 16, 16)
            covered = [key for key, rects in marks.items() if any(dot.intersects(r) for r in rects)]
            assert not covered, f"a dot covers {covered} at t={t}"
        seen += len(win.layer.dots)
    assert seen >= 7 * 2 * len(talks)
    # On screen: a line is drawn where the links run (the dots have landed by now).
    win.tick(2.0)
    assert win.layer.dots == []
    image = win.view.viewport().grab().toImage()
    background = win.theme.color("background")
    for a, b in talks:
        route = win.route_of(a, b)[0]  # type: ignore[index]
        middle = route.points[len(route.points) // 2]
        pixel = win.view.mapFromScene(middle)
        assert image.pixelColor(pixel) != background, f"no line drawn between {a} and {b}"


def test_saving_the_last_seconds_as_a_scene_is_all_or_nothing(
    live: tuple[LiveWindow, FakeSource], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk while saving keeps the scene that was there, byte for byte."""
    import errno

    from animator import files

    win, source = live
    source.push(100.0, frame("192.168.1.23", "93.184.216.34"))
    win.tick(0.1)
    scene_path = tmp_path / "last.yaml"
    scene_path.write_text("an older scene\n", encoding="utf-8")

    def full_disk(file: object, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "_write_all", full_disk)
    with pytest.raises(OSError):
        win.save_last(30, scene_path)
    assert scene_path.read_text(encoding="utf-8") == "an older scene\n"
    assert [p.name for p in tmp_path.iterdir()] == ["last.yaml"]


def test_the_collector_stays_frozen_while_any_live_view_captures(app: QApplication, qtbot: QtBot) -> None:
    """``gc.freeze`` is the process's: the first of two live views to stop must not unfreeze the other's."""
    import gc

    from animator.ui.live.window import FROZEN

    first, second = LiveWindow(clock=lambda: 0.0), LiveWindow(clock=lambda: 0.0)
    for win in (first, second):
        qtbot.addWidget(win)
        win.attach(FakeSource(), "eth0")
        win.timer.stop()
    assert FROZEN.held and gc.get_freeze_count() > 0
    first.stop()
    assert FROZEN.held and gc.get_freeze_count() > 0  # the second still captures
    first.stop()  # twice: nothing more
    second.attach(FakeSource(), "eth1")  # a new capture in the same window holds once, not twice
    second.timer.stop()
    second.close()
    assert not FROZEN.held and gc.get_freeze_count() == 0


def test_a_live_view_dropped_without_stopping_lets_go_of_the_freeze(app: QApplication) -> None:
    import gc

    from animator.ui.live.window import FROZEN, FrozenHeap

    heap = FrozenHeap()

    class Holder:
        pass

    holder = Holder()
    heap.hold(holder)
    assert heap.held
    del holder
    gc.collect()
    assert not heap.held and not FROZEN.held and gc.get_freeze_count() == 0
