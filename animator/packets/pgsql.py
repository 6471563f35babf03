"""PostgreSQL's wire protocol (v3) as a scapy layer: one message per layer, several per segment.

scapy's own ``scapy.contrib.postgres`` decides a message's meaning from the port and keeps a TCP
session to tell frontend from backend; a scene needs neither (the builder knows which message it
wrote), only the bytes. So a message here is what the protocol says it is on the wire
(https://www.postgresql.org/docs/15/protocol-message-formats.html): a type byte, a 4-byte length
that counts itself but not the type, and the body. The first messages of a connection
(StartupMessage, SSLRequest, CancelRequest) have no type byte: ``PgStartup``. The server's answer
to an SSLRequest is a single byte, ``S`` or ``N``, and no message at all: ``PgSslAnswer``.
"""

from __future__ import annotations

import struct

from scapy.fields import IntField, StrFixedLenField, StrLenField
from scapy.packet import Packet

#: Type bytes, with the message names Wireshark prints (frontend and backend share some letters).
FRONTEND = {
    b"Q": "Simple query", b"P": "Parse", b"B": "Bind", b"D": "Describe", b"E": "Execute", b"S": "Sync",
    b"X": "Termination", b"p": "SASL/password message", b"C": "Close", b"H": "Flush", b"d": "Copy data",
    b"c": "Copy completion",
}  # fmt: skip
BACKEND = {
    b"R": "Authentication request", b"S": "Parameter status", b"K": "Backend key data", b"Z": "Ready for query",
    b"T": "Row description", b"D": "Data row", b"C": "Command completion", b"E": "Error", b"N": "Notice",
    b"1": "Parse completion", b"2": "Bind completion", b"3": "Close completion", b"n": "No data",
    b"t": "Parameter description", b"I": "Empty query", b"s": "Portal suspended", b"d": "Copy data",
    b"c": "Copy completion", b"W": "CopyBothResponse",
}  # fmt: skip
#: ReadyForQuery's transaction status byte.
STATUS = {b"I": "idle", b"T": "in a transaction block", b"E": "in a failed transaction block"}


class PgMessage(Packet):
    """A typed message: type byte, length (itself included, the type not), body."""

    name = "PostgreSQL"
    fields_desc = [  # noqa: RUF012 - scapy's declarative layout
        StrFixedLenField("type", b"Q", 1),
        IntField("len", None),
        StrLenField("body", b"", length_from=lambda p: max((p.len or 4) - 4, 0)),
    ]
    #: Who sends it: the letters mean different messages each way, and the bytes do not say.
    side = "frontend"

    def post_build(self, pkt: bytes, pay: bytes) -> bytes:
        if self.len is None:
            pkt = pkt[:1] + struct.pack("!I", len(pkt) - 1) + pkt[5:]
        return pkt + pay

    def guess_payload_class(self, payload: bytes) -> type[Packet]:
        return next_message_class(payload, type(self), super().guess_payload_class(payload))

    def mysummary(self) -> str:
        return describe(self.type, self.body, self.side)


class PgBackendMessage(PgMessage):
    """A message the server sends (the same layout; the type letters name other messages)."""

    name = "PostgreSQL"
    side = "backend"


class PgStartup(Packet):
    """An untyped first message: length, then a code (196608 = protocol 3.0, 80877103 = SSLRequest)."""

    name = "PostgreSQL startup"
    fields_desc = [  # noqa: RUF012 - scapy's declarative layout
        IntField("len", None),
        IntField("code", 196608),
        StrLenField("body", b"", length_from=lambda p: max((p.len or 8) - 8, 0)),
    ]

    def post_build(self, pkt: bytes, pay: bytes) -> bytes:
        if self.len is None:
            pkt = struct.pack("!I", len(pkt)) + pkt[4:]
        return pkt + pay

    def guess_payload_class(self, payload: bytes) -> type[Packet]:
        return next_message_class(payload, PgMessage, super().guess_payload_class(payload))

    def mysummary(self) -> str:
        if self.code == SSL_REQUEST:
            return "SSLRequest"
        params = self.body.split(b"\x00")
        pairs = dict(zip(params[0::2], params[1::2], strict=False))
        user = pairs.get(b"user", b"").decode(errors="replace")
        db = pairs.get(b"database", b"").decode(errors="replace")
        return f"StartupMessage user={user} database={db}"


class PgSslAnswer(Packet):
    """The server's one-byte answer to SSLRequest: ``N`` (no TLS here) or ``S`` (go ahead)."""

    name = "PostgreSQL SSL answer"
    fields_desc = [StrFixedLenField("answer", b"N", 1)]  # noqa: RUF012 - scapy's declarative layout

    def mysummary(self) -> str:
        return "SSL refused (N)" if self.answer == b"N" else "SSL accepted (S)"


SSL_REQUEST = 80877103
PROTOCOL_3 = 196608


def next_message_class(payload: bytes, cls: type[Packet], default: type[Packet]) -> type[Packet]:
    """Messages follow each other in one segment, from the same side: a typed one starts with a
    letter or digit."""
    if len(payload) >= 5 and 0x20 < payload[0] < 0x7F:
        return cls
    return default


def describe(kind: bytes, body: bytes, side: str) -> str:
    """A short label: the message's name and what matters in it (the query, the status, the tag)."""
    names = BACKEND if side == "backend" else FRONTEND
    name = names.get(kind, f"type {kind!r}")
    text = body.rstrip(b"\x00").decode(errors="replace")
    if side == "frontend" and kind == b"Q":
        return f"Query: {text}"
    if side == "backend" and kind == b"Z":
        return f"ReadyForQuery {text}"
    if side == "backend" and kind == b"C":
        return f"CommandComplete {text}"
    if kind == b"d":  # replication: XLogData, keepalive, standby status (pgsql_replication)
        from animator.packets.pgsql_replication import describe_copy_data

        return describe_copy_data(body)
    if side == "backend" and kind == b"E":
        fields = {part[:1]: part[1:].decode(errors="replace") for part in body.split(b"\x00") if part}
        return f"ErrorResponse {fields.get(b'C', '')}"
    return name
