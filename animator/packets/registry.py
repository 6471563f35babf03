"""The layers a scene may stack, their fields, and where each one's scapy class lives.

Importing this module imports no scapy: each layer names its scapy module and class as text,
loaded the first time a scene actually uses that layer (``import scapy.all`` costs 1.8 s).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from animator.packets import values as v
from animator.packets.names import DNS_RCODES, DNS_TYPES, ICMPV6_TYPES, PG_MESSAGES, QUIC_TYPES, TLS_MESSAGES, TLS_PROTOCOLS
from animator.packets.offline import forbid_name_lookups

if TYPE_CHECKING:
    from scapy.packet import Packet

Builder = Callable[..., Any]

_L4 = frozenset({"tcp", "udp"})


@dataclass(frozen=True)
class LayerKind:
    """One scene layer name: what it builds, what it may sit on, which fields it takes."""

    name: str
    scapy: str  # "module:Class" of the scapy layer it becomes
    protocol: str  # the packet chip's protocol (animator.model.schema.PROTOCOLS)
    after: frozenset[str]  # layers allowed directly before it in the list ("" = first)
    friendly: Mapping[str, v.Rule] | None = None  # its own fields; None: scapy's field names
    extra: Mapping[str, v.Rule] = field(default_factory=dict)  # friendly additions to scapy's fields
    build: str | None = None  # "module:function" turning friendly fields into a Packet
    stackable: bool = False  # several in a row: records/frames sharing one segment
    doc: str = ""

    def scapy_class(self) -> type[Packet]:
        module, cls = self.scapy.split(":")
        found: type[Packet] = getattr(load(module), cls)
        return found

    def builder(self) -> Builder:
        assert self.build is not None
        module, func = self.build.split(":")
        found: Builder = getattr(load(module), func)
        return found

    def field_rules(self) -> Mapping[str, v.Rule | None]:
        """Every field name this layer accepts, with its value rule (None: a trial build decides)."""
        return _field_rules(self.name)


@functools.cache
def _field_rules(name: str) -> Mapping[str, v.Rule | None]:
    kind = LAYER_NAMES[name]
    if kind.friendly is not None:
        return dict(kind.friendly)
    rules: dict[str, v.Rule | None] = {}
    for fld in kind.scapy_class().fields_desc:
        rules.setdefault(fld.name, v.scapy_field_rule(fld))
    rules.update(kind.extra)
    return rules


@functools.cache
def load(module: str) -> Any:
    """Import one scapy (or our own scapy-based) module, quietly.

    scapy logs warnings (no IPv4 address on an interface, an HTTP layer built outside HTTP) on
    its "scapy" loggers; they are noise in a lecture tool's terminal, so they go to logging
    (``scapy_log``), not to stderr.
    """
    forbid_name_lookups()  # before any layer parses an address; routes scapy's log too
    if module.startswith("scapy.layers.tls"):
        # TLS needs `cryptography`; scapy warns (rather than fails) without it.
        importlib.import_module("scapy.layers.tls.all")
    return importlib.import_module(module)


def _tcp_options(value: object) -> str | None:
    if isinstance(value, Mapping | list):
        return None
    return f"{v.show(value)} is not a list of TCP options (write {{MSS: 1460, SAckOK: true, WScale: 7}})"


def _pg_list(value: object) -> str | None:
    if isinstance(value, list):
        return None
    return f"{v.show(value)} is not a list (write [id, seat] or [1, 12A, null])"


_H2 = "animator.packets.builders_web"
_NET = "animator.packets.builders_net"
_TLS = "animator.packets.builders_tls"
_PG = "animator.packets.builders_pgsql"
_INT31 = v.integer(0, (1 << 31) - 1)

LAYER_NAMES: Mapping[str, LayerKind] = {
    k.name: k
    for k in (
        LayerKind("ether", "scapy.layers.l2:Ether", "ethernet", frozenset({""}), doc="Ethernet II: dst, src, type"),
        LayerKind(
            "arp", "scapy.layers.l2:ARP", "arp", frozenset({"", "ether"}), doc="op (who-has, is-at), hwsrc, psrc, hwdst, pdst"
        ),
        LayerKind(
            "ip", "scapy.layers.inet:IP", "ip", frozenset({"", "ether", "icmp"}), doc="IPv4: src, dst, ttl, id, flags, tos, proto"
        ),
        LayerKind(
            "ipv6", "scapy.layers.inet6:IPv6", "ipv6", frozenset({"", "ether", "icmpv6"}), doc="src, dst, hlim, tc, fl, nh"
        ),
        LayerKind("icmp", "scapy.layers.inet:ICMP", "icmp", frozenset({"", "ip"}), doc="type, code, id, seq"),
        LayerKind(
            "icmpv6",
            "scapy.layers.inet6:ICMPv6EchoRequest",
            "icmp",
            frozenset({"", "ipv6"}),
            friendly={
                "type": v.choice(ICMPV6_TYPES),
                "code": v.integer(0, 255),
                "id": v.integer(0, 0xFFFF),
                "seq": v.integer(0, 0xFFFF),
                "data": v.text,
                "mtu": v.integer(1280, (1 << 32) - 1),
                "target": v.ipv6,
            },
            build=f"{_NET}:build_icmpv6",
        ),
        LayerKind(
            "tcp",
            "scapy.layers.inet:TCP",
            "tcp",
            frozenset({"", "ip", "ipv6"}),
            extra={"options": _tcp_options},
            doc="sport, dport, seq, ack, flags, window, options",
        ),
        LayerKind("udp", "scapy.layers.inet:UDP", "udp", frozenset({"", "ip", "ipv6"}), doc="sport, dport"),
        LayerKind(
            "dns",
            "scapy.layers.dns:DNS",
            "dns",
            _L4 | {""},
            friendly={
                "id": v.integer(0, 0xFFFF),
                "qr": v.boolean,
                "opcode": v.integer(0, 15),
                "aa": v.boolean,
                "tc": v.boolean,
                "rd": v.boolean,
                "ra": v.boolean,
                "rcode": v.choice(DNS_RCODES, (0, 15)),
                "qname": v.text,
                "qtype": v.choice(DNS_TYPES),
                "answers": lambda x: None if isinstance(x, list) else f"{v.show(x)} is not a list of answers",
            },
            build=f"{_NET}:build_dns",
        ),
        LayerKind(
            "vrrp",
            "scapy.layers.vrrp:VRRP",
            "ip",
            frozenset({"", "ip"}),
            friendly={
                "version": v.integer(2, 3),
                "vrid": v.integer(1, 255),
                "priority": v.integer(0, 255),
                "adv": v.integer(1, 255),
                "addrlist": lambda x: None if isinstance(x, list | str) else f"{v.show(x)} is not a list of IPv4 addresses",
            },
            build=f"{_NET}:build_vrrp",
            doc="a VRRP advertisement (IP protocol 112 to 224.0.0.18): version, vrid, priority, adv, addrlist;"
            " a node with vrrp: fills what is left out",
        ),
        LayerKind(
            "http",
            "scapy.layers.http:HTTP",
            "http",
            frozenset({"", "tcp", "tls"}),
            friendly={
                "method": v.text,
                "path": v.text,
                "version": v.text,
                "headers": v.text_map,
                "body": v.text_or_number,
                "status": v.integer(100, 999),
                "reason": v.text,
            },
            build=f"{_H2}:build_http",
        ),
        LayerKind(
            "tls",
            "scapy.layers.tls.record:TLS",
            "tls",
            frozenset({"", "tcp", "tls"}),
            friendly={
                "msg": v.choice(TLS_MESSAGES),
                "protocol": v.choice(TLS_PROTOCOLS),
                "version": v.integer(0x0300, 0x0304),
                "sni": v.text,
                "alpn": v.text_list,
                "length": v.integer(0, 16640),
                "data": v.hex_of(),
                "cert": v.hex_of(),
                "level": v.choice(("warning", "fatal")),
                "description": v.choice(
                    (
                        "close_notify",
                        "unexpected_message",
                        "bad_record_mac",
                        "handshake_failure",
                        "bad_certificate",
                        "certificate_expired",
                        "unknown_ca",
                        "decode_error",
                        "protocol_version",
                        "internal_error",
                        "unrecognized_name",
                        "no_application_protocol",
                    )
                ),
            },
            build=f"{_TLS}:build_tls",
            stackable=True,
        ),
        LayerKind(
            "http2",
            "scapy.contrib.http2:H2Frame",
            "http2",
            frozenset({"", "tcp", "tls", "http2"}),
            friendly={
                "frame": v.choice(
                    ("preface", "data", "headers", "rst_stream", "settings", "push_promise", "ping", "goaway", "window_update")
                ),
                "stream": _INT31,
                "end_stream": v.boolean,
                "end_headers": v.boolean,
                "ack": v.boolean,
                "settings": lambda x: _h2_settings(x),
                "headers": v.text_map,
                "hpack": v.hex_of(),
                "data": v.text_or_number,
                "increment": v.integer(1, (1 << 31) - 1),
                "error": v.choice(
                    (
                        "no_error",
                        "protocol_error",
                        "internal_error",
                        "flow_control_error",
                        "settings_timeout",
                        "stream_closed",
                        "frame_size_error",
                        "refused_stream",
                        "cancel",
                        "compression_error",
                        "connect_error",
                        "enhance_your_calm",
                        "inadequate_security",
                        "http_1_1_required",
                    ),
                    (0, (1 << 32) - 1),
                ),
                "last_stream": _INT31,
                "promised_stream": _INT31,
                "opaque": v.hex_of(8),
            },
            build=f"{_H2}:build_http2",
            stackable=True,
        ),
        LayerKind(
            "websocket",
            "animator.packets.websocket:WebSocket",
            "websocket",
            frozenset({"", "tcp", "tls", "websocket"}),
            friendly={
                "fin": v.boolean,
                "rsv": v.integer(0, 7),
                "opcode": v.choice(("continuation", "text", "binary", "close", "ping", "pong"), (0, 15)),
                "masked": v.boolean,
                "key": v.hex_of(4),
                "payload": v.text_or_number,
                "hex": v.hex_of(),
            },
            build=f"{_H2}:build_websocket",
            stackable=True,
        ),
        LayerKind(
            "pgsql",
            "animator.packets.pgsql:PgMessage",
            "pgsql",
            frozenset({"", "tcp", "pgsql"}),
            friendly={
                "msg": v.choice(PG_MESSAGES),
                "user": v.text,
                "database": v.text,
                "application_name": v.text,
                "password": v.text,
                "sql": v.text,
                "statement": v.text,
                "portal": v.text,
                "params": _pg_list,
                "target": v.choice(("portal", "statement")),
                "max_rows": v.integer(0, (1 << 31) - 1),
                "name": v.text,
                "value": v.text_or_number,
                "pid": v.integer(1, (1 << 31) - 1),
                "key": v.integer(0, (1 << 32) - 1),
                "status": v.choice(("I", "T", "E")),
                "columns": _pg_list,
                "types": _pg_list,
                "table_oid": v.integer(0, (1 << 32) - 1),
                "values": _pg_list,
                "tag": v.text,
                "severity": v.choice(("ERROR", "FATAL", "PANIC")),
                "code": v.text_or_number,
                "message": v.text,
                "detail": v.text,
                "hint": v.text,
                "schema": v.text,
                "table": v.text,
                "column": v.text,
                "constraint": v.text,
                "file": v.text,
                "line": v.text_or_number,
                "routine": v.text,
                "pooler": v.boolean,
                "replication": v.boolean,
                "hot_standby": v.boolean,
                "result_format": v.choice(("text", "binary")),
                "client_encoding": v.text,
                "attnums": _pg_list,
                "start": v.text,
                "end": v.text,
                "write": v.text,
                "flush": v.text,
                "apply": v.text,
                "wal_bytes": v.integer(0, 1 << 20),
                "clock": v.integer(0, (1 << 63) - 1),
                "reply": v.boolean,
            },
            build=f"{_PG}:build_pgsql",
            stackable=True,
            doc="PostgreSQL v3 messages: msg (startup, query, parse, bind, ..., ready, error), sql, status, values",
        ),
        LayerKind(
            "quic",
            "scapy.layers.quic:QUIC",
            "quic",
            frozenset({"", "udp", "quic"}),
            friendly={
                "type": v.choice(QUIC_TYPES),
                "version": v.integer(0, (1 << 32) - 1),
                "dcid": v.hex_of(),
                "scid": v.hex_of(),
                "token": v.hex_of(),
                "pn": v.integer(0, (1 << 32) - 1),
                "payload": v.hex_of(),
                "length": v.integer(0, 65000),
                "spin": v.integer(0, 1),
                "key_phase": v.integer(0, 1),
                "sni": v.text,
                "alpn": v.text_list,
                "odcid": v.hex_of(),
            },
            build=f"{_NET}:build_quic",
            stackable=True,
        ),
        LayerKind(
            "raw",
            "scapy.packet:Raw",
            "data",
            frozenset(
                {
                    "",
                    "ether",
                    "arp",
                    "ip",
                    "ipv6",
                    "icmp",
                    "icmpv6",
                    "tcp",
                    "udp",
                    "dns",
                    "http",
                    "tls",
                    "http2",
                    "websocket",
                    "quic",
                    "pgsql",
                }
            ),
            friendly={"load": v.text_or_number, "hex": v.hex_of()},
            build=f"{_NET}:build_raw",
        ),
    )
}


def _h2_settings(value: object) -> str | None:
    from animator.packets.builders_web import H2_SETTINGS

    if not isinstance(value, Mapping):
        return f"{v.show(value)} is not a mapping (write {{max_concurrent_streams: 100, initial_window_size: 65535}})"
    for key, item in value.items():
        if key not in H2_SETTINGS:
            from animator.model.errors import did_you_mean

            return f"unknown setting {v.show(key)}{did_you_mean(str(key), H2_SETTINGS)}; known: {', '.join(H2_SETTINGS)}"
        if not v.is_int(item) or not 0 <= item < 1 << 32:
            return f"setting {key}: {v.show(item)} is not a number from 0 to 4294967295"
    return None
