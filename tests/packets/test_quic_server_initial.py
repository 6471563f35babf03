"""The server's QUIC Initial is as readable as the client's: a real ServerHello under Initial keys.

RFC 9001 §5.2: both directions' Initial keys derive from the client's first DCID, so any observer
who saw the client's Initial can read the server's. RFC 9000 §14.1: a datagram carrying an
ack-eliciting Initial is padded to 1200 bytes, the server's too (the scenes once sent 1193).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from scapy.layers.tls.handshake import TLS13ServerHello

from animator.export.pcap import export_pcap
from animator.packets.quic_initial import CLIENT, SERVER, frame_names, read_varint, unprotect_initial
from animator.packets.stack import build_layers, finalize
from tests.packets.conftest import layer
from tests.scenekit import timeline

ODCID = bytes.fromhex("8394c8f03e515708")


def server_datagram(handshake_length: int = 1000) -> bytes:
    pkt = build_layers(
        [
            layer("udp", sport=443, dport=50600),
            layer("quic", type="initial", dcid="c1c1c1c1c1c1c1c1", scid="5e5e5e5e5e5e5e5e", odcid=ODCID.hex()),
            layer("quic", type="handshake", dcid="c1c1c1c1c1c1c1c1", scid="5e5e5e5e5e5e5e5e", length=handshake_length),
        ]
    )
    return finalize(pkt)[8:]  # the UDP payload


def test_the_server_initial_decrypts_with_initial_keys_and_carries_the_server_hello() -> None:
    datagram = server_datagram()
    assert unprotect_initial(datagram, ODCID, CLIENT) is None, "the server's direction has its own keys"
    opened = unprotect_initial(datagram, ODCID, SERVER)
    assert opened is not None
    _, frames = opened
    assert frame_names(frames) == ["ACK", "CRYPTO", "PADDING"]
    at = frames.index(0x06)
    _, at = read_varint(frames, at + 1)
    size, at = read_varint(frames, at)
    hello = TLS13ServerHello(frames[at : at + size])
    assert hello.msgtype == 2 and hello.cipher == 0x1301
    assert {ext.type for ext in hello.ext} == {43, 51}, "supported_versions and key_share, nothing more"
    assert hello.sid in (b"", None), "QUIC has no legacy session id to echo (RFC 9001 §8.4)"


def test_the_server_datagram_is_padded_to_1200_bytes_whatever_follows_the_initial() -> None:
    assert len(server_datagram(1000)) == 1200
    assert len(server_datagram(200)) == 1200
    assert len(server_datagram(1300)) > 1200  # already big enough: no padding added


def test_wireshark_reads_the_server_hello_in_the_scene(tshark: Callable[..., str], tmp_path: Path) -> None:
    out = tmp_path / "wire.pcapng"
    export_pcap(timeline("http2-hol-vs-quic"), out, link="laptop--internet")
    rows = tshark(out, "-Y", "quic.long.packet_type == 0", "-T", "fields", "-e", "udp.length", "-e", "tls.handshake.type")
    lines = [line.split("\t") for line in rows.splitlines()]
    assert [types for _, types in lines] == ["1", "2"], "the ClientHello, then the ServerHello, both decrypted"
    assert all(int(length) - 8 >= 1200 for length, _ in lines)
