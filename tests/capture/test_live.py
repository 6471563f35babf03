"""Live capture on loopback (when this process may capture), and the advice given when it may not."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from animator.capture import live, sockets
from animator.capture.filters import BpfFilter
from animator.capture.headers import decode
from animator.capture.importer import import_capture
from animator.capture.live import CaptureSetupError, LiveCapture
from animator.capture.reader import CaptureReader
from animator.capture.recorder import pump
from animator.capture.ring import PacketRing
from animator.capture.stream import BoundedWriter, file_header, format_for


def _can_capture() -> str:
    """Empty when a packet socket opens here, else the reason the live tests are skipped."""
    if not hasattr(socket, "AF_PACKET"):
        return "live capture needs Linux AF_PACKET sockets"
    try:
        socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(sockets.ETH_P_ALL)).close()
    except PermissionError:
        return "no capture rights (run as root or setcap cap_net_raw on the interpreter; CI runs as root)"
    return ""


needs_capture = pytest.mark.skipif(bool(_can_capture()), reason=_can_capture() or "-")


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _send_udp(port: int, n: int, delay: float = 0.3) -> threading.Thread:
    def run() -> None:
        time.sleep(delay)  # let the capture socket open first
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for i in range(n):
                s.sendto(f"hello {i}".encode(), ("127.0.0.1", port))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@needs_capture
@pytest.mark.parametrize("name", ["out.pcapng", "out.pcap"])
def test_loopback_capture_sees_our_udp_packets_once_each(tmp_path: Path, name: str) -> None:
    port = _free_udp_port()
    path = tmp_path / name
    ring = PacketRing("lo", BpfFilter(f"udp port {port}"), format_for(path))  # open before sending: no sleep needed
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for i in range(5):
                s.sendto(f"hello {i}".encode(), ("127.0.0.1", port))
        with open(path, "wb") as file:
            file.write(file_header(format_for(path), "lo", ring.linktype))
            counts = pump(ring, BoundedWriter(file), count=5, duration=20)
    finally:
        ring.close()
    assert (counts.captured, counts.queue_dropped) == (5, 0), (
        "loopback shows each packet twice; the outgoing copy must be skipped"
    )
    with CaptureReader(path) as reader:
        records = list(reader)
        assert reader.problems == []
    headers = [decode(r.linktype, r.data) for r in records]
    assert {(h.src, h.dst, h.dport) for h in headers} == {("127.0.0.1", "127.0.0.1", port)}
    assert [r.data[-7:] for r in records] == [f"hello {i}".encode() for i in range(5)]
    text = import_capture(path).text
    assert "UDP" in text and f"→ {port}" in text


@needs_capture
def test_full_queue_counts_drops_instead_of_growing() -> None:
    port = _free_udp_port()
    capture = LiveCapture("lo", f"udp port {port}", capacity=3)
    capture.start()
    try:
        _send_udp(port, 10, delay=0.05).join()
        deadline = time.monotonic() + 10
        while capture.received < 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert (capture.received, capture.queued, capture.dropped) == (10, 3, 7)
        assert len(capture.drain()) == 3 and capture.queued == 0
    finally:
        capture.stop()
    assert not capture.running


def test_bad_filter_is_refused_before_capturing() -> None:
    with pytest.raises(CaptureSetupError, match="bad filter 'udp prt 53': can't parse filter expression"):
        LiveCapture("lo", "udp prt 53")


def test_without_libpcap_the_simple_filter_is_offered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sockets, "bpf_available", lambda: False)
    capture = LiveCapture("lo", "udp and port 53")
    assert "libpcap is not installed: the filter runs in PacketStage (simple filter)" in capture.notice
    with pytest.raises(CaptureSetupError, match=r"BPF capture filters need libpcap.*only the simple filter works"):
        LiveCapture("lo", "udp[8] = 1")


def test_permission_error_says_exactly_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> socket.socket:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(live.socket, "socket", refuse)
    with pytest.raises(CaptureSetupError) as info:
        LiveCapture("lo").start()
    message = str(info.value)
    assert message.startswith("capturing on lo needs root or the raw-capture capabilities: run as root (sudo)")
    assert f"'sudo setcap cap_net_raw,cap_net_admin=eip {live.capture_binary()}'" in message
    assert not Path(live.capture_binary()).is_symlink()


def test_unknown_interface_lists_the_real_ones() -> None:
    with pytest.raises(CaptureSetupError, match=r"no interface 'nope0'; this machine has: .*lo"):
        LiveCapture("nope0").start()


@needs_capture
def test_process_capture_streams_from_a_child_in_order_and_in_parts() -> None:
    port = _free_udp_port()
    capture = live.ProcessCapture("lo", f"udp port {port}")
    capture.start()
    try:
        assert capture.running
        _send_udp(port, 50, delay=0.8).join()  # the child needs a moment to start its socket
        deadline = time.monotonic() + 20
        while capture.queued < 50 and time.monotonic() < deadline:
            time.sleep(0.01)
        first = capture.drain(7)  # a limit that splits a batch
        rest = capture.drain()
    finally:
        capture.stop()
    payloads = [data[42:] for _t, data, _lt in first + rest]  # after Ethernet (14), IPv4 (20) and UDP (8)
    assert len(first) == 7 and payloads == [f"hello {i}".encode() for i in range(50)]
    assert capture.queued == 0 and capture.error == "" and not capture.running


def test_process_capture_checks_setup_in_this_process() -> None:
    with pytest.raises(CaptureSetupError, match="bad filter"):
        live.ProcessCapture("lo", "udp prt 1")
    with pytest.raises(CaptureSetupError, match="no interface 'nope0'"):
        live.ProcessCapture("nope0").start()


def test_frozen_app_runs_its_own_binary_as_the_capture_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live.sys, "frozen", True, raising=False)
    monkeypatch.setattr(live.sys, "executable", "/opt/packetstage/packetstage")
    assert live.sniffer_command("eth0", None) == ["/opt/packetstage/packetstage", "_sniff", "eth0", ""]


def test_saved_records_read_back_as_pcap_and_pcapng(tmp_path: Path) -> None:
    """What the live view's "save the last seconds" writes (``write_capture``)."""
    from tests.capture.traffic import write_web_visit

    records = list(CaptureReader(write_web_visit(tmp_path / "web.pcap")))
    for name in ("again.pcap", "again.pcapng"):
        live.write_capture(tmp_path / name, records, "eth0")
        assert [r.data for r in CaptureReader(tmp_path / name)] == [r.data for r in records]
