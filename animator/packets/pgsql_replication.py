"""PostgreSQL streaming replication inside the v3 protocol: what a standby's walreceiver and the
primary's walsender exchange once START_REPLICATION has been answered.

The replication connection is an ordinary pgsql connection whose StartupMessage says
``replication=true`` (``database=replication``); IDENTIFY_SYSTEM and START_REPLICATION are simple
queries. The primary answers START_REPLICATION with CopyBothResponse (``W``) and from then on both
sides send CopyData (``d``) messages whose first byte says what they carry
(https://www.postgresql.org/docs/15/protocol-replication.html):

- ``w`` XLogData (primary → standby): WAL start, the server's WAL end, its clock, then WAL bytes;
- ``k`` primary keepalive: the server's WAL end, its clock, "reply now";
- ``r`` standby status update: the standby's written, flushed and applied (replayed) positions,
  its clock, "reply now" — the numbers ``pg_stat_replication`` shows as write/flush/replay_lsn.

The WAL itself stays opaque bytes here (a deterministic filler of the right length): a lesson is
about the positions, not the record format. Byte layouts were checked against a capture of
Debian's PostgreSQL 15.18 primary and a ``pg_basebackup -R`` standby on 127.0.0.1
(docs/scenes/checks.md, "Replication"). Clocks are microseconds since 2000-01-01 UTC, as
PostgreSQL's TimestampTz.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Mapping
from typing import Any

from scapy.packet import Packet

from animator.packets.pgsql import PgBackendMessage, PgMessage
from animator.packets.problems import FieldError

#: The messages a ``pgsql`` layer may be once replication streams (names in ``names.PG_MESSAGES``).
REPLICATION_MESSAGES = ("copy_both", "xlog_data", "keepalive", "standby_status")

#: The default clock: 2026-12-06 10:00:00 UTC in microseconds since 2000-01-01 (a scene's sends
#: may give their own ``clock``; the bytes must not depend on the day a scene is built).
DEFAULT_CLOCK = 849_866_400_000_000

_LSN = re.compile(r"^([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})$")


def lsn(text: object, key: str) -> int:
    """A WAL position as PostgreSQL prints it (``0/3024868``: high and low 32 bits in hex)."""
    match = _LSN.match(str(text))
    if match is None:
        raise FieldError(key, f"'{text}' is not a WAL position: write it as PostgreSQL prints one, e.g. 0/3024868")
    return (int(match.group(1), 16) << 32) | int(match.group(2), 16)


def format_lsn(value: int) -> str:
    """The inverse of ``lsn``: ``0/3024868``."""
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


def wal_filler(start: int, size: int) -> bytes:
    """``size`` opaque bytes standing for the WAL from ``start`` (the same every build)."""
    out = b""
    block = 0
    while len(out) < size:
        out += hashlib.sha256(f"wal {start} {block}".encode()).digest()
        block += 1
    return out[:size]


def build_replication(msg: str, fields: Mapping[str, Any]) -> Packet:
    """One replication message: CopyBothResponse, or a CopyData carrying w / k / r."""
    clock = int(fields.get("clock", DEFAULT_CLOCK))
    if msg == "copy_both":  # overall format 0 (text), no columns: as the walsender sends it
        return PgBackendMessage(type=b"W", body=struct.pack("!bH", 0, 0))
    if msg == "xlog_data":
        start = lsn(_need(fields, "start", msg), "start")
        end = lsn(fields.get("end", _need(fields, "start", msg)), "end")
        size = int(fields.get("wal_bytes", end - start))
        if size < 0:
            raise FieldError("end", "the server's WAL end is before this message's start: give wal_bytes, or a later end")
        payload = b"w" + struct.pack("!QQq", start, end, clock) + wal_filler(start, size)
        return PgBackendMessage(type=b"d", body=payload)
    if msg == "keepalive":
        end = lsn(_need(fields, "end", msg), "end")
        return PgBackendMessage(type=b"d", body=b"k" + struct.pack("!Qq?", end, clock, bool(fields.get("reply", False))))
    # standby_status: the standby reports how far it has written, flushed and applied
    write = lsn(_need(fields, "write", msg), "write")
    flush = lsn(fields.get("flush", fields["write"]), "flush")
    apply = lsn(fields.get("apply", fields.get("flush", fields["write"])), "apply")
    if not write >= flush >= apply:
        raise FieldError("apply", "a standby writes WAL, then flushes it, then replays it: write ≥ flush ≥ apply")
    body = b"r" + struct.pack("!QQQq?", write, flush, apply, clock, bool(fields.get("reply", False)))
    return PgMessage(type=b"d", body=body)


def _need(fields: Mapping[str, Any], key: str, msg: str) -> object:
    if key not in fields:
        raise FieldError(None, f"{msg} needs '{key}' (a WAL position such as 0/3024868)")
    return fields[key]


def describe_copy_data(body: bytes) -> str:
    """A short label for a CopyData's replication content (the inspector and summaries)."""
    if body[:1] == b"w" and len(body) >= 25:
        start, end = struct.unpack("!QQ", body[1:17])
        return f"XLogData {format_lsn(start)} +{len(body) - 25} bytes (server WAL end {format_lsn(end)})"
    if body[:1] == b"k" and len(body) >= 18:
        (end,) = struct.unpack("!Q", body[1:9])
        return f"Primary keepalive (WAL end {format_lsn(end)})"
    if body[:1] == b"r" and len(body) >= 34:
        write, flush, apply = struct.unpack("!QQQ", body[1:25])
        return f"Standby status: write {format_lsn(write)} flush {format_lsn(flush)} apply {format_lsn(apply)}"
    return "Copy data"


#: (key, label, value, meaning, start, end, children): ``pgsql_fields.Node``'s shape.
FieldNode = tuple[str, str, str, str, int, int, tuple[Any, ...]]

_LAYOUTS: dict[bytes, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    b"w": ("XLogData", (("start", "WAL start", "lsn"), ("end", "Server WAL end", "lsn"), ("clock", "Send time", "clock"))),
    b"k": (
        "Primary keepalive",
        (("end", "Server WAL end", "lsn"), ("clock", "Send time", "clock"), ("reply", "Reply now", "bool")),
    ),
    b"r": (
        "Standby status update",
        (
            ("write", "Written (write_lsn)", "lsn"),
            ("flush", "Flushed (flush_lsn)", "lsn"),
            ("apply", "Applied (replay_lsn)", "lsn"),
            ("clock", "Send time", "clock"),
            ("reply", "Reply now", "bool"),
        ),
    ),
}
_SIZES = {"lsn": 8, "clock": 8, "bool": 1}


def copy_data_fields(body: bytes, b0: int) -> list[FieldNode]:
    """The inspector's fields for a CopyData that carries replication (``b0``: the body's frame
    offset): its kind, the WAL positions by the names pg_stat_replication uses, and the WAL's size.
    Anything else is left to the caller (an empty list)."""
    layout = _LAYOUTS.get(body[:1])
    if layout is None:
        return []
    name, fields = layout
    out: list[FieldNode] = [("kind", "Replication message", body[:1].decode(), name, b0, b0 + 1, ())]
    at = 1
    for key, label, kind in fields:
        size = _SIZES[kind]
        if at + size > len(body):
            return out
        raw = body[at : at + size]
        if kind == "lsn":
            value = format_lsn(struct.unpack("!Q", raw)[0])
        elif kind == "clock":
            value = f"{struct.unpack('!q', raw)[0]} µs since 2000-01-01"
        else:
            value = "yes" if raw != b"\x00" else "no"
        out.append((key, label, value, "", b0 + at, b0 + at + size, ()))
        at += size
    if body[:1] == b"w":
        out.append(("wal", "WAL data", f"{len(body) - at} bytes", "", b0 + at, b0 + len(body), ()))
    return out
