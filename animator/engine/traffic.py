"""Which packets a viewer asked to hide: classes of traffic, worked out once per packet. No Qt.

Some classes are whole protocols (every legend entry is one: ``arp``, ``dns``, ``tcp``...);
others cut across them: TCP control segments (SYN, FIN, RST, pure ACK) and the TLS handshake.
The timeline classifies each packet when it schedules it (``classify``), from its real frame
when it has one: the TCP flags and payload length, the TLS record's content type. A labelled
token (a send without ``layers:``) carries nothing but the author's words, so for tokens alone
the label is read ("SYN seq=0", "ACK seq=1 ack=1", "ClientHello").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Sequence

from animator.engine.frame import PacketView
from animator.engine.wire import ip_payload

TCP_CONTROL = "tcp-control"
TLS_HANDSHAKE = "tls-handshake"

#: Classes that are not protocols, with the names the View menu shows for them.
DERIVED_CLASSES: dict[str, str] = {
    TCP_CONTROL: "TCP control segments (SYN, FIN, RST, pure ACK)",
    TLS_HANDSHAKE: "TLS handshake",
}

#: The same, short enough for a note under the stage's legend.
DERIVED_SHORT: dict[str, str] = {TCP_CONTROL: "TCP control segments", TLS_HANDSHAKE: "TLS handshake"}

#: The protocols whose packets a derived class may take.
_CUT_ACROSS = frozenset({"tcp", "tls"})

_SYN_FIN_RST, _ACK = 0x07, 0x10
#: TLS record content types of the handshake: change_cipher_spec (20) and handshake (22).
_TLS_HANDSHAKE_RECORDS = frozenset({20, 22})

_TCP_FLAGS = re.compile(r"\b(SYN|FIN|RST)\b", re.IGNORECASE)
#: An ACK with no data: the label starts with ACK and says nothing about a payload.
_PURE_ACK = re.compile(r"^\s*ACK\b(?!.*\b(data|len=[1-9]|bytes?|payload)\b)", re.IGNORECASE)
_TLS_HANDSHAKE = re.compile(
    r"hello|certificate|key ?exchange|finished|change ?cipher|encrypted ?extensions|handshake|new ?session ?ticket",
    re.IGNORECASE,
)


def classify(protocol: str, label: str, frames: Sequence[bytes | None] = ()) -> frozenset[str]:
    """Every class a packet belongs to: its protocol, plus any derived class.

    ``frames`` are the packet's frames hop by hop (a device may rewrite addresses and ports, never
    the flags or the records): the first one decides. Without a frame, the label does.
    """
    if protocol not in _CUT_ACROSS:
        return frozenset((protocol,))
    frame = next((f for f in frames if f), None)
    if frame is None:
        return _from_label(label, protocol)
    classes = {protocol}
    segment = _tcp_segment(frame)
    if segment is not None:
        flags, payload = segment
        if protocol == "tcp" and (flags & _SYN_FIN_RST or (flags & _ACK and not payload)):
            classes.add(TCP_CONTROL)
        if protocol == "tls" and payload[:1] and payload[0] in _TLS_HANDSHAKE_RECORDS:
            classes.add(TLS_HANDSHAKE)
    return frozenset(classes)


def traffic_classes(packet: PacketView) -> frozenset[str]:
    """Every class ``packet`` belongs to, as the timeline worked it out (or, for a PacketView made
    without, from its protocol and label)."""
    return packet.classes if packet.classes else _from_label(packet.label, packet.protocol)


@functools.lru_cache(maxsize=4096)
def _from_label(label: str, protocol: str) -> frozenset[str]:
    """A token's classes from its label; cached, as a scene repeats few distinct labels."""
    classes = {protocol}
    if protocol == "tcp" and (_TCP_FLAGS.search(label) or _PURE_ACK.search(label)):
        classes.add(TCP_CONTROL)
    if protocol == "tls" and _TLS_HANDSHAKE.search(label):
        classes.add(TLS_HANDSHAKE)
    return frozenset(classes)


def _tcp_segment(frame: bytes) -> tuple[int, bytes] | None:
    """The TCP flags and payload of an Ethernet frame, or None when it carries no TCP segment
    (read from the bytes: ``animator.engine.wire``)."""
    ip = ip_payload(frame)
    if ip is None or ip.proto != 6 or len(frame) < ip.start + 14:
        return None
    at = ip.start
    return frame[at + 13], frame[at + (frame[at + 12] >> 4) * 4 : ip.end]


def shown_packets(packets: tuple[PacketView, ...], hidden: Collection[str]) -> tuple[PacketView, ...]:
    """The packets to draw; the same tuple (no copy) when nothing is hidden, as in most frames.

    Runs every frame, for every packet in flight: only packets of a protocol that a hidden
    derived class cuts across (TCP, TLS) have their classes looked at, and those were worked out
    when the timeline was scheduled.
    """
    if not hidden:
        return packets
    if not any(name in DERIVED_CLASSES for name in hidden):
        return tuple(p for p in packets if p.protocol not in hidden)
    return tuple(
        p
        for p in packets
        if p.protocol not in hidden and (p.protocol not in _CUT_ACROSS or traffic_classes(p).isdisjoint(hidden))
    )
