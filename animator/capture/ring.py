"""The capture command's reader: a ``TPACKET_V3`` ring shared with the kernel, turned into file records a block at a time.

Why not ``recvfrom`` per packet (what the live view's reader does): under a 155k packets/s
flood on loopback a Python loop making one system call and building one address tuple per
packet kept 22-44 % of the packets, and the kernel's socket buffer (a few thousand small
packets) overflowed at the first pause. With a ``PACKET_RX_RING`` of version 3 (what libpcap
and so tcpdump use on Linux) the kernel writes packets, with their timestamps, straight into
blocks of memory mapped into this process and hands over a whole block at once; the loop
here makes no system call per packet, copies each frame once (into the record that goes to
the file) and never dissects anything. The ring is ``block_size * blocks`` bytes (32 MiB by
default) whatever the traffic, so memory is bounded; when the ring is full the kernel drops
and counts (``KernelCounters``), and those counts are what the capture reports.

Each ``next_batch`` returns the records of one block already encoded for the output file
(``stream.RecordFormat``): pcapng Enhanced Packet Blocks or classic pcap records.
"""

from __future__ import annotations

import mmap
import select
import socket
import struct

from animator.capture.filters import BpfFilter, Matcher
from animator.capture.headers import decode
from animator.capture.sockets import (
    SOL_PACKET,
    CaptureSetupError,
    KernelCounters,
    attach_filter,
    bind_packet_socket,
    filter_program,
    interface_linktype,
    open_packet_socket,
)
from animator.capture.stream import EPB_HEAD, PCAP_HEAD, RecordFormat, encode_record, epb_tail

PACKET_RX_RING = 5
PACKET_VERSION = 10
TPACKET_V3 = 2
TP_STATUS_KERNEL = 0
TP_STATUS_USER = 1
_REQ3 = struct.Struct("=7I")  # tpacket_req3
_BLOCK = struct.Struct("=III")  # tpacket_hdr_v1: block_status, num_pkts, offset_to_first_pkt (after version, offset_to_priv)
_BLOCK_AT = 8
_PACKET = struct.Struct("=IIIIIIH")  # tpacket3_hdr: next_offset, sec, nsec, snaplen, len, status, mac
_STATUS = struct.Struct("=I")


class PacketRing:
    """Capture ``iface`` through a memory-mapped ring; ``next_batch`` gives one block's records at a time."""

    def __init__(
        self,
        iface: str,
        bpf: BpfFilter | None,
        fmt: RecordFormat,
        keep: Matcher | None = None,
        block_size: int = 1 << 20,
        blocks: int = 32,
        retire_ms: int = 50,
    ) -> None:
        self.iface, self.format, self.keep = iface, fmt, keep
        self.kernel = KernelCounters()
        self._skip_outgoing = iface == "lo"  # loopback shows every packet twice: once out, once in
        sock = open_packet_socket(iface)
        try:
            # The filter first, then the ring, then bind: nothing unfiltered is ever queued.
            self.linktype = interface_linktype(iface)
            if bpf is not None or self._skip_outgoing:
                attach_filter(sock, filter_program(bpf, self.linktype, self._skip_outgoing))
            sock.setsockopt(SOL_PACKET, PACKET_VERSION, TPACKET_V3)
            self._ring, self.blocks = self._map(sock, block_size, blocks, retire_ms)
            bind_packet_socket(sock, iface)
        except CaptureSetupError:
            sock.close()
            raise
        except OSError as exc:
            sock.close()
            raise CaptureSetupError(f"cannot capture on {iface}: {exc.strerror or exc}") from None
        self.block_size = block_size
        self._sock: socket.socket | None = sock
        self._view = memoryview(self._ring)
        self._next = 0
        self._poll = select.poll()
        self._poll.register(sock.fileno(), select.POLLIN | select.POLLERR)

    @staticmethod
    def _map(sock: socket.socket, block_size: int, blocks: int, retire_ms: int) -> tuple[mmap.mmap, int]:
        """Ask for the ring, halving it while the kernel cannot find the memory (a small or fragmented machine)."""
        frame = 1 << 11
        while True:
            try:
                sock.setsockopt(
                    SOL_PACKET,
                    PACKET_RX_RING,
                    _REQ3.pack(block_size, blocks, frame, block_size // frame * blocks, retire_ms, 0, 0),
                )
                return mmap.mmap(sock.fileno(), block_size * blocks, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE), blocks
            except OSError:
                if blocks <= 2:
                    raise
                blocks //= 2

    def next_batch(self, timeout: float, limit: int | None = None) -> tuple[bytes, int] | None:
        """The next block's records and how many, or None when none arrived within ``timeout`` seconds.

        ``limit`` caps the packets taken (``--count``); the rest of that block is let go, as
        tcpdump's ``-c`` does.
        """
        if self._sock is None:
            return None
        base = self._next * self.block_size
        view = self._view
        status, count, first = _BLOCK.unpack_from(view, base + _BLOCK_AT)
        if not status & TP_STATUS_USER:
            self._poll.poll(int(timeout * 1000))
            status, count, first = _BLOCK.unpack_from(view, base + _BLOCK_AT)
            if not status & TP_STATUS_USER:
                return None
        if self.keep is not None:
            out, count = self._encode_kept(view, base + first, count, limit)
        else:
            if limit is not None:
                count = min(count, limit)
            encode = self._encode if self.format == "pcapng" else self._encode_pcap
            out = encode(view, base + first, count)
        _STATUS.pack_into(view, base + _BLOCK_AT, TP_STATUS_KERNEL)  # the block goes back to the kernel
        self._next = (self._next + 1) % self.blocks
        return bytes(out), count

    @staticmethod
    def _encode(view: memoryview, at: int, count: int) -> bytearray:
        """pcapng Enhanced Packet Blocks (interface 0, microseconds): the hot loop, kept to a few operations per packet."""
        out = bytearray()
        head, unpack = EPB_HEAD.pack, _PACKET.unpack_from
        tails = epb_tail
        for _ in range(count):
            step, sec, nsec, snap, wire, _status, mac = unpack(view, at)
            micros = sec * 1_000_000 + nsec // 1000
            pad = -snap & 3
            total = 32 + snap + pad
            out += head(6, total, 0, micros >> 32, micros & 0xFFFFFFFF, snap, wire)
            out += view[at + mac : at + mac + snap]
            out += tails[pad](total)
            at += step
        return out

    @staticmethod
    def _encode_pcap(view: memoryview, at: int, count: int) -> bytearray:
        """Classic pcap records (microseconds)."""
        out = bytearray()
        head, unpack = PCAP_HEAD.pack, _PACKET.unpack_from
        for _ in range(count):
            step, sec, nsec, snap, wire, _status, mac = unpack(view, at)
            out += head(sec, nsec // 1000, snap, wire)
            out += view[at + mac : at + mac + snap]
            at += step
        return out

    def _encode_kept(self, view: memoryview, at: int, count: int, limit: int | None) -> tuple[bytearray, int]:
        """Without libpcap: decode each frame and keep what the simple filter matches (slow, but only then)."""
        assert self.keep is not None
        out = bytearray()
        kept = 0
        linktype, keep, fmt = self.linktype, self.keep, self.format
        for _ in range(count):
            if limit is not None and kept >= limit:
                break
            step, sec, nsec, snap, wire, _status, mac = _PACKET.unpack_from(view, at)
            frame = bytes(view[at + mac : at + mac + snap])
            at += step
            if keep(linktype, frame, wire, decode(linktype, frame)):
                out += encode_record(fmt, sec + nsec / 1e9, frame, wire)
                kept += 1
        return out, kept

    def statistics(self) -> KernelCounters:
        """The kernel's counts so far (read now: it counts on while we read)."""
        self.kernel.update(self._sock)
        return self.kernel

    def close(self) -> None:
        if self._sock is None:
            return
        self.kernel.update(self._sock)
        self._poll.unregister(self._sock.fileno())
        self._view.release()
        self._ring.close()
        self._sock.close()
        self._sock = None
