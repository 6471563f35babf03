"""The inspector's view of PostgreSQL messages: one node per message, its fields with their bytes.

scapy reads a TCP payload on port 5432 as raw data (``scapy.contrib.postgres`` needs the whole TCP
session to tell who sent what); the port says it here: from 5432 is the server (backend), to 5432
the client (frontend). Each message is split as the protocol documentation lays it out, with the
names Wireshark's pgsql dissector uses, so the inspector and tshark agree.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from animator.packets.pgsql import BACKEND, FRONTEND, PROTOCOL_3, SSL_REQUEST, STATUS
from animator.packets.pgsql_replication import copy_data_fields

#: PostgreSQL's port: a payload to or from it is read as its protocol.
PORT = 5432

#: (key, label, value, meaning, start, end, children): the shape of ``dissect.FieldNode``.
Node = tuple[str, str, str, str, int, int, tuple["Node", ...]]
AUTH = {0: "Ok", 10: "SASL", 11: "SASL continue", 12: "SASL final", 5: "MD5 password", 3: "cleartext password"}
ERROR_FIELDS = {
    "S": "Severity", "V": "Severity (not localized)", "C": "Code (SQLSTATE)", "M": "Message", "D": "Detail",
    "H": "Hint", "s": "Schema", "t": "Table", "c": "Column", "n": "Constraint", "F": "File", "L": "Line",
    "R": "Routine", "P": "Position",
}  # fmt: skip


def split(data: bytes, backend: bool) -> list[tuple[int, int]] | None:
    """Each message's (start, end) in ``data``, or None if the bytes are not whole messages."""
    spans: list[tuple[int, int]] = []
    i = 0
    if backend and data in (b"N", b"S"):
        return [(0, 1)]
    if not backend and len(data) >= 8 and data[0] == 0:
        length = struct.unpack("!I", data[:4])[0]
        if length < 8 or length > len(data):
            return None
        spans.append((0, length))
        i = length
    while i < len(data):
        if i + 5 > len(data) or not 0x20 < data[i] < 0x7F:
            return None
        length = struct.unpack("!I", data[i + 1 : i + 5])[0]
        if length < 4 or i + 1 + length > len(data):
            return None
        spans.append((i, i + 1 + length))
        i += 1 + length
    return spans


def message_nodes(data: bytes, base: int, backend: bool, text: Callable[[bytes], str]) -> list[Node]:
    """One node per message of ``data`` (which starts at frame offset ``base``)."""
    spans = split(data, backend) or []
    return [_message(data, start, end, base, backend, text) for start, end in spans]


def _cstrings(data: bytes, start: int, end: int, base: int) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    i = start
    while i < end:
        stop = data.find(b"\x00", i, end)
        if stop < 0:
            stop = end
        if stop == i:
            break
        out.append((data[i:stop].decode(errors="replace"), base + i, base + stop + 1))
        i = stop + 1
    return out


def _message(data: bytes, start: int, end: int, base: int, backend: bool, text: Callable[[bytes], str]) -> Node:
    size = f"{end - start} bytes"
    if end - start == 1:
        answer = data[start : start + 1].decode()
        meaning = "no TLS: go on in the clear" if answer == "N" else "TLS handshake follows"
        return ("PostgreSQL", "PostgreSQL SSL answer", answer, meaning, base + start, base + end, ())
    if data[start] == 0:  # untyped: StartupMessage or SSLRequest
        code = struct.unpack("!I", data[start + 4 : start + 8])[0]
        children: list[Node] = [
            ("len", "Length", str(end - start), "", base + start, base + start + 4, ()),
        ]
        if code == SSL_REQUEST:
            children.append(("code", "SSLRequest code", str(code), "1234.5679", base + start + 4, base + start + 8, ()))
            return ("PostgreSQL", "PostgreSQL SSLRequest", "SSLRequest", size, base + start, base + end, tuple(children))
        version = "3.0" if code == PROTOCOL_3 else str(code)
        children.append(("version", "Protocol version", version, "", base + start + 4, base + start + 8, ()))
        strings = _cstrings(data, start + 8, end, base)
        for (name, s1, _e1), (value, _s2, e2) in zip(strings[0::2], strings[1::2], strict=False):
            children.append((name, name, value, "", s1, e2, ()))
        return ("PostgreSQL", "PostgreSQL StartupMessage", "Startup message", size, base + start, base + end, tuple(children))
    kind = data[start : start + 1]
    name = (BACKEND if backend else FRONTEND).get(kind, f"type {kind.decode(errors='replace')}")
    body_start = start + 5
    fields: list[Node] = [
        ("type", "Type", kind.decode(), name, base + start, base + start + 1, ()),
        ("len", "Length", str(end - start - 1), "", base + start + 1, base + start + 5, ()),
    ]
    body = data[body_start:end]
    b0 = base + body_start
    if backend and kind == b"Z" and body:
        fields.append(("status", "Status", body[:1].decode(), STATUS.get(body[:1], ""), b0, b0 + 1, ()))
    elif backend and kind == b"R" and len(body) >= 4:
        code = struct.unpack("!I", body[:4])[0]
        fields.append(("auth", "Authentication type", str(code), AUTH.get(code, ""), b0, b0 + 4, ()))
        if len(body) > 4:
            fields.append(("data", "SASL data", text(body[4:]), "", b0 + 4, base + end, ()))
    elif backend and kind == b"E":
        for value, s, e in _cstrings(data, body_start, end, base):
            fields.append((value[:1], ERROR_FIELDS.get(value[:1], value[:1]), value[1:], "", s, e, ()))
    elif backend and kind == b"K" and len(body) >= 8:
        pid, key = struct.unpack("!iI", body[:8])
        fields += [("pid", "PID", str(pid), "", b0, b0 + 4, ()), ("key", "Key", str(key), "", b0 + 4, b0 + 8, ())]
    elif (backend and kind in (b"S", b"C")) or (not backend and kind in (b"Q", b"P")):
        labels = {b"S": ("Parameter name", "Parameter value"), b"C": ("Tag",), b"Q": ("Query",), b"P": ("Statement", "Query")}
        for label, (value, s, e) in zip(labels[kind], _cstrings(data, body_start, end, base), strict=False):
            fields.append((label.lower().replace(" ", "_"), label, value, "", s, e, ()))
    elif kind == b"d" and (replication := copy_data_fields(body, b0)):
        fields.extend(replication)  # XLogData, keepalive, standby status (pgsql_replication)
    elif body:
        fields.append(("body", "Body", text(body), "", b0, base + end, ()))
    value = name
    if kind == b"Z" and backend and body:
        value = f"{name} ({body[:1].decode()})"
    return ("PostgreSQL", f"PostgreSQL {name}", value, size, base + start, base + end, tuple(fields))
