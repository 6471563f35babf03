"""scapy's warnings and prints reach the application's logging, not the terminal.

A crafted DNS reply (a name compressed into a loop) once printed "WARNING: DNS decompression loop
detected" in the middle of ``validate`` and ``import`` output; an HTTP/2 header block that refers
to the connection's header table printed "EINVAL: idx: out-of-bound read" for every such frame
the inspector showed, from the shipped http-2 scene too.
"""

from __future__ import annotations

import logging
import struct

import pytest

from animator.packets.dissect import dissect
from animator.packets.summary import summary
from tests.scenekit import timeline


def dns_loop_frame() -> bytes:
    """Ethernet/IPv4/UDP to port 53, with a question whose name is a pointer to itself."""
    dns = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c" + struct.pack("!HH", 1, 1)
    udp = struct.pack("!HHHH", 40000, 53, 8 + len(dns), 0) + dns
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 53])) + udp
    return bytes.fromhex("0200000000020200000000010800") + ip


@pytest.fixture
def fresh_rate_limit() -> None:
    """scapy drops a warning repeated from one place within seconds: start each test afresh."""
    for log_filter in logging.getLogger("scapy.runtime").filters:
        table = getattr(log_filter, "warning_table", None)
        if table is not None:
            table.clear()


@pytest.mark.usefixtures("fresh_rate_limit")
def test_a_dns_compression_loop_is_a_log_record_not_terminal_output(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        nodes = dissect(dns_loop_frame())
        text = summary(dns_loop_frame())
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    assert caplog.records, "the warning should be a log record"
    for record in caplog.records:  # scapy says "more ..." when it repeats itself
        assert (record.name, record.levelname) == ("scapy.runtime", "WARNING")
        assert record.getMessage().endswith("DNS decompression loop detected")
    # and the frame is still shown, layer by layer, and summarised
    assert [n.key for n in nodes][:3] == ["Ether", "IP", "UDP"]
    assert text


def test_nothing_reaches_stderr_without_any_logging_configured(capfd: pytest.CaptureFixture[str]) -> None:
    """With no handler anywhere (the player, the CLI), logging's last resort must not print it either."""
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers.clear()
    try:
        for log_filter in logging.getLogger("scapy.runtime").filters:
            getattr(log_filter, "warning_table", {}).clear()
        dissect(dns_loop_frame())
    finally:
        root.handlers[:] = saved
    assert capfd.readouterr() == ("", "")


def test_http2_header_blocks_from_the_connections_table_print_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    """The shipped HTTP/2 scene's later requests index headers the first one added to the table."""
    frames = [frame for track in timeline("http-2").messages for frame in track.frames if frame]
    assert frames
    for frame in frames:
        dissect(frame)
        summary(frame)
    assert capfd.readouterr() == ("", "")
