"""Dissection: every field names the exact bytes it occupies, and no input makes it raise."""

from __future__ import annotations

import itertools
import random

import pytest
from scapy.layers.dns import DNS, DNSQR
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import ARP, Ether

from animator.packets.dissect import FieldNode, changed_paths, dissect, node_at, walk


def find(nodes: tuple[FieldNode, ...], *path: str) -> FieldNode:
    found = dict(walk(nodes))
    assert path in found, sorted(found)
    return found[path]


def syn_ack(ttl: int = 64) -> bytes:
    frame = (
        Ether(src="02:00:5e:10:00:0a", dst="02:00:5e:10:00:14")
        / IP(src="192.168.1.10", dst="192.168.1.20", ttl=ttl, flags="DF")
        / TCP(sport=50312, dport=9000, flags="SA", seq=5000, ack=1001, options=[("MSS", 1460), ("NOP", None), ("WScale", 7)])
    )
    return bytes(frame)


def test_layers_come_ethernet_first_and_tile_the_frame() -> None:
    frame = syn_ack()
    nodes = dissect(frame)
    assert [n.key for n in nodes] == ["Ether", "IP", "TCP"]
    assert nodes[0].start == 0 and nodes[-1].end == len(frame)
    assert all(a.end == b.start for a, b in itertools.pairwise(nodes))


def test_ipv4_ttl_is_byte_22_of_the_frame() -> None:
    frame = syn_ack(ttl=57)
    ttl = find(dissect(frame), "IP", "ttl")
    assert (ttl.start, ttl.end) == (22, 23)
    assert frame[22] == 57 and ttl.value == "57" and ttl.label == "Time to live"


def test_ip_protocols_are_named_without_etc_protocols(monkeypatch: pytest.MonkeyPatch) -> None:
    """OSPF (89) and VRRP (112) are named even where /etc/protocols is missing (scapy's IP_PROTOS is read
    from it; a pristine Debian without netbase left them nameless: found by scripts/fresh-machine.sh), and
    a number only scapy's table knows is named from it (its lookup once used a get() it does not have)."""
    import scapy.data

    empty = type(scapy.data.IP_PROTOS)(_name="empty")
    monkeypatch.setattr(scapy.data, "IP_PROTOS", empty)
    for number, name in ((89, "OSPF"), (112, "VRRP")):
        nodes = dissect(bytes(Ether() / IP(src="10.0.0.1", dst="224.0.0.5", proto=number)))
        assert find(nodes, "IP", "proto").meaning == name
    monkeypatch.undo()
    nodes = dissect(bytes(Ether() / IP(src="10.0.0.1", dst="10.0.0.2", proto=94)))
    expected = str(scapy.data.IP_PROTOS[94]).upper() if 94 in scapy.data.IP_PROTOS else ""
    assert find(nodes, "IP", "proto").meaning == expected


def test_protocol_and_ethertype_have_meanings() -> None:
    nodes = dissect(syn_ack())
    assert find(nodes, "IP", "proto").meaning == "TCP"
    ethertype = find(nodes, "Ether", "type")
    assert (ethertype.value, ethertype.meaning, ethertype.start, ethertype.end) == ("0x0800", "IPv4", 12, 14)
    assert find(nodes, "IP", "flags").meaning == "Don't fragment"


def test_tcp_ports_and_flags_sit_where_the_header_puts_them() -> None:
    nodes = dissect(syn_ack())
    sport, dport = find(nodes, "TCP", "sport"), find(nodes, "TCP", "dport")
    assert (sport.start, sport.end, sport.value) == (34, 36, "50312")
    assert (dport.start, dport.end, dport.value) == (36, 38, "9000")
    flags = find(nodes, "TCP", "flags")
    # Data offset (4 bits), reserved (3) and the 9 flag bits share bytes 12-13 of the TCP header.
    assert (flags.start, flags.end) == (46, 48)
    assert flags.meaning == "SYN, ACK" and flags.value == "0x012"
    bits = {child.key: child.value for child in flags.children}
    assert bits["SYN"] == "1" and bits["ACK"] == "1" and bits["FIN"] == "0"
    assert (find(nodes, "TCP", "dataofs").start, find(nodes, "TCP", "dataofs").end) == (46, 47)


def test_tcp_options_are_split_into_options() -> None:
    options = find(dissect(syn_ack()), "TCP", "options")
    assert [(o.key, o.value, o.end - o.start) for o in options.children] == [
        ("MSS", "1460", 4),
        ("NOP", "", 1),
        ("WScale", "7", 3),
    ]


def test_dns_question_is_a_child_with_its_own_bytes() -> None:
    frame = bytes(Ether() / IP() / UDP(sport=40000, dport=53) / DNS(qd=DNSQR(qname="www.example.com")))
    nodes = dissect(frame)
    question = find(nodes, "DNS", "qd", "DNSQR")
    qname = find(nodes, "DNS", "qd", "DNSQR", "qname")
    assert frame[qname.start : qname.end] == b"\x03www\x07example\x03com\x00"
    assert question.end == len(frame)
    assert find(nodes, "UDP", "dport").meaning == "DNS"


def test_arp_fields() -> None:
    nodes = dissect(bytes(Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, psrc="192.168.1.23", pdst="192.168.1.1")))
    assert find(nodes, "ARP", "op").meaning.startswith("request")
    pdst = find(nodes, "ARP", "pdst")
    assert (pdst.value, pdst.start, pdst.end) == ("192.168.1.1", 38, 42)


def test_http_request_lines_have_byte_ranges() -> None:
    from scapy.layers.http import HTTP, HTTPRequest

    frame = bytes(
        Ether() / IP() / TCP(sport=50000, dport=80) / HTTP() / HTTPRequest(Method=b"GET", Path=b"/", Host=b"www.example.com")
    )
    nodes = dissect(frame)
    assert find(nodes, "HTTPRequest").value == "GET / HTTP/1.1"
    host = find(nodes, "HTTPRequest", "Host")
    assert host.value == "www.example.com" and frame[host.start : host.end] == b"Host: www.example.com"


def test_ttl_decrement_changes_ttl_and_checksum_only() -> None:
    before, after = dissect(syn_ack(64)), dissect(syn_ack(63))
    assert changed_paths(before, after) == {("IP", "ttl"), ("IP", "chksum")}


def test_node_at_finds_the_deepest_owner() -> None:
    nodes = dissect(syn_ack())
    assert node_at(nodes, 22) == ("IP", "ttl")
    assert node_at(nodes, 35) == ("TCP", "sport")
    assert node_at(nodes, 10_000) is None


def test_random_and_truncated_frames_never_raise_and_cover_every_byte() -> None:
    rng = random.Random(3)
    frames = [bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300))) for _ in range(200)]
    good = syn_ack()
    frames += [good[:cut] for cut in range(1, len(good))]
    frames += [good[:30] + bytes(rng.getrandbits(8) for _ in range(40)) for _ in range(50)]
    for frame in frames:
        nodes = dissect(frame)
        assert nodes, frame.hex()
        assert max(n.end for n in nodes) == len(frame), frame.hex()
        for _, node in walk(nodes):
            assert 0 <= node.start <= node.end <= len(frame)


def test_truncated_frame_ends_in_a_malformed_node() -> None:
    frame = syn_ack()[:40]  # Ethernet + IP + 6 bytes of TCP
    nodes = dissect(frame)
    assert nodes[-1].end == 40
    assert nodes[-1].key in ("Malformed", "Raw", "TCP")
    assert dissect(b"") == ()


def test_tls_client_hello_shows_its_messages_and_the_server_name() -> None:
    from scapy.layers.tls.extensions import ServerName, TLS_Ext_ServerName
    from scapy.layers.tls.handshake import TLSClientHello
    from scapy.layers.tls.record import TLS

    hello = TLSClientHello(ciphers=[0x1301], ext=[TLS_Ext_ServerName(servernames=[ServerName(servername=b"www.example.com")])])
    frame = bytes(Ether() / IP() / TCP(sport=50000, dport=443, flags="PA") / TLS(msg=[hello]))
    nodes = dissect(frame)
    record = find(nodes, "TLS")
    assert record.end == len(frame)
    assert find(nodes, "TLS", "type").meaning == "Handshake"
    client_hello = find(nodes, "TLS", "msg", "TLSClientHello")
    assert client_hello.label == "Client Hello" and client_hello.end == len(frame)
    sni = find(nodes, "TLS", "msg", "TLSClientHello", "ext", "TLS_Ext_ServerName")
    assert sni.value == "www.example.com"
    name = find(nodes, "TLS", "msg", "TLSClientHello", "ext", "TLS_Ext_ServerName", "servernames", "ServerName", "servername")
    assert frame[name.start : name.end] == b"www.example.com"


def test_http2_frames_over_tcp_are_split_into_frames() -> None:
    settings = bytes.fromhex("000006040000000000") + bytes.fromhex("000300000064")
    headers = bytes.fromhex("000003010500000001") + b"\x82\x86\x84"
    frame = bytes(Ether() / IP() / TCP(sport=50000, dport=8080, flags="PA") / (settings + headers))
    nodes = dissect(frame)
    frames = [n for n in nodes if n.key == "H2Frame"]
    assert [n.value for n in frames] == ["SETTINGS, stream 0", "HEADERS, stream 1"]
    flags = find(nodes, "H2Frame#2", "flags")
    assert flags.meaning == "END_STREAM, END_HEADERS" and flags.end - flags.start == 1


def test_websocket_frame_is_unmasked_for_reading() -> None:
    key = b"\x01\x02\x03\x04"
    payload = bytes(b ^ key[i % 4] for i, b in enumerate(b"hello"))
    frame = bytes(Ether() / IP() / TCP(sport=50000, dport=80, flags="PA") / (b"\x81\x85" + key + payload))
    nodes = dissect(frame)
    assert find(nodes, "WebSocket").value == "text"
    body = find(nodes, "WebSocket", "payload")
    assert body.value == "hello" and (body.start, body.end) == (len(frame) - 5, len(frame))


def test_quic_long_header_on_udp_443() -> None:
    from scapy.layers.quic import QUIC_Initial

    frame = bytes(
        Ether() / IP() / UDP(sport=50000, dport=443) / QUIC_Initial(DstConnIDLen=8, DstConnID=b"\x01" * 8) / (b"\x00" * 20)
    )
    nodes = dissect(frame)
    dcid = find(nodes, "QUIC_Initial", "DstConnID")
    assert dcid.label == "Destination connection ID" and frame[dcid.start : dcid.end] == b"\x01" * 8


def test_http2_headers_are_decoded_from_hpack() -> None:
    headers = bytes.fromhex("000003010500000001") + b"\x82\x86\x84"  # :method GET, :scheme http, :path /
    nodes = dissect(bytes(Ether() / IP() / TCP(sport=50000, dport=8080, flags="PA") / headers))
    assert find(nodes, "H2Frame", ":method").value == "GET"
    assert find(nodes, "H2Frame", ":path").value == "/"


def test_dissecting_is_fast_enough_to_follow_playback() -> None:
    import time

    frame = syn_ack()
    dissect(frame)
    began = time.perf_counter()
    for _ in range(50):
        dissect(frame)
    assert (time.perf_counter() - began) / 50 < 0.02  # the inspector caches, but a new hop must not stutter


def test_mutated_real_frames_stay_within_bounds() -> None:
    rng = random.Random(11)
    bases = [
        syn_ack(),
        bytes(Ether() / IP() / UDP(sport=40000, dport=53) / DNS(qd=DNSQR(qname="a.example.com"))),
        bytes(Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(pdst="192.168.1.1")),
    ]
    for _ in range(300):
        frame = bytearray(rng.choice(bases))
        for _ in range(rng.randint(1, 4)):
            frame[rng.randrange(len(frame))] = rng.getrandbits(8)
        data = bytes(frame[: rng.randint(1, len(frame))])
        nodes = dissect(data)
        assert max(n.end for n in nodes) == len(data), data.hex()
        assert all(0 <= n.start <= n.end <= len(data) for _, n in walk(nodes)), data.hex()
