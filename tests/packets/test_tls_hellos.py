"""TLS hellos as curl and OpenSSL really send them, and a ServerHello a real client would accept.

The reference is tests/packets/data/curl-openssl-hellos.pcapng: curl 7.88.1 (OpenSSL 3.0.19,
Debian 12) against ``openssl s_server`` on loopback, captured with tshark: a TLS 1.3 handshake
(``curl -k https://example.com:14433/``, ALPN h2 and http/1.1) and a TLS 1.2 one (``curl --http1.1
--tlsv1.2 --tls-max 1.2``). Our hellos must match it field by field as tshark reads them, except
the server's cipher-suite choice (ours is the AES-128 suite the scenes teach; s_server took the
client's first, AES-256).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether
from scapy.layers.tls.handshake import TLSClientHello
from scapy.packet import Raw
from scapy.utils import wrpcap

from animator.packets.builders_tls import build_tls
from animator.packets.quic_initial import read_varint, unprotect_client_initial
from tests.packets.conftest import layer
from tests.packets.test_packet_build import wire

REAL = Path(__file__).parent / "data" / "curl-openssl-hellos.pcapng"
FIELDS = (
    "tls.record.length", "tls.handshake.type", "tls.handshake.session_id_length", "tls.handshake.ciphersuite",
    "tls.handshake.extension.type", "tls.handshake.extension.len", "tls.handshake.extensions_supported_group",
    "tls.handshake.sig_hash_alg", "tls.handshake.extensions.supported_version",
    "tls.handshake.extensions_ec_point_format", "tls.handshake.extensions_key_share_group",
    "tls.extension.psk_ke_mode", "tls.handshake.extensions_alpn_str",
)  # fmt: skip
SIGNATURE_ALGORITHMS = 13

CH13 = {"msg": "client_hello", "sni": "example.com", "alpn": ["h2", "http/1.1"]}
CH12 = {"msg": "client_hello", "protocol": "tls1.2", "sni": "example.com", "alpn": ["http/1.1"]}
SH12 = {"msg": "server_hello", "protocol": "tls1.2", "alpn": "http/1.1"}
SH13 = {"msg": "server_hello"}


def fields_of(tshark: Callable[..., str], capture: Path) -> list[dict[str, str]]:
    args = [a for f in FIELDS for a in ("-e", f)]
    out = tshark(capture, "-d", "tcp.port==14433,tls", "-T", "fields", "-E", "occurrence=a", *args)
    return [dict(zip(FIELDS, line.split("\t"), strict=True)) for line in out.splitlines()]


def test_our_hellos_match_curl_and_openssl_field_by_field(tshark: Callable[..., str], tmp_path: Path) -> None:
    ours = tmp_path / "ours.pcapng"
    ends = ((40000, 14433), (14433, 40000), (40001, 14433), (14433, 40001))  # two connections, as captured
    # The TLS 1.2 server's first flight is one segment, as s_server sent it.
    flight12 = [SH12, {"msg": "certificate"}, {"msg": "server_key_exchange"}, {"msg": "server_hello_done"}]
    payloads = [bytes(build_tls(CH13, 0)), bytes(build_tls(SH13, 0)), bytes(build_tls(CH12, 1))]
    payloads.append(b"".join(bytes(build_tls(f, 1)) for f in flight12))
    frames = [
        Ether() / IP(src="127.0.0.1", dst="127.0.0.1") / TCP(sport=a, dport=b, flags="PA", seq=1, ack=1) / Raw(data)
        for data, (a, b) in zip(payloads, ends, strict=True)
    ]
    wrpcap(str(ours), frames)
    real, made = fields_of(tshark, REAL), fields_of(tshark, ours)
    assert len(real) == len(made) == 4
    for number, (want, got) in enumerate(zip(real, made, strict=True), start=1):
        if number in (2, 4):  # the ServerHellos: the server's choice of suite differs on purpose
            want = {**want, "tls.handshake.ciphersuite": ""}
            got = {**got, "tls.handshake.ciphersuite": ""}
        if number == 2:  # s_server's encrypted flight follows in the segment; compare the ServerHello record
            want["tls.record.length"] = want["tls.record.length"].split(",")[0]
        if number == 4:  # the certificates differ (ours is the scenes' example.com one)
            want["tls.record.length"] = _drop(want["tls.record.length"], 1)
            got["tls.record.length"] = _drop(got["tls.record.length"], 1)
        assert got == want, f"hello {number}"


def _drop(values: str, index: int) -> str:
    items = values.split(",")
    return ",".join(items[:index] + items[index + 1 :])


def extensions(hello: object) -> list[int]:
    return [ext.type for ext in hello.ext]  # type: ignore[attr-defined]


def quic_client_hello() -> TLSClientHello:
    opened = unprotect_client_initial(wire(layer("quic", type="initial", dcid="8394c8f03e515708", scid="c1", sni="a.example")))
    assert opened is not None
    frames = opened[1]
    assert frames[0] == 0x06
    _, at = read_varint(frames, 1)
    size, at = read_varint(frames, at)
    return TLSClientHello(frames[at : at + size])


@pytest.mark.parametrize("hello", ["tls1.3", "quic"])
def test_every_tls13_client_hello_has_what_rfc_8446_makes_mandatory(hello: str) -> None:
    """RFC 8446 §9.2: a TLS 1.3 ClientHello without signature_algorithms (or supported_groups,
    supported_versions, key_share) is refused with missing_extension."""
    ch = quic_client_hello() if hello == "quic" else build_tls(CH13, 1).msg[0]
    assert {SIGNATURE_ALGORITHMS, 10, 43, 51, 45} <= set(extensions(ch))
    if hello == "quic":
        assert 57 in extensions(ch) and ch.sid in (b"", None) and 21 not in extensions(ch)  # RFC 9001 §8.2, §8.4
        assert list(ch.ciphers) == [0x1301, 0x1302, 0x1303]


def test_a_tls12_server_hello_echoes_only_what_the_client_hello_offered() -> None:
    """RFC 5246 §7.4.1.4: an extension the client did not offer makes it abort. renegotiation_info
    may answer the client's TLS_EMPTY_RENEGOTIATION_INFO_SCSV instead (RFC 5746 §3.6)."""
    client = build_tls(CH12, 1).msg[0]
    server = build_tls(SH12, 1).msg[0]
    offered = set(extensions(client)) | ({0xFF01} if 0x00FF in client.ciphers else set())
    assert set(extensions(server)) <= offered
    assert server.cipher in client.ciphers
    assert 0x00FF in client.ciphers and 23 in extensions(client), "curl offers the SCSV and extended_master_secret"
