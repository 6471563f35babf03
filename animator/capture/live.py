"""Live capture for the live view: a raw packet socket read on a background thread into a bounded queue.

Why not scapy's AsyncSniffer: it dissects every packet on the sniffer thread (~2,500 packets/s
here) and importing it costs seconds; the live view needs raw frames at 20,000+ packets/s and
decodes the few headers it draws itself (``headers.decode``). So on Linux this opens an
``AF_PACKET`` socket directly, and a BPF capture filter is compiled by libpcap (the same
``pcap_compile`` tcpdump uses, see ``filters.BpfFilter``) and attached to the socket with
``SO_ATTACH_FILTER``, so the kernel drops unwanted packets before Python sees them
(``sockets``: on loopback the kernel also drops the outgoing copy of each packet).

The thread only appends ``(time, frame, linktype)`` to a ``deque`` (append/popleft are atomic
in CPython, so no lock); when the consumer falls behind and the queue holds ``capacity``
frames, new ones are counted in ``dropped`` instead of growing memory. The kernel's own
drops (its socket buffer full) are read with ``PACKET_STATISTICS`` (``kernel``). The UI drains
the queue on its own clock. Every setup failure is a ``CaptureSetupError`` whose message says
what to do: which command grants capture rights, which interfaces exist, how to filter
without libpcap. The headless ``capture`` command reads a memory-mapped ring instead
(``ring``, ``recorder``).
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

from animator.capture import lifeline
from animator.capture.headers import decode
from animator.capture.reader import LINKTYPE_ETHERNET, RawRecord
from animator.capture.sockets import (
    ARPHRD_LINKTYPE,
    PACKET_OUTGOING,
    CaptureSetupError,
    KernelCounters,
    attach_filter,
    bind_packet_socket,
    capture_binary,
    filter_program,
    interface_linktype,
    interfaces,
    open_packet_socket,
    permission_advice,
    prepare_filter,
)
from animator.files import write_atomic

__all__ = [
    "CaptureSetupError",
    "LiveCapture",
    "ProcessCapture",
    "capture_binary",
    "interfaces",
    "permission_advice",
    "sniff_main",
    "sniffer_command",
    "write_capture",
]


class LiveCapture:
    """Sniff ``iface`` on a background thread; ``drain()`` hands the frames over in arrival order."""

    def __init__(self, iface: str, capture_filter: str | None = None, capacity: int = 100_000) -> None:
        self.iface = iface
        self.capture_filter = capture_filter
        self.capacity = capacity
        self.received = 0
        self.dropped = 0
        #: What the kernel counted: packets the filter accepted, and those it dropped (socket buffer full).
        self.kernel = KernelCounters()
        self._queue: deque[tuple[float, bytes, int]] = deque()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self.error = ""
        # The filter is compiled now: a bad one must not fail silently in the thread.
        #: A one-line remark for the user (e.g. that the filter runs in Python because libpcap is missing).
        self._bpf, self._python_filter, self.notice = prepare_filter(capture_filter)

    def start(self) -> None:
        sock = open_packet_socket(self.iface)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
            skip_outgoing = self.iface == "lo"  # loopback shows every packet twice: once out, once in
            if self._bpf is not None or skip_outgoing:
                attach_filter(sock, filter_program(self._bpf, interface_linktype(self.iface), skip_outgoing))
            bind_packet_socket(sock, self.iface)
            sock.settimeout(0.1)
        except OSError as exc:
            sock.close()
            raise CaptureSetupError(f"cannot capture on {self.iface}: {exc.strerror or exc}") from None
        self._sock = sock
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"capture-{self.iface}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        sock, queue, capacity = self._sock, self._queue, self.capacity
        assert sock is not None
        skip_outgoing = self.iface == "lo"  # the kernel filter drops these already; this is the belt to its braces
        keep = self._python_filter
        stop = self._stop.is_set
        clock = time.time
        while not stop():
            try:
                data, address = sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError as exc:
                if not stop():
                    self.error = f"capture on {self.iface} stopped: {exc.strerror or exc}"
                break
            if skip_outgoing and address[2] == PACKET_OUTGOING:
                continue
            linktype = ARPHRD_LINKTYPE.get(address[3], LINKTYPE_ETHERNET)
            if keep is not None and not keep(linktype, data, len(data), decode(linktype, data)):
                continue
            self.received += 1
            if len(queue) >= capacity:
                self.dropped += 1
                continue
            queue.append((clock(), data, linktype))

    def kernel_statistics(self) -> KernelCounters:
        """The kernel's counts so far, read now."""
        self.kernel.update(self._sock)
        return self.kernel

    def drain(self, limit: int | None = None) -> list[tuple[float, bytes, int]]:
        """Frames captured since the last call (at most ``limit``), oldest first: ``(time, frame, linktype)``."""
        queue = self._queue
        n = len(queue) if limit is None else min(limit, len(queue))
        popleft = queue.popleft
        return [popleft() for _ in range(n)]

    @property
    def queued(self) -> int:
        return len(self._queue)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        if self._sock is not None:
            self.kernel.update(self._sock)
            self._sock.close()
            self._sock = None


_BATCH = struct.Struct("<II")  # frames in the batch, bytes that follow
_FRAME = struct.Struct("<dHI")  # time, link type, length; then the frame's bytes
#: A batch of 0 frames carries the child's counts instead: kernel received, kernel dropped, dropped by its queue.
_COUNTS = struct.Struct("<QQQ")
COUNTS_EVERY_S = 0.5


class ProcessCapture:
    """``LiveCapture`` with the socket read in a child process: same interface, no GIL shared with the UI.

    Why: at 20,000 packets/s a capture thread makes one ``recvfrom`` and a few Python
    operations per packet, and every one of them competes with the UI thread for the GIL;
    on a small machine that shows as 40-80 ms frames. Here a child process (this interpreter,
    or the frozen app binary, with the hidden ``_sniff`` command) runs ``LiveCapture`` and
    writes batches of frames to a pipe; a thread here only moves whole batches into a bounded
    queue (one read per batch, nothing per packet), and ``drain`` splits them on the UI's clock.
    Setup errors (filter, interface, rights) are found in this process first, with the same
    messages as ``LiveCapture``. The child sends its counts twice a second (``kernel``, and its
    own queue's drops, which ``dropped`` includes), and dies with this process (``lifeline``):
    call ``start`` from the thread that lives as long as the capture should (the app's main thread).
    """

    def __init__(self, iface: str, capture_filter: str | None = None, capacity: int = 100_000) -> None:
        self._probe = LiveCapture(iface, capture_filter, capacity)  # checks the filter now
        self.iface, self.capture_filter, self.capacity = iface, capture_filter, capacity
        self.notice = self._probe.notice
        self.error = ""
        self.dropped = 0  # frames this side's queue, or the child's, had no room for
        self.kernel = KernelCounters()  # as the child last reported them
        #: Set when the child reports for the first time: its socket is open and its lifelines hold.
        self.capturing = threading.Event()
        self._dropped_here = 0
        self._child_dropped = 0
        self._in = 0  # frames queued (reader thread only)
        self._out = 0  # frames drained (drain only): queued = _in - _out, no shared counter to race on
        self._batches: deque[tuple[int, bytes]] = deque()
        self._head: tuple[bytes, int, int] | None = None  # a partly drained batch: blob, offset, frames left
        self._proc: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None

    @property
    def received(self) -> int:
        return self._in + self.dropped

    @property
    def kernel_dropped(self) -> int:
        return self.kernel.dropped

    @property
    def queued(self) -> int:
        return self._in - self._out

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        self._probe.start()  # the interface and the rights, checked here with the right messages
        self._probe.stop()
        # stdin is the child's lifeline: this end stays open, unwritten, until this process ends.
        self._proc = subprocess.Popen(
            sniffer_command(self.iface, self.capture_filter),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_child_env(),
        )
        self._thread = threading.Thread(target=self._read, name=f"capture-pipe-{self.iface}", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        pipe = self._proc.stdout
        batches = self._batches
        while True:
            header = pipe.read(_BATCH.size)
            if len(header) < _BATCH.size:
                break
            count, size = _BATCH.unpack(header)
            blob = pipe.read(size)
            if len(blob) < size:
                break
            if count == 0:
                received, kernel_dropped, child_dropped = _COUNTS.unpack(blob)
                self.kernel = KernelCounters(received, kernel_dropped)
                self._child_dropped = child_dropped
                self.dropped = self._dropped_here + child_dropped
                self.capturing.set()
                continue
            if self._in - self._out + count > self.capacity:
                self._dropped_here += count
                self.dropped = self._dropped_here + self._child_dropped
                continue
            batches.append((count, blob))
            self._in += count
        if self._proc.wait() != 0:  # the child exits 0 when told to stop (SIGTERM), else it says why on stderr
            message = (self._proc.stderr.read() if self._proc.stderr else b"").decode(errors="replace").strip()
            self.error = message.splitlines()[-1] if message else f"capture on {self.iface} stopped"

    def drain(self, limit: int | None = None) -> list[tuple[float, bytes, int]]:
        out: list[tuple[float, bytes, int]] = []
        unpack = _FRAME.unpack_from
        step = _FRAME.size
        while limit is None or len(out) < limit:
            if self._head is None:
                if not self._batches:
                    break
                count, blob = self._batches.popleft()
                self._head = (blob, 0, count)
            blob, pos, left = self._head
            take = left if limit is None else min(left, limit - len(out))
            for _ in range(take):
                stamp, linktype, length = unpack(blob, pos)
                pos += step
                out.append((stamp, blob[pos : pos + length], linktype))
                pos += length
            left -= take
            self._head = (blob, pos, left) if left else None
        self._out += len(out)
        return out

    def stop(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.terminate()
            try:
                self._proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._thread is not None:
            self._thread.join(timeout=3)
            self._thread = None
        if self._proc is not None:
            for stream in (self._proc.stdin, self._proc.stdout, self._proc.stderr):
                if stream is not None:
                    stream.close()
            self._proc = None


def sniffer_command(iface: str, capture_filter: str | None) -> list[str]:
    """How to start the child: the frozen app takes the hidden ``_sniff`` command, a checkout runs this module."""
    args = ["_sniff", iface, capture_filter or ""]
    if getattr(sys, "frozen", False):
        return [sys.executable, *args]
    code = "import sys; from animator.capture.live import sniff_main; sys.exit(sniff_main(sys.argv[2:]))"
    return [sys.executable, "-c", code, *args]


def _child_env() -> dict[str, str]:
    root = str(Path(__file__).resolve().parent.parent.parent)
    env = dict(os.environ) | lifeline.parent_env()
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def sniff_main(argv: list[str]) -> int:
    """The child's side: capture ``argv[0]`` (filter ``argv[1]``) and stream batches to stdout until killed.

    Ends on SIGTERM (``ProcessCapture.stop``), when the app that started it ends (``lifeline``)
    and when the app stops reading (a broken pipe).
    """
    import signal

    iface, capture_filter = argv[0], (argv[1] if len(argv) > 1 and argv[1] else None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    lifeline.die_with_parent(sys.stdin.fileno() if sys.stdin is not None else 0)
    out = sys.stdout.buffer
    try:
        capture = LiveCapture(iface, capture_filter)
        capture.start()
    except CaptureSetupError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    pack = _FRAME.pack
    counted = 0.0
    try:
        while True:
            now = time.monotonic()
            if now - counted >= COUNTS_EVERY_S:
                counted = now
                kernel = capture.kernel_statistics()
                out.write(_BATCH.pack(0, _COUNTS.size) + _COUNTS.pack(kernel.received, kernel.dropped, capture.dropped))
                out.flush()
            frames = capture.drain(5000)
            if frames:
                blob = b"".join(pack(stamp, linktype, len(data)) + data for stamp, data, linktype in frames)
                out.write(_BATCH.pack(len(frames), len(blob)) + blob)
                out.flush()
            elif capture.error:
                print(capture.error, file=sys.stderr)
                return 1
            else:
                time.sleep(0.003)
    except (BrokenPipeError, KeyboardInterrupt):
        return 0
    finally:
        capture.stop()


def write_capture(path: Path, records: list[RawRecord], iface: str = "") -> None:
    """Write records as pcap (or pcapng for a .pcapng name); every record keeps its link type in pcapng."""
    linktypes = list(dict.fromkeys(r.linktype for r in records)) or [LINKTYPE_ETHERNET]
    out = bytearray()
    if path.suffix.lower() == ".pcapng":
        shb_body = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
        out += struct.pack("<II", 0x0A0D0D0A, 12 + len(shb_body)) + shb_body + struct.pack("<I", 12 + len(shb_body))
        name = iface.encode()[:255]
        for linktype in linktypes:
            option = struct.pack("<HH", 2, len(name)) + name + bytes(-len(name) % 4) if name else b""
            body = struct.pack("<HHI", linktype, 0, 262144) + option + struct.pack("<HH", 0, 0)
            out += struct.pack("<II", 1, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))
        index = {lt: i for i, lt in enumerate(linktypes)}
        for r in records:
            micros = round(r.time * 1e6)
            body = struct.pack("<IIIII", index[r.linktype], micros >> 32, micros & 0xFFFFFFFF, len(r.data), r.wire_len)
            body += r.data + bytes(-len(r.data) % 4)
            out += struct.pack("<II", 6, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))
    else:
        out += struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktypes[0])
        for r in records:
            if r.linktype != linktypes[0]:
                continue  # a pcap has one link type; pcapng keeps mixed ones
            sec = int(r.time)
            out += struct.pack("<IIII", sec, round((r.time - sec) * 1e6) % 1_000_000, len(r.data), r.wire_len) + r.data
    write_atomic(path, bytes(out))  # a full disk leaves an older file as it was
