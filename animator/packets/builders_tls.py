"""TLS records from friendly fields: a TLS 1.3 handshake as a capture shows it.

Nothing is encrypted. Key shares, randoms and encrypted payloads are deterministic stand-in
bytes of the right sizes, and the certificate is a real DER X.509 certificate for example.com
(made once with ``cryptography``, Ed25519, stored below) so Wireshark decodes every field.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from scapy.packet import Packet

from animator.packets.problems import FieldError, seeded_bytes
from animator.packets.values import unhex

TLS_FIELDS_FOR = {
    "client_hello": {"sni", "alpn", "version", "protocol"},
    "server_hello": {"version", "protocol", "alpn"},
    "server_key_exchange": {"version"},
    "server_hello_done": {"version"},
    "client_key_exchange": {"version"},
    "encrypted_handshake": {"version", "length"},
    "change_cipher_spec": {"version"},
    "certificate": {"version", "cert"},
    "finished": {"version"},
    "application_data": {"version", "length", "data"},
    "alert": {"version", "level", "description"},
}
ALERT_LEVELS = ("warning", "fatal")
ALERT_DESCRIPTIONS = {
    "close_notify": 0, "unexpected_message": 10, "bad_record_mac": 20, "handshake_failure": 40,
    "bad_certificate": 42, "certificate_expired": 45, "unknown_ca": 48, "decode_error": 50,
    "protocol_version": 70, "internal_error": 80, "unrecognized_name": 112, "no_application_protocol": 120,
}  # fmt: skip
EXAMPLE_CERT = base64.b64decode(
    "MIIBETCBxKADAgECAgJQVDAFBgMrZXAwITEfMB0GA1UEAwwWUGFja2V0U3RhZ2UgRXhhbXBsZSBDQTAeFw0yNjAxMDEwMDAwMDBaFw0yNzAx"
    "MDEwMDAwMDBaMBYxFDASBgNVBAMMC2V4YW1wbGUuY29tMCowBQYDK2VwAyEAA6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbijKzAp"
    "MCcGA1UdEQQgMB6CC2V4YW1wbGUuY29tgg93d3cuZXhhbXBsZS5jb20wBQYDK2VwA0EAL+TCCJtiio0snhF5HJXiPhOWmktcaeWInFbQXUnx"
    "NNhtcDmHQDESYMxoPmQ+nEvT9hmtIXHRhi34pitCdpZsCQ=="
)
TLS_AES_128_GCM_SHA256 = 0x1301
TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = 0xC02B  # TLS 1.2; the example certificate's Ed25519 key signs (RFC 8422)
ED25519 = 0x0807
X25519 = 29


def build_tls(fields: Mapping[str, Any], seed: object, inner: bytes | None = None) -> Packet:
    """One TLS record. ``inner`` is the plaintext of the layers above an application_data record.

    The record is built, then read back from its bytes: scapy keeps a dissected packet's wire
    bytes, so every later build (one per hop) reuses them instead of re-running scapy's TLS
    session machinery, which costs milliseconds per record.
    """
    from scapy.layers.tls.record import TLS

    return _keep_handshake_type(TLS(bytes(_record(fields, seed, inner))))


def _record(fields: Mapping[str, Any], seed: object, inner: bytes | None) -> Packet:
    from scapy.layers.tls.record import TLS, TLSAlert, TLSApplicationData, TLSChangeCipherSpec

    msg = str(fields.get("msg", "application_data" if inner is not None else "client_hello"))
    for key in fields:
        if key != "msg" and key not in TLS_FIELDS_FOR[msg]:
            raise FieldError(key, f"a TLS {msg} has no '{key}' (it takes: {', '.join(sorted(TLS_FIELDS_FOR[msg]))})")
    if inner is not None and msg != "application_data":
        raise FieldError("msg", "layers above tls travel inside an application_data record: write msg: application_data")
    version = int(fields.get("version", 0x0301 if msg == "client_hello" else 0x0303))
    if msg == "client_hello":
        return TLS(type=22, version=version, msg=[_client_hello(fields, seed)])
    if msg == "server_hello":
        if fields.get("protocol") == "tls1.2":
            return TLS(type=22, version=version, msg=[_server_hello_12(fields, seed)])
        if "alpn" in fields:
            raise FieldError("alpn", "a TLS 1.3 ServerHello carries no ALPN: it travels encrypted, in EncryptedExtensions")
        return TLS(type=22, version=version, msg=[_server_hello(seed)])
    if msg in TLS12_KEY_EXCHANGE:
        return _handshake_record(version, _tls12_handshake(msg, seed))
    if msg == "encrypted_handshake":
        # TLS 1.2's Finished after ChangeCipherSpec: AES-GCM's 8-byte explicit nonce, the 16-byte
        # message (4-byte header + 12-byte verify_data) and the 16-byte tag = 40 bytes, as openssl sends.
        return _handshake_record(version, seeded_bytes(seed, "encrypted-handshake", int(fields.get("length", 40))))
    if msg == "change_cipher_spec":
        return TLS(type=20, version=version, msg=[TLSChangeCipherSpec()])
    if msg == "certificate":
        from scapy.layers.tls.handshake import TLSCertificate

        cert = unhex(fields["cert"]) if "cert" in fields else EXAMPLE_CERT
        return TLS(type=22, version=version, msg=[TLSCertificate(certs=[(len(cert), cert)])])
    if msg == "finished":
        from scapy.layers.tls.handshake import TLSFinished

        return TLS(type=22, version=version, msg=[TLSFinished(vdata=seeded_bytes(seed, "finished", 32))])
    if msg == "alert":
        level = fields.get("level", "fatal")
        description = fields.get("description", "close_notify")
        return TLS(
            type=21,
            version=version,
            msg=[TLSAlert(level=ALERT_LEVELS.index(level) + 1, descr=ALERT_DESCRIPTIONS[description])],
        )
    if inner is not None:
        if "length" in fields or "data" in fields:
            raise FieldError("length", "the record's content is the layers above it: leave out length and data")
        data = inner
    elif "data" in fields:
        if "length" in fields:
            raise FieldError("length", "give either length (opaque bytes) or data (hex), not both")
        data = unhex(fields["data"])
    else:
        # A TLS 1.3 record: ciphertext plus the 16-byte AEAD tag, so length counts both.
        data = seeded_bytes(seed, "application_data", int(fields.get("length", 32)))
    return TLS(type=23, version=version, msg=[TLSApplicationData(data=data)])


def client_hello_message(fields: Mapping[str, Any], seed: object, quic_parameters: bytes) -> bytes:
    """A ClientHello handshake message (no record header) as QUIC carries it in CRYPTO frames."""
    return bytes(_client_hello(fields, seed, quic_parameters))


def _client_hello(fields: Mapping[str, Any], seed: object, quic_parameters: bytes | None = None) -> Packet:
    from scapy.layers.tls.extensions import (
        ProtocolName,
        ServerName,
        TLS_Ext_ALPN,
        TLS_Ext_ServerName,
        TLS_Ext_SupportedGroups,
        TLS_Ext_SupportedVersion_CH,
        TLS_Ext_Unknown,
    )
    from scapy.layers.tls.handshake import TLSClientHello
    from scapy.layers.tls.keyexchange_tls13 import KeyShareEntry, TLS_Ext_KeyShare_CH

    ext: list[Packet] = []
    if "sni" in fields:
        ext.append(TLS_Ext_ServerName(servernames=[ServerName(servername=str(fields["sni"]).encode("idna"))]))
    alpn = fields.get("alpn")
    if alpn:
        names = [alpn] if isinstance(alpn, str) else list(alpn)
        ext.append(TLS_Ext_ALPN(protocols=[ProtocolName(protocol=str(n).encode()) for n in names]))
    ext.append(TLS_Ext_SupportedGroups(groups=[X25519, 23]))
    tls12 = fields.get("protocol") == "tls1.2"
    if not tls12:  # a TLS 1.2-only client (openssl s_client -tls1_2) offers neither
        ext += [
            TLS_Ext_SupportedVersion_CH(versions=[0x0304, 0x0303]),
            TLS_Ext_KeyShare_CH(client_shares=[KeyShareEntry(group=X25519, key_exchange=seeded_bytes(seed, "client-share", 32))]),
        ]
    if quic_parameters is not None:
        ext.append(TLS_Ext_Unknown(type=0x39, val=quic_parameters))  # quic_transport_parameters, RFC 9001 §8.2
    return TLSClientHello(
        version=0x0303,
        gmt_unix_time=int.from_bytes(seeded_bytes(seed, "client-random", 4), "big"),
        random_bytes=seeded_bytes(seed, "client-random-rest", 28),
        # TLS 1.3 "middlebox compatibility mode" (RFC 8446 D.4) over TCP; QUIC forbids it (RFC 9001 §8.4).
        sid=b"" if quic_parameters is not None else seeded_bytes(seed, "session-id", 32),
        ciphers=[TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 0xC02F] if tls12 else [TLS_AES_128_GCM_SHA256, 0x1302, 0x1303],
        ext=ext,
    )


def _server_hello(seed: object) -> Packet:
    from scapy.layers.tls.extensions import TLS_Ext_SupportedVersion_SH
    from scapy.layers.tls.handshake import TLS13ServerHello
    from scapy.layers.tls.keyexchange_tls13 import KeyShareEntry, TLS_Ext_KeyShare_SH

    return TLS13ServerHello(
        random_bytes=seeded_bytes(seed, "server-random", 32),
        sid=seeded_bytes(seed, "session-id", 32),
        cipher=TLS_AES_128_GCM_SHA256,
        ext=[
            TLS_Ext_SupportedVersion_SH(version=0x0304),
            TLS_Ext_KeyShare_SH(server_share=KeyShareEntry(group=X25519, key_exchange=seeded_bytes(seed, "server-share", 32))),
        ],
    )


def _handshake_record(version: int, body: bytes) -> Packet:
    """A handshake record around bytes scapy cannot build itself (it would relabel them application data)."""
    from scapy.layers.tls.record import TLS

    return _keep_handshake_type(TLS(bytes([22]) + version.to_bytes(2, "big") + len(body).to_bytes(2, "big") + body))


def _keep_handshake_type(record: Packet) -> Packet:
    """Opaque handshake bytes (TLS 1.2's encrypted Finished) parse as a Raw message, which scapy
    writes back as an application-data record: keep them in a TLS-aware container so type 22 stays."""
    from scapy.layers.tls.record import TLSApplicationData

    if record.type == 22 and record.msg and type(record.msg[0]).__name__ == "Raw":
        record.msg = [TLSApplicationData(data=bytes(record.msg[0]))]
    return record


TLS12_KEY_EXCHANGE = ("server_key_exchange", "server_hello_done", "client_key_exchange")


def _tls12_handshake(msg: str, seed: object) -> bytes:
    """TLS 1.2's ECDHE key-exchange messages (RFC 5246 §7.4, RFC 8422 §5.4 and §5.7) as raw bytes.

    Written out by hand because scapy parses them only inside a live session that knows the
    cipher suite; Wireshark decodes them from the bytes alone.
    """
    if msg == "server_hello_done":
        return bytes([14, 0, 0, 0])
    if msg == "client_key_exchange":
        point = seeded_bytes(seed, "client-share", 32)
        return bytes([16]) + (1 + len(point)).to_bytes(3, "big") + bytes([len(point)]) + point
    point = seeded_bytes(seed, "server-share", 32)
    signature = seeded_bytes(seed, "ske-signature", 64)  # an Ed25519 signature is 64 bytes
    body = (
        bytes([3]) + X25519.to_bytes(2, "big") + bytes([len(point)]) + point  # named_curve x25519, the public point
        + ED25519.to_bytes(2, "big") + len(signature).to_bytes(2, "big") + signature
    )  # fmt: skip
    return bytes([12]) + len(body).to_bytes(3, "big") + body


def _server_hello_12(fields: Mapping[str, Any], seed: object) -> Packet:
    from scapy.layers.tls.extensions import ProtocolName, TLS_Ext_ALPN, TLS_Ext_ExtendedMasterSecret, TLS_Ext_RenegotiationInfo
    from scapy.layers.tls.handshake import TLSServerHello

    ext: list[Packet] = [TLS_Ext_RenegotiationInfo(), TLS_Ext_ExtendedMasterSecret()]
    alpn = fields.get("alpn")
    if alpn:
        names = [alpn] if isinstance(alpn, str) else list(alpn)
        if len(names) != 1:
            raise FieldError("alpn", "a server selects exactly one application protocol")
        ext.append(TLS_Ext_ALPN(protocols=[ProtocolName(protocol=str(names[0]).encode())]))
    return TLSServerHello(
        version=0x0303,
        gmt_unix_time=int.from_bytes(seeded_bytes(seed, "server-random", 4), "big"),
        random_bytes=seeded_bytes(seed, "server-random-rest", 28),
        sid=seeded_bytes(seed, "session-id", 32),
        cipher=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ext=ext,
    )
