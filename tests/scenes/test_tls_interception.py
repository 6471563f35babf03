"""The TLS-interception scene (issue 16, item 3): what its captions say Squid's ssl-bump puts on the
wire — the 200 before any upstream packet, two TLS sessions from two addresses, the headers Squid
adds, the minted certificate's issuer and the guest's fatal alert — must be in the built frames."""

from __future__ import annotations

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

from animator.engine.timeline import MessageTrack
from animator.model.deck import load_deck
from tests.conftest import REPO
from tests.scenekit import tracks

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
    syn = by_label(4, "SYN to :443")
    assert ok.hop_ends[-1] < syn.hop_starts[0]
    assert by_label(3, "TLS ClientHello").hop_ends[-1] < syn.hop_starts[0]  # the ClientHello triggers it


def test_the_two_tls_sessions_use_the_proxys_two_addresses() -> None:
    to_origin = Ether(by_label(4, "SYN to :443").frames[0])
    assert (to_origin[IP].src, to_origin[IP].dst, to_origin[TCP].dport) == ("203.0.113.3", "198.51.100.80", 443)
    to_laptop = Ether(by_label(7, "ServerHello + minted cert").frames[0])
    assert (to_laptop[IP].src, to_laptop[TCP].sport) == ("10.10.0.3", 3128)


def test_squid_forwards_the_decrypted_request_with_its_own_headers() -> None:
    upstream = payload(by_label(9, "GET / (+ Via, X-Forwarded-For)"))
    assert upstream[:1] == b"\x17"  # inside an application-data record
    for header in (b"Via: 1.1 squid (squid/5.7)", b"X-Forwarded-For: 10.10.0.23", b"Cache-Control: max-age=259200"):
        assert header in upstream
    assert b"GET / HTTP/1.1" in payload(by_label(8, "Finished + GET / (encrypted)"))


def test_the_guest_sees_the_minted_certificate_in_the_clear_and_refuses_it() -> None:
    hello = payload(by_label(12, "ServerHello, minted cert"))
    assert b"Example Corp Proxy CA" in hello and b"www.example.com" in hello
    alert = payload(by_label(13, "Alert fatal unknown_ca"))
    assert alert == bytes([21, 3, 3, 0, 2, 2, 48])  # alert record, TLS 1.2, fatal (2), unknown_ca (48)


def test_the_course_shows_the_tunnel_and_tls_before_the_scene_that_compares_with_them() -> None:
    files = [entry.file for entry in load_deck(REPO / "scenes" / "backend-fundamentals.deck.yaml").scenes]
    for earlier in ("tls-handshakes.yaml", "connect-tunnel.yaml"):
        assert files.index(earlier) < files.index("tls-interception.yaml")
