"""The HTTP and TLS lessons say what their packets really do.

What a lecturer would notice if it broke: HTTP/1.0 opening a second connection, HTTP/1.1 reusing
one, the hex chunk sizes, responses in request order, HTTP/2's odd streams and shrinking HPACK
blocks, the exact Sec-WebSocket-Accept and masking, and each TLS version's message order.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import Ether

from animator.engine.timeline import MessageTrack
from animator.export.pcap import export_pcap
from tests.scenekit import timeline, tracks

TSHARK = shutil.which("tshark")


def segment(track: MessageTrack) -> TCP:
    return Ether(track.frames[0])[TCP]


def payload(track: MessageTrack) -> bytes:
    return bytes(segment(track).payload)


def tshark_fields(name: str, tmp_path: Path, *fields: str, where: str = "") -> list[list[str]]:
    if TSHARK is None:
        pytest.skip("tshark is not installed")
    out = tmp_path / f"{name}.pcapng"
    export_pcap(timeline(name), out)
    args = [TSHARK, "-n", "-r", str(out), "-T", "fields", *(x for f in fields for x in ("-e", f))]
    if where:
        args += ["-Y", where]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    return [line.split("\t") for line in done.stdout.splitlines()]


def test_http10_uses_two_connections_and_the_server_closes_first() -> None:
    syns = [m for m in timeline("http-1.0").messages if str(segment(m).flags) == "S"]
    assert [segment(m).sport for m in syns] == [50100, 50102]  # a new connection per resource
    request, response = tracks("http-1.0", 3)[1], tracks("http-1.0", 4)[0]
    assert payload(request).startswith(b"GET /index.html HTTP/1.0\r\n") and len(payload(request)) == 88
    assert payload(response).startswith(b"HTTP/1.0 200 OK\r\n") and len(payload(response)) == 115
    fin = tracks("http-1.0", 4)[1]
    assert fin.path[0] == "server" and str(segment(fin).flags) == "FA"
    state = timeline("http-1.0").state_at(timeline("http-1.0").boundary(5))
    assert state.badges["server"] == "TIME_WAIT"  # the side that closed first waits


def test_http11_keeps_one_connection_chunks_in_hex_and_answers_in_order() -> None:
    messages = timeline("http-1.1").messages
    assert [segment(m).sport for m in messages if str(segment(m).flags) == "S"] == [50200]
    assert {segment(m).sport for m in messages if m.path[0] == "laptop"} == {50200}
    head, middle, last = tracks("http-1.1", 4)[1], *tracks("http-1.1", 5)
    assert b"Transfer-Encoding: chunked\r\n" in payload(head) and b"Content-Length" not in payload(head)
    body = payload(head).split(b"\r\n\r\n", 1)[1] + payload(middle) + payload(last)
    chunks, rest = [], body
    while True:
        size, rest = rest.split(b"\r\n", 1)
        if int(size, 16) == 0:
            break
        chunks.append(rest[: int(size, 16)])
        assert rest[int(size, 16) : int(size, 16) + 2] == b"\r\n"
        rest = rest[int(size, 16) + 2 :]
    assert [len(c) for c in chunks] == [0x16, 0x17] and rest == b"\r\n"
    (pipelined,) = tracks("http-1.1", 6)
    assert payload(pipelined).count(b"GET ") == 2 and len(payload(pipelined)) == 169
    slow, css = tracks("http-1.1", 7)
    assert slow.hop_starts[0] < css.hop_starts[0] and b"<h1>slow</h1>" in payload(slow) and b"body{" in payload(css)
    assert segment(css).seq == segment(slow).seq + len(payload(slow))


def test_http2_multiplexes_odd_streams_and_hpack_shrinks_repeated_headers(tmp_path: Path) -> None:
    rows = tshark_fields("http-2", tmp_path, "http2.type", "http2.streamid", "http2.length", where="http2")
    headers = next(r for r in rows if r[0].startswith("4,1,1,1"))  # SETTINGS ACK + three HEADERS
    assert headers[1].split(",")[1:] == ["1", "3", "5"] and headers[2].split(",")[1:] == ["46", "17", "14"]
    decoded = tshark_fields("http-2", tmp_path, "http2.header.value", where="http2.type == 1 && tcp.srcport == 50300")
    assert decoded[0][0].split(",") == [
        "GET", "http", "/index.html", "example.com", "Mozilla/5.0", "*/*",
        "GET", "http", "example.com", "/style.css", "Mozilla/5.0", "*/*",
        "GET", "http", "example.com", "/app.js", "Mozilla/5.0", "*/*",
    ]  # fmt: skip
    push = next(r for r in rows if r[0] == "5")
    assert push[1] == "1"
    interleaved = next(r for r in rows if r[0].startswith("1,0,1,0"))
    assert interleaved[1].split(",") == ["3", "3", "1", "1", "5", "5", "1"]
    (preface,) = [m for m in tracks("http-2", 2) if m.path[0] == "browser"]
    assert payload(preface).startswith(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")


def test_curl_https_resolves_then_tls13_with_sni_and_alpn_h2_then_a_301() -> None:
    query, answer = tracks("curl-https", 2)[0], tracks("curl-https", 3)[0]
    assert Ether(query.frames[0])[UDP].dport == 53 and answer.path[-1] == "laptop"
    assert "198.51.100.80" in answer.label
    syn = tracks("curl-https", 4)[0]
    assert Ether(syn.frames[-1])[IP].dst == "198.51.100.80" and segment(syn).dport == 443
    hello = payload(tracks("curl-https", 5)[0])
    assert hello[0] == 22 and b"\x00\x0bexample.com" in hello and b"\x02h2\x08http/1.1" in hello
    flight = payload(tracks("curl-https", 6)[0])
    record_types = []
    while flight:
        record_types.append(flight[0])
        flight = flight[5 + int.from_bytes(flight[3:5], "big") :]
    assert record_types == [22, 20, 23, 23, 23, 23]  # ServerHello, CCS, then 4 encrypted records
    from scapy.contrib.http2 import H2Seq, HPackHdrTable

    redirect = payload(tracks("curl-https", 9)[0])
    assert redirect[0] == 23  # the response travels inside an application-data record
    from animator.packets.builders_tls import opened_in_clear

    body = redirect[5 : 5 + int.from_bytes(redirect[3:5], "big")]
    assert len(body) == len(redirect) - 5 and opened_in_clear(body) == ("tls1.3", 0, len(body) - 17)  # + type + tag
    frames = H2Seq(body[:-17]).frames
    assert [f.type for f in frames] == [4, 4, 1] and frames[2].stream_id == 1
    assert HPackHdrTable().gen_txt_repr(frames[2]).splitlines()[:2] == [":status 301", "location: https://www.example.com/"]


def test_websocket_accept_is_rfc_6455s_and_only_client_frames_are_masked() -> None:
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
    assert accept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    upgrade = tracks("websockets", 6)[-1]
    assert f"Sec-WebSocket-Key: {key}\r\n".encode() in payload(upgrade)
    (switch,) = tracks("websockets", 7)
    assert payload(switch).startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
    assert f"Sec-WebSocket-Accept: {accept}\r\n".encode() in payload(switch)
    hello, hi = tracks("websockets", 8)
    assert payload(hello) == bytes.fromhex("818537fa213d7f9f4d5158")  # RFC 6455 §5.7, masked
    assert payload(hi) == b"\x81\x08Hi, Ada!"  # servers never mask
    ping, pong = tracks("websockets", 9)
    assert payload(ping)[0] == 0x89 and payload(pong)[0] == 0x8A and payload(pong)[1] & 0x80
    sse = tracks("websockets", 4)[-1]
    assert b"Content-Type: text/event-stream\r\n" in payload(sse) and b"\r\n30\r\nid: 43\ndata: " in payload(sse)


def test_tls12_takes_two_round_trips_and_tls13_one(tmp_path: Path) -> None:
    rows = tshark_fields("tls-handshakes", tmp_path, "tcp.srcport", "_ws.col.Info", where="tls")
    assert rows == [
        ["50700", "Client Hello"],
        ["443", "Server Hello, Certificate, Server Key Exchange, Server Hello Done"],
        ["50700", "Client Key Exchange, Change Cipher Spec, Encrypted Handshake Message"],
        ["443", "Change Cipher Spec, Encrypted Handshake Message"],
        ["50700", "Application Data"],
        ["50702", "Client Hello"],
        ["443", "Server Hello, Change Cipher Spec, Application Data, Application Data, Application Data, Application Data"],
        ["50702", "Change Cipher Spec, Application Data, Application Data"],
    ]
    # TLS 1.2 sends the request after the server's second flight; TLS 1.3 with its Finished.
    request12 = tracks("tls-handshakes", 7)[0]
    assert request12.hop_starts[0] > tracks("tls-handshakes", 6)[0].hop_ends[-1]
    assert b"GET / HTTP/1.1" in payload(tracks("tls-handshakes", 11)[0])
