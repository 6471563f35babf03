"""The TLS message and protocol names a scene may write, apart from the builders so that checking a
scene's layers does not import scapy (start-up time)."""

from __future__ import annotations

TLS_MESSAGES = (
    "client_hello", "server_hello", "change_cipher_spec", "certificate", "finished", "application_data", "alert",
    "server_key_exchange", "server_hello_done", "client_key_exchange", "encrypted_handshake",
)  # fmt: skip
#: ``protocol:`` of a hello: what the handshake negotiates (the record ``version`` is another field).
TLS_PROTOCOLS = ("tls1.3", "tls1.2")
