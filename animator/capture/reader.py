"""Read pcap and pcapng files fast, record by record, without scapy.

Why not scapy's ``RawPcapReader``: it makes several small ``read()`` calls per record and
hands back metadata objects; here the file is memory-mapped and each record is one
``struct.unpack_from`` and one slice, which is what lets a 200k-packet capture be read several
times faster than ``tshark`` (see ``benchmarks/bench_import.py``). Full dissection is left to
scapy, and only for the packets a scene will show.

A broken capture never raises out of iteration: whatever is readable is yielded, and each
problem is appended to ``CaptureReader.problems`` as ``"packet N: ..."``. Only a file that
cannot be read at all (missing, empty, not a capture) raises ``CaptureError`` with one line.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

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
        try:
            with open(self.path, "rb") as fh:
                size = fh.seek(0, 2)
                if size == 0:
                    raise CaptureError(f"{self.path}: the file is empty, not a capture")
                self._buf: bytes | mmap.mmap = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except CaptureError:
            raise
        except IsADirectoryError:
            raise CaptureError(f"{self.path}: is a directory, not a capture file") from None
        except FileNotFoundError:
            raise CaptureError(f"{self.path}: no such file") from None
        except (OSError, ValueError) as exc:
            raise CaptureError(f"{self.path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
        head = bytes(self._buf[:4])
        if head in _PCAP_MAGIC:
            self.format = "pcap"
            self._order, self._tick = _PCAP_MAGIC[head]
            if len(self._buf) < 24:
                raise CaptureError(f"{self.path}: truncated pcap header ({len(self._buf)} of 24 bytes)")
            (self._snaplen, network) = struct.unpack_from(self._order + "II", self._buf, 16)
            # The top bits of the link type may hold FCS information; the type is the low 16 bits.
            self.linktypes = [network & 0xFFFF]
        elif head == _PCAPNG_SHB:
            self.format = "pcapng"
            self.linktypes = []
        else:
            raise CaptureError(f"{self.path}: not a pcap or pcapng capture (starts with {head.hex()})")

    def close(self) -> None:
        if isinstance(self._buf, mmap.mmap):
            self._buf.close()

    def __enter__(self) -> CaptureReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[RawRecord]:
        return self._pcap() if self.format == "pcap" else self._pcapng()

    # -- pcap ----------------------------------------------------------------------------
    def _pcap(self) -> Iterator[RawRecord]:
        buf, size = self._buf, len(self._buf)
        header = struct.Struct(self._order + "IIII")
        tick, linktype = self._tick, self.linktypes[0]
        pos, number = 24, 0
        unpack = header.unpack_from
        while pos < size:
            number += 1
            if pos + 16 > size:
                self.problems.append(f"packet {number}: truncated record header (needs 16 bytes, file ends after {size - pos})")
                return
            sec, frac, incl, orig = unpack(buf, pos)
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
            yield RawRecord(number, sec + frac * tick, linktype, buf[pos + 16 : end], orig)
            pos = end

    # -- pcapng --------------------------------------------------------------------------
    def _pcapng(self) -> Iterator[RawRecord]:
        buf, size = self._buf, len(self._buf)
        pos, number = 0, 0
        order = "<"
        # Per interface of the current section: (link type, seconds per tick, offset in seconds).
        ifaces: list[tuple[int, float, float]] = []
        epb = struct.Struct("<IIIII")
        while pos < size:
            if pos + 12 > size:
                self.problems.append(
                    f"packet {number + 1}: truncated block header at byte {pos} (needs 12 bytes, file ends after {size - pos})"
                )
                return
            btype = buf[pos : pos + 4]
            if btype == _PCAPNG_SHB:
                bom = buf[pos + 8 : pos + 12]
                if bom == b"\x4d\x3c\x2b\x1a":
                    order = "<"
                elif bom == b"\x1a\x2b\x3c\x4d":
                    order = ">"
                else:
                    self.problems.append(f"packet {number + 1}: section header at byte {pos} has no byte-order magic; stopping")
                    return
                epb = struct.Struct(order + "IIIII")
                ifaces = []
            block_type, length = struct.unpack_from(order + "II", buf, pos)
            if length < 12 or length % 4 or length > MAX_RECORD + 64:
                self.problems.append(f"packet {number + 1}: block at byte {pos} has an impossible length {length}; stopping")
                return
            if pos + length > size:
                self.problems.append(f"packet {number + 1}: truncated block (needs {length} bytes, file ends after {size - pos})")
                return
            body = pos + 8
            body_end = pos + length - 4
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
    def _iface_options(buf: bytes | mmap.mmap, pos: int, end: int, order: str) -> tuple[float, float]:
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


def describe_problems(problems: list[str], limit: int = 5) -> list[str]:
    """The first ``limit`` problems, then one line counting the rest, so a shredded file does not flood the terminal."""
    shown = problems[:limit]
    if len(problems) > limit:
        shown.append(f"... and {_plural(len(problems) - limit, 'more problem')}")
    return shown
