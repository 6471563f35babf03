"""The scapy classes the simulator builds and edits, imported on first use.

``import scapy.all`` costs ~1.8 s; these few modules cost a fraction of that, and only scenes
that carry real packets pay it at all.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Any


@functools.cache
def layers() -> SimpleNamespace:
    """The scapy classes, loaded once, with host-name lookups turned off (``animator.packets.offline``)."""
    from scapy.layers import http  # noqa: F401 - binds HTTP to port 80, so frames dissect as requests
    from scapy.layers.inet import ICMP, IP, TCP, UDP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.l2 import ARP, Ether
    from scapy.packet import Raw

    from animator.packets.offline import forbid_name_lookups

    forbid_name_lookups()

    return SimpleNamespace(Ether=Ether, ARP=ARP, IP=IP, IPv6=IPv6, TCP=TCP, UDP=UDP, ICMP=ICMP, Raw=Raw)


def reply_ip(ip: Any, ttl: int) -> Any:
    """The IP header of a device's answer to ``ip`` (an RST, say): addresses swapped, same IP version.

    Built as IPv4 whatever it answered, an RST to an IPv6 segment put an IPv6 address in an
    IPv4 field, and the simulation died with a ValueError (found by the fuzz test).
    """
    sc = layers()
    if ip.version == 6:
        return sc.IPv6(src=ip.dst, dst=ip.src, hlim=ttl)
    return sc.IP(src=ip.dst, dst=ip.src, ttl=ttl)
