"""A minimal pcapng writer: one interface per link, named after it, so Wireshark shows where each packet was.

scapy's ``PcapNgWriter`` writes a single interface without a name, and classic pcap has no
interfaces at all; the format (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-03.html)
is three small blocks, so it is written here directly.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Sequence
from typing import Any

from animator.files import atomic_path

LINKTYPE_ETHERNET = 1
SNAPLEN = 262144  # what tcpdump and Wireshark use
_SHB, _IDB, _EPB = 0x0A0D0D0A, 0x00000001, 0x00000006
_OPT_END, _SHB_USERAPPL, _IF_NAME, _IF_DESCRIPTION, _IF_TSRESOL = 0, 4, 2, 3, 9


def _pad(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % 4)


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + _pad(value)


def _block(kind: int, body: bytes) -> bytes:
    total = 12 + len(body)
    return struct.pack("<II", kind, total) + body + struct.pack("<I", total)


def section_header(application: str = "PacketStage") -> bytes:
    options = _option(_SHB_USERAPPL, application.encode("utf-8")) + _option(_OPT_END, b"")
    return _block(_SHB, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + options)


def interface(name: str, description: str = "", linktype: int = LINKTYPE_ETHERNET) -> bytes:
    options = _option(_IF_NAME, name.encode("utf-8"))
    if description:
        options += _option(_IF_DESCRIPTION, description.encode("utf-8"))
    options += _option(_IF_TSRESOL, b"\x06") + _option(_OPT_END, b"")
    return _block(_IDB, struct.pack("<HHI", linktype, 0, SNAPLEN) + options)


def packet(interface_id: int, time: float, frame: bytes) -> bytes:
    micros = round(time * 1_000_000)
    body = struct.pack("<IIIII", interface_id, micros >> 32, micros & 0xFFFFFFFF, len(frame), len(frame)) + _pad(frame)
    return _block(_EPB, body)


def write_pcapng(
    path: str | os.PathLike[str],
    interfaces: Sequence[str],
    records: Iterable[tuple[int, float, bytes]],
    descriptions: Sequence[str] = (),
) -> int:
    """Write the file (atomically: a failed export leaves no half-written file); return the packet count.

    ``records`` are ``(interface index, seconds, Ethernet frame)``; timestamps have microsecond
    resolution and must not be negative. ``descriptions`` (optional, per interface) become
    if_description, which Wireshark shows beside the name.
    """
    blocks = [section_header()]
    for i, name in enumerate(interfaces):
        blocks.append(interface(name, descriptions[i] if i < len(descriptions) else ""))
    return _write(path, blocks, records, len(interfaces), packet)


def write_pcap(path: str | os.PathLike[str], records: Iterable[tuple[int, float, bytes]]) -> int:
    """Classic libpcap: for tools that predate pcapng. It has no interfaces, so link names are lost."""
    header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN, LINKTYPE_ETHERNET)

    def record(index: int, time: float, frame: bytes) -> bytes:
        micros = round(time * 1_000_000)
        return struct.pack("<IIII", micros // 1_000_000, micros % 1_000_000, len(frame), len(frame)) + frame

    return _write(path, [header], records, None, record)


def _write(
    path: str | os.PathLike[str],
    head: list[bytes],
    records: Iterable[tuple[int, float, bytes]],
    interfaces: int | None,
    encode: Any,
) -> int:
    count = 0
    # All or nothing: a bad record or a full disk leaves no file and an old one untouched.
    with atomic_path(path) as tmp, open(tmp, "wb") as out:
        out.writelines(head)
        for index, time, frame in records:
            if interfaces is not None and not 0 <= index < interfaces:
                raise ValueError(f"packet {count + 1}: interface {index} does not exist ({interfaces} interfaces)")
            if time < 0:
                raise ValueError(f"packet {count + 1}: negative timestamp {time}")
            out.write(encode(index, time, bytes(frame)))
            count += 1
    return count
