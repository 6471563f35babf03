"""The inspector names what tshark names: a PROXY protocol header (v1 text, v2 binary) at the start
of a backend connection, and a VRRP advertisement, each field on its own bytes."""

from __future__ import annotations

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether
from scapy.layers.vrrp import VRRP

from animator.packets.builders_net import proxy_header
from animator.packets.dissect import FieldNode, dissect


def _last(payload: bytes) -> tuple[bytes, FieldNode]:
    frame = bytes(Ether() / IP(src="10.0.3.1", dst="10.0.3.11") / TCP(sport=49998, dport=80, flags="PA") / payload)
    return frame, dissect(frame)[-1]


def test_a_proxy_v1_line_is_shown_field_by_field() -> None:
    frame, node = _last(proxy_header("v1", ("198.51.100.23", 50004), ("192.0.2.30", 80)))
    assert node.key == "PROXYv1"
    fields = {c.label: frame[c.start : c.end] for c in node.children}
    assert fields["Source address"] == b"198.51.100.23" and fields["Destination port"] == b"80"


def test_a_proxy_v2_header_is_shown_field_by_field() -> None:
    _, node = _last(proxy_header("v2", ("198.51.100.23", 50001), ("203.0.113.10", 80)))
    assert node.key == "PROXYv2"
    values = {c.label: c.value for c in node.children}
    assert values["Source address"] == "198.51.100.23" and values["Source port"] == "50001"
    assert values["Address family / protocol"] == "0x11"


def test_an_ordinary_request_is_not_taken_for_a_proxy_header() -> None:
    _, node = _last(b"GET / HTTP/1.1\r\nHost: PROXY \r\n\r\n")
    assert node.key != "PROXYv1"


def test_a_vrrp_advertisement_is_dissected() -> None:
    frame = bytes(Ether() / IP(src="10.0.0.11", dst="224.0.0.18", ttl=255) / VRRP(vrid=51, priority=150, addrlist=["10.0.0.100"]))
    names = [node.label for node in dissect(frame)]
    assert names[-1] == "Virtual Router Redundancy Protocol"
