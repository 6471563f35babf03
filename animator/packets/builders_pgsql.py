"""PostgreSQL v3 messages from the friendly fields a scene writes (``pgsql: {msg: query, sql: ...}``).

Each message is laid out as https://www.postgresql.org/docs/15/protocol-message-formats.html says
and as PostgreSQL 15 sends it (checked against a capture of psql and a raw client talking to
Debian's postgresql-15, docs/scenes/checks.md). SCRAM-SHA-256, PostgreSQL 15's default password
method (RFC 5802, RFC 7677), is computed for real from the user's password with fixed nonces
and salt, so the four SASL messages of a scene agree with each other and the proof verifies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from collections.abc import Mapping, Sequence
from typing import Any

from scapy.packet import Packet

from animator.packets.names import PG_MESSAGES as MESSAGES
from animator.packets.pgsql import PROTOCOL_3, SSL_REQUEST, PgBackendMessage, PgMessage, PgSslAnswer, PgStartup
from animator.packets.pgsql_replication import REPLICATION_MESSAGES, build_replication
from animator.packets.problems import FieldError

#: Type OIDs and sizes of the column types a scene may name (pg_type: int4 23, text 25, ...).
TYPES: dict[str, tuple[int, int]] = {
    "int4": (23, 4), "int8": (20, 8), "text": (25, -1), "bool": (16, 1), "numeric": (1700, -1),
    "varchar": (1043, -1), "timestamptz": (1184, 8),
}  # fmt: skip


def startup_parameters(
    user: str, application_name: str, superuser: bool = False, hot_standby: bool = False
) -> list[tuple[str, str]]:
    """The ParameterStatus messages PostgreSQL 15 sends after AuthenticationOk, in its order (a psql
    capture against Debian's 15.18). ``session_authorization`` and ``application_name`` follow the
    startup packet; ``server_version`` is Debian's build string."""
    return [
        ("application_name", application_name),
        ("client_encoding", "UTF8"),
        ("DateStyle", "ISO, MDY"),
        ("default_transaction_read_only", "off"),
        ("in_hot_standby", "on" if hot_standby else "off"),  # a standby in recovery says on
        ("integer_datetimes", "on"),
        ("IntervalStyle", "postgres"),
        ("is_superuser", "on" if superuser else "off"),
        ("server_encoding", "UTF8"),
        ("server_version", "15.18 (Debian 15.18-0+deb12u1)"),
        ("session_authorization", user),
        ("standard_conforming_strings", "on"),
        ("TimeZone", "Etc/UTC"),
    ]


#: The order PgBouncer 1.18 sends the same 13 parameters to its clients (a capture), as indexes
#: into ``startup_parameters``.
PGBOUNCER_ORDER = (3, 4, 5, 6, 7, 8, 9, 10, 1, 2, 12, 11, 0)

#: ErrorResponse field codes (protocol-error-fields.html), in the order PostgreSQL writes them.
ERROR_FIELDS = (
    ("severity", b"S"), ("severity", b"V"), ("code", b"C"), ("message", b"M"), ("detail", b"D"), ("hint", b"H"),
    ("schema", b"s"), ("table", b"t"), ("column", b"c"), ("constraint", b"n"), ("file", b"F"), ("line", b"L"),
    ("routine", b"R"),
)  # fmt: skip


def _cstr(value: object) -> bytes:
    text = str(value)
    if "\x00" in text:
        raise FieldError(None, "PostgreSQL strings end at a NUL byte: a value cannot contain one")
    return text.encode("utf-8") + b"\x00"


def _front(kind: bytes, body: bytes = b"") -> Packet:
    return PgMessage(type=kind, body=body)


def _back(kind: bytes, body: bytes = b"") -> Packet:
    return PgBackendMessage(type=kind, body=body)


# -- SCRAM-SHA-256 (RFC 5802 §3, RFC 7677), as libpq and the server compute it ----------------------
ITERATIONS = 4096  # PostgreSQL's scram_iterations default


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def scram(user: str, password: str) -> dict[str, str]:
    """The four SCRAM messages' text for ``user``, with fixed nonces and salt (a scene must replay
    the same bytes). libpq sends an empty ``n=`` (the server takes the startup packet's user)."""
    seed = hashlib.sha256(f"packetstage-scram\x00{user}".encode()).digest()
    client_nonce = _b64(seed[:18])
    server_nonce = client_nonce + _b64(hashlib.sha256(seed).digest()[:18])
    salt = hashlib.sha256(seed + b"salt").digest()[:16]
    return scram_exchange(password, salt, ITERATIONS, client_nonce, server_nonce, user="")


def scram_exchange(
    password: str, salt: bytes, iterations: int, client_nonce: str, server_nonce: str, user: str = ""
) -> dict[str, str]:
    """RFC 5802 §3 with SHA-256: the client's proof and the server's signature over the messages."""
    client_first_bare = f"n={user},r={client_nonce}"
    server_first = f"r={server_nonce},s={_b64(salt)},i={iterations}"
    without_proof = f"c=biws,r={server_nonce}"
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    auth_message = f"{client_first_bare},{server_first},{without_proof}".encode()
    signature = hmac.new(stored_key, auth_message, hashlib.sha256).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    server_signature = hmac.new(server_key, auth_message, hashlib.sha256).digest()
    return {
        "client_first": f"n,,{client_first_bare}",
        "server_first": server_first,
        "client_final": f"{without_proof},p={_b64(proof)}",
        "server_final": f"v={_b64(server_signature)}",
    }


# -- the builder ------------------------------------------------------------------------------------
def build_pgsql(fields: Mapping[str, Any], seed: object) -> Packet:
    """One message (``parameters``: the whole ParameterStatus run PostgreSQL sends after login)."""
    msg = str(fields.get("msg", "query"))
    if msg not in MESSAGES:
        raise FieldError("msg", f"unknown message '{msg}'")
    user = str(fields.get("user", "app"))
    if msg == "ssl_request":
        return PgStartup(code=SSL_REQUEST)
    if msg == "ssl_refused":
        return PgSslAnswer(answer=b"N")
    if msg == "startup":
        params = [("user", user), ("database", str(fields.get("database", user)))]
        if fields.get("replication"):  # a walreceiver's physical replication connection
            params.append(("replication", "true"))
        if "application_name" in fields:
            params.append(("application_name", str(fields["application_name"])))
        if "client_encoding" in fields:  # postgres_fdw names its database's encoding
            params.append(("client_encoding", str(fields["client_encoding"])))
        body = b"".join(_cstr(k) + _cstr(v) for k, v in params) + b"\x00"
        return PgStartup(code=PROTOCOL_3, body=body)
    if msg in REPLICATION_MESSAGES:
        return build_replication(msg, fields)
    if msg.startswith("sasl") or msg == "auth_sasl":
        return _sasl(msg, user, str(fields.get("password", "secret")))
    if msg == "auth_ok":
        return _back(b"R", struct.pack("!I", 0))
    if msg == "parameter_status":
        if "name" not in fields or "value" not in fields:
            raise FieldError(None, "parameter_status needs 'name' and 'value'")
        return _back(b"S", _cstr(fields["name"]) + _cstr(fields["value"]))
    if msg == "parameters":
        run = startup_parameters(user, str(fields.get("application_name", "")), hot_standby=bool(fields.get("hot_standby")))
        if fields.get("pooler"):  # PgBouncer replays the server's parameters in its own order
            run = [run[i] for i in PGBOUNCER_ORDER]
        packet: Packet = _back(b"S", _cstr(run[0][0]) + _cstr(run[0][1]))
        for name, value in run[1:]:
            packet = packet / _back(b"S", _cstr(name) + _cstr(value))
        return packet
    if msg == "backend_key":
        return _back(b"K", struct.pack("!iI", int(fields.get("pid", 0)), int(fields.get("key", 0))))
    if msg == "ready":
        status = str(fields.get("status", "I"))
        if status not in ("I", "T", "E"):
            raise FieldError("status", f"'{status}' is not a transaction status: I (idle), T (in a transaction) or E (failed)")
        return _back(b"Z", status.encode())
    if msg in ("query", "parse"):
        if "sql" not in fields:
            raise FieldError(None, f"{msg} needs 'sql'")
        if msg == "query":
            return _front(b"Q", _cstr(fields["sql"]))
        return _front(b"P", _cstr(fields.get("statement", "")) + _cstr(fields["sql"]) + struct.pack("!H", 0))
    if msg == "bind":
        return _front(b"B", _bind(fields))
    if msg == "describe":
        target = str(fields.get("target", "portal"))
        if target not in ("portal", "statement"):
            raise FieldError("target", "describe a 'portal' or a 'statement'")
        name = fields.get("portal" if target == "portal" else "statement", "")
        return _front(b"D", (b"P" if target == "portal" else b"S") + _cstr(name))
    if msg == "execute":
        return _front(b"E", _cstr(fields.get("portal", "")) + struct.pack("!I", int(fields.get("max_rows", 0))))
    if msg == "sync":
        return _front(b"S")
    if msg == "terminate":
        return _front(b"X")
    if msg == "row_description":
        return _back(b"T", _row_description(fields))
    if msg == "data_row":
        return _back(b"D", _data_row(fields.get("values", [])))
    if msg == "command_complete":
        if "tag" not in fields:
            raise FieldError(None, "command_complete needs its 'tag' (e.g. 'UPDATE 1', 'SELECT 1', 'COMMIT')")
        return _back(b"C", _cstr(fields["tag"]))
    if msg == "error":
        return _back(b"E", _error(fields))
    simple = {"parse_complete": b"1", "bind_complete": b"2", "no_data": b"n", "empty_query": b"I"}
    return _back(simple[msg])


def _sasl(msg: str, user: str, password: str) -> Packet:
    texts = scram(user, password)
    if msg == "auth_sasl":  # AuthenticationSASL: the mechanisms, each NUL-terminated, then a NUL
        return _back(b"R", struct.pack("!I", 10) + b"SCRAM-SHA-256\x00\x00")
    if msg == "sasl_initial":
        data = texts["client_first"].encode()
        return _front(b"p", b"SCRAM-SHA-256\x00" + struct.pack("!i", len(data)) + data)
    if msg == "sasl_continue":
        return _back(b"R", struct.pack("!I", 11) + texts["server_first"].encode())
    if msg == "sasl_response":
        return _front(b"p", texts["client_final"].encode())
    return _back(b"R", struct.pack("!I", 12) + texts["server_final"].encode())


def _values(value: object, key: str) -> list[object]:
    if value is None:
        return []
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise FieldError(key, f"'{key}' is a list, e.g. [1, 12A, null]")
    return list(value)


def _bind(fields: Mapping[str, Any]) -> bytes:
    """Bind: portal, statement, parameter formats (none: all text), the values, result formats (none)."""
    params = _values(fields.get("params"), "params")
    body = _cstr(fields.get("portal", "")) + _cstr(fields.get("statement", "")) + struct.pack("!H", 0)
    body += struct.pack("!H", len(params))
    for param in params:
        if param is None:
            body += struct.pack("!i", -1)
        else:
            data = _text_of(param).encode()
            body += struct.pack("!i", len(data)) + data
    if "result_format" in fields:  # libpq's PQsendQueryParams sends one code for every column
        return body + struct.pack("!HH", 1, 1 if fields["result_format"] == "binary" else 0)
    return body + struct.pack("!H", 0)


def _text_of(value: object) -> str:
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


def _row_description(fields: Mapping[str, Any]) -> bytes:
    columns = [str(c) for c in _values(fields.get("columns"), "columns")]
    if not columns:
        raise FieldError("columns", "row_description needs 'columns': the result's column names")
    types = [str(t) for t in _values(fields.get("types"), "types")] or ["text"] * len(columns)
    if len(types) != len(columns):
        raise FieldError("types", f"{len(types)} types for {len(columns)} columns")
    table = int(fields.get("table_oid", 0))
    # Each column's attribute number in its table (pg_attribute.attnum); by default its position.
    attnums = [int(str(n)) for n in _values(fields.get("attnums"), "attnums")] or list(range(1, len(columns) + 1))
    if len(attnums) != len(columns):
        raise FieldError("attnums", f"{len(attnums)} attribute numbers for {len(columns)} columns")
    body = struct.pack("!H", len(columns))
    for number, name, type_name in zip(attnums, columns, types, strict=True):
        if type_name not in TYPES:
            raise FieldError("types", f"unknown type '{type_name}'; known: {', '.join(TYPES)}")
        oid, size = TYPES[type_name]
        body += _cstr(name) + struct.pack("!IhIhih", table, number if table else 0, oid, size, -1, 0)
    return body


def _data_row(values: object) -> bytes:
    items = _values(values, "values")
    body = struct.pack("!H", len(items))
    for item in items:
        if item is None:
            body += struct.pack("!i", -1)
        else:
            data = _text_of(item).encode()
            body += struct.pack("!i", len(data)) + data
    return body


def _error(fields: Mapping[str, Any]) -> bytes:
    if "code" not in fields or "message" not in fields:
        raise FieldError(None, "an error needs its SQLSTATE 'code' (e.g. 23514) and its 'message'")
    code = str(fields["code"])
    if len(code) != 5 or not code.isalnum():
        raise FieldError("code", f"'{code}' is not a SQLSTATE: five letters or digits, e.g. 23514, 25P02, 40001")
    values = {**fields, "severity": str(fields.get("severity", "ERROR"))}
    body = b""
    for name, letter in ERROR_FIELDS:
        if letter == b"V" and fields.get("pooler"):  # PgBouncer's own errors carry S, C, M only
            continue
        if name in values:
            body += letter + _cstr(values[name])
    return body + b"\x00"
