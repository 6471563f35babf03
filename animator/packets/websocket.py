"""An RFC 6455 WebSocket frame as a scapy layer: scapy ships none.

The payload is kept *unmasked* in ``data`` (what the application sent) and masked with ``key``
only on the wire, so a scene states the message and the bytes still match RFC 6455 §5.3.
"""

from __future__ import annotations

import struct
from typing import Any

from scapy.fields import BitEnumField, BitField, ConditionalField, LongField, ShortField, StrField, StrFixedLenField
from scapy.packet import Packet

OPCODES = {0: "continuation", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}


def mask(data: bytes, key: bytes) -> bytes:
    """XOR with the 4-byte key (RFC 6455 §5.3); masking and unmasking are the same operation."""
    if not key:
        return data
    stream = (key * (len(data) // 4 + 1))[: len(data)]
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


class _MaskedPayload(StrField):
    """The frame's payload: its length comes from the header, its bytes are masked on the wire."""

    def getfield(self, pkt: Packet, s: bytes) -> tuple[bytes, bytes]:
        n = pkt.payload_length()
        return s[n:], mask(s[:n], pkt.key if pkt.mask else b"")

    def addfield(self, pkt: Packet, s: bytes, val: Any) -> bytes:
        data = self.i2m(pkt, val)
        return s + mask(data, pkt.key if pkt.mask else b"")


class WebSocket(Packet):
    """One WebSocket frame: FIN, RSV1-3, opcode, MASK, 7/16/64-bit length, masking key, payload."""

    name = "WebSocket"
    fields_desc = [  # noqa: RUF012 - scapy's declarative layout
        BitField("fin", 1, 1),
        BitField("rsv", 0, 3),
        BitEnumField("opcode", 1, 4, OPCODES),
        BitField("mask", 0, 1),
        BitField("len7", None, 7),
        ConditionalField(ShortField("len16", None), lambda p: p.len7 == 126),
        ConditionalField(LongField("len64", None), lambda p: p.len7 == 127),  # type: ignore[arg-type] # None: computed
        ConditionalField(StrFixedLenField("key", b"\x00\x00\x00\x00", 4), lambda p: p.mask == 1),
        _MaskedPayload("data", b""),
    ]

    def payload_length(self) -> int:
        if self.len7 == 126:
            return self.len16 or 0
        if self.len7 == 127:
            return self.len64 or 0
        return self.len7 or 0

    def self_build(self) -> bytes:
        # The length encoding decides which header fields exist, so fill it in before the
        # fields are laid out (a post_build patch could not add the extended length).
        if self.len7 is None:
            n = len(self.data or b"")
            code = n if n < 126 else 126 if n < 0x10000 else 127
            clone = self.copy()
            clone.remove_payload()
            clone.len7 = code
            if code == 126:
                clone.len16 = n
            elif code == 127:
                clone.len64 = n
            return clone.self_build()
        if self.len7 == 126 and self.len16 is None:
            self.setfieldval("len16", len(self.data or b""))
        return super().self_build()

    def guess_payload_class(self, payload: bytes) -> type[Packet]:
        # Several frames in one TCP segment follow each other.
        return WebSocket if len(payload) >= 2 else super().guess_payload_class(payload)

    def mysummary(self) -> str:
        flags = " [FIN]" if self.fin else ""
        masked = " [MASKED]" if self.mask else ""
        kind = OPCODES.get(self.opcode, f"opcode {self.opcode}").capitalize()
        return f"WebSocket {kind}{flags}{masked}"


def header(fin: int, opcode: int, masked: bool, n: int) -> bytes:
    """Header bytes before the key, for tests and documentation."""
    first = (fin << 7) | opcode
    m = 0x80 if masked else 0
    if n < 126:
        return bytes([first, m | n])
    if n < 0x10000:
        return bytes([first, m | 126]) + struct.pack("!H", n)
    return bytes([first, m | 127]) + struct.pack("!Q", n)
