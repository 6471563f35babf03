"""Layer stacks become the bytes a real stack sends: exact bytes, real checksums, real defaults."""

from __future__ import annotations

import struct

import pytest

from animator.packets import build_layers, finalize, protocol_of
from animator.packets.problems import FieldError
from tests.packets.conftest import Layer, internet_checksum, layer

ETHER = layer("ether", src="02:00:00:00:00:17", dst="02:00:00:00:00:01")
IP = layer("ip", src="192.168.1.23", dst="93.184.216.34")


def wire(*layers: Layer, seed: object = 0) -> bytes:
    return finalize(build_layers(list(layers), seed=seed))


def test_tcp_syn_is_byte_exact() -> None:
    # Checked with tshark 4.0: IP and TCP checksums [correct], DF, TTL 64, window 64240,
    # options MSS 1460, NOP, NOP, SACK permitted, NOP, window scale 7.
    expected = (
        "020000000001020000000017" "0800"
        "450000340001400040064329c0a801175db8d822"
        "c3cb0050000000000000000080 02faf0b86a0000" "020405b40101040201030307"
    ).replace(" ", "")  # fmt: skip
    assert wire(ETHER, IP, layer("tcp", sport=50123, dport=80)).hex() == expected


def test_checksums_match_an_independent_computation() -> None:
    frame = wire(ETHER, IP, layer("tcp", sport=50123, dport=443, flags="PA", seq=1, ack=1), layer("raw", load="x" * 33))
    ip = frame[14:34]
    assert internet_checksum(ip) == 0, "IPv4 header checksum"
    segment = frame[34:]
    pseudo = ip[12:20] + struct.pack("!BBH", 0, 6, len(segment))
    assert internet_checksum(pseudo + segment) == 0, "TCP checksum over the pseudo-header"
    assert struct.unpack("!H", ip[2:4])[0] == 20 + len(segment)


def test_udp_checksum_and_length_are_recomputed_after_a_rewrite() -> None:
    pkt = build_layers([IP, layer("udp", sport=5353, dport=53), layer("dns", qname="example.com", id=7)])
    before = finalize(pkt)
    pkt.ttl = 63  # what a router does; finalize must notice
    after = finalize(pkt)
    assert after[8] == 63 and before[8] == 64
    assert internet_checksum(after[:20]) == 0
    udp = after[20:]
    pseudo = after[12:20] + struct.pack("!BBH", 0, 17, len(udp))
    assert struct.unpack("!H", udp[4:6])[0] == len(udp)
    assert internet_checksum(pseudo + udp) == 0


def test_http_request_is_exactly_what_a_client_sends() -> None:
    fields = {"method": "GET", "path": "/", "headers": {"Host": "www.example.com", "User-Agent": "curl/8.5.0", "Accept": "*/*"}}
    frame = wire(IP, layer("tcp", dport=80, flags="PA"), layer("http", **fields))
    assert frame[40:] == b"GET / HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"


def test_http_response_gets_reason_and_content_length() -> None:
    frame = wire(layer("http", status=200, headers={"Content-Type": "text/plain"}, body="hello"))
    assert frame == b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"


def test_websocket_masked_frame_matches_rfc_6455_example() -> None:
    # RFC 6455 section 5.7: a single-frame masked text message "Hello".
    frame = wire(layer("websocket", payload="Hello", key="37fa213d"))
    assert frame.hex() == "818537fa213d7f9f4d5158"
    assert wire(layer("websocket", payload="Hello")).hex() == "810548656c6c6f"  # unmasked (server to client)


@pytest.mark.parametrize(("size", "header"), [(125, "817d"), (126, "817e007e"), (65536, "817f0000000000010000")])
def test_websocket_length_uses_7_16_or_64_bits(size: int, header: str) -> None:
    frame = wire(layer("websocket", opcode="text", payload="a" * size))
    assert frame.hex().startswith(header)
    assert len(frame) == len(header) // 2 + size


def test_fill_ins_a_real_stack_would_make() -> None:
    pkt = build_layers([layer("ip", dst="192.0.2.1"), layer("tcp"), layer("http")])
    assert pkt["IP"].ttl == 64
    assert pkt["TCP"].window == 64240
    assert pkt["TCP"].dport == 80
    assert str(pkt["TCP"].flags) == "PA"
    assert 49152 <= pkt["TCP"].sport <= 65535
    assert wire(layer("ipv6", src="2001:db8::1", dst="2001:db8::2"), layer("udp"))[7] == 64  # hop limit
    assert build_layers([layer("tcp"), layer("tls")])["TCP"].dport == 443
    assert build_layers([layer("udp"), layer("dns")])["UDP"].dport == 53


def test_ephemeral_port_is_deterministic_per_seed() -> None:
    ports = {build_layers([layer("tcp")], seed=s)["TCP"].sport for s in range(20)}
    assert build_layers([layer("tcp")], seed=3)["TCP"].sport == build_layers([layer("tcp")], seed=3)["TCP"].sport
    assert len(ports) > 15, "different conversations get different ports"
    assert all(49152 <= p <= 65535 for p in ports)


def test_syn_gets_mss_option_but_data_segments_do_not() -> None:
    assert dict(build_layers([layer("tcp", flags="S")])["TCP"].options)["MSS"] == 1460
    assert build_layers([layer("tcp", flags="A")])["TCP"].options == []
    assert build_layers([layer("tcp", flags="S", options={"MSS": 536})])["TCP"].options == [("MSS", 536)]


def test_arp_who_has_is_broadcast() -> None:
    frame = wire(layer("ether", src="02:00:00:00:00:17"), layer("arp", op="who-has", psrc="192.168.1.23", pdst="192.168.1.1"))
    assert frame[:6] == b"\xff" * 6
    assert frame[12:14] == b"\x08\x06" and frame[20:22] == b"\x00\x01"


def test_icmp_time_exceeded_quotes_the_original() -> None:
    frame = wire(
        layer("ip", src="10.0.0.1", dst="192.168.1.23"),
        layer("icmp", type="time-exceeded"),
        layer("ip", src="192.168.1.23", dst="203.0.113.9", ttl=1),
        layer("udp", sport=33000, dport=33434),
    )
    assert frame[20] == 11 and internet_checksum(frame[20:]) == 0
    assert frame[28:29] == b"\x45" and frame[28 + 8] == 1, "the quoted IP header keeps the TTL it arrived with"


def test_dns_answer_bytes() -> None:
    frame = wire(layer("dns", id=0x1234, qname="www.example.com", answers=[{"data": "93.184.216.34", "ttl": 300}]))
    assert frame[:4] == bytes.fromhex("12348180")  # response, RD, RA, no error
    assert frame.endswith(bytes.fromhex("00010001" "0000012c" "0004" "5db8d822"))  # fmt: skip


def test_quic_long_header_length_counts_packet_number_and_payload() -> None:
    frame = wire(layer("quic", type="initial", dcid="8394c8f03e515708", pn=2, payload="00" * 20))
    assert frame[:6] == bytes.fromhex("c000000001" "08")  # fmt: skip
    assert frame[6:14].hex() == "8394c8f03e515708"
    assert frame[14:17] == b"\x00\x00\x15"  # SCID length 0, token length 0, Length 21 (1-byte PN + 20)
    short = wire(layer("quic", type="short", dcid="0102030405060708", pn=5))
    assert short[:10].hex() == "400102030405060708" "05"  # fmt: skip


def test_http2_frames_share_a_segment_with_correct_lengths() -> None:
    from scapy.contrib.http2 import H2Seq, HPackHdrTable

    data = wire(
        layer("http2", frame="preface"),
        layer("http2", frame="settings", settings={"max_concurrent_streams": 100}),
        layer("http2", frame="headers", headers={":method": "GET", ":path": "/", ":scheme": "https", "user-agent": "curl"}),
    )
    assert data.startswith(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
    frames = H2Seq(data[24:]).frames
    assert [f.type for f in frames] == [4, 1]
    assert frames[0].len == 6 and frames[0].settings[0].value == 100
    text = HPackHdrTable().gen_txt_repr(frames[1])
    assert text.splitlines()[:3] == [":method GET", ":path /", ":scheme https"] and "user-agent: curl" in text


def test_tls_client_hello_carries_sni_and_alpn() -> None:
    from scapy.layers.tls.record import TLS

    data = wire(layer("tls", msg="client_hello", sni="example.com", alpn=["h2", "http/1.1"]))
    assert data[:3] == b"\x16\x03\x01" and struct.unpack("!H", data[3:5])[0] == len(data) - 5
    assert b"\x00\x0bexample.com" in data and b"\x02h2\x08http/1.1" in data
    assert TLS(data).msg[0].msgtype == 1


def test_http_inside_tls_travels_as_application_data_with_its_real_length() -> None:
    """The content is shown, but the record is as long as on the wire: TLS 1.3 adds the inner
    content type and the 16-byte tag (+17), TLS 1.2 AES-GCM the explicit nonce and the tag (+24)."""
    request = b"GET / HTTP/1.1\r\n\r\n"
    data = wire(layer("tls", msg="application_data"), layer("http", path="/"))
    assert data[:5] == b"\x17\x03\x03" + (len(request) + 17).to_bytes(2, "big")
    assert data[5 : 5 + len(request)] == request and data[5 + len(request)] == 23 and len(data) == 5 + len(request) + 17
    data = wire(layer("tls", msg="application_data", protocol="tls1.2"), layer("http", path="/"))
    assert int.from_bytes(data[3:5], "big") == len(request) + 24 and data[13 : 13 + len(request)] == request


def test_build_refuses_a_stack_check_would_refuse() -> None:
    with pytest.raises(FieldError, match=r"request .* or a response"):
        build_layers([layer("http", method="GET", status=200)])


@pytest.mark.parametrize(
    ("names", "protocol"),
    [(["tcp", "http"], "http"), (["ip", "tcp"], "tcp"), (["udp", "dns"], "dns"), (["tcp", "raw"], "tcp"), ([], "data"),
     (["ipv6", "icmpv6"], "icmp"), (["ether", "arp"], "arp"), (["tcp", "tls", "http2"], "http2")],
)  # fmt: skip
def test_protocol_of_is_the_top_layer(names: list[str], protocol: str) -> None:
    assert protocol_of([layer(n) for n in names]) == protocol


def test_finalize_leaves_the_packet_as_it_was() -> None:
    pkt = build_layers([IP, layer("tcp", sport=1, dport=2)])
    pkt["IP"].chksum = 0x1234  # e.g. a value read back from a capture
    data = finalize(pkt)
    assert internet_checksum(data[:20]) == 0, "recomputed on the wire"
    assert pkt["IP"].chksum == 0x1234, "but the caller's packet is untouched"


def test_quic_initial_keys_and_header_protection_match_rfc_9001() -> None:
    from animator.packets.quic_initial import _mask, initial_keys

    keys = initial_keys(bytes.fromhex("8394c8f03e515708"))  # RFC 9001 A.1
    assert (keys.key.hex(), keys.iv.hex(), keys.hp.hex()) == (
        "1f369613dd76d5467730efcbe3b1a22d", "fa044b2f42a3fd3b46fb255c", "9f50449e04a0e810283a1e9933adedd2"
    )  # fmt: skip
    assert _mask(keys.hp, bytes.fromhex("d1b1c98dd7689fb8ec11d242b123dc9b"))[:5].hex() == "437b9aec36"  # RFC 9001 A.2


def test_client_initial_is_padded_protected_and_carries_the_client_hello() -> None:
    from animator.packets.quic_initial import unprotect_client_initial

    data = wire(layer("quic", type="initial", dcid="8394c8f03e515708", scid="c1", pn=3, sni="example.com", alpn=["h3"]))
    assert len(data) >= 1200, "RFC 9000 §14.1: a client's Initial datagram is at least 1200 bytes"
    assert data[1:14].hex() == "00000001" "08" "8394c8f03e515708"  # fmt: skip
    opened = unprotect_client_initial(data)
    assert opened is not None
    pn, frames = opened
    assert pn == 3 and frames[0] == 0x06, "a CRYPTO frame first"
    assert b"example.com" in frames and b"\x02h3" in frames and frames.rstrip(b"\x00") != frames
    assert b"example.com" not in data, "on the wire it is encrypted"
