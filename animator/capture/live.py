"""Live capture: a raw packet socket read on a background thread into a bounded queue.

Why not scapy's AsyncSniffer: it dissects every packet on the sniffer thread (~2,500 packets/s
here) and importing it costs seconds; the live view needs raw frames at 20,000+ packets/s and
decodes the few headers it draws itself (``headers.decode``). So on Linux this opens an
``AF_PACKET`` socket directly, and a BPF capture filter is compiled by libpcap (the same
``pcap_compile`` tcpdump uses, see ``filters.BpfFilter``) and attached to the socket with
``SO_ATTACH_FILTER``, so the kernel drops unwanted packets before Python sees them.

The thread only appends ``(time, frame, linktype)`` to a ``deque`` (append/popleft are atomic
in CPython, so no lock); when the consumer falls behind and the queue holds ``capacity``
frames, new ones are counted in ``dropped`` instead of growing memory. The UI (or ``record``)
drains the queue on its own clock. Every setup failure is a ``CaptureSetupError`` whose
message says what to do: which command grants capture rights, which interfaces exist, how
to filter without libpcap.
"""

from __future__ import annotations

import ctypes
import os
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from animator.capture.filters import BpfFilter, FilterError, Matcher, bpf_available, simple_filter
from animator.capture.headers import decode
from animator.capture.reader import LINKTYPE_ETHERNET, LINKTYPE_RAW, RawRecord

ETH_P_ALL = 0x0003
SO_ATTACH_FILTER = 26
PACKET_OUTGOING = 4
_ARPHRD_LINKTYPE = {1: LINKTYPE_ETHERNET, 772: LINKTYPE_ETHERNET, 65534: LINKTYPE_RAW}  # ether, loopback, none (tun)


class CaptureSetupError(Exception):
    """Capturing cannot start; the one-line message says why and what to do."""


def interfaces() -> list[str]:
    try:
        return [name for _index, name in socket.if_nameindex()]
    except OSError:
        return []


def capture_binary() -> str:
    """The file ``setcap`` must be applied to: the real interpreter (venvs symlink it) or the frozen app."""
    return os.path.realpath(sys.executable)


def permission_advice(iface: str) -> str:
    return (
        f"capturing on {iface} needs root or the raw-capture capabilities: run as root (sudo), or grant them once with "
        f"'sudo setcap cap_net_raw,cap_net_admin=eip {capture_binary()}' (that grants them to every program run by that "
        "binary: prefer the installed packetstage binary over a shared Python)"
    )


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class LiveCapture:
    """Sniff ``iface`` on a background thread; ``drain()`` hands the frames over in arrival order."""

    def __init__(self, iface: str, capture_filter: str | None = None, capacity: int = 100_000) -> None:
        self.iface = iface
        self.capture_filter = capture_filter
        self.capacity = capacity
        self.received = 0
        self.dropped = 0
        #: A one-line remark for the user (e.g. that the filter runs in Python because libpcap is missing).
        self.notice = ""
        self._queue: deque[tuple[float, bytes, int]] = deque()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self._bpf: BpfFilter | None = None
        self._python_filter: Matcher | None = None
        self.error = ""
        if capture_filter:
            self._prepare_filter(capture_filter)

    def _prepare_filter(self, expression: str) -> None:
        """Compile the filter before any socket is opened: a bad filter must not fail silently in the thread."""
        if bpf_available():
            try:
                self._bpf = BpfFilter(expression)
            except FilterError as exc:
                raise CaptureSetupError(str(exc)) from None
            return
        try:
            self._python_filter = simple_filter(expression)
        except FilterError as exc:
            raise CaptureSetupError(
                f"BPF capture filters need libpcap, which is not installed (Debian/Ubuntu: sudo apt-get install libpcap0.8); "
                f"without it only the simple filter works, and {exc}"
            ) from None
        self.notice = "libpcap is not installed: the filter runs in PacketStage (simple filter), not in the kernel"

    def start(self) -> None:
        if not hasattr(socket, "AF_PACKET"):
            raise CaptureSetupError("live capture is implemented for Linux (AF_PACKET sockets) only; import a pcap instead")
        known = interfaces()
        if known and self.iface not in known:
            raise CaptureSetupError(f"no interface '{self.iface}'; this machine has: {', '.join(known)}")
        try:
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        except PermissionError:
            raise CaptureSetupError(permission_advice(self.iface)) from None
        except OSError as exc:
            raise CaptureSetupError(f"cannot open a capture socket: {exc.strerror or exc}") from None
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
            if self._bpf is not None:
                prog = self._bpf.program(LINKTYPE_ETHERNET)
                fprog = _SockFprog(prog.bf_len, prog.bf_insns)
                sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, bytes(memoryview(fprog).cast("B")))
            sock.bind((self.iface, 0))
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
        skip_outgoing = self.iface == "lo"  # loopback shows every packet twice: once out, once in
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
            linktype = _ARPHRD_LINKTYPE.get(address[3], LINKTYPE_ETHERNET)
            if keep is not None and not keep(linktype, data, len(data), decode(linktype, data)):
                continue
            self.received += 1
            if len(queue) >= capacity:
                self.dropped += 1
                continue
            queue.append((clock(), data, linktype))

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
            self._sock.close()
            self._sock = None


_BATCH = struct.Struct("<II")  # frames in the batch, bytes that follow
_FRAME = struct.Struct("<dHI")  # time, link type, length; then the frame's bytes


class ProcessCapture:
    """``LiveCapture`` with the socket read in a child process: same interface, no GIL shared with the UI.

    Why: at 20,000 packets/s a capture thread makes one ``recvfrom`` and a few Python
    operations per packet, and every one of them competes with the UI thread for the GIL;
    on a small machine that shows as 40-80 ms frames. Here a child process (this interpreter,
    or the frozen app binary, with the hidden ``_sniff`` command) runs ``LiveCapture`` and
    writes batches of frames to a pipe; a thread here only moves whole batches into a bounded
    queue (one read per batch, nothing per packet), and ``drain`` splits them on the UI's clock.
    Setup errors (filter, interface, rights) are found in this process first, with the same
    messages as ``LiveCapture``.
    """

    def __init__(self, iface: str, capture_filter: str | None = None, capacity: int = 100_000) -> None:
        self._probe = LiveCapture(iface, capture_filter, capacity)  # checks the filter now
        self.iface, self.capture_filter, self.capacity = iface, capture_filter, capacity
        self.notice = self._probe.notice
        self.error = ""
        self.dropped = 0
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
    def queued(self) -> int:
        return self._in - self._out

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        self._probe.start()  # the interface and the rights, checked here with the right messages
        self._probe.stop()
        self._proc = subprocess.Popen(
            sniffer_command(self.iface, self.capture_filter), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_child_env()
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
            if self._in - self._out + count > self.capacity:
                self.dropped += count
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
            for stream in (self._proc.stdout, self._proc.stderr):
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
    env = dict(os.environ)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def sniff_main(argv: list[str]) -> int:
    """The child's side: capture ``argv[0]`` (filter ``argv[1]``) and stream batches to stdout until killed."""
    import signal

    iface, capture_filter = argv[0], (argv[1] if len(argv) > 1 and argv[1] else None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    out = sys.stdout.buffer
    try:
        capture = LiveCapture(iface, capture_filter)
        capture.start()
    except CaptureSetupError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    pack = _FRAME.pack
    try:
        while True:
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


@dataclass
class Recording:
    """What ``record`` captured: raw records in order, and how many the queue had to drop."""

    iface: str
    records: list[RawRecord] = field(default_factory=list)
    dropped: int = 0
    notice: str = ""

    def write_pcap(self, path: Path) -> None:
        """pcap, or pcapng when the name ends in .pcapng (one interface, microsecond timestamps)."""
        write_capture(path, self.records, self.iface)

    def scene_text(self, source: str) -> str:
        from animator.capture.importer import ImportOptions, make_packet, scene_from_packets

        packets = [p for r in self.records if (p := make_packet(r.number, r.time, r.linktype, r.data, r.wire_len))]
        if not packets:
            raise CaptureSetupError(
                f"no packets with IP or ARP addresses were captured on {self.iface}: nothing to make a scene of"
            )
        return scene_from_packets(packets, source, ImportOptions(title=f"Live capture on {self.iface}"))


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
    path.write_bytes(bytes(out))


def record(
    iface: str,
    capture_filter: str | None = None,
    count: int | None = None,
    duration: float | None = None,
    progress: Callable[[int], None] | None = None,
) -> Recording:
    """Capture until ``count`` packets or ``duration`` seconds (or Ctrl+C), headless."""
    live = LiveCapture(iface, capture_filter)
    live.start()
    result = Recording(iface, notice=live.notice)
    deadline = time.monotonic() + duration if duration else None
    number = 0
    try:
        while True:
            for stamp, data, linktype in live.drain():
                number += 1
                result.records.append(RawRecord(number, stamp, linktype, data, len(data)))
                if count is not None and number >= count:
                    break
            if progress is not None:
                progress(number)
            if (count is not None and number >= count) or (deadline is not None and time.monotonic() >= deadline):
                break
            if live.error:
                raise CaptureSetupError(live.error)
            time.sleep(0.02)
    except KeyboardInterrupt:
        pass  # Ctrl+C ends a capture early; what was captured is kept
    finally:
        live.stop()
    result.dropped = live.dropped
    return result
