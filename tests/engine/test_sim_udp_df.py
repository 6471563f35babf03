"""Linux sets DF on UDP as on TCP (IP_PMTUDISC_WANT): a datagram sent from a network namespace
left with DF set, and the ICMP port unreachable that answered it had none (docs/scenes/checks.md)."""

from __future__ import annotations

from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from tests.scenekit import tracks


def test_the_udp_datagrams_of_tcp_vs_udp_carry_df() -> None:
    datagrams = [Ether(m.frames[0]) for m in tracks("tcp-vs-udp", 6) if m.frames[0] is not None]
    assert datagrams and all(UDP in d and d[IP].flags == "DF" for d in datagrams)
