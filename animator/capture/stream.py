"""Captured packets go to disk as they come: file records, a bounded queue, a writer thread, the end-of-capture counts.

Why a queue and a thread between the reader and the file: a disk that stalls (a USB stick, a
network folder, a full page cache being flushed) must not stop the reader from giving ring
blocks back to the kernel, or the kernel drops packets for a reason that has nothing to do
with the network. Why a *bounded* one: the old capture kept every packet in a list and grew to
1.17 GB in 20 s of flood. Here at most ``capacity`` bytes wait; when the disk is that far
behind, whole batches are thrown away and counted as "dropped by PacketStage (queue full)", a
figure distinct from the kernel's own drops (the reader too slow), so the summary says which
side could not keep up.

The writer flushes each batch to the operating system as it goes, so whatever stops the
capture (Ctrl+C, SIGTERM, the end of ``--duration``) finds everything captured already in the
file; the caller then renames it into place (``files.atomic_path``).
"""

from __future__ import annotations

import os
import struct
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from animator.packets.pcapng import SNAPLEN, interface, section_header

RecordFormat = Literal["pcap", "pcapng"]
#: pcapng Enhanced Packet Block up to its data: type, length, interface, time high, time low, captured, on the wire.
EPB_HEAD = struct.Struct("<7I")
#: Padding to 4 bytes and the repeated block length, by padding size.
epb_tail = tuple(struct.Struct(f"<{pad}xI").pack for pad in range(4))
#: Classic pcap record header: seconds, microseconds, captured, on the wire.
PCAP_HEAD = struct.Struct("<IIII")


def format_for(path: str | os.PathLike[str]) -> RecordFormat:
    """pcapng unless the name ends in .pcap (classic pcap has one link type and no interface names)."""
    return "pcap" if Path(path).suffix.lower() == ".pcap" else "pcapng"


def file_header(fmt: RecordFormat, iface: str, linktype: int) -> bytes:
    """What a capture file starts with: pcapng's section and interface blocks (named ``iface``), or pcap's header."""
    if fmt == "pcapng":
        return section_header() + interface(iface, linktype=linktype)
    return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN, linktype)


def encode_record(fmt: RecordFormat, time: float, frame: bytes, wire_len: int | None = None) -> bytes:
    """One packet as a record of ``fmt`` (interface 0, microseconds); the ring encodes whole blocks the same way."""
    micros = round(time * 1_000_000)
    wire = len(frame) if wire_len is None else wire_len
    if fmt == "pcap":
        return PCAP_HEAD.pack(micros // 1_000_000, micros % 1_000_000, len(frame), wire) + frame
    pad = -len(frame) & 3
    total = 32 + len(frame) + pad
    return EPB_HEAD.pack(6, total, 0, micros >> 32, micros & 0xFFFFFFFF, len(frame), wire) + frame + epb_tail[pad](total)


@dataclass
class CaptureCounts:
    """The end-of-capture figures, in tcpdump's words, plus the queue this program adds."""

    captured: int = 0  # written to the file
    received: int = 0  # accepted by the filter, as the kernel counts them (including its drops)
    kernel_dropped: int = 0
    queue_dropped: int = 0  # dropped by PacketStage: the writer's queue was full (the disk was behind)

    def summary(self) -> str:
        def n(count: int, word: str) -> str:
            return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"

        return (
            f"{n(self.captured, 'packet')} captured, {self.received:,} received by filter, "
            f"{n(self.kernel_dropped, 'packet')} dropped by kernel, {self.queue_dropped:,} dropped by PacketStage (queue full)"
        )


class BoundedWriter:
    """Write batches of records to ``file`` on a thread; at most ``capacity`` bytes wait, the rest is counted as dropped.

    ``put`` never blocks the reader. ``close`` writes what is queued, flushes and syncs; an
    error while writing (a full disk) stops the writer, is kept in ``error``, and makes every
    later ``put`` refuse at once so the caller can stop the capture and say why.
    """

    def __init__(self, file: BinaryIO, capacity: int = 32 << 20) -> None:
        self.file = file
        self.capacity = capacity
        self.written = 0  # packets in the file (writer thread only)
        self.dropped = 0  # packets refused because the queue was full (reader side only)
        self.error: OSError | None = None
        self._queue: deque[tuple[bytes, int]] = deque()
        self._queued_bytes = 0
        self._closing = False
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="capture-writer", daemon=True)
        self._thread.start()

    @property
    def queued_bytes(self) -> int:
        return self._queued_bytes

    def put(self, batch: bytes, packets: int) -> bool:
        """Queue ``batch`` (``packets`` records) for the file; False when it was dropped (queue full, or the writer failed)."""
        with self._ready:
            if self.error is not None or self._queued_bytes + len(batch) > self.capacity:
                self.dropped += packets
                return False
            self._queue.append((batch, packets))
            self._queued_bytes += len(batch)
            self._ready.notify()
        return True

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._queue and not self._closing:
                    self._ready.wait()
                if not self._queue:
                    return
                batch, packets = self._queue.popleft()
            try:
                self.file.write(batch)
                self.file.flush()  # in the operating system's hands now: an interrupted capture keeps it
            except OSError as exc:
                with self._ready:
                    self.error = exc
                    self.dropped += packets + sum(n for _b, n in self._queue)
                    self._queue.clear()
                    self._queued_bytes = 0
                return
            with self._ready:
                self._queued_bytes -= len(batch)
            self.written += packets

    def close(self) -> None:
        """Write everything queued, then flush and sync; raises the writer's error, if it had one."""
        with self._ready:
            self._closing = True
            self._ready.notify()
        self._thread.join()
        if self.error is not None:
            raise self.error
        self.file.flush()
        os.fsync(self.file.fileno())
