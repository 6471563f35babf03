"""Read pcap and pcapng files fast, record by record, without scapy.

Why not scapy's ``RawPcapReader``: it makes several small ``read()`` calls per record and
hands back metadata objects; here the file is read in large pieces and each record is one
``struct.unpack_from`` and one slice, which is what lets a 200k-packet capture be read several
times faster than ``tshark`` (see ``benchmarks/bench_import.py``). Full dissection is left to
scapy, and only for the packets a scene will show.

Why not ``mmap``: a file that shrinks while it is mapped (a capture still being rotated or cut
by another program) turns the next access past its new end into SIGBUS, which kills the
process. Plain ``read()`` just returns less, and the short file is reported like any other
truncated capture. Pieces of ``_CHUNK`` bytes keep memory bounded for captures of gigabytes.

A broken capture never raises out of iteration: whatever is readable is yielded, and each
problem is appended to ``CaptureReader.problems`` as ``"packet N: ..."``. Only a file that
cannot be read at all (missing, empty, not a capture) raises ``CaptureError`` with one line.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

from animator.files import NotRegularFileError, open_regular_file

# Link-layer header types (https://www.tcpdump.org/linktypes.html) this module decodes.
LINKTYPE_NULL = 0  # BSD loopback: a 4-byte address family in the capturing host's byte order
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101  # raw IPv4 or IPv6, told apart by the version nibble
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276
LINKTYPE_NAMES = {
    LINKTYPE_NULL: "BSD loopback",
    LINKTYPE_ETHERNET: "Ethernet",
    LINKTYPE_RAW: "raw IP",
    12: "raw IP",
    14: "raw IP",
    LINKTYPE_LINUX_SLL: "Linux cooked (SLL)",
    LINKTYPE_IPV4: "raw IPv4",
    LINKTYPE_IPV6: "raw IPv6",
    LINKTYPE_LINUX_SLL2: "Linux cooked v2 (SLL2)",
}

#: A record bigger than this is taken as corruption, not data (tcpdump's own ceiling is 256 KiB).
MAX_RECORD = 1 << 18

_PCAP_MAGIC = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
    b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
    b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}
_PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"
#: Bytes read at a time; always far more than one record (``MAX_RECORD``).
_CHUNK = 16 << 20


class CaptureError(Exception):
    """The file cannot be read as a capture at all; the message is one line for the user."""


class RawRecord(NamedTuple):
    """One captured frame as stored: ``number`` counts from 1 like Wireshark's "No." column."""

    number: int
    time: float
    linktype: int
    data: bytes
    wire_len: int


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class CaptureReader:
    """Iterate the records of one pcap or pcapng file; see the module docstring for the error rules."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.problems: list[str] = []
        #: Packet records read successfully so far (and in total once iteration has finished).
        self.count = 0
        self._fh: BinaryIO | None = None
        try:
            fh = open_regular_file(self.path)
        except IsADirectoryError:
            raise CaptureError(f"{self.path}: is a directory, not a capture file") from None
        except FileNotFoundError:
            raise CaptureError(f"{self.path}: no such file") from None
        except NotRegularFileError:
            raise CaptureError(f"{self.path}: not a regular file") from None
        except (OSError, ValueError) as exc:
            raise CaptureError(f"{self.path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
        try:
            #: The first piece of the file; when it is shorter than ``_CHUNK`` it is the whole file.
            self._head = fh.read(_CHUNK)
        except OSError as exc:
            fh.close()
            raise CaptureError(f"{self.path}: cannot read: {exc.strerror or exc}") from None
        if len(self._head) < _CHUNK:
            fh.close()  # all of it is in memory: no descriptor left open by a reader nobody closes
        else:
            self._fh = fh
        if not self._head:
            raise CaptureError(f"{self.path}: the file is empty, not a capture")
        head = self._head[:4]
        if head in _PCAP_MAGIC:
            self.format = "pcap"
            self._order, self._tick = _PCAP_MAGIC[head]
            if len(self._head) < 24:
                self.close()
                raise CaptureError(f"{self.path}: truncated pcap header ({len(self._head)} of 24 bytes)")
            (self._snaplen, network) = struct.unpack_from(self._order + "II", self._head, 16)
            # The top bits of the link type may hold FCS information; the type is the low 16 bits.
            self.linktypes = [network & 0xFFFF]
        elif head == _PCAPNG_SHB:
            self.format = "pcapng"
            self.linktypes = []
        else:
            self.close()
            raise CaptureError(f"{self.path}: not a pcap or pcapng capture (starts with {head.hex()})")

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> CaptureReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[RawRecord]:
        return self._walk(self._pcap_records if self.format == "pcap" else self._pcapng_blocks)

    def _walk(self, records: Callable[[_Window], Iterator[RawRecord]]) -> Iterator[RawRecord]:
        """One pass over the file's records, closing the window however the pass ends."""
        window = self._window()
        try:
            yield from records(window)
        finally:
            window.close()

    def _window(self) -> _Window:
        """The file from its start, for one pass over the records (a second pass reopens it)."""
        if len(self._head) < _CHUNK:
            return _Window(None, self._head)
        fh, self._fh = self._fh, None
        if fh is None:
            try:
                fh = open_regular_file(self.path)
            except OSError as exc:
                raise CaptureError(f"{self.path}: cannot read: {exc.strerror or exc}") from None
        fh.seek(len(self._head))
        return _Window(fh, self._head)

    # -- pcap ----------------------------------------------------------------------------
    def _pcap_records(self, window: _Window) -> Iterator[RawRecord]:
        header = struct.Struct(self._order + "IIII")
        tick, linktype = self._tick, self.linktypes[0]
        pos, number = 24, 0
        unpack = header.unpack_from
        need = 16 + MAX_RECORD  # any record the checks below accept fits in the window
        buf, base, size = window.buf, window.base, window.end
        while True:
            if pos + need > size and not window.eof:
                buf, base, size = window.slide(pos, need)
            if pos >= size:
                return
            number += 1
            if pos + 16 > size:
                self.problems.append(f"packet {number}: truncated record header (needs 16 bytes, file ends after {size - pos})")
                return
            sec, frac, incl, orig = unpack(buf, pos - base)
            if incl > MAX_RECORD:
                self.problems.append(
                    f"packet {number}: record claims {incl:,} bytes, more than any real frame; the rest of the file is unreadable"
                )
                return
            end = pos + 16 + incl
            if end > size:
                self.problems.append(f"packet {number}: truncated record (needs {incl} bytes, file ends after {size - pos - 16})")
                return
            self.count += 1
            yield RawRecord(number, sec + frac * tick, linktype, buf[pos - base + 16 : end - base], orig)
            pos = end

    # -- pcapng --------------------------------------------------------------------------
    def _pcapng_blocks(self, window: _Window) -> Iterator[RawRecord]:
        pos, number = 0, 0
        order = "<"
        # Per interface of the current section: (link type, seconds per tick, offset in seconds).
        ifaces: list[tuple[int, float, float]] = []
        epb = struct.Struct("<IIIII")
        need = MAX_RECORD + 64  # the longest block accepted below
        buf, base, size = window.buf, window.base, window.end
        while True:
            if pos + need > size and not window.eof:
                buf, base, size = window.slide(pos, need)
            if pos >= size:
                return
            if pos + 12 > size:
                self.problems.append(
                    f"packet {number + 1}: truncated block header at byte {pos} (needs 12 bytes, file ends after {size - pos})"
                )
                return
            at = pos - base  # where the block starts in the window
            btype = buf[at : at + 4]
            if btype == _PCAPNG_SHB:
                bom = buf[at + 8 : at + 12]
                if bom == b"\x4d\x3c\x2b\x1a":
                    order = "<"
                elif bom == b"\x1a\x2b\x3c\x4d":
                    order = ">"
                else:
                    self.problems.append(f"packet {number + 1}: section header at byte {pos} has no byte-order magic; stopping")
                    return
                epb = struct.Struct(order + "IIIII")
                ifaces = []
            block_type, length = struct.unpack_from(order + "II", buf, at)
            if length < 12 or length % 4 or length > MAX_RECORD + 64:
                self.problems.append(f"packet {number + 1}: block at byte {pos} has an impossible length {length}; stopping")
                return
            if pos + length > size:
                self.problems.append(f"packet {number + 1}: truncated block (needs {length} bytes, file ends after {size - pos})")
                return
            body = at + 8
            body_end = at + length - 4
            if block_type == 6:  # Enhanced Packet Block
                number += 1
                if body_end - body < 20:
                    self.problems.append(f"packet {number}: enhanced packet block too short ({length} bytes)")
                else:
                    iface, hi, lo, cap, orig = epb.unpack_from(buf, body)
                    if iface >= len(ifaces):
                        described = len(ifaces)
                        self.problems.append(f"packet {number}: refers to interface {iface}, but only {described} are described")
                    elif body + 20 + cap > body_end:
                        self.problems.append(
                            f"packet {number}: truncated record (needs {cap} bytes, block holds {body_end - body - 20})"
                        )
                    else:
                        linktype, tick, offset = ifaces[iface]
                        self.count += 1
                        stamp = ((hi << 32) | lo) * tick + offset
                        yield RawRecord(number, stamp, linktype, buf[body + 20 : body + 20 + cap], orig)
            elif block_type == 3:  # Simple Packet Block: interface 0, no timestamp
                number += 1
                if not ifaces or body_end - body < 4:
                    self.problems.append(f"packet {number}: simple packet block without an interface or too short")
                else:
                    (orig,) = struct.unpack_from(order + "I", buf, body)
                    cap = min(orig, body_end - body - 4)
                    self.count += 1
                    yield RawRecord(number, 0.0, ifaces[0][0], buf[body + 4 : body + 4 + cap], orig)
            elif block_type == 2:  # obsolete Packet Block
                number += 1
                if body_end - body < 20:
                    self.problems.append(f"packet {number}: packet block too short ({length} bytes)")
                else:
                    iface, _drops, hi, lo, cap, orig = struct.unpack_from(order + "HHIIII", buf, body)
                    if iface >= len(ifaces) or body + 20 + cap > body_end:
                        self.problems.append(f"packet {number}: packet block with a bad interface or length")
                    else:
                        linktype, tick, offset = ifaces[iface]
                        self.count += 1
                        stamp = ((hi << 32) | lo) * tick + offset
                        yield RawRecord(number, stamp, linktype, buf[body + 20 : body + 20 + cap], orig)
            elif block_type == 1:  # Interface Description Block
                if body_end - body < 8:
                    self.problems.append(f"packet {number + 1}: interface description block too short; its packets are skipped")
                    ifaces.append((-1, 1e-6, 0.0))
                else:
                    linktype = struct.unpack_from(order + "H", buf, body)[0]
                    tick, offset = self._iface_options(buf, body + 8, body_end, order)
                    ifaces.append((linktype, tick, offset))
                    if linktype not in self.linktypes:
                        self.linktypes.append(linktype)
            pos += length

    @staticmethod
    def _iface_options(buf: bytes, pos: int, end: int, order: str) -> tuple[float, float]:
        """``if_tsresol`` and ``if_tsoffset``: the two options that change what a timestamp means."""
        tick, offset = 1e-6, 0.0
        while pos + 4 <= end:
            code, length = struct.unpack_from(order + "HH", buf, pos)
            if code == 0:
                break
            value = pos + 4
            if value + length > end:
                break
            if code == 9 and length >= 1:
                res = buf[value]
                tick = 2.0 ** -(res & 0x7F) if res & 0x80 else 10.0**-res
            elif code == 14 and length >= 8:
                offset = float(struct.unpack_from(order + "q", buf, value)[0])
            pos = value + ((length + 3) & ~3)
        return tick, offset


class _Window:
    """The part of the file a parser is looking at: ``buf`` holds bytes ``base`` to ``end`` of the file.

    Parsers keep absolute file positions (error messages quote them) and subtract ``base``
    to index ``buf``. ``slide`` moves the window forward when a record might cross its end.
    """

    def __init__(self, fh: BinaryIO | None, head: bytes) -> None:
        self.fh, self.buf, self.base = fh, head, 0
        self.eof = fh is None

    @property
    def end(self) -> int:
        return self.base + len(self.buf)

    def slide(self, pos: int, need: int) -> tuple[bytes, int, int]:
        """Keep bytes from ``pos`` on and read until ``need`` of them are held or the file ends.

        A file cut short meanwhile just makes ``read`` return less: the parser then reports a
        truncated record, where a memory map would have died of SIGBUS.
        """
        assert self.fh is not None
        kept = self.buf[pos - self.base :]
        want = max(_CHUNK, need - len(kept))
        try:
            more = self.fh.read(want)
        except OSError:
            more = b""
        if len(more) < want:
            self.close()
        self.buf, self.base = kept + more, pos
        return self.buf, self.base, self.end

    def close(self) -> None:
        self.eof = True
        if self.fh is not None:
            self.fh.close()
            self.fh = None


def describe_problems(problems: list[str], limit: int = 5) -> list[str]:
    """The first ``limit`` problems, then one line counting the rest, so a shredded file does not flood the terminal."""
    shown = problems[:limit]
    if len(problems) > limit:
        shown.append(f"... and {_plural(len(problems) - limit, 'more problem')}")
    return shown
