"""The names a scene may write for layer fields (TLS messages, DNS record types, QUIC packet types,
ICMPv6 types), apart from the builders so that checking a scene's layers does not import scapy
(start-up time), and in one place so that the checks and the builders accept the same names."""

from __future__ import annotations

TLS_MESSAGES = (
    "client_hello", "server_hello", "change_cipher_spec", "certificate", "finished", "application_data", "alert",
    "server_key_exchange", "server_hello_done", "client_key_exchange", "encrypted_handshake",
)  # fmt: skip
#: ``protocol:`` of a hello: what the handshake negotiates (the record ``version`` is another field).
TLS_PROTOCOLS = ("tls1.3", "tls1.2")

DNS_RCODES = ("ok", "format-error", "server-failure", "name-error", "not-implemented", "refused")
DNS_TYPES = ("A", "AAAA", "CNAME", "MX", "NS", "PTR", "SOA", "SRV", "TXT", "HTTPS", "ANY")
QUIC_TYPES = ("initial", "0rtt", "handshake", "short")
ICMPV6_TYPES = (
    "echo-request",
    "echo-reply",
    "dest-unreach",
    "packet-too-big",
    "time-exceeded",
    "neighbor-solicit",
    "neighbor-advert",
)

#: Which side sends each message: frontend (the application) or backend (the server).
FRONTEND_MSGS = (
    "ssl_request", "startup", "sasl_initial", "sasl_response", "query", "parse", "bind", "describe",
    "execute", "sync", "terminate",
)  # fmt: skip
BACKEND_MSGS = (
    "ssl_refused", "auth_sasl", "sasl_continue", "sasl_final", "auth_ok", "parameter_status", "parameters",
    "backend_key", "ready", "row_description", "data_row", "command_complete", "error", "parse_complete",
    "bind_complete", "no_data", "empty_query",
)  # fmt: skip
#: Streaming replication's messages (``animator.packets.pgsql_replication``): CopyBothResponse and
#: the CopyData payloads w (XLogData), k (keepalive), r (standby status update).
REPLICATION_MSGS = ("copy_both", "xlog_data", "keepalive", "standby_status")
#: Every PostgreSQL message a ``pgsql`` layer may be (``animator.packets.builders_pgsql``).
PG_MESSAGES = FRONTEND_MSGS + BACKEND_MSGS + REPLICATION_MSGS
