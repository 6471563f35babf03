"""Which address the class server listens on, and the URLs students and the presenter open.

The default is the address of the interface the default route leaves through: on a lecture hall's
Wi-Fi that is the address the students' phones can reach. Asking the kernel which source address
it would use to reach a public address (a UDP ``connect``, which sends nothing) finds it without
parsing routing tables. Listening on every interface (0.0.0.0) is never the default: it would also
expose the lecture on networks the lecturer did not mean (a VPN, a second adapter). Asked for
explicitly, it is allowed, and said out loud.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

DEFAULT_PORT = 8765
#: At most this many students' sockets at once (``--max-students``).
DEFAULT_MAX_STUDENTS = 500
#: TEST-NET-1 (RFC 5737): never routed, so nothing can answer, and a UDP connect sends nothing.
_PROBE = ("192.0.2.1", 9)


@dataclass(frozen=True)
class Binding:
    """Where to listen, the host to put in URLs, and what to tell the lecturer about the choice."""

    listen: str
    host: str
    note: str = ""


def default_route_address() -> str | None:
    """The IPv4 address of the default route's interface, or None without a network."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(_PROBE)
            address = str(probe.getsockname()[0])
    except OSError:
        return None
    return None if address.startswith("0.") else address


def choose_binding(bind: str | None) -> Binding:
    """The listening address for ``--bind`` (None: the default route's interface).

    Raises ValueError with a one-line message for something that is not an IP address.
    """
    if bind is None:
        address = default_route_address()
        if address is None:
            return Binding("127.0.0.1", "127.0.0.1", "no network found: only this computer can join (use --bind ADDR)")
        return Binding(address, address)
    try:
        ip = ipaddress.ip_address(bind)
    except ValueError:
        raise ValueError(f"--bind {bind}: not an IP address (give this computer's address on the lecture's network)") from None
    if ip.is_unspecified:
        shown = default_route_address() or "127.0.0.1"
        return Binding(
            str(ip), shown, f"listening on every interface ({ip}), as asked: anyone who can reach this computer can try the code"
        )
    return Binding(str(ip), str(ip))


def url_host(host: str) -> str:
    """``host`` as it goes in a URL (IPv6 in brackets)."""
    return f"[{host}]" if ":" in host else host
