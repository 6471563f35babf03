"""HTTP/1.x, HTTP/2 and WebSocket from the friendly fields a scene writes.

HTTP/1.x is assembled as text and handed to scapy to dissect, not built from scapy's
header fields: scapy would reorder headers alphabetically and add ``Content-Length: 0`` to a
GET, and a lesson about HTTP must show the request a real client sends, byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scapy.packet import Packet, Raw

from animator.packets.problems import FieldError, seeded_bytes
from animator.packets.values import unhex

REASONS = {
    100: "Continue", 101: "Switching Protocols", 200: "OK", 201: "Created", 204: "No Content",
    206: "Partial Content", 301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
    307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized",
    403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout", 409: "Conflict",
    413: "Content Too Large", 418: "I'm a teapot", 429: "Too Many Requests", 500: "Internal Server Error",
    501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
}  # fmt: skip

H2_SETTINGS = {
    "header_table_size": 1, "enable_push": 2, "max_concurrent_streams": 3,
    "initial_window_size": 4, "max_frame_size": 5, "max_header_list_size": 6,
}  # fmt: skip
H2_ERRORS = (
    "no_error", "protocol_error", "internal_error", "flow_control_error", "settings_timeout", "stream_closed",
    "frame_size_error", "refused_stream", "cancel", "compression_error", "connect_error", "enhance_your_calm",
    "inadequate_security", "http_1_1_required",
)  # fmt: skip
# Which frames take which fields (RFC 9113 §6); anything else is a mistake worth reporting.
H2_FIELDS_FOR = {
    "preface": set(),
    "data": {"stream", "end_stream", "data"},
    "headers": {"stream", "end_stream", "end_headers", "headers", "hpack"},
    "rst_stream": {"stream", "error"},
    "settings": {"ack", "settings"},
    "push_promise": {"stream", "end_headers", "promised_stream", "headers"},
    "ping": {"ack", "opaque"},
    "goaway": {"last_stream", "error", "data"},
    "window_update": {"stream", "increment"},
}
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
WS_OPCODES = {"continuation": 0, "text": 1, "binary": 2, "close": 8, "ping": 9, "pong": 10}


def http_bytes(fields: Mapping[str, Any]) -> bytes:
    """The HTTP/1.x message exactly as it goes on the wire."""
    is_request = "method" in fields or "path" in fields
    is_response = "status" in fields or "reason" in fields
    if is_request and is_response:
        key = "status" if "status" in fields else "reason"
        raise FieldError(key, "a message is a request (method, path) or a response (status, reason), not both")
    version = str(fields.get("version", "HTTP/1.1"))
    if not version.startswith("HTTP/"):
        raise FieldError("version", f"'{version}' is not an HTTP version (write HTTP/1.1 or HTTP/1.0)")
    body = fields.get("body")
    body_bytes = b"" if body is None else str(body).encode("utf-8")
    headers = {str(k): str(v) for k, v in (fields.get("headers") or {}).items()}
    for name in headers:
        if not name or any(c in name for c in " \t:\r\n"):
            raise FieldError("headers", f"'{name}' is not a header name")
    if body is not None and not any(k.lower() in ("content-length", "transfer-encoding") for k in headers):
        headers["Content-Length"] = str(len(body_bytes))
    if is_response:
        status = int(fields.get("status", 200))
        reason = str(fields.get("reason", REASONS.get(status, "")))
        start = f"{version} {status} {reason}"
    else:
        method = str(fields.get("method", "GET"))
        path = str(fields.get("path", "/"))
        if not method.isalpha() or not method.isupper():
            raise FieldError("method", f"'{method}' is not an HTTP method (e.g. GET, POST, CONNECT)")
        if " " in path or not path:
            raise FieldError("path", f"'{path}' is not a request target (no spaces; e.g. /index.html)")
        start = f"{method} {path} {version}"
    head = start + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    for value in headers.values():
        if "\r" in value or "\n" in value:
            raise FieldError("headers", "a header value cannot contain a line break")
    return head.encode("latin-1", errors="strict") + body_bytes


def build_http(fields: Mapping[str, Any], seed: object) -> Packet:
    from scapy.layers.http import HTTP

    try:
        data = http_bytes(fields)
    except UnicodeEncodeError as exc:
        raise FieldError("headers", "HTTP/1.x headers must be Latin-1 text") from exc
    return HTTP(data)


def _hpack_block(headers: Mapping[str, Any]) -> list[Packet]:
    """Header fields encoded with HPACK: static-table indexes where one matches, literals otherwise."""
    from scapy.contrib.http2 import HPackHdrTable

    table = HPackHdrTable()
    block: list[Packet] = []
    for name, value in headers.items():
        name = str(name)
        if name != name.lower():
            raise FieldError("headers", f"HTTP/2 header names are lower-case: write '{name.lower()}'")
        if "\n" in str(value) or " " in name or not name:
            raise FieldError("headers", f"'{name}' cannot be encoded as an HTTP/2 header")
        # No indexing: every frame then decodes on its own, whatever came before it.
        hdr, _ = table._convert_a_header_to_a_h2_header(name, str(value), lambda n, v: False, lambda n: False)
        block.append(hdr)
    return block


def build_http2(fields: Mapping[str, Any], seed: object) -> Packet:
    from scapy.contrib import http2 as h2

    kind = str(fields.get("frame", "headers"))
    for key in fields:
        if key not in H2_FIELDS_FOR[kind] and key != "frame":
            raise FieldError(
                key, f"a {kind} frame has no '{key}' (it takes: {', '.join(sorted(H2_FIELDS_FOR[kind])) or 'nothing'})"
            )
    if kind == "preface":
        return Raw(H2_PREFACE)
    connection_level = kind in ("settings", "ping", "goaway")
    stream = int(fields.get("stream", 0 if connection_level or kind == "window_update" else 1))
    if kind in ("data", "headers", "rst_stream", "push_promise") and stream == 0:
        raise FieldError("stream", f"a {kind} frame belongs to a stream: stream must not be 0")
    flags: set[str] = set()
    if fields.get("end_stream"):
        flags.add("ES")
    if kind in ("headers", "push_promise") and fields.get("end_headers", True):
        flags.add("EH")
    if fields.get("ack"):
        flags.add("A")
    error = fields.get("error", "no_error")
    error_code = H2_ERRORS.index(error) if isinstance(error, str) else int(error)
    body: Packet
    if kind == "data":
        body = h2.H2DataFrame(data=str(fields.get("data", "")).encode("utf-8"))
    elif kind == "headers" and "hpack" in fields:
        # The header block's exact bytes: how a lesson shows HPACK's dynamic table at work (a second
        # request that only points at entries the first one added), which depends on what the
        # connection sent before and so cannot be encoded from this frame alone.
        if "headers" in fields:
            raise FieldError("hpack", "give either headers (encoded for you) or hpack (the block's bytes), not both")
        body = h2.H2HeadersFrame(unhex(fields["hpack"]))
    elif kind == "headers":
        body = h2.H2HeadersFrame(hdrs=_hpack_block(fields.get("headers") or {}))
    elif kind == "rst_stream":
        body = h2.H2ResetFrame(error=error_code)
    elif kind == "settings":
        settings = fields.get("settings") or {}
        if fields.get("ack") and settings:
            raise FieldError("settings", "a SETTINGS acknowledgement carries no settings")
        body = h2.H2SettingsFrame(settings=[h2.H2Setting(id=H2_SETTINGS[k], value=int(v)) for k, v in settings.items()])
    elif kind == "push_promise":
        promised = int(fields.get("promised_stream", stream + 1))
        body = h2.H2PushPromiseFrame(stream_id=promised, hdrs=_hpack_block(fields.get("headers") or {}))
    elif kind == "ping":
        body = h2.H2PingFrame(opaque=int.from_bytes(unhex(fields.get("opaque", "0000000000000000")), "big"))
    elif kind == "goaway":
        body = h2.H2GoAwayFrame(
            last_stream_id=int(fields.get("last_stream", 0)),
            error=error_code,
            additional_data=str(fields.get("data", "")).encode("utf-8"),
        )
    else:
        body = h2.H2WindowUpdateFrame(win_size_incr=int(fields.get("increment", 65535)))
    # An empty flag set must be 0: scapy looks the names up per frame type, and some types have none.
    return h2.H2Frame(type=body.type_id, flags=flags or 0, stream_id=stream) / body


def build_websocket(fields: Mapping[str, Any], seed: object) -> Packet:
    from animator.packets.websocket import WebSocket

    if "payload" in fields and "hex" in fields:
        raise FieldError("hex", "give the payload as text (payload) or as bytes (hex), not both")
    data = unhex(fields["hex"]) if "hex" in fields else str(fields.get("payload", "")).encode("utf-8")
    opcode = fields.get("opcode", "text")
    opcode = WS_OPCODES[opcode] if isinstance(opcode, str) else int(opcode)
    masked = bool(fields.get("masked", "key" in fields))
    if "key" in fields and not masked:
        raise FieldError("masked", "a masking key means the frame is masked: drop 'masked: false' or the key")
    key = unhex(fields["key"]) if "key" in fields else seeded_bytes(seed, "websocket-key", 4)
    if opcode >= 8 and len(data) > 125:
        raise FieldError("payload", f"a control frame carries at most 125 bytes, not {len(data)} (RFC 6455 §5.5)")
    if opcode >= 8 and not fields.get("fin", True):
        raise FieldError("fin", "control frames cannot be fragmented: fin must be true (RFC 6455 §5.5)")
    frame = WebSocket(fin=int(fields.get("fin", True)), rsv=int(fields.get("rsv", 0)), opcode=opcode, mask=int(masked), data=data)
    if masked:
        frame.key = key
    return frame
