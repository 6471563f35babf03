"""QUIC Initial packet protection (RFC 9001 §5): the one QUIC encryption anyone can undo.

Initial keys derive from the client's first Destination Connection ID and a published salt,
for both directions ("client in" and "server in", RFC 9001 §5.2), so anyone who sees the
client's first packet can undo both sides' Initials: Wireshark shows the ClientHello and the
ServerHello from the capture alone. Protecting ours the same way makes an exported QUIC
handshake read like a real one. (Handshake and 1-RTT packets need the TLS secrets: their
payloads stay opaque.)
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass

INITIAL_SALT_V1 = bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")  # RFC 9001 §5.2
MIN_DATAGRAM = 1200  # RFC 9000 §14.1: a datagram carrying an ack-eliciting Initial is padded to at least this
CLIENT, SERVER = b"client in", b"server in"


@dataclass(frozen=True)
class InitialKeys:
    key: bytes
    iv: bytes
    hp: bytes


def _hkdf_expand_label(secret: bytes, label: bytes, length: int) -> bytes:
    full = b"tls13 " + label
    info = struct.pack("!H", length) + bytes([len(full)]) + full + b"\x00"
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(secret, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def initial_keys(dcid: bytes, side: bytes = b"client in") -> InitialKeys:
    initial = hmac.new(INITIAL_SALT_V1, dcid, hashlib.sha256).digest()  # HKDF-Extract
    secret = _hkdf_expand_label(initial, side, 32)
    return InitialKeys(
        _hkdf_expand_label(secret, b"quic key", 16),
        _hkdf_expand_label(secret, b"quic iv", 12),
        _hkdf_expand_label(secret, b"quic hp", 16),
    )


def varint(value: int) -> bytes:
    """RFC 9000 §16 variable-length integer, in its shortest form."""
    if value < 1 << 6:
        return bytes([value])
    if value < 1 << 14:
        return struct.pack("!H", value | 0x4000)
    if value < 1 << 30:
        return struct.pack("!I", value | 0x80000000)
    return struct.pack("!Q", value | 0xC000000000000000)


def read_varint(data: bytes, at: int) -> tuple[int, int]:
    size = 1 << (data[at] >> 6)
    value = int.from_bytes(data[at : at + size], "big") & ((1 << (8 * size - 2)) - 1)
    return value, at + size


def _mask(hp: bytes, sample: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    encryptor = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()  # RFC 9001 §5.4.3: ECB by design
    return encryptor.update(sample) + encryptor.finalize()


def protect_client_initial(dcid: bytes, scid: bytes, pn: int, frames: bytes, version: int = 1, token: bytes = b"") -> bytes:
    """A protected client Initial packet carrying ``frames`` (padded so the datagram reaches 1200 bytes)."""
    return protect_initial(dcid, CLIENT, dcid, scid, pn, frames, version, token)


def protect_initial(
    key_dcid: bytes,
    side: bytes,
    dcid: bytes,
    scid: bytes,
    pn: int,
    frames: bytes,
    version: int = 1,
    token: bytes = b"",
    coalesced: int = 0,
) -> bytes:
    """An Initial packet protected with ``side``'s keys from ``key_dcid`` (the client's first DCID),
    padded with PADDING frames so that it and the ``coalesced`` bytes after it in the same
    datagram reach 1200 bytes (RFC 9000 §14.1, for client and server alike)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    pn_len = 4 if pn >= 1 << 24 else 3 if pn >= 1 << 16 else 2 if pn >= 1 << 8 else 1
    first = 0xC0 | (pn_len - 1)  # long header, fixed bit, type Initial (0)
    head = bytes([first]) + struct.pack("!I", version) + bytes([len(dcid)]) + dcid + bytes([len(scid)]) + scid
    head += varint(len(token)) + token
    # Length is written as a 2-byte varint, as real stacks do, so its size does not depend on the padding.
    overhead = len(head) + 2 + pn_len + 16
    frames += b"\x00" * max(0, MIN_DATAGRAM - coalesced - overhead - len(frames))
    length = pn_len + len(frames) + 16
    header = head + struct.pack("!H", length | 0x4000) + pn.to_bytes(pn_len, "big")
    keys = initial_keys(key_dcid, side)
    nonce = bytes(a ^ b for a, b in zip(keys.iv, pn.to_bytes(12, "big"), strict=True))
    sealed = AESGCM(keys.key).encrypt(nonce, frames, header)
    pn_offset = len(header) - pn_len
    mask = _mask(keys.hp, sealed[4 - pn_len : 20 - pn_len])
    protected_pn = bytes(b ^ m for b, m in zip(header[pn_offset:], mask[1 : 1 + pn_len], strict=False))
    return bytes([first ^ (mask[0] & 0x0F)]) + header[1:pn_offset] + protected_pn + sealed


def unprotect_client_initial(packet: bytes) -> tuple[int, bytes] | None:
    """(packet number, frames) of a client Initial we can decrypt, or None (a server's, or not ours)."""
    if len(packet) < 6 or packet[5] > 20:
        return None
    return unprotect_initial(packet, packet[6 : 6 + packet[5]], CLIENT)


def unprotect_initial(packet: bytes, key_dcid: bytes, side: bytes) -> tuple[int, bytes] | None:
    """(packet number, frames) of an Initial protected with ``side``'s keys from ``key_dcid``, or None."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        if packet[0] & 0xF0 != 0xC0:
            return None
        at = 5
        at += 1 + packet[at]
        at += 1 + packet[at]
        token_len, at = read_varint(packet, at)
        length, at = read_varint(packet, at + token_len)
        keys = initial_keys(key_dcid, side)
        mask = _mask(keys.hp, packet[at + 4 : at + 20])
        first = packet[0] ^ (mask[0] & 0x0F)
        pn_len = (first & 0x03) + 1
        pn_bytes = bytes(b ^ m for b, m in zip(packet[at : at + pn_len], mask[1 : 1 + pn_len], strict=True))
        header = bytes([first]) + packet[1:at] + pn_bytes
        pn = int.from_bytes(pn_bytes, "big")
        nonce = bytes(a ^ b for a, b in zip(keys.iv, pn.to_bytes(12, "big"), strict=True))
        frames = AESGCM(keys.key).decrypt(nonce, packet[at + pn_len : at + length], header)
    except (IndexError, ValueError, InvalidTag):
        return None
    return pn, frames


def frame_names(frames: bytes) -> list[str]:
    """The frame types in a decrypted payload, as Wireshark lists them (runs of PADDING once)."""
    names: list[str] = []
    at = 0
    while at < len(frames):
        kind = frames[at]
        if kind == 0x00:
            while at < len(frames) and frames[at] == 0:
                at += 1
            names.append("PADDING")
        elif kind == 0x01:
            names.append("PING")
            at += 1
        elif kind == 0x02:  # ACK: largest, delay, range count, first range, then the ranges
            values = []
            at += 1
            for _ in range(4):
                value, at = read_varint(frames, at)
                values.append(value)
            for _ in range(2 * values[2]):
                _, at = read_varint(frames, at)
            names.append("ACK")
        elif kind == 0x06:
            _, at = read_varint(frames, at + 1)
            size, at = read_varint(frames, at)
            at += size
            names.append("CRYPTO")
        else:
            names.append(f"frame 0x{kind:02x}")
            break
    return names
