"""Exported captures open in Wireshark: named interfaces, every packet dissected cleanly, checksums correct."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from animator.packets import build_layers, check_layers, finalize, write_pcapng
from animator.packets.pcapng import write_pcap
from tests.packets.conftest import Layer, layer

ETHER = layer("ether", src="02:00:00:00:00:17", dst="02:00:00:00:00:01")
IP_OUT = layer("ip", src="192.168.1.23", dst="93.184.216.34")
IP_BACK = layer("ip", src="93.184.216.34", dst="192.168.1.23")
IP6 = layer("ipv6", src="2001:db8::17", dst="2001:db8::1")
CLIENT = {"sport": 50123}
SERVER = {"sport": 443, "dport": 50123}

#: One of everything the registry builds, as a client and a server would send it.
STACKS: list[list[Layer]] = [
    [IP_OUT, layer("tcp", **CLIENT, dport=80)],
    [IP_OUT, layer("tcp", **CLIENT, dport=80, flags="PA", seq=1, ack=1),
     layer("http", path="/", headers={"Host": "example.com"})],
    [IP_BACK, layer("tcp", sport=80, dport=50123, flags="PA", seq=1, ack=38), layer("http", status=200, body="<h1>hi</h1>")],
    [IP_OUT, layer("tcp", **CLIENT, dport=443), layer("tls", sni="example.com", alpn=["h2", "http/1.1"])],
    [IP_BACK, layer("tcp", **SERVER), layer("tls", msg="server_hello"), layer("tls", msg="change_cipher_spec"),
     layer("tls", msg="application_data", length=40)],
    [IP_BACK, layer("tcp", **SERVER), layer("tls", msg="certificate"), layer("tls", msg="finished"),
     layer("tls", msg="alert")],
    [IP_OUT, layer("tcp", **CLIENT, dport=443), layer("tls", msg="application_data"), layer("http", path="/secret")],
    [IP_OUT, layer("tcp", **CLIENT, dport=80), layer("http2", frame="preface"),
     layer("http2", frame="settings", settings={"max_concurrent_streams": 100, "initial_window_size": 65535}),
     layer("http2", frame="window_update", increment=1000),
     layer("http2", frame="headers", headers={":method": "GET", ":path": "/", ":scheme": "http", ":authority": "example.com"})],
    [IP_OUT, layer("tcp", **CLIENT, dport=80), layer("http2", frame="settings", ack=True),
     layer("http2", frame="data", data="x", end_stream=True),
     layer("http2", frame="rst_stream", stream=3, error="cancel"), layer("http2", frame="ping"),
     layer("http2", frame="push_promise", headers={":method": "GET", ":path": "/a.css"}),
     layer("http2", frame="goaway", last_stream=3)],
    [IP_OUT, layer("tcp", **CLIENT, dport=80), layer("websocket", payload="Hello", key="37fa213d")],
    [IP_OUT, layer("udp", **CLIENT), layer("dns", qname="www.example.com")],
    [IP_BACK, layer("udp", sport=53, dport=50123), layer("dns", qname="www.example.com", answers=[{"data": "93.184.216.34"}])],
    [IP_BACK, layer("udp", sport=53, dport=50123), layer("dns", qname="nope.example.com", rcode="name-error")],
    [IP_OUT, layer("udp", **CLIENT, dport=443),
     layer("quic", type="initial", dcid="8394c8f03e515708", scid="c1", sni="example.com")],
    [IP_BACK, layer("udp", **SERVER), layer("quic", type="handshake", dcid="01", scid="8394c8f03e515708", pn=1)],
    [IP_OUT, layer("udp", **CLIENT), layer("quic", type="short", dcid="0102030405060708", pn=7)],
    [layer("arp", op="who-has", hwsrc="02:00:00:00:00:17", psrc="192.168.1.23", pdst="192.168.1.1")],
    [layer("arp", op="is-at", hwsrc="02:00:00:00:00:01", psrc="192.168.1.1", hwdst="02:00:00:00:00:17", pdst="192.168.1.23")],
    [IP_OUT, layer("icmp", type="echo-request", id=1, seq=1), layer("raw", load="abcdefghijklmnop")],
    [layer("ip", src="10.0.0.1", dst="192.168.1.23"), layer("icmp", type="time-exceeded"),
     layer("ip", src="192.168.1.23", dst="203.0.113.9", ttl=1), layer("udp", sport=33000, dport=33434)],
    [IP6, layer("icmpv6", type="echo-request", id=1, seq=1)],
    [IP6, layer("icmpv6", type="neighbor-solicit", target="2001:db8::1")],
    [layer("ipv6", src="2001:db8::ff", dst="2001:db8::17"), layer("icmpv6", type="time-exceeded"),
     layer("ipv6", src="2001:db8::17", dst="2001:db8:1::9", hlim=1), layer("udp", sport=33000, dport=33434)],
    [IP6, layer("tcp", **CLIENT, dport=80)],
]  # fmt: skip


def _own_port(stack: list[Layer], port: int) -> list[Layer]:
    """Each stack its own client port, so tshark does not take one conversation's packets for retransmissions."""
    swap = {50123: port}
    return [Layer(x.name, {k: swap.get(v, v) if k in ("sport", "dport") else v for k, v in x.fields.items()}) for x in stack]


def frames() -> list[bytes]:
    out = []
    for i, stack in enumerate(STACKS):
        stack = _own_port(stack, 50000 + i)
        base = [ETHER] if stack[0].name != "arp" else [layer("ether", src="02:00:00:00:00:17")]
        assert check_layers([*base, *stack], "stacks") == [], f"stack {i} is not a valid scene stack"
        out.append(finalize(build_layers([*base, *stack], seed=i)))
    return out


def test_pcapng_blocks_are_well_formed(tmp_path: Path) -> None:
    path = tmp_path / "x.pcapng"
    assert write_pcapng(path, ["lan", "wan"], [(0, 0.0, b"\x00" * 60), (1, 1.25, b"\x01" * 61)]) == 2
    data = path.read_bytes()
    kinds = []
    offset = 0
    while offset < len(data):
        kind, length = struct.unpack_from("<II", data, offset)
        assert length % 4 == 0 and struct.unpack_from("<I", data, offset + length - 4)[0] == length
        kinds.append(kind)
        offset += length
    assert kinds == [0x0A0D0D0A, 1, 1, 6, 6]
    assert b"lan" in data and b"wan" in data
    # the second EPB: interface 1, timestamp 1.25 s in microseconds, 61 bytes captured
    epb = data.rindex(struct.pack("<I", 6))
    assert struct.unpack_from("<IIIII", data, epb + 8) == (1, 0, 1_250_000, 61, 61)


def test_bad_records_leave_no_file(tmp_path: Path) -> None:
    path = tmp_path / "x.pcapng"
    with pytest.raises(ValueError, match="packet 2: interface 5 does not exist"):
        write_pcapng(path, ["lan"], [(0, 0.0, b"\x00" * 60), (5, 1.0, b"\x00" * 60)])
    assert list(tmp_path.iterdir()) == []


def test_tshark_names_interfaces_and_finds_nothing_malformed(tmp_path: Path, tshark: Callable[..., str]) -> None:
    path = tmp_path / "three.pcapng"
    data = frames()
    names = ["laptop--sw", "sw--router", "router--internet"]
    write_pcapng(path, names, [(i % 3, i * 0.25, frame) for i, frame in enumerate(data)], ["Wi-Fi (laptop - sw)"])
    out = tshark(path, "-T", "fields", "-E", "separator=|", "-e", "frame.interface_name", "-e", "_ws.col.Protocol",
                 "-e", "_ws.malformed", "-e", "_ws.expert.severity", "-e", "_ws.expert.message")  # fmt: skip
    rows = [line.split("|") for line in out.splitlines()]
    assert len(rows) == len(STACKS)
    assert [r[0] for r in rows] == [names[i % 3] for i in range(len(rows))]
    for number, (_, protocol, malformed, severity, message) in enumerate(rows, 1):
        assert not malformed, f"packet {number} ({protocol}) is malformed: {message}"
        # 8388608 = error severity (malformed, bad checksum). QUIC Handshake and 1-RTT payloads are opaque
        # (as in any capture without the TLS secrets): Wireshark warns that it cannot decrypt them.
        assert "8388608" not in severity.split(","), f"packet {number} ({protocol}): {message}"
        assert "checksum" not in message.lower() or "QUIC" in protocol, f"packet {number}: {message}"
    protocols = [r[1] for r in rows]
    for expected in ("HTTP", "TLSv1.3", "HTTP2", "DNS", "QUIC", "ARP", "ICMP", "ICMPv6", "TCP"):
        assert expected in protocols


def test_tshark_agrees_on_fields(tmp_path: Path, tshark: Callable[..., str]) -> None:
    path = tmp_path / "fields.pcapng"
    write_pcapng(path, ["lan"], [(0, float(i), f) for i, f in enumerate(frames())])
    out = tshark(path, "-T", "fields", "-E", "separator=|", "-e", "ip.ttl", "-e", "tcp.window_size_value",
                 "-e", "tcp.options.mss_val", "-e", "ip.checksum.status", "-e", "tcp.checksum.status",
                 "-e", "http.request.uri", "-e", "tls.handshake.extensions_server_name", "-e", "dns.qry.name",
                 "-e", "http2.header.value", "-Y", "frame.number <= 4")  # fmt: skip
    syn, get, _, hello = (line.split("|") for line in out.splitlines())
    assert syn[:5] == ["64", "64240", "1460", "1", "1"]  # checksum status 1: good
    assert get[5] == "/" and get[3:5] == ["1", "1"]
    assert hello[6] == "example.com"


def test_tshark_decrypts_the_client_initial(tmp_path: Path, tshark: Callable[..., str]) -> None:
    path = tmp_path / "quic.pcapng"
    write_pcapng(path, ["lan"], [(0, 0.0, frames()[13])])
    fields = ["_ws.col.Info", "quic.packet_number", "tls.handshake.extensions_server_name", "tls.handshake.extensions_alpn_str",
              "_ws.expert.message"]  # fmt: skip
    out = tshark(path, "-T", "fields", "-E", "separator=|", *[arg for f in fields for arg in ("-e", f)])
    assert out.strip().split("|") == [
        "Initial, DCID=8394c8f03e515708, SCID=c1, PKN: 0, CRYPTO, PADDING",
        "0",
        "example.com",
        "h3",
        "",
    ]


def test_classic_pcap_for_old_tools(tmp_path: Path, tshark: Callable[..., str]) -> None:
    path = tmp_path / "x.pcap"
    write_pcap(path, [(0, 0.5, f) for f in frames()[:3]])
    out = tshark(path, "-T", "fields", "-e", "frame.time_epoch", "-e", "_ws.col.Protocol")
    assert out.splitlines()[0].startswith("0.5") and "HTTP" in out


def test_http2_frames_and_websocket_decode_when_told_the_protocol(tmp_path: Path, tshark: Callable[..., str]) -> None:
    """Without the preface or the Upgrade handshake on the wire, tshark must be told what the port carries."""
    path = tmp_path / "decode-as.pcapng"
    data = frames()
    write_pcapng(path, ["lan"], [(0, 0.0, data[8]), (0, 1.0, data[9])])
    out = tshark(path, "-d", "tcp.port==50008,http2", "-d", "tcp.port==50009,websocket", "-T", "fields", "-E", "separator=|",
                 "-e", "_ws.col.Protocol", "-e", "_ws.col.Info", "-e", "_ws.malformed", "-e", "text")  # fmt: skip
    h2, ws = (line.split("|") for line in out.splitlines())
    assert h2[:3] == ["HTTP2", "SETTINGS[0], DATA[1], RST_STREAM[3], PING[0], PUSH_PROMISE[1]: GET /a.css, GOAWAY[0]", ""]
    assert ws[:3] == ["WebSocket", "WebSocket Text [FIN] [MASKED]", ""]
    assert ws[3].endswith("Hello"), "tshark unmasks the RFC 6455 example back to its text"
