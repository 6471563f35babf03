"""``packetstage capture``, headless: packets from a ring straight into a capture file, in bounded memory.

The pieces: ``ring.PacketRing`` reads whole blocks of packets the kernel wrote into shared
memory and encodes them as file records; ``stream.BoundedWriter`` writes them on a thread
behind a bounded queue; ``pump`` moves batches from one to the other until ``--count``,
``--duration``, or a stop request (Ctrl+C, SIGTERM, SIGHUP: ``stop_on_signals``), then reports
tcpdump's figures (``stream.CaptureCounts``). Memory is the ring plus the queue, whatever
the traffic or the duration; the file grows instead.

``pump`` takes any ``BatchSource``, so the tests drive it with a replayed stream of packets and
a disk that stalls, without capture rights or timing.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from animator.capture.sockets import KernelCounters, prepare_filter
from animator.capture.stream import BoundedWriter, CaptureCounts, file_header, format_for

#: How long a batch may be waited for before the clock, the stop flag and the progress are looked at again.
POLL_S = 0.1


class BatchSource(Protocol):
    """Where ``pump`` takes records from: ``ring.PacketRing``, or a test's replay."""

    linktype: int

    def next_batch(self, timeout: float, limit: int | None = None) -> tuple[bytes, int] | None: ...

    def statistics(self) -> KernelCounters: ...

    def close(self) -> None: ...


def pump(
    source: BatchSource,
    writer: BoundedWriter,
    *,
    count: int | None = None,
    duration: float | None = None,
    stop: threading.Event | None = None,
    progress: Callable[[int], None] | None = None,
    final_wait: float = 0.1,
) -> CaptureCounts:
    """Move batches from ``source`` into ``writer`` until ``count`` packets, ``duration`` seconds or ``stop``.

    When time or a stop request ends the capture, the blocks that are ready are still taken
    (waiting at most ``final_wait`` for the kernel to hand over a half-filled one), so the
    last moments before the stop are in the file. Closes the writer; its error, if any, is raised.
    """
    deadline = time.monotonic() + duration if duration else None
    taken = 0
    shown = 0.0
    try:
        while stop is None or not stop.is_set():
            if count is not None and taken >= count:
                break
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                break
            wait = POLL_S if deadline is None else min(POLL_S, deadline - now)
            got = source.next_batch(wait, None if count is None else count - taken)
            if got is not None:
                taken += got[1]
                writer.put(*got)
            if writer.error is not None:
                break
            if progress is not None and now - shown >= 0.25:
                shown = now
                progress(taken - writer.dropped)
        if count is None or taken < count:
            for _ in range(64):  # the blocks already full, and the one being filled at the stop
                got = source.next_batch(final_wait, None if count is None else count - taken)
                if got is None or writer.error is not None:
                    break
                taken += got[1]
                writer.put(*got)
        kernel = source.statistics()
    finally:
        writer.close()
    return CaptureCounts(writer.written, kernel.received, kernel.dropped, writer.dropped)


@dataclass
class CaptureRun:
    """The outcome of ``capture_to_file``: the counts, and a remark for the user (e.g. how the filter ran)."""

    counts: CaptureCounts
    notice: str = ""


def capture_to_file(
    iface: str,
    capture_filter: str | None,
    path: Path,
    *,
    count: int | None = None,
    duration: float | None = None,
    stop: threading.Event | None = None,
    progress: Callable[[int], None] | None = None,
    queue_bytes: int = 32 << 20,
) -> CaptureRun:
    """Capture ``iface`` into ``path`` (pcap for a .pcap name, else pcapng) as the packets arrive.

    ``path`` is written in place: give it a temporary (``files.atomic_path``) and rename it once
    this returns. Raises ``CaptureSetupError`` when capturing cannot start, ``OSError`` when
    the file cannot be written.
    """
    from animator.capture.ring import PacketRing

    bpf, keep, notice = prepare_filter(capture_filter)
    fmt = format_for(path)
    ring = PacketRing(iface, bpf, fmt, keep=keep)
    try:
        with open(path, "wb") as file:
            file.write(file_header(fmt, iface, ring.linktype))
            file.flush()  # a valid (empty) capture from the start: readers, and whoever waits for the capture to be ready
            writer = BoundedWriter(file, queue_bytes)
            counts = pump(ring, writer, count=count, duration=duration, stop=stop, progress=progress)
    finally:
        ring.close()
    return CaptureRun(counts, notice)


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """While the block runs, Ctrl+C, SIGTERM and SIGHUP set ``stop`` instead of killing the process.

    The capture then ends as if its time were up: the file is complete and renamed into place,
    and the counts are printed. Outside the main thread (where Python cannot set handlers)
    nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [signal.SIGINT, signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous = {signum: signal.signal(signum, lambda *_: stop.set()) for signum in wanted}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
