"""The one-line Info text, from a built packet and from the wire bytes alike."""

from __future__ import annotations

import subprocess
import sys

import pytest

from animator.packets import build_layers, finalize, summary
from tests.conftest import REPO
from tests.packets.conftest import layer

ETHER = layer("ether", src="02:00:00:00:00:17", dst="02:00:00:00:00:01")
IP = layer("ip", src="192.168.1.23", dst="93.184.216.34")

CASES = [
    ([IP, layer("tcp", sport=50123, dport=80)], "50123 → 80 [SYN] Seq=0 Win=64240"),
    ([IP, layer("tcp", sport=80, dport=50123, flags="SA", seq=5000, ack=1)], "80 → 50123 [SYN, ACK] Seq=5000 Ack=1 Win=64240"),
    ([IP, layer("tcp", sport=50123, dport=80, flags="FA", seq=9, ack=7)], "50123 → 80 [FIN, ACK] Seq=9 Ack=7 Win=64240"),
    ([IP, layer("tcp", sport=50123, dport=80), layer("http", method="GET", path="/", headers={"Host": "a"})], "GET / HTTP/1.1"),
    ([IP, layer("tcp", sport=80, dport=50123), layer("http", status=404)], "HTTP/1.1 404 Not Found"),
    ([layer("arp", op="who-has", psrc="192.168.1.23", pdst="192.168.1.1")], "Who has 192.168.1.1? Tell 192.168.1.23"),
    ([layer("arp", op="is-at", psrc="192.168.1.1", hwsrc="02:00:00:00:00:01")], "192.168.1.1 is at 02:00:00:00:00:01"),
    ([IP, layer("udp", sport=50123), layer("dns", qname="www.example.com")], "Standard query A www.example.com"),
    ([IP, layer("udp", sport=53, dport=50123), layer("dns", qname="www.example.com", answers=[{"data": "93.184.216.34"}])],
     "Standard query response A www.example.com A 93.184.216.34"),
    ([IP, layer("tcp", sport=50123, dport=443), layer("tls", sni="example.com")], "Client Hello (SNI=example.com)"),
    ([IP, layer("tcp", sport=443, dport=50123), layer("tls", msg="server_hello"), layer("tls", msg="change_cipher_spec"),
      layer("tls", msg="application_data")], "Server Hello, Change Cipher Spec, Application Data"),
    ([IP, layer("udp", sport=50123), layer("quic", dcid="8394c8f03e515708", scid="01")],
     "Initial, DCID=8394c8f03e515708, SCID=01, PKN: 0, CRYPTO, PADDING"),
    ([IP, layer("udp", sport=443), layer("quic", dcid="01", scid="8394c8f03e515708", length=40)],
     "Initial, DCID=01, SCID=8394c8f03e515708, PKN: 0"),
    ([IP, layer("icmp", type="echo-request", id=1, seq=1)], "Echo (ping) request id=0x0001, seq=1"),
    ([IP, layer("icmp", type="time-exceeded"), layer("ip", ttl=1), layer("udp", dport=33434)],
     "Time-to-live exceeded (Time to live exceeded in transit)"),
    ([IP, layer("tcp", sport=50123, dport=80), layer("http2", frame="preface"), layer("http2", frame="settings"),
      layer("http2", frame="headers", headers={":method": "GET", ":path": "/"})], "Magic, SETTINGS[0], HEADERS[1]: GET /"),
]  # fmt: skip


@pytest.mark.parametrize(("stack", "expected"), CASES, ids=[c[1][:30] for c in CASES])
def test_summary_of_packet_and_of_its_bytes(stack: list, expected: str) -> None:
    pkt = build_layers([ETHER, *stack])
    assert summary(pkt) == expected
    assert summary(finalize(pkt)) == expected


def test_websocket_summary() -> None:
    assert (
        summary(build_layers([IP, layer("tcp"), layer("websocket", payload="Hi", key="01020304")]))
        == "WebSocket Text [FIN] [MASKED]"
    )


def test_garbage_bytes_do_not_raise() -> None:
    assert summary(b"\x00\x01") == "2 bytes (too short for an Ethernet frame)"
    assert summary(b"") == "0 bytes (too short for an Ethernet frame)"
    assert summary(b"\x00" * 14 + b"junk").startswith("802.3")  # a length, not an EtherType: scapy's words


def test_importing_the_package_loads_no_scapy() -> None:
    code = "import sys, animator.packets; print(sorted(m for m in sys.modules if m.split('.')[0] in ('scapy', 'PySide6')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_tcp_stack_loads_only_the_scapy_modules_it_needs() -> None:
    code = (
        "import sys; from animator.packets import build_layers, finalize; from tests.packets.conftest import layer; "
        "finalize(build_layers([layer('ip'), layer('tcp')])); "
        "heavy = ('scapy.all', 'scapy.layers.tls.all', 'scapy.contrib.http2', 'scapy.layers.quic'); "
        "print([m for m in heavy if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
