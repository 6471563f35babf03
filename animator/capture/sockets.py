"""Linux packet sockets: opening one with a useful error, a kernel-side filter, the kernel's drop count.

Shared by the live view's reader (``live.LiveCapture``) and the capture command's ring
(``ring.PacketRing``), so both say the same things when capturing cannot start and both
leave the work they can to the kernel:

- The capture filter runs in the kernel (``SO_ATTACH_FILTER``, compiled by libpcap, see
  ``filters.BpfFilter``), so unwanted packets never wake Python up.
- On loopback every packet passes twice (once sent, once received). Skipping the outgoing copy
  in Python cost half the reader's time under a flood; here three BPF instructions prepended to
  the filter drop it in the kernel (``SKF_AD_PKTTYPE``, the same test tcpdump's ``inbound``
  compiles to on Linux), so the kernel's counts are of packets, not of copies.
- ``PACKET_STATISTICS`` is what tcpdump reports as "received by filter" and "dropped by
  kernel". The kernel resets the counters at each read, so ``KernelCounters`` accumulates them.
"""

from __future__ import annotations

import ctypes
import os
import socket
import struct
import sys
from dataclasses import dataclass

from animator.capture.filters import BpfFilter, FilterError, Matcher, bpf_available, simple_filter
from animator.capture.reader import LINKTYPE_ETHERNET, LINKTYPE_RAW

ETH_P_ALL = 0x0003
SOL_PACKET = 263
SO_ATTACH_FILTER = 26
PACKET_STATISTICS = 6
PACKET_OUTGOING = 4
#: ARPHRD (the interface's hardware type) -> pcap link type: Ethernet, loopback (Ethernet framed), none (tun).
ARPHRD_LINKTYPE = {1: LINKTYPE_ETHERNET, 772: LINKTYPE_ETHERNET, 65534: LINKTYPE_RAW}

# Classic BPF, as the kernel and libpcap encode it: (code, jt, jf, k) of 8 bytes each.
_INSN = struct.Struct("=HBBI")
_LD_B_ABS, _JEQ_K, _RET_K = 0x30, 0x15, 0x06
_SKF_AD_PKTTYPE = 0xFFFFF000 + 4  # SKF_AD_OFF + SKF_AD_PKTTYPE: the packet's direction, not its bytes
_KEEP_ALL = 0x40000  # "return the whole packet" (up to 256 KiB)


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


def prepare_filter(expression: str | None) -> tuple[BpfFilter | None, Matcher | None, str]:
    """(kernel filter, Python filter, notice) for a capture filter, checked before any socket opens.

    A bad filter must be refused here, with its message, not fail silently in a reader thread.
    Without libpcap only the simple filter exists, and it runs on each packet in Python.
    """
    if not expression:
        return None, None, ""
    if bpf_available():
        try:
            return BpfFilter(expression), None, ""
        except FilterError as exc:
            raise CaptureSetupError(str(exc)) from None
    try:
        matcher = simple_filter(expression)
    except FilterError as exc:
        raise CaptureSetupError(
            f"BPF capture filters need libpcap, which is not installed (Debian/Ubuntu: sudo apt-get install libpcap0.8); "
            f"without it only the simple filter works, and {exc}"
        ) from None
    return None, matcher, "libpcap is not installed: the filter runs in PacketStage (simple filter), not in the kernel"


def open_packet_socket(iface: str) -> socket.socket:
    """An ``AF_PACKET`` socket for ``iface``, not yet bound: it receives nothing until ``bind_packet_socket``.

    Created with protocol 0 so that no packet of any interface is queued before the filter is
    attached and the socket is bound (a socket made with ``ETH_P_ALL`` starts receiving at once).
    """
    if not hasattr(socket, "AF_PACKET"):
        raise CaptureSetupError("live capture is implemented for Linux (AF_PACKET sockets) only; import a pcap instead")
    known = interfaces()
    if known and iface not in known:
        raise CaptureSetupError(f"no interface '{iface}'; this machine has: {', '.join(known)}")
    try:
        return socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    except PermissionError:
        raise CaptureSetupError(permission_advice(iface)) from None
    except OSError as exc:
        raise CaptureSetupError(f"cannot open a capture socket: {exc.strerror or exc}") from None


def bind_packet_socket(sock: socket.socket, iface: str) -> int:
    """Start receiving every protocol on ``iface``; returns the pcap link type of its frames."""
    sock.bind((iface, ETH_P_ALL))
    return ARPHRD_LINKTYPE.get(sock.getsockname()[3], LINKTYPE_ETHERNET)


def interface_linktype(iface: str) -> int:
    """The pcap link type ``iface`` delivers, known before binding (a filter is compiled for it)."""
    try:
        with open(f"/sys/class/net/{iface}/type", encoding="ascii") as fh:
            return ARPHRD_LINKTYPE.get(int(fh.read().strip()), LINKTYPE_ETHERNET)
    except (OSError, ValueError):
        return LINKTYPE_ETHERNET


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def filter_program(bpf: BpfFilter | None, linktype: int, skip_outgoing: bool) -> bytes:
    """The BPF instructions to attach: ``bpf`` compiled for ``linktype``, after an outgoing-copy check.

    Prepending keeps the compiled program valid as it is: classic BPF jumps are relative, and
    the three instructions in front either return 0 (drop) or fall through to its first one.
    """
    if bpf is not None:
        prog = bpf.program(linktype)
        body = ctypes.string_at(prog.bf_insns, prog.bf_len * _INSN.size)
    else:
        body = _INSN.pack(_RET_K, 0, 0, _KEEP_ALL)
    if not skip_outgoing:
        return body
    head = _INSN.pack(_LD_B_ABS, 0, 0, _SKF_AD_PKTTYPE) + _INSN.pack(_JEQ_K, 0, 1, PACKET_OUTGOING) + _INSN.pack(_RET_K, 0, 0, 0)
    return head + body


def attach_filter(sock: socket.socket, program: bytes) -> None:
    """Attach BPF ``program`` (raw instructions) to ``sock``; the kernel copies it, so the buffer may go."""
    if not program:
        return
    code = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // _INSN.size, ctypes.addressof(code))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, bytes(memoryview(fprog).cast("B")))


@dataclass
class KernelCounters:
    """What the kernel counted for one packet socket since it was opened (tcpdump's figures).

    ``received`` is every packet the filter accepted, including ``dropped``: those the kernel
    had to throw away because the socket's buffer (or ring) was full when they arrived.
    """

    received: int = 0
    dropped: int = 0

    def update(self, sock: socket.socket | None) -> None:
        """Add what the kernel counted since the last read (it resets its counters at each read)."""
        if sock is None:
            return
        try:
            raw = sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 12)
        except OSError:
            return  # a closed socket: the counts so far stand
        packets, drops = struct.unpack_from("=II", raw)
        self.received += packets
        self.dropped += drops
