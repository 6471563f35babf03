"""Reading and finishing the scapy packets devices work on.

Every device asks the same questions of a packet (which transport segment does it carry, what
flow is it) and every frame put on a wire needs its lengths and checksums made true again after
a device edited it: each is one function here.
"""

from __future__ import annotations

from typing import Any

from animator.engine.sim.rules import Flow
from animator.engine.sim.scapy_layers import layers


def transport_of(ip: Any) -> Any | None:
    """The TCP or UDP segment an IP packet carries, or None (ICMP, or no payload a device reads).

    Quoted headers inside an ICMP error are other classes (TCPerror, UDPerror) and are not found.
    """
    sc = layers()
    if sc.TCP in ip:
        return ip.getlayer(sc.TCP)
    if sc.UDP in ip:
        return ip.getlayer(sc.UDP)
    return None


def flow_of(ip: Any) -> Flow:
    """What firewall rules and connection tracking match on, read once from an IP packet."""
    transport = transport_of(ip)
    proto = ip.proto if ip.version == 4 else ip.nh
    if transport is None:
        return Flow(proto, ip.src, ip.dst, None, None)
    return Flow(proto, ip.src, ip.dst, transport.sport, transport.dport)


#: Computed fields a device's edits make stale, by layer: scapy recomputes a field left unset.
_COMPUTED = {"IP": ("chksum", "len"), "TCP": ("chksum",), "UDP": ("chksum", "len"), "ICMP": ("chksum",), "IPv6": ("plen",)}


def finalize(frame: Any) -> bytes:
    """The wire bytes with every length and checksum computed for the frame's current contents.

    Devices edit parsed packets (TTL, addresses, ports); deleting the computed fields before
    building makes scapy compute them again, exactly as the device's stack would. Quoted headers
    inside ICMP errors are other classes (IPerror) and keep their original values, as they must.
    """
    _keep_application_bytes(frame)
    layer = frame
    while layer is not None and layer.__class__.__name__ != "NoPayload":
        for name in _COMPUTED.get(layer.__class__.__name__, ()):
            layer.fields.pop(name, None)
        layer = layer.payload
    return bytes(frame)


def _keep_application_bytes(frame: Any) -> None:
    """Carry what a transport segment holds as the bytes that arrived, whatever scapy made of them.

    A dissector that stops at its own length field (an HTTP/2 frame, say) leaves the rest of the
    segment (the next frames) as ``Padding``, which scapy does not count in the IP length: a router
    that only lowered the TTL would shorten the segment. Only the IP length says where the
    datagram really ends (anything after it is Ethernet padding), so the payload is cut there.
    """
    from scapy.packet import NoPayload, Padding, Raw

    ip = transport = None
    layer = frame
    while not isinstance(layer, NoPayload):
        name = layer.__class__.__name__
        if name in ("IP", "IPv6") and ip is None:
            ip = layer
        elif name in ("TCP", "UDP") and ip is not None:
            transport = layer
            break
        layer = layer.payload
    if ip is None or transport is None or isinstance(transport.payload, NoPayload):
        return
    application = transport.payload
    if application.getlayer(Padding) is None:
        return
    data = bytes(application)
    total = ip.fields.get("len" if ip.__class__.__name__ == "IP" else "plen")
    if total is not None:
        ip_header = ip.ihl * 4 if ip.__class__.__name__ == "IP" else 0
        transport_header = transport.dataofs * 4 if transport.__class__.__name__ == "TCP" else 8
        data = data[: max(0, total - ip_header - transport_header)]
    transport.remove_payload()
    transport.add_payload(Raw(data))
