"""Keep scapy from looking host names up: nothing PacketStage does with a scene touches the network.

scapy takes any text that is not an IP address literal for a host name and resolves it
(``IP(src="None")`` asks the real DNS for "None"). The simulator and the packet builders only
ever mean literal addresses, so a name reaching scapy is a bug or a hostile scene; it now fails
with a ``ValueError`` instead of leaving the machine.
"""

from __future__ import annotations

import functools
import ipaddress
import socket


@functools.cache
def forbid_name_lookups() -> None:
    """Make scapy's address parsing (``Net``/``Net6.name2addr``) accept IP literals only. Idempotent.

    Every path that builds packets calls this before its first scapy layer, so it also sends
    scapy's log into logging (``scapy_log.route_scapy_logging``) rather than to stderr.
    """
    from scapy.base_classes import Net

    from animator.packets.scapy_log import route_scapy_logging

    route_scapy_logging()

    def name2addr(cls: type, name: str) -> str:
        text = str(name)
        try:
            address = ipaddress.ip_address(text.split("%", 1)[0])  # "fe80::1%eth0": a scoped literal
        except ValueError:
            raise ValueError(f"'{text}' is not an IP address (PacketStage never looks host names up)") from None
        if (address.version == 4) != (getattr(cls, "family", socket.AF_INET) == socket.AF_INET):
            raise ValueError(f"'{text}' is not an IPv{6 if address.version == 4 else 4} address")
        return text

    Net.name2addr = classmethod(name2addr)  # type: ignore[method-assign,assignment]
