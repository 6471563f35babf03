"""Finding the transport header in a frame's bytes, without scapy.

The timeline classifies every real packet of a scene once and the TCP graph reads every segment
of its connection; a scapy dissection costs about a millisecond a frame, this a few microseconds.
Ethernet with 802.1Q/802.1ad tags, then IPv4 or IPv6 without extension headers: what the
simulator writes.
"""

from __future__ import annotations

from typing import NamedTuple


class IpPayload(NamedTuple):
    """Where an IP packet's payload lies in its frame, and who sent it to whom (raw address bytes)."""

    #: The IP protocol number (6 TCP, 17 UDP).
    proto: int
    #: The offset of the transport header.
    start: int
    #: The offset just past the IP packet: Ethernet pads short frames, the IP length says where data ends.
    end: int
    src: bytes
    dst: bytes


def ip_payload(frame: bytes) -> IpPayload | None:
    """The IP payload's place in an Ethernet frame, or None for anything but IPv4 and IPv6."""
    try:
        ethertype, at = int.from_bytes(frame[12:14], "big"), 14
        while ethertype in (0x8100, 0x88A8):
            ethertype, at = int.from_bytes(frame[at + 2 : at + 4], "big"), at + 4
        if ethertype == 0x0800:
            end = at + int.from_bytes(frame[at + 2 : at + 4], "big")
            return IpPayload(frame[at + 9], at + (frame[at] & 0x0F) * 4, end, frame[at + 12 : at + 16], frame[at + 16 : at + 20])
        if ethertype == 0x86DD:
            end = at + 40 + int.from_bytes(frame[at + 4 : at + 6], "big")
            return IpPayload(frame[at + 6], at + 40, end, frame[at + 8 : at + 24], frame[at + 24 : at + 40])
    except IndexError:
        return None
    return None
