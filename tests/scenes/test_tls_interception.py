"""The TLS-interception scene (issue 16, item 3): what its captions say Squid's ssl-bump puts on the
wire — the 200 before any upstream packet, two TLS sessions from two addresses, the headers Squid
adds, the minted certificate's issuer and the guest's fatal alert — must be in the built frames.
Squid is the simulator's ``proxy`` device with ``bump: true``: every one of its packets checked
here is one the simulator wrote, not the scene."""

from __future__ import annotations

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

from animator.engine.timeline import MessageTrack
from animator.model.deck import load_deck
from animator.packets.tls_bump import read_client_hello
from tests.conftest import REPO
from tests.scenekit import timeline, tracks

SCENE = "tls-interception"


def payload(track: MessageTrack) -> bytes:
    frame = track.frames[-1]
    assert frame is not None
    return bytes(Ether(frame)[TCP].payload)


def by_label(step: int, label: str) -> MessageTrack:
    return next(m for m in tracks(SCENE, step) if m.label == label)


def test_squid_answers_the_connect_before_it_contacts_the_origin() -> None:
    ok = by_label(2, "200 Connection established")
    assert payload(ok) == b"HTTP/1.1 200 Connection established\r\n\r\n"  # 39 bytes, as Squid 5.7 sent
    syn = by_label(3, "SYN to www.example.com:443")
    assert ok.hop_ends[-1] < syn.hop_starts[0]
    assert by_label(3, "TLS ClientHello").hop_ends[-1] <= syn.hop_starts[0]  # the ClientHello triggers it


def test_squids_own_client_hello_keeps_the_name_but_offers_http1_only() -> None:
    curl = read_client_hello(payload(by_label(3, "TLS ClientHello")))
    squid = read_client_hello(payload(by_label(3, "Squid's ClientHello")))
    assert curl is not None and squid is not None
    assert (curl.sni, curl.alpn) == ("www.example.com", ("h2", "http/1.1"))
    assert (squid.sni, squid.alpn, squid.tls13) == ("www.example.com", ("http/1.1",), True)
    guest = read_client_hello(payload(by_label(8, "Squid's ClientHello")))
    assert guest is not None and not guest.tls13  # it follows the TLS 1.2-only guest


def test_squid_finishes_with_the_origin_before_it_answers_the_laptop() -> None:
    finished = by_label(4, "CCS, Finished")
    minted = by_label(4, "ServerHello + minted cert")
    assert finished.hop_starts[0] <= minted.hop_starts[0]
    # TLS 1.3: ServerHello, CCS, then four encrypted records; the certificate's is 290 + 30 bytes.
    records, data = [], payload(minted)
    while data:
        records.append((data[0], int.from_bytes(data[3:5], "big")))
        data = data[5 + records[-1][1] :]
    assert [t for t, _ in records] == [22, 20, 23, 23, 23, 23] and records[3][1] == 320


def test_the_two_tls_sessions_use_the_proxys_two_addresses() -> None:
    to_origin = Ether(by_label(3, "SYN to www.example.com:443").frames[0])
    assert (to_origin[IP].src, to_origin[IP].dst, to_origin[TCP].dport) == ("203.0.113.3", "198.51.100.80", 443)
    to_laptop = Ether(by_label(4, "ServerHello + minted cert").frames[0])
    assert (to_laptop[IP].src, to_laptop[TCP].sport) == ("10.10.0.3", 3128)


def test_squid_forwards_the_decrypted_request_with_its_own_headers() -> None:
    upstream = payload(by_label(5, "GET / (re-encrypted)"))
    assert upstream[:1] == b"\x17"  # inside an application-data record
    for header in (b"Via: 1.1 squid (squid/5.7)", b"X-Forwarded-For: 10.10.0.23", b"Cache-Control: max-age=259200"):
        assert header in upstream
    assert b"GET / HTTP/1.1" in payload(by_label(5, "Finished + GET / (encrypted)"))
    back = payload(by_label(6, "200 OK (re-encrypted)"))
    assert back[:1] == b"\x17" and b"Via: 1.1 squid (squid/5.7)" in back and b"<h1>hi</h1>" in back


def test_the_guest_sees_the_minted_certificate_in_the_clear_and_refuses_it() -> None:
    hello = payload(by_label(10, "ServerHello + minted cert"))
    assert b"Example Corp Proxy CA" in hello and b"www.example.com" in hello
    assert by_label(10, "CCS, Finished").hop_ends[-1] <= by_label(10, "ServerHello + minted cert").hop_starts[0]
    alert = payload(by_label(11, "Alert fatal unknown_ca"))
    assert alert == bytes([21, 3, 3, 0, 2, 2, 48])  # alert record, TLS 1.2, fatal (2), unknown_ca (48)


def test_squids_tables_tell_the_interception() -> None:
    """What the lecturer points at beside Squid: each bumped CONNECT with its step and upstream,
    and one minted certificate the guest's connection reuses from the cache."""
    frame = timeline(SCENE).state_at(timeline(SCENE).boundary(11))
    tables = {t.title: t for t in frame.device_tables["squid"]}
    bump = tables["ssl_bump"]
    assert [row[2] for row in bump.rows] == ["3 bump", "refused (alert)"]
    assert [row[3] for row in bump.rows] == ["198.51.100.80 TLS 1.3", "198.51.100.80 TLS 1.2"]
    minted = tables["Minted certs"]
    assert [tuple(r) for r in minted.rows] == [("CN=www.example.com", "Example Corp Proxy CA", "2×")]


def test_the_course_shows_the_tunnel_and_tls_before_the_scene_that_compares_with_them() -> None:
    files = [entry.file for entry in load_deck(REPO / "scenes" / "backend-fundamentals.deck.yaml").scenes]
    for earlier in ("tls-handshakes.yaml", "connect-tunnel.yaml"):
        assert files.index(earlier) < files.index("tls-interception.yaml")
