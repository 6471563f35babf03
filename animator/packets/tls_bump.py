"""What an HTTPS-intercepting proxy (Squid's ssl-bump) reads in a ClientHello and writes in the
certificate it mints.

``read_client_hello`` is step 1, "peek": the server name, the ALPN offer and whether the client
offers TLS 1.3, taken from the record's bytes (a ClientHello is never encrypted).

``mint_certificate`` is step 3, "bump": a DER X.509 certificate for the name the client asked for,
issued by the proxy's own CA, as Squid's ``security_file_certgen`` makes one. Its shape is the
certificate the tls-interception scene was checked with (v3, Ed25519, the origin's validity copied,
a subjectAltName with the host), so Wireshark decodes every field; the public key and the
signature are deterministic stand-in bytes of the right sizes, as the other keys in
``builders_tls`` are: nothing here is secret, and nothing verifies against a real CA.
"""

from __future__ import annotations

from dataclasses import dataclass

from animator.packets.problems import seeded_bytes

_ED25519 = bytes.fromhex("06032b6570")  # OID 1.3.101.112
#: The attribute types a distinguished name may use here, with their OIDs (X.520).
_NAME_OIDS = {"C": "550406", "O": "55040a", "OU": "55040b", "CN": "550403", "L": "550407", "ST": "550408"}
_SUBJECT_ALT_NAME = bytes.fromhex("0603551d11")  # OID 2.5.29.17
#: The origin certificate's validity in the scenes (builders_tls.EXAMPLE_CERT), which Squid copies.
_NOT_BEFORE, _NOT_AFTER = b"260101000000Z", b"270101000000Z"


@dataclass(frozen=True)
class ClientHelloInfo:
    """What a proxy peeking at a ClientHello learns before anything is encrypted."""

    sni: str
    alpn: tuple[str, ...]
    #: The client offers TLS 1.3 (supported_versions lists 0x0304); else it speaks TLS 1.2.
    tls13: bool
    #: legacy_session_id, which a TLS 1.3 ServerHello echoes (RFC 8446 §4.1.3).
    session_id: bytes = b""


def read_client_hello(data: bytes) -> ClientHelloInfo | None:
    """The ClientHello at the start of ``data`` (a TLS handshake record), or None if it is none."""
    if len(data) < 9 or data[0] != 22 or data[5] != 1:
        return None
    body = data[9 : 5 + int.from_bytes(data[3:5], "big")]
    try:
        at = 2 + 32  # legacy_version, random
        session_id = bytes(body[at + 1 : at + 1 + body[at]])
        at += 1 + body[at]
        at += 2 + int.from_bytes(body[at : at + 2], "big")  # cipher suites
        at += 1 + body[at]  # compression methods
        end = at + 2 + int.from_bytes(body[at : at + 2], "big")
        at += 2
        sni, tls13 = "", False
        alpn: tuple[str, ...] = ()
        while at + 4 <= end:
            kind, length = int.from_bytes(body[at : at + 2], "big"), int.from_bytes(body[at + 2 : at + 4], "big")
            value = body[at + 4 : at + 4 + length]
            if kind == 0 and len(value) > 5:
                sni = value[5 : 5 + int.from_bytes(value[3:5], "big")].decode("idna")
            elif kind == 16:
                alpn = tuple(_length_prefixed(value[2:]))
            elif kind == 43:
                versions = value[1:]
                tls13 = any(versions[i : i + 2] == b"\x03\x04" for i in range(0, len(versions), 2))
            at += 4 + length
    except (IndexError, UnicodeError):
        return None
    return ClientHelloInfo(sni, alpn, tls13, session_id)


def echo_session_id(server_hello: bytes, session_id: bytes) -> bytes:
    """A ServerHello record whose legacy_session_id is the client's (same length), as TLS 1.3 requires."""
    at = 5 + 4 + 2 + 32  # record header, handshake header, version, random
    if len(session_id) != server_hello[at] or not session_id:
        return server_hello
    return server_hello[: at + 1] + session_id + server_hello[at + 1 + len(session_id) :]


def _length_prefixed(data: bytes) -> list[str]:
    names = []
    while data:
        names.append(data[1 : 1 + data[0]].decode("latin-1"))
        data = data[1 + data[0] :]
    return names


def mint_certificate(host: str, issuer: str, seed: object) -> bytes:
    """A certificate for ``host`` signed (in stand-in bytes) by the CA named ``issuer``, a
    distinguished name written as OpenSSL prints it: ``O=Example Corp, CN=Example Corp Proxy CA``."""
    drawn = seeded_bytes(seed, f"serial {host}", 2)
    serial = bytes([drawn[0] & 0x7F | 0x40]) + drawn[1:]  # a positive two-byte INTEGER: 290 bytes in all
    tbs = _tlv(
        0x30,
        _tlv(0xA0, _tlv(0x02, b"\x02"))  # version 3
        + _tlv(0x02, serial)
        + _tlv(0x30, _ED25519)
        + name(issuer)
        + _tlv(0x30, _tlv(0x17, _NOT_BEFORE) + _tlv(0x17, _NOT_AFTER))
        + name(f"CN={host}")
        + _tlv(0x30, _tlv(0x30, _ED25519) + _tlv(0x03, b"\x00" + seeded_bytes(seed, f"minted key {host}", 32)))
        + _tlv(0xA3, _tlv(0x30, _tlv(0x30, _SUBJECT_ALT_NAME + _tlv(0x04, _tlv(0x30, _tlv(0x82, host.encode("idna"))))))),
    )
    signature = seeded_bytes(seed, f"minted signature {host}", 64)
    return _tlv(0x30, tbs + _tlv(0x30, _ED25519) + _tlv(0x03, b"\x00" + signature))


def name(text: str) -> bytes:
    """A DER Name from ``A=v, B=w`` (each attribute its own RDN, in the order written)."""
    rdns = b""
    for part in text.split(","):
        kind, _, value = part.strip().partition("=")
        oid = _NAME_OIDS.get(kind.strip().upper())
        if oid is None or not value:
            raise ValueError(f"'{part.strip()}' is not an attribute of a name (use {', '.join(_NAME_OIDS)}=value)")
        rdns += _tlv(0x31, _tlv(0x30, _tlv(0x06, bytes.fromhex(oid)) + _tlv(0x0C, value.strip().encode())))
    return _tlv(0x30, rdns)


def _tlv(tag: int, body: bytes) -> bytes:
    length = len(body)
    if length < 0x80:
        return bytes([tag, length]) + body
    size = (length.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + length.to_bytes(size, "big") + body
