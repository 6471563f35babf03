"""Capture under load (issue 15): bounded memory, counted drops, tcpdump's summary, and a capture child that dies with the app.

The writer and the pump are driven by fakes (a replayed stream of packets, a disk that stalls
until told to go on): no capture rights, no timing. The lifeline tests run real processes on
loopback and wait for the kernel with deadline polls, since a process's death is an event only
the operating system sees.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

from animator.capture import lifeline, live
from animator.capture.reader import CaptureReader
from animator.capture.recorder import pump
from animator.capture.sockets import KernelCounters
from animator.capture.stream import BoundedWriter, CaptureCounts, encode_record, file_header
from tests.capture.test_live import needs_capture
from tests.conftest import REPO

#: A 60-byte Ethernet frame (zeros will do: nothing here decodes it).
FRAME = bytes(60)


class ReplaySource:
    """A ``BatchSource`` that hands out ``batches`` fresh batches of ``per_batch`` packets, then sets ``done``.

    Each batch is a new bytes object, as the ring makes them: a writer that kept them would grow.
    ``on_exhausted`` runs once everything was handed out (a test lets a stalled disk go on there).
    With ``pace``, each batch after the first waits until that event says the previous one was written.
    """

    linktype = 1

    def __init__(
        self,
        batches: int,
        per_batch: int,
        on_exhausted: Callable[[], None] = lambda: None,
        pace: threading.Event | None = None,
    ) -> None:
        self.batches, self.left, self.per_batch, self.pace = batches, batches, per_batch, pace
        self.record = encode_record("pcapng", 1_700_000_000.0, FRAME)
        self.done = threading.Event()
        self.on_exhausted = on_exhausted
        self.kernel = KernelCounters()

    def next_batch(self, timeout: float, limit: int | None = None) -> tuple[bytes, int] | None:
        if not self.left:
            if not self.done.is_set():
                self.on_exhausted()
                self.done.set()
            return None
        if self.pace is not None and self.left < self.batches:
            assert self.pace.wait(10), "the previous batch was never written"
            self.pace.clear()
        self.left -= 1
        n = self.per_batch if limit is None else min(limit, self.per_batch)
        self.kernel.received += n
        return bytes(self.record * n), n  # a new object each time, as the ring makes them

    def statistics(self) -> KernelCounters:
        return self.kernel

    def close(self) -> None:
        pass


class StallingFile:
    """A file whose first write waits until ``go`` is set: a disk that stops answering for a while."""

    def __init__(self) -> None:
        self.stalled, self.go = threading.Event(), threading.Event()
        self.data = bytearray()

    def write(self, data: bytes) -> int:
        self.stalled.set()
        assert self.go.wait(10), "the test never let the disk go on"
        self.data += data
        return len(data)

    def flush(self) -> None:
        pass

    def fileno(self) -> int:
        return -1  # the test replaces os.fsync


# -- the summary line ----------------------------------------------------------------------
def test_summary_line_says_what_tcpdump_says_and_what_the_queue_dropped() -> None:
    counts = CaptureCounts(captured=1_000, received=1_203, kernel_dropped=200, queue_dropped=3)
    assert counts.summary() == (
        "1,000 packets captured, 1,203 received by filter, 200 packets dropped by kernel, 3 dropped by PacketStage (queue full)"
    )
    assert CaptureCounts(1, 1, 1, 0).summary().startswith("1 packet captured, 1 received by filter, 1 packet dropped by kernel")


# -- the bounded queue ---------------------------------------------------------------------
def test_a_stalled_disk_fills_the_queue_and_the_drops_are_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "fsync", lambda fd: None)
    file = StallingFile()
    record_size = len(encode_record("pcapng", 0.0, FRAME))
    # Room for two batches of 10, one of them the batch held by the stalled write.
    writer = BoundedWriter(file, capacity=2 * 10 * record_size)  # type: ignore[arg-type]
    source = ReplaySource(batches=6, per_batch=10, on_exhausted=file.go.set)
    original = source.next_batch

    def next_batch(timeout: float, limit: int | None = None) -> tuple[bytes, int] | None:
        if source.left == 5:  # the first batch is out: wait until the writer is stuck in it
            assert file.stalled.wait(10)
        return original(timeout, limit)

    source.next_batch = next_batch  # type: ignore[method-assign]
    counts = pump(source, writer, stop=source.done, final_wait=0)
    # Batch 1 in the stalled write, batch 2 queued, batches 3-6 refused: 40 packets dropped.
    assert (counts.captured, counts.queue_dropped, counts.received) == (20, 40, 60)
    assert len(file.data) == 20 * record_size
    assert counts.summary().endswith("40 dropped by PacketStage (queue full)")


def test_a_write_error_stops_the_capture_and_is_raised() -> None:
    class FullDisk:
        def write(self, data: bytes) -> int:
            raise OSError(28, "No space left on device")

        def flush(self) -> None:
            pass

    writer = BoundedWriter(FullDisk())  # type: ignore[arg-type]
    stop = threading.Event()
    with pytest.raises(OSError, match="No space left"):
        pump(ReplaySource(batches=1000, per_batch=10), writer, stop=stop, final_wait=0)
    assert writer.error is not None and writer.put(b"x", 1) is False


class PacedFile:
    """A real file that says when each write is done, so a replay can go at the disk's pace (no drops, no timing)."""

    def __init__(self, file: BinaryIO) -> None:
        self.file, self.written = file, threading.Event()

    def write(self, data: bytes) -> int:
        n = self.file.write(data)
        self.written.set()
        return n

    def flush(self) -> None:
        self.file.flush()

    def fileno(self) -> int:
        return self.file.fileno()


def test_memory_stays_flat_however_many_packets_pass(tmp_path: Path) -> None:
    """100,000 and 400,000 packets through the pump into a real file: what is held stays a few batches, not the stream."""
    batch = 2_000 * len(encode_record("pcapng", 0.0, FRAME))  # 184 kB
    for batches in (50, 200):  # 9 and 37 MB through the pump
        path = tmp_path / f"{batches}.pcapng"
        with open(path, "wb") as raw:
            raw.write(file_header("pcapng", "replay", 1))
            file = PacedFile(raw)
            source = ReplaySource(batches=batches, per_batch=2_000, pace=file.written)
            tracemalloc.start()
            try:
                counts = pump(source, BoundedWriter(file, capacity=4 << 20), stop=source.done, final_wait=0)  # type: ignore[arg-type]
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
        assert (counts.captured, counts.queue_dropped) == (batches * 2_000, 0)
        assert path.stat().st_size > batches * batch
        with CaptureReader(path) as reader:
            assert sum(1 for _ in reader) == counts.captured and reader.problems == []
        assert peak < 4 * batch, f"{peak:,} bytes held at once for {batches * 2_000:,} packets"


@needs_capture
def test_a_full_ring_makes_the_kernel_drop_and_count(tmp_path: Path) -> None:
    """A ring of two small blocks, not read while 2,000 packets arrive: the kernel drops most, and says how many."""
    from animator.capture.filters import BpfFilter
    from animator.capture.ring import PacketRing

    sink, port = _free_port()
    ring = PacketRing("lo", BpfFilter(f"udp dst port {port}"), "pcapng", block_size=4096, blocks=2)
    try:
        _send(port, 2_000)  # nothing reads the ring meanwhile
        with open(tmp_path / "small.pcapng", "wb") as file:
            file.write(file_header("pcapng", "lo", ring.linktype))
            stop = threading.Event()
            stop.set()  # take only what is in the ring already
            counts = pump(ring, BoundedWriter(file), stop=stop)
    finally:
        ring.close()
        sink.close()
    assert counts.received == 2_000
    assert counts.kernel_dropped > 1_500 and counts.captured + counts.kernel_dropped == 2_000
    assert f"{counts.kernel_dropped:,} packets dropped by kernel" in counts.summary()


# -- the capture child's lifelines ---------------------------------------------------------------
def _gone(pid: int) -> bool:
    """True once ``pid`` has exited (a zombie counts: PID 1 here need not reap orphans)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rpartition(")")[2].split()[0] in ("Z", "X")


def _wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)  # polling the OS for a process's end: there is no event to wait on
    return condition()


@pytest.fixture
def app_process() -> Iterator[Callable[[str, int | None], tuple[subprocess.Popen[str], int]]]:
    """Start a stand-in for the app (``code`` prints the capture child's PID once it runs); kill both at the end."""
    started: list[tuple[subprocess.Popen[str], int]] = []

    def start(code: str, stdin: int | None = subprocess.DEVNULL) -> tuple[subprocess.Popen[str], int]:
        proc = subprocess.Popen(
            [sys.executable, "-c", code], stdin=stdin, stdout=subprocess.PIPE, text=True, cwd=REPO, env={**os.environ}
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip().isdigit(), f"the app stand-in did not start its capture child: {line!r}"
        started.append((proc, int(line)))
        return started[-1]

    yield start
    for proc, child in started:
        for pid in (proc.pid, child):
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=10)


APP = """
import sys
from animator.capture.live import ProcessCapture
capture = ProcessCapture("lo", "udp port 9")
capture.start()
assert capture.capturing.wait(30), capture.error
print(capture._proc.pid, flush=True)
sys.stdin.read()  # alive until killed
"""


@needs_capture
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_the_capture_child_dies_with_the_app(app_process: Callable[..., tuple[subprocess.Popen[str], int]], how: int) -> None:
    app, child = app_process(APP, subprocess.PIPE)
    assert not _gone(child)
    os.kill(app.pid, how)  # neither runs the app's clean-up: only the child's lifelines can end it
    app.wait(timeout=10)
    assert _wait_until(lambda: _gone(child), 5), "the capture child outlived the app"


APP_LEAVING_THE_PIPES = """
import subprocess, sys, time
from animator.capture import live
print(subprocess.Popen(live.sniffer_command("lo", "udp port 9"), env=live._child_env()).pid, flush=True)
time.sleep(600)
"""


@needs_capture
def test_the_parent_death_signal_alone_ends_the_child(tmp_path: Path) -> None:
    """The child's stdin and stdout are pipes whose other ends this test holds: no end-of-file, no broken pipe.

    Only PR_SET_PDEATHSIG can end the child when its parent is killed.
    """
    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux's")
    stdin_read, stdin_write = os.pipe()
    app = subprocess.Popen([sys.executable, "-c", APP_LEAVING_THE_PIPES], stdin=stdin_read, stdout=subprocess.PIPE, cwd=REPO)
    os.close(stdin_read)
    child = -1
    try:
        assert app.stdout is not None
        child = int(app.stdout.readline())
        assert len(app.stdout.read(8)) == 8  # the child's first report: it runs, its lifelines set
        os.kill(app.pid, signal.SIGKILL)
        app.wait(timeout=10)
        assert _wait_until(lambda: _gone(child), 5), "PR_SET_PDEATHSIG did not end the capture child"
    finally:
        for pid in (app.pid, child):
            if pid > 0 and not _gone(pid):
                os.kill(pid, signal.SIGKILL)
        app.wait(timeout=10)
        os.close(stdin_write)
        if app.stdout is not None:
            app.stdout.close()


def test_the_pipe_lifeline_fires_when_the_app_end_closes() -> None:
    read_end, write_end = os.pipe()
    closed = threading.Event()
    lifeline.watch_pipe(read_end, closed.set)
    os.write(write_end, b"ignored")
    assert not closed.wait(0.05)
    os.close(write_end)
    assert closed.wait(10)
    os.close(read_end)


def test_a_child_whose_app_is_already_gone_ends_at_once() -> None:
    """The app died between starting the child and the child's prctl: getppid() is not the app any more."""
    code = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *_: sys.exit(7))\n"
        "from animator.capture.lifeline import die_with_parent\n"
        "assert die_with_parent()\n"
        "time.sleep(30)\n"
    )
    read_end, write_end = os.pipe()  # held open here: only the PID check can end the child
    try:
        env = {**os.environ, lifeline.PARENT_ENV: "1"}  # named parent: not this test's process
        done = subprocess.run([sys.executable, "-c", code], stdin=read_end, env=env, cwd=REPO, timeout=60)
    finally:
        os.close(read_end)
        os.close(write_end)
    assert done.returncode == 7


def test_without_a_named_parent_the_child_watches_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(lifeline.PARENT_ENV, raising=False)
    assert lifeline.die_with_parent() is False
    assert lifeline.PARENT_ENV in live._child_env()


# -- the capture command on real loopback traffic ------------------------------------------------
def _send(port: int, n: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for i in range(n):
            s.sendto(f"hello {i}".encode(), ("127.0.0.1", port))


def _free_port() -> tuple[socket.socket, int]:
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    return sink, sink.getsockname()[1]


def _partial_records(folder: Path) -> int:
    """Packets in the capture command's temporary file so far (-1 before its header is written)."""
    for path in folder.glob(".*.partial.*"):
        if path.stat().st_size:
            with CaptureReader(path) as reader:
                return sum(1 for _ in reader)
    return -1


def _capture(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, str(REPO / "main.py"), "capture", "--iface", "lo", *args]
    return subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True)


@needs_capture
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupted_capture_leaves_a_complete_file(tmp_path: Path, how: int) -> None:
    sink, port = _free_port()
    out = tmp_path / "out.pcapng"
    out.write_bytes(b"the old capture")
    proc = _capture(tmp_path, "--filter", f"udp dst port {port}", "--duration", "600", "-o", str(out), "--force")
    try:
        assert _wait_until(lambda: _partial_records(tmp_path) == 0, 60), "the capture did not start"
        _send(port, 25)
        assert _wait_until(lambda: _partial_records(tmp_path) == 25, 10), "the packets did not reach the file"
        proc.send_signal(how)
        _out, err = proc.communicate(timeout=60)
    finally:
        sink.close()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "25 packets captured, 25 received by filter, 0 packets dropped by kernel, 0 dropped by PacketStage" in err
    with CaptureReader(out) as reader:
        assert [r.data[42:] for r in reader] == [f"hello {i}".encode() for i in range(25)] and reader.problems == []
    assert not list(tmp_path.glob(".*partial*")), "the temporary was renamed into place"


@needs_capture
def test_an_interrupted_capture_of_nothing_keeps_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "out.pcap"
    out.write_bytes(b"the old capture")
    proc = _capture(tmp_path, "--filter", "udp dst port 9", "--duration", "600", "-o", str(out), "--force")
    assert _wait_until(lambda: _partial_records(tmp_path) == 0, 60), "the capture did not start"
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert f"no packets were captured on lo: {out} not written" in err and "Traceback" not in err
    assert out.read_bytes() == b"the old capture"
    assert not list(tmp_path.glob(".*partial*"))


@needs_capture
def test_a_killed_capture_leaves_the_old_file_and_a_readable_temporary(tmp_path: Path) -> None:
    """kill -9 leaves no chance to rename: the old file stays whole, and what was captured is readable beside it."""
    sink, port = _free_port()
    out = tmp_path / "out.pcapng"
    out.write_bytes(b"the old capture")
    proc = _capture(tmp_path, "--filter", f"udp dst port {port}", "--duration", "600", "-o", str(out), "--force")
    try:
        assert _wait_until(lambda: _partial_records(tmp_path) == 0, 60), "the capture did not start"
        _send(port, 10)
        assert _wait_until(lambda: _partial_records(tmp_path) == 10, 10), "the packets did not reach the file"
    finally:
        proc.kill()
        proc.communicate(timeout=60)
        sink.close()
    assert out.read_bytes() == b"the old capture"
    assert _partial_records(tmp_path) == 10


@needs_capture
def test_a_capture_into_a_scene_streams_to_disk_then_converts(tmp_path: Path) -> None:
    from animator.model import load_scene

    sink, port = _free_port()
    out = tmp_path / "live.yaml"
    proc = _capture(tmp_path, "--filter", f"udp dst port {port}", "--count", "3", "-o", str(out))
    try:
        assert _wait_until(lambda: any(_partial_records_in(f) == 0 for f in tmp_path.glob(".live.yaml.*")), 60)
        _send(port, 3)
        _out, err = proc.communicate(timeout=60)
    finally:
        sink.close()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "3 packets captured, 3 received by filter, 0 packets dropped by kernel, 0 dropped by PacketStage" in err
    assert load_scene(out).title == "Live capture on lo"
    assert "Imported from capture-on-lo.pcapng" in out.read_text()
    assert not list(tmp_path.glob(".live.yaml.*")), "the streamed capture is removed"


def _partial_records_in(folder: Path) -> int:
    path = folder / "capture-on-lo.pcapng"
    if not path.exists() or not path.stat().st_size:
        return -1
    with CaptureReader(path) as reader:
        return sum(1 for _ in reader)
