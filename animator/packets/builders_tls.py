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
    "application_data": {"version", "length", "data", "protocol"},
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
        data = seal_in_clear(inner, tls12=fields.get("protocol") == "tls1.2")
    elif "protocol" in fields:
        raise FieldError("protocol", "protocol on application_data says how layers above it are sealed: list them after it")
    elif "data" in fields:
        if "length" in fields:
            raise FieldError("length", "give either length (opaque bytes) or data (hex), not both")
        data = unhex(fields["data"])
    else:
        # A TLS 1.3 record: ciphertext plus the 16-byte AEAD tag, so length counts both.
        data = seeded_bytes(seed, "application_data", int(fields.get("length", 32)))
    return TLS(type=23, version=version, msg=[TLSApplicationData(data=data)])


#: What AES-GCM adds to a record's plaintext: TLS 1.3 the inner content type byte and the 16-byte
#: tag (RFC 8446 §5.2); TLS 1.2 the 8-byte explicit nonce and the tag (RFC 5288 §3).
AEAD_OVERHEAD_13, AEAD_OVERHEAD_12 = 1 + 16, 8 + 16


def _stand_in_tag(plaintext: bytes) -> bytes:
    """Sixteen bytes standing for the AEAD tag, computed from the plaintext, so a record sealed
    here can be recognised (and opened) again by anyone who reads it, the inspector included."""
    import hashlib

    return hashlib.sha256(b"PacketStage AEAD tag stand-in" + plaintext).digest()[:16]


def seal_in_clear(plaintext: bytes, tls12: bool = False, sequence: int = 1) -> bytes:
    """An application-data record's body with the plaintext shown but the length real.

    Nothing is encrypted (the lesson shows what encryption hides), but every byte AES-GCM adds is
    there: TLS 1.3 appends the inner content type (23) and the tag, so the record is 17 bytes longer
    than its content; TLS 1.2 puts the explicit nonce (OpenSSL sends the record sequence number)
    in front and the tag behind, 24 bytes more. So the record length, the TCP length and every
    sequence number after it are what a real capture shows.
    """
    if tls12:
        return sequence.to_bytes(8, "big") + plaintext + _stand_in_tag(plaintext)
    return plaintext + bytes([23]) + _stand_in_tag(plaintext)


def opened_in_clear(body: bytes) -> tuple[str, int, int] | None:
    """How ``seal_in_clear`` built ``body``: (protocol, start, end) of its plaintext, or None if it did not."""
    if len(body) >= AEAD_OVERHEAD_13 and body[-17] == 23 and body[-16:] == _stand_in_tag(body[:-17]):
        return "tls1.3", 0, len(body) - AEAD_OVERHEAD_13
    if len(body) >= AEAD_OVERHEAD_12 and body[-16:] == _stand_in_tag(body[8:-16]):
        return "tls1.2", 8, len(body) - 16
    return None


def open_in_clear(body: bytes) -> bytes:
    """The plaintext of a record body ``seal_in_clear`` made (a proxy ending TLS reads this); else the body as is."""
    found = opened_in_clear(body)
    return body if found is None else body[found[1] : found[2]]


def client_hello_message(fields: Mapping[str, Any], seed: object, quic_parameters: bytes) -> bytes:
    """A ClientHello handshake message (no record header) as QUIC carries it in CRYPTO frames."""
    return bytes(_client_hello(fields, seed, quic_parameters))


#: What curl 7.88 with OpenSSL 3.0 (Debian 12) offers, captured with tshark on loopback: cipher
#: suites in its order (TLS 1.3's three first, then TLS 1.2's; a 1.2-only client leaves out the
#: first three), ending with the renegotiation SCSV (RFC 5746), which stands in for an empty
#: renegotiation_info extension.
CURL_CIPHERS = (
    0x1302, 0x1303, 0x1301, 0xC02C, 0xC030, 0x009F, 0xCCA9, 0xCCA8, 0xCCAA, 0xC02B, 0xC02F, 0x009E, 0xC024, 0xC028,
    0x006B, 0xC023, 0xC027, 0x0067, 0xC00A, 0xC014, 0x0039, 0xC009, 0xC013, 0x0033, 0x009D, 0x009C, 0x003D, 0x003C,
    0x0035, 0x002F, 0x00FF,
)  # fmt: skip
TLS13_CIPHERS = (0x1302, 0x1303, 0x1301)
EMPTY_RENEGOTIATION_INFO_SCSV = 0x00FF
#: x25519, secp256r1, x448, secp521r1, secp384r1, then ffdhe2048..8192 (the last five only when TLS 1.3 is offered).
CURL_GROUPS = (X25519, 23, 30, 25, 24, 0x100, 0x101, 0x102, 0x103, 0x104)
#: ecdsa P-256/384/521, ed25519, ed448, rsa_pss_pss x3, rsa_pss_rsae x3, rsa_pkcs1 x3 (TLS 1.3-capable),
#: then the SHA-224 and DSA pairs OpenSSL adds while TLS 1.2 is possible.
SIGNATURE_ALGORITHMS_13 = (
    0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080A, 0x080B, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601,
)  # fmt: skip
SIGNATURE_ALGORITHMS = (*SIGNATURE_ALGORITHMS_13, 0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602)
EXT_SERVER_NAME, EXT_SUPPORTED_GROUPS, EXT_EC_POINT_FORMATS, EXT_SIGNATURE_ALGORITHMS, EXT_ALPN = 0, 10, 11, 13, 16
EXT_PADDING, EXT_ENCRYPT_THEN_MAC, EXT_EXTENDED_MASTER_SECRET, EXT_SUPPORTED_VERSIONS = 21, 22, 23, 43
EXT_PSK_KEY_EXCHANGE_MODES, EXT_POST_HANDSHAKE_AUTH, EXT_KEY_SHARE, EXT_QUIC_TRANSPORT_PARAMETERS = 45, 49, 51, 57
EXT_RENEGOTIATION_INFO = 0xFF01


def _ext(kind: int, body: bytes = b"") -> Packet:
    """One extension from its bytes; scapy parses it into its own class when the record is read back."""
    from scapy.layers.tls.extensions import TLS_Ext_Unknown

    return TLS_Ext_Unknown(type=kind, len=len(body), val=body)


def _u16s(values: tuple[int, ...] | list[int]) -> bytes:
    data = b"".join(v.to_bytes(2, "big") for v in values)
    return len(data).to_bytes(2, "big") + data


def _alpn_body(names: list[str]) -> bytes:
    data = b"".join(bytes([len(n.encode())]) + n.encode() for n in names)
    return len(data).to_bytes(2, "big") + data


def _client_hello(fields: Mapping[str, Any], seed: object, quic_parameters: bytes | None = None) -> Packet:
    """A ClientHello with the extensions curl/OpenSSL 3.0 sends, in its order (checked against a
    tshark capture of curl 7.88.1 on Debian 12): TLS 1.3 needs signature_algorithms, supported_groups,
    supported_versions and key_share (RFC 8446 §9.2), and psk_key_exchange_modes to be resumable.

    Over TCP curl asks OpenSSL to pad (SSL_OP_ALL includes SSL_OP_TLSEXT_PADDING; ``openssl
    s_client`` does not): a message of 256 to 511 bytes grows to 512 with the padding extension
    (RFC 7685: F5 load balancers choked on such hellos), which is why curl's ClientHello is a
    517-byte segment. In QUIC the hello offers TLS 1.3 alone, no session id (RFC 9001 §8.4) and no padding
    extension (the Initial packet is padded instead), and adds quic_transport_parameters.
    """
    from scapy.layers.tls.handshake import TLSClientHello

    tls12 = fields.get("protocol") == "tls1.2"
    quic = quic_parameters is not None
    ext: list[Packet] = []
    if "sni" in fields:
        name = str(fields["sni"]).encode("idna")
        entry = bytes([0]) + len(name).to_bytes(2, "big") + name
        ext.append(_ext(EXT_SERVER_NAME, len(entry).to_bytes(2, "big") + entry))
    if not quic:
        ext.append(_ext(EXT_EC_POINT_FORMATS, bytes([3, 0, 1, 2])))  # uncompressed, ansiX962 prime and char2
    groups = (X25519, 23, 24) if quic else CURL_GROUPS[:5] if tls12 else CURL_GROUPS
    ext.append(_ext(EXT_SUPPORTED_GROUPS, _u16s(groups)))
    alpn = fields.get("alpn")
    if alpn:
        ext.append(_ext(EXT_ALPN, _alpn_body([str(n) for n in ([alpn] if isinstance(alpn, str) else list(alpn))])))
    if not quic:
        ext += [_ext(EXT_ENCRYPT_THEN_MAC), _ext(EXT_EXTENDED_MASTER_SECRET)]
        if not tls12:
            ext.append(_ext(EXT_POST_HANDSHAKE_AUTH))
    ext.append(_ext(EXT_SIGNATURE_ALGORITHMS, _u16s(SIGNATURE_ALGORITHMS_13 if quic else SIGNATURE_ALGORITHMS)))
    if not tls12:  # a TLS 1.2-only client (curl --tls-max 1.2) offers none of these
        versions = bytes([0x03, 0x04]) if quic else bytes([0x03, 0x04, 0x03, 0x03, 0x03, 0x02, 0x03, 0x01])
        share = seeded_bytes(seed, "client-share", 32)
        entry = X25519.to_bytes(2, "big") + len(share).to_bytes(2, "big") + share
        ext += [
            _ext(EXT_SUPPORTED_VERSIONS, bytes([len(versions)]) + versions),
            _ext(EXT_PSK_KEY_EXCHANGE_MODES, bytes([1, 1])),  # psk_dhe_ke
            _ext(EXT_KEY_SHARE, len(entry).to_bytes(2, "big") + entry),
        ]
    if quic_parameters is not None:
        ext.append(_ext(EXT_QUIC_TRANSPORT_PARAMETERS, quic_parameters))  # RFC 9001 §8.2
    ciphers = (0x1301, 0x1302, 0x1303) if quic else CURL_CIPHERS[3:] if tls12 else CURL_CIPHERS
    hello = TLSClientHello(
        version=0x0303,
        gmt_unix_time=int.from_bytes(seeded_bytes(seed, "client-random", 4), "big"),
        random_bytes=seeded_bytes(seed, "client-random-rest", 28),
        # TLS 1.3 "middlebox compatibility mode" (RFC 8446 D.4) over TCP; QUIC forbids it (RFC 9001 §8.4),
        # and a TLS 1.2-only OpenSSL client starting a new session sends none.
        sid=b"" if quic or tls12 else seeded_bytes(seed, "session-id", 32),
        ciphers=list(ciphers),
        ext=ext,
    )
    if not quic:
        # OpenSSL's tls_construct_ctos_padding (with SSL_OP_TLSEXT_PADDING, as curl sets): 256-511 bytes become 512.
        size = len(bytes(hello))
        if 0xFF < size < 0x200:
            hello.ext = [*ext, _ext(EXT_PADDING, bytes(max(0, 0x200 - size - 4)))]
    return hello


def server_hello_message(seed: object) -> bytes:
    """A TLS 1.3 ServerHello (no record header) as QUIC carries it: no session id to echo (RFC 9001 §8.4)."""
    return bytes(_server_hello(seed, b""))


def _server_hello(seed: object, sid: bytes | None = None) -> Packet:
    from scapy.layers.tls.extensions import TLS_Ext_SupportedVersion_SH
    from scapy.layers.tls.handshake import TLS13ServerHello
    from scapy.layers.tls.keyexchange_tls13 import KeyShareEntry, TLS_Ext_KeyShare_SH

    return TLS13ServerHello(
        random_bytes=seeded_bytes(seed, "server-random", 32),
        sid=seeded_bytes(seed, "session-id", 32) if sid is None else sid,
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
    """TLS 1.2's ServerHello as OpenSSL's s_server answers curl: it may only echo what the ClientHello
    offered (RFC 5246 §7.4.1.4, else the client aborts). renegotiation_info answers the client's
    renegotiation SCSV (RFC 5746 §3.6), ec_point_formats its point formats (RFC 8422 §5.2), ALPN
    its list, extended_master_secret its own (RFC 7627); encrypt_then_mac is not echoed for an AEAD
    suite (RFC 7366 §3). Same order as the capture: 65281, 11, 16, 23."""
    from scapy.layers.tls.handshake import TLSServerHello

    ext: list[Packet] = [_ext(EXT_RENEGOTIATION_INFO, b"\x00"), _ext(EXT_EC_POINT_FORMATS, bytes([3, 0, 1, 2]))]
    alpn = fields.get("alpn")
    if alpn:
        names = [alpn] if isinstance(alpn, str) else list(alpn)
        if len(names) != 1:
            raise FieldError("alpn", "a server selects exactly one application protocol")
        ext.append(_ext(EXT_ALPN, _alpn_body([str(names[0])])))
    ext.append(_ext(EXT_EXTENDED_MASTER_SECRET))
    return TLSServerHello(
        version=0x0303,
        gmt_unix_time=int.from_bytes(seeded_bytes(seed, "server-random", 4), "big"),
        random_bytes=seeded_bytes(seed, "server-random-rest", 28),
        sid=seeded_bytes(seed, "session-id", 32),
        cipher=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ext=ext,
    )
