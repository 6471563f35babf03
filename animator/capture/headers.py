"""Decode the common headers of a captured frame with ``struct``: link layer, IPv4/IPv6, TCP/UDP/ICMP.

This is the per-packet hot path of importing and of the live view: one function call per frame,
no objects beyond one ``Headers`` tuple, no scapy. Everything a filter, a host list, a
conversation table or a caption needs is here; the rest of a frame is dissected by scapy only
when a packet is shown. A frame too short for a header it announces is decoded as far as it
goes and ``problem`` says what was cut, so a truncated frame still counts for its addresses.
"""

from __future__ import annotations

import socket
import struct
from typing import NamedTuple

from animator.capture.reader import (
    LINKTYPE_ETHERNET,
    LINKTYPE_IPV4,
    LINKTYPE_IPV6,
    LINKTYPE_LINUX_SLL,
    LINKTYPE_LINUX_SLL2,
    LINKTYPE_NULL,
    LINKTYPE_RAW,
)

ETH_IPV4 = 0x0800
ETH_ARP = 0x0806
ETH_IPV6 = 0x86DD
_VLAN = (0x8100, 0x88A8, 0x9100)
PROTO_ICMP = 1
PROTO_TCP = 6
PROTO_UDP = 17
PROTO_ICMPV6 = 58
_IPV6_EXTENSIONS = (0, 43, 60)  # hop-by-hop, routing, destination options: skipped to find TCP/UDP
_IPV6_FRAGMENT = 44

# TCP flag bits
FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20

_FLAG_ORDER = ((SYN, "SYN"), (FIN, "FIN"), (RST, "RST"), (PSH, "PSH"), (URG, "URG"), (ACK, "ACK"))
_H = struct.Struct("!H")
_TCP = struct.Struct("!HHIIBB")
_UDP = struct.Struct("!HH")
_ntoa = socket.inet_ntoa
_ntop = socket.inet_ntop
_AF6 = socket.AF_INET6
_NULL_FAMILIES_V6 = (10, 24, 28, 30)  # AF_INET6 on Linux, NetBSD/OpenBSD, FreeBSD, macOS


class Headers(NamedTuple):
    """What the fast path knows about one frame. Ports are 0 without TCP/UDP; for ICMP they hold type and code."""

    ethertype: int  # 0x0800, 0x86dd, 0x0806 (ARP: src/dst are the sender/target IPs), other, or 0 if unknown
    src: str
    dst: str
    proto: int  # IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6), 0 for none
    sport: int
    dport: int
    flags: int  # TCP flags
    seq: int
    ack: int
    ip_offset: int  # where the network-layer header starts in the frame (-1: none)
    payload_offset: int  # where the TCP/UDP payload starts
    payload_len: int  # the payload's length on the wire (by the IP length), which may exceed what was captured
    mac_src: bytes
    mac_dst: bytes
    problem: str


def _none(ethertype: int, problem: str = "", mac_src: bytes = b"", mac_dst: bytes = b"") -> Headers:
    return Headers(ethertype, "", "", 0, 0, 0, 0, 0, 0, -1, 0, 0, mac_src, mac_dst, problem)


def decode(linktype: int, data: bytes) -> Headers:
    """The headers of one frame of ``linktype``; never raises (short frames set ``problem``)."""
    n = len(data)
    mac_src = mac_dst = b""
    if linktype == LINKTYPE_ETHERNET:
        if n < 14:
            return _none(0, f"truncated Ethernet header ({n} of 14 bytes)")
        mac_dst, mac_src = data[0:6], data[6:12]
        ethertype = (data[12] << 8) | data[13]
        off = 14
        while ethertype in _VLAN:
            if n < off + 4:
                return _none(ethertype, "truncated VLAN tag", mac_src, mac_dst)
            ethertype = (data[off + 2] << 8) | data[off + 3]
            off += 4
    elif linktype == LINKTYPE_LINUX_SLL:
        if n < 16:
            return _none(0, f"truncated Linux cooked header ({n} of 16 bytes)")
        alen = min((data[4] << 8) | data[5], 8)
        mac_src = data[6 : 6 + alen] if alen == 6 else b""
        ethertype = (data[14] << 8) | data[15]
        off = 16
    elif linktype == LINKTYPE_LINUX_SLL2:
        if n < 20:
            return _none(0, f"truncated Linux cooked v2 header ({n} of 20 bytes)")
        ethertype = (data[0] << 8) | data[1]
        mac_src = data[12:18] if data[11] == 6 else b""
        off = 20
    elif linktype in (LINKTYPE_RAW, 12, 14, LINKTYPE_IPV4, LINKTYPE_IPV6):
        if n < 1:
            return _none(0, "empty frame")
        ethertype = ETH_IPV4 if data[0] >> 4 == 4 else ETH_IPV6 if data[0] >> 4 == 6 else 0
        off = 0
    elif linktype == LINKTYPE_NULL:
        if n < 4:
            return _none(0, f"truncated loopback header ({n} of 4 bytes)")
        family = int.from_bytes(data[:4], "little")
        if family > 0xFFFF:
            family = int.from_bytes(data[:4], "big")
        ethertype = ETH_IPV4 if family == 2 else ETH_IPV6 if family in _NULL_FAMILIES_V6 else 0
        off = 4
    else:
        return _none(0, f"link type {linktype} is not decoded")

    ms, md = mac_src, mac_dst
    if ethertype == ETH_IPV4:
        if n < off + 20:
            return _none(ethertype, f"truncated IPv4 header ({n - off} of 20 bytes)", mac_src, mac_dst)
        ihl = (data[off] & 15) * 4
        total = (data[off + 2] << 8) | data[off + 3]
        proto = data[off + 9]
        src = _ntoa(data[off + 12 : off + 16])
        dst = _ntoa(data[off + 16 : off + 20])
        fragment_offset = ((data[off + 6] & 0x1F) << 8) | data[off + 7]
        l4 = off + ihl
        l4_len = total - ihl
        if ihl < 20 or fragment_offset:
            return Headers(ethertype, src, dst, proto, 0, 0, 0, 0, 0, off, l4, max(l4_len, 0), ms, md, "")
    elif ethertype == ETH_IPV6:
        if n < off + 40:
            return _none(ethertype, f"truncated IPv6 header ({n - off} of 40 bytes)", mac_src, mac_dst)
        proto = data[off + 6]
        l4_len = (data[off + 4] << 8) | data[off + 5]
        src = _ntop(_AF6, data[off + 8 : off + 24])
        dst = _ntop(_AF6, data[off + 24 : off + 40])
        l4 = off + 40
        while proto in _IPV6_EXTENSIONS or proto == _IPV6_FRAGMENT:
            if n < l4 + 8:
                return Headers(ethertype, src, dst, proto, 0, 0, 0, 0, 0, off, l4, 0, ms, md, "truncated IPv6 extension header")
            size = 8 if proto == _IPV6_FRAGMENT else (data[l4 + 1] + 1) * 8
            later_fragment = proto == _IPV6_FRAGMENT and ((data[l4 + 2] << 8) | data[l4 + 3]) & 0xFFF8
            proto = data[l4]
            l4 += size
            l4_len -= size
            if later_fragment:
                return Headers(ethertype, src, dst, proto, 0, 0, 0, 0, 0, off, l4, max(l4_len, 0), ms, md, "")
    elif ethertype == ETH_ARP:
        if n < off + 28:
            return _none(ethertype, f"truncated ARP message ({n - off} of 28 bytes)", mac_src, mac_dst)
        op = (data[off + 6] << 8) | data[off + 7]
        return Headers(
            ethertype, _ntoa(data[off + 14 : off + 18]), _ntoa(data[off + 24 : off + 28]),
            0, op, 0, 0, 0, 0, off, off + 28, 0, mac_src, mac_dst, "",
        )  # fmt: skip
    else:
        return _none(ethertype, "", mac_src, mac_dst)

    if proto == PROTO_TCP:
        if n < l4 + 20:
            return Headers(ethertype, src, dst, proto, 0, 0, 0, 0, 0, off, l4, 0, ms, md, "truncated TCP header")
        sport, dport, seq, ack, doff, flags = _TCP.unpack_from(data, l4)
        hlen = (doff >> 4) * 4
        return Headers(
            ethertype, src, dst, proto, sport, dport, flags, seq, ack, off, l4 + hlen, max(l4_len - hlen, 0), ms, md, ""
        )
    if proto == PROTO_UDP:
        if n < l4 + 8:
            return Headers(ethertype, src, dst, proto, 0, 0, 0, 0, 0, off, l4, 0, ms, md, "truncated UDP header")
        sport, dport = _UDP.unpack_from(data, l4)
        return Headers(ethertype, src, dst, proto, sport, dport, 0, 0, 0, off, l4 + 8, max(l4_len - 8, 0), ms, md, "")
    if proto in (PROTO_ICMP, PROTO_ICMPV6) and n >= l4 + 2:
        return Headers(ethertype, src, dst, proto, data[l4], data[l4 + 1], 0, 0, 0, off, l4 + 4, max(l4_len - 4, 0), ms, md, "")
    return Headers(ethertype, src, dst, proto, 0, 0, 0, 0, 0, off, l4, max(l4_len, 0), ms, md, "")


def as_ethernet(linktype: int, data: bytes, headers: Headers) -> bytes:
    """The frame with an Ethernet header in front, as scene ``frame:`` values and the inspector expect.

    Linux cooked and raw-IP captures carry no destination MAC; the stand-in header uses the
    sender's MAC when the capture has it and zeroes otherwise, so the IP bytes stay exact.
    """
    if linktype == LINKTYPE_ETHERNET or headers.ip_offset < 0:
        return data
    ethertype = headers.ethertype or ETH_IPV4
    src = headers.mac_src if len(headers.mac_src) == 6 else bytes(6)
    return bytes(6) + src + _H.pack(ethertype) + data[headers.ip_offset :]


def flag_names(flags: int) -> str:
    """``"SYN, ACK"``: the flag names in the order Wireshark lists them."""
    return ", ".join(name for bit, name in _FLAG_ORDER if flags & bit)


def endpoint_keys(h: Headers) -> tuple[str, str]:
    """Keys for the two ends as drawn: the addresses, except that a host talking to itself (loopback)
    has its server port split off as ``"ADDRESS#PORT"``, so client and server are two nodes."""
    if h.src != h.dst or h.proto not in (PROTO_TCP, PROTO_UDP) or not (h.sport and h.dport):
        return h.src, h.dst
    server = min(h.sport, h.dport)  # the listening port is usually the lower, ephemeral ports are high
    if h.proto == PROTO_TCP and h.flags & SYN:  # ... but a handshake says for sure
        server = h.sport if h.flags & 0x10 else h.dport
    return (f"{h.src}#{h.sport}" if h.sport == server else h.src), (f"{h.dst}#{h.dport}" if h.dport == server else h.dst)
