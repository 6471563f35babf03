"""TLS 1.2's ECDHE handshake and HPACK's dynamic table, as Wireshark reads them.

A lesson comparing TLS 1.2 with 1.3 needs the messages 1.3 dropped (ServerKeyExchange,
ServerHelloDone, ClientKeyExchange) and 1.2's encrypted Finished; a lesson on HPACK needs a
second request that only points at what the first one added to the dynamic table.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from animator.packets import build_layers, finalize, write_pcapng
from animator.packets.problems import FieldError
from tests.packets.conftest import Layer, layer

ETHER = layer("ether", src="02:00:00:00:00:17", dst="02:00:00:00:00:01")
ETHER_BACK = layer("ether", src="02:00:00:00:00:01", dst="02:00:00:00:00:17")
OUT = [ETHER, layer("ip", src="192.168.1.23", dst="198.51.100.80")]
BACK = [ETHER_BACK, layer("ip", src="198.51.100.80", dst="192.168.1.23")]


def tls(msg: str, **fields: object) -> Layer:
    return layer("tls", msg=msg, **fields)


def capture(tmp_path: Path, stacks: list[list[Layer]]) -> Path:
    path = tmp_path / "x.pcapng"
    write_pcapng(path, ["lan"], [(0, float(i), finalize(build_layers(s, seed=i))) for i, s in enumerate(stacks)])
    return path


def test_a_tls12_handshake_reads_as_openssl_sends_it(tmp_path: Path, tshark: Callable[..., str]) -> None:
    # openssl s_client -tls1_2 against s_server on this machine sent the same records in the same segments.
    flights = [
        (True, [tls("client_hello", protocol="tls1.2", sni="example.com")]),
        (
            False,
            [tls("server_hello", protocol="tls1.2"), tls("certificate"), tls("server_key_exchange"), tls("server_hello_done")],
        ),
        (True, [tls("client_key_exchange"), tls("change_cipher_spec"), tls("encrypted_handshake")]),
        (False, [tls("change_cipher_spec"), tls("encrypted_handshake")]),
    ]
    sent = {True: 1, False: 1}  # relative sequence numbers after the handshake, each side
    stacks = []
    for client, records in flights:
        ports = {"sport": 50123, "dport": 443} if client else {"sport": 443, "dport": 50123}
        stack = [*(OUT if client else BACK), layer("tcp", **ports, flags="PA", seq=sent[client], ack=sent[not client]), *records]
        sent[client] += len(bytes(build_layers(records, seed=0)))
        stacks.append(stack)
    path = capture(tmp_path, stacks)
    assert tshark(path, "-Y", "_ws.malformed || _ws.expert.severity >= error") == ""
    info = tshark(path, "-T", "fields", "-e", "_ws.col.Info").splitlines()
    assert info == [
        "Client Hello",
        "Server Hello, Certificate, Server Key Exchange, Server Hello Done",
        "Client Key Exchange, Change Cipher Spec, Encrypted Handshake Message",
        "Change Cipher Spec, Encrypted Handshake Message",
    ]
    hello = tshark(path, "-Y", "tls.handshake.type == 1", "-T", "fields", "-e", "tls.handshake.extension.type")
    assert "43" not in hello.strip().split(",")  # no supported_versions (43): a TLS 1.2-only ClientHello
    version = tshark(
        path, "-Y", "tls.handshake.type == 2", "-T", "fields", "-e", "tls.handshake.version", "-e", "tls.handshake.ciphersuite"
    )
    assert version.split() == ["0x0303", "0xc02b"]
    lengths = tshark(path, "-Y", "tls.handshake.type == 16", "-T", "fields", "-e", "tls.record.length").strip()
    assert lengths == "37,1,40"  # the lengths openssl's ClientKeyExchange, CCS and Finished records had


def test_a_tls13_server_hello_refuses_alpn_which_it_sends_encrypted() -> None:
    with pytest.raises(FieldError, match="EncryptedExtensions"):
        build_layers([layer("tcp"), tls("server_hello", alpn="h2")])


def test_a_second_request_can_point_at_hpacks_dynamic_table(tmp_path: Path, tshark: Callable[..., str]) -> None:
    first = (
        "8286"
        + "440b"
        + b"/index.html".hex()
        + "410b"
        + b"example.com".hex()
        + "7a0a"
        + b"curl/8.5.0".hex()
        + "5303"
        + b"*/*".hex()
    )
    second = "8286" + "c0" + "440a" + b"/style.css".hex() + "c0bf"
    stack = [*OUT, layer("tcp", sport=50123, dport=80, flags="PA", seq=1, ack=1), layer("http2", frame="preface"),
             layer("http2", frame="settings"), layer("http2", frame="headers", stream=1, hpack=first),
             layer("http2", frame="headers", stream=3, hpack=second)]  # fmt: skip
    path = capture(tmp_path, [stack])
    assert tshark(path, "-Y", "_ws.malformed || _ws.expert.severity >= error") == ""
    out = tshark(path, "-T", "fields", "-e", "http2.length", "-e", "http2.header.name", "-e", "http2.header.value")
    lengths, names, values = out.strip().split("\t")
    assert lengths.split(",")[-2:] == ["45", "17"]
    assert values.split(",")[-6:] == ["GET", "http", "example.com", "/style.css", "curl/8.5.0", "*/*"]
    assert names.split(",")[-6:] == [":method", ":scheme", ":authority", ":path", "user-agent", "accept"]
    with pytest.raises(FieldError, match="not both"):
        build_layers([layer("tcp"), layer("http2", frame="headers", hpack="82", headers={":method": "GET"})])


def test_checking_tls_names_does_not_import_scapy() -> None:
    """Validating a scene must stay quick: the registry knows the TLS names without the builders."""
    import subprocess
    import sys

    code = (
        "import sys, animator.packets.registry as r; assert 'server_hello_done' in r.TLS_MESSAGES; print('scapy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parents[2])
    assert done.stdout.strip() == "False"
