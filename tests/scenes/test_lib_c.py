"""The transport scenes (TCP vs UDP, when to use UDP, HTTP/2 vs QUIC head-of-line blocking, MASQUE vs
CONNECT): the numbers a lecturer points at must be in the packets, and the loss each scene is about
must really happen, be answered (TCP) or stay unanswered (UDP)."""

from __future__ import annotations

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import Ether

from animator.engine.timeline import MessageTrack
from tests.scenekit import timeline, tracks


def first(track: MessageTrack) -> Ether:
    return Ether(track.frames[0])


def sack(track: MessageTrack) -> tuple[int, ...]:
    return dict(first(track)[TCP].options)["SAck"]


def table(name: str, step: int, node: str, title: str) -> list[tuple[str, ...]]:
    state = timeline(name).state_at(timeline(name).boundary(step))
    (found,) = [t for t in state.tables[node] if t.title == title]
    return [tuple(str(cell) for cell in row) for row in found.rows]


# -- tcp-vs-udp ---------------------------------------------------------------------------------------
def test_tcp_vs_udp_loses_the_same_piece_and_only_tcp_sends_it_again() -> None:
    pieces = tracks("tcp-vs-udp", 2)
    assert [first(m)[TCP].seq for m in pieces] == [1001, 1101, 1201, 1301, 1401]
    assert [m.dropped for m in pieces] == [False, True, False, False, False] and pieces[1].path[-1] == "router"
    (again,) = tracks("tcp-vs-udp", 4)
    assert first(again)[TCP].seq == 1101 and bytes(first(again)[TCP].payload) == bytes(first(pieces[1])[TCP].payload)
    datagrams = tracks("tcp-vs-udp", 6)
    assert [m.dropped for m in datagrams] == [False, True, False, False, False]
    assert all(first(m)[UDP].payload == first(p)[TCP].payload for m, p in zip(datagrams, pieces, strict=True))
    assert not tracks("tcp-vs-udp", 7)  # the silence: nobody sends anything
    assert (len(pieces[0].frames[0]), len(datagrams[0].frames[0])) == (154, 142)  # the sizes the notes quote


def test_tcp_vs_udp_duplicate_acks_name_the_hole_and_sack_what_is_held() -> None:
    acks = tracks("tcp-vs-udp", 3)
    assert [first(m)[TCP].ack for m in acks] == [1101, 1101, 1101, 1101]
    assert [sack(m) for m in acks[1:]] == [(1201, 1301), (1201, 1401), (1201, 1501)]
    assert first(acks[1])[TCP].dataofs * 4 == 32  # 20 + NOP, NOP, SACK (10)
    (final,) = tracks("tcp-vs-udp", 5)
    assert first(final)[TCP].ack == 1501


# -- when-to-use-udp -------------------------------------------------------------------------------------
def test_the_live_stream_skips_rtp_103_and_nobody_resends_it() -> None:
    frames = tracks("when-to-use-udp", 1) + tracks("when-to-use-udp", 2)
    rtp = [bytes(first(m)[UDP].payload) for m in frames]
    assert [int.from_bytes(p[2:4], "big") for p in rtp] == [101, 102, 103, 104, 105]
    assert [int.from_bytes(p[4:8], "big") for p in rtp] == [3000, 6000, 9000, 12000, 15000]  # 90 kHz, 30 frames/s
    assert all(p[0] == 0x80 and p[1] & 0x7F == 96 for p in rtp)  # RTP version 2, payload type 96
    assert [m.dropped for m in frames] == [False, False, True, False, False]
    assert not any(UDP in first(m) for step in range(3, 9) for m in tracks("when-to-use-udp", step))
    assert table("when-to-use-udp", 3, "laptop", "Player")[2] == ("103", "3", "lost: frame 2 held")


def test_the_download_gets_its_missing_200_bytes_again_and_all_600_arrive() -> None:
    response = tracks("when-to-use-udp", 5)[1:]
    assert [m.dropped for m in response] == [False, True, False]
    (again,) = [m for m in tracks("when-to-use-udp", 7) if first(m)[TCP].payload and first(m)[IP].src == "203.0.113.80"]
    lost = first(response[1])[TCP]
    assert (first(again)[TCP].seq, bytes(first(again)[TCP].payload)) == (lost.seq, bytes(lost.payload))
    head = bytes(first(response[0])[TCP].payload)
    body = head.split(b"\r\n\r\n", 1)[1] + bytes(lost.payload) + bytes(first(response[2])[TCP].payload)
    assert b"Content-Length: 600" in head and len(body) == 600
    final = [m for m in tracks("when-to-use-udp", 7) if first(m)[IP].src == "198.51.100.20"]
    assert first(final[-1])[TCP].ack == first(response[2])[TCP].seq + 200


# -- http2-hol-vs-quic -----------------------------------------------------------------------------------
def test_http2_one_lost_segment_holds_the_other_streams_until_it_is_resent() -> None:
    segments = tracks("http2-hol-vs-quic", 3)
    assert [m.dropped for m in segments] == [False, False, True, False, False, False]
    c1 = first(segments[2])[TCP]
    acks = tracks("http2-hol-vs-quic", 4)
    assert [first(m)[TCP].ack for m in acks[1:]] == [c1.seq] * 4  # the ACK after b1, then 3 duplicates
    end = first(segments[5])[TCP].seq + len(first(segments[5])[TCP].payload)
    assert sack(acks[-1]) == (first(segments[3])[TCP].seq, end)
    resent, final = tracks("http2-hol-vs-quic", 5)
    assert first(resent)[TCP].seq == c1.seq and bytes(first(resent)[TCP].payload) == bytes(c1.payload)
    assert first(final)[TCP].ack == end
    assert table("http2-hol-vs-quic", 4, "laptop", "Browser has")[0] == ("1", "a.js", "a1 (half)")


def test_http2_frames_cross_the_internet_unchanged() -> None:
    for m in tracks("http2-hol-vs-quic", 2) + tracks("http2-hol-vs-quic", 3):
        if not m.dropped:
            assert bytes(Ether(m.frames[0])[TCP].payload) == bytes(Ether(m.frames[-1])[TCP].payload), m.label


def test_quic_loses_packet_2_resends_its_data_in_packet_6_and_only_stream_8_waits() -> None:
    packets = tracks("http2-hol-vs-quic", 7)
    assert [m.dropped for m in packets] == [False, False, True, False, False, False]
    short_pn = [bytes(first(m)[UDP].payload)[9] for m in packets]  # flags byte, 8-byte DCID, 1-byte pn
    assert short_pn == [0, 1, 2, 3, 4, 5]
    (resent, _ack) = tracks("http2-hol-vs-quic", 9)
    assert bytes(first(resent)[UDP].payload)[9] == 6
    streams = table("http2-hol-vs-quic", 7, "laptop", "QUIC streams")
    assert [row[3] for row in streams] == ["all 400 B", "all 400 B", "nothing yet"]
    initial = first(tracks("http2-hol-vs-quic", 6)[0])
    assert len(initial[UDP].payload) == 1200 and initial[UDP].dport == 443


# -- masque-vs-connect ----------------------------------------------------------------------------------
def test_connect_opens_the_upstream_tcp_connection_before_answering_200() -> None:
    labels = [m.label for m in tracks("masque-vs-connect", 2)]
    assert labels.index("SYN to www.example.com:443") < labels.index("200 Connection established")
    (blocked,) = tracks("masque-vs-connect", 4)
    assert blocked.dropped and blocked.path[-1] == "proxy" and first(blocked)[UDP].dport == 443


def test_masque_carries_the_inner_initial_in_a_datagram_and_the_server_sees_the_proxy() -> None:
    outer, inner = tracks("masque-vs-connect", 7)
    assert outer.path == ("laptop", "proxy") and first(outer)[UDP].dport == 443
    at_server = Ether(inner.frames[-1])
    assert (at_server[IP].src, at_server[UDP].sport, at_server[UDP].dport) == ("192.0.2.3", 41000, 443)
    assert len(at_server[UDP].payload) == 1200
    assert len(first(outer)[UDP].payload) == 1200 + 31  # DATAGRAM framing 5 + short header 10 + AEAD tag 16
    assert table("masque-vs-connect", 6, "proxy", "MASQUE")[0][2] == "198.51.100.80:443/udp"
