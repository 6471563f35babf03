"""Words for a captured packet: the chip label, the scene protocol, and a one-line description.

Only packets that end up in a scene are described, so this may afford scapy where parsing by
hand would be error-prone (DNS names and answers, DHCP options); the cheap cases (TCP flags,
HTTP start lines, TLS record and handshake types, ICMP types, ARP) are read from the bytes
directly. The texts follow Wireshark's Info column, shortened for a chip on a projector.
"""

from __future__ import annotations

from typing import NamedTuple

from animator.capture.headers import (
    ETH_ARP,
    PROTO_ICMP,
    PROTO_ICMPV6,
    PROTO_TCP,
    PROTO_UDP,
    SYN,
    Headers,
    flag_names,
)

_HTTP_METHODS = (b"GET ", b"POST ", b"PUT ", b"DELETE ", b"HEAD ", b"OPTIONS ", b"PATCH ", b"CONNECT ", b"TRACE ")
_TLS_HANDSHAKES = {
    0: "HelloRequest",
    1: "ClientHello",
    2: "ServerHello",
    4: "NewSessionTicket",
    8: "EncryptedExtensions",
    11: "Certificate",
    12: "ServerKeyExchange",
    13: "CertificateRequest",
    14: "ServerHelloDone",
    15: "CertificateVerify",
    16: "ClientKeyExchange",
    20: "Finished",
}
_ICMP = {0: "Echo reply", 3: "Destination unreachable", 5: "Redirect", 8: "Echo request", 11: "Time exceeded"}
_ICMPV6 = {
    1: "Destination unreachable",
    3: "Time exceeded",
    128: "Echo request",
    129: "Echo reply",
    133: "Router solicitation",
    134: "Router advertisement",
    135: "Neighbor solicitation",
    136: "Neighbor advertisement",
}
_DNS_TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA", 33: "SRV", 65: "HTTPS"}
_DHCP_TYPES = {1: "Discover", 2: "Offer", 3: "Request", 4: "Decline", 5: "ACK", 6: "NAK", 7: "Release", 8: "Inform"}
LABEL_MAX = 28


class Description(NamedTuple):
    label: str  # for the chip: short
    protocol: str  # one of animator.model.schema.PROTOCOLS
    text: str  # the full one-line description
    names: tuple[tuple[str, str], ...] = ()  # (address, DNS name) pairs this packet taught us
    detail: str = ""  # what the caption leaves out: ports, sequence numbers


def _short(text: str) -> str:
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"


def describe(headers: Headers, data: bytes) -> Description:
    """What a lecturer would say about this packet; never raises on odd bytes."""
    try:
        info = _describe(headers, data)
        if not info.detail and headers.proto == PROTO_UDP:
            info = info._replace(detail=f"UDP {headers.sport} → {headers.dport}, {headers.payload_len} bytes of payload")
        return info
    except Exception:  # a caption must never break an import: fall back to the plain facts
        return Description("data", "data", f"{len(data)} bytes")


def _describe(h: Headers, data: bytes) -> Description:
    if h.ethertype == ETH_ARP:
        if h.sport == 1:
            text = f"Who has {h.dst}? Tell {h.src}"
            return Description(f"ARP who has {h.dst}?", "arp", text)
        mac = data[h.ip_offset + 8 : h.ip_offset + 14].hex(":") if h.ip_offset >= 0 else ""
        return Description(f"ARP {h.src} is at", "arp", f"{h.src} is at {mac}")
    if h.ip_offset < 0:
        name = {0x88CC: "LLDP", 0x888E: "EAPOL", 0x8863: "PPPoE discovery", 0x8864: "PPPoE"}.get(h.ethertype, "")
        text = name or (f"EtherType 0x{h.ethertype:04x}" if h.ethertype else "unknown link-layer frame")
        return Description(_short(text), "ethernet", text)
    payload = data[h.payload_offset : h.payload_offset + h.payload_len] if h.payload_len else b""
    if h.proto == PROTO_TCP:
        return _tcp(h, payload)
    if h.proto == PROTO_UDP:
        return _udp(h, payload)
    if h.proto == PROTO_ICMP:
        text = _ICMP.get(h.sport, f"ICMP type {h.sport}")
        return Description(_short(f"ICMP {text.lower()}" if h.sport in (0, 8) else text), "icmp", f"ICMP {text}")
    if h.proto == PROTO_ICMPV6:
        text = _ICMPV6.get(h.sport, f"ICMPv6 type {h.sport}")
        return Description(_short(text), "icmp", f"ICMPv6 {text}")
    version = "ipv6" if ":" in h.src else "ip"
    return Description(f"IP proto {h.proto}", version, f"IP protocol {h.proto}, {h.payload_len} bytes")


def _tcp(h: Headers, payload: bytes) -> Description:
    flags = flag_names(h.flags)
    ports = f"TCP {h.sport} → {h.dport} [{flags}] seq={h.seq}" + ("" if h.flags & SYN and not h.flags & 0x10 else f" ack={h.ack}")
    if not payload:
        return Description(flags or "TCP", "tcp", flags or "TCP segment without flags", detail=ports)
    if payload.startswith(_HTTP_METHODS):
        line = payload.split(b"\r\n", 1)[0].decode("latin-1")
        method, _, rest = line.partition(" ")
        target = rest.rsplit(" ", 1)[0] if " HTTP/" in rest else rest
        return Description(_short(f"{method} {target}"), "http", line, detail=ports)
    if payload.startswith(b"HTTP/1."):
        line = payload.split(b"\r\n", 1)[0].decode("latin-1")
        return Description(_short(line), "http", line, detail=ports)
    if payload.startswith(b"PRI * HTTP/2.0"):
        return Description("HTTP/2 preface", "http2", "HTTP/2 connection preface")
    if payload.startswith(b"SSH-"):
        line = payload.split(b"\r\n", 1)[0].decode("latin-1")
        return Description(_short(line), "ssh", line)
    tls = _tls(payload)
    if tls:
        sni = tls.partition("ClientHello (")[2].partition(")")[0]
        return Description(_short(tls), "tls", tls, ((h.dst, sni),) if sni else (), detail=ports)
    if 22 in (h.sport, h.dport):
        return Description("SSH data", "ssh", f"SSH, {h.payload_len} bytes", detail=ports)
    return Description(f"{h.payload_len} bytes", "tcp", f"{h.payload_len} bytes of data [{flags}]", detail=ports)


def _tls(payload: bytes) -> str:
    """``"TLS ClientHello (www.example.org)"``: the records' types, if this looks like TLS at all."""
    if len(payload) < 5 or payload[0] not in (20, 21, 22, 23) or payload[1] != 3 or payload[2] > 4:
        return ""
    parts: list[str] = []
    pos = 0
    while pos + 5 <= len(payload) and len(parts) < 4:
        kind, length = payload[pos], int.from_bytes(payload[pos + 3 : pos + 5], "big")
        body = payload[pos + 5 : pos + 5 + length]
        if kind == 22 and body:
            name = _TLS_HANDSHAKES.get(body[0], "Handshake")
            if body[0] == 1:
                sni = _sni(body)
                name += f" ({sni})" if sni else ""
            parts.append(name if len(body) >= 4 and int.from_bytes(body[1:4], "big") <= len(body) else "Encrypted handshake")
        elif kind == 20:
            parts.append("ChangeCipherSpec")
        elif kind == 21:
            parts.append("Alert")
        elif kind == 23:
            parts.append("Application data")
        pos += 5 + length
    unique = list(dict.fromkeys(parts))
    return "TLS " + ", ".join(unique) if unique else ""


def _sni(hello: bytes) -> str:
    """The server name of a ClientHello, read by hand: it is the one field a lecturer always wants."""
    pos = 4 + 2 + 32  # handshake header, version, random
    pos += 1 + hello[pos]  # session id
    pos += 2 + int.from_bytes(hello[pos : pos + 2], "big")  # cipher suites
    pos += 1 + hello[pos]  # compression methods
    end = pos + 2 + int.from_bytes(hello[pos : pos + 2], "big")
    pos += 2
    while pos + 4 <= min(end, len(hello)):
        kind, length = int.from_bytes(hello[pos : pos + 2], "big"), int.from_bytes(hello[pos + 2 : pos + 4], "big")
        if kind == 0 and length > 5:
            name_len = int.from_bytes(hello[pos + 7 : pos + 9], "big")
            return hello[pos + 9 : pos + 9 + name_len].decode("ascii", errors="replace")
        pos += 4 + length
    return ""


def _udp(h: Headers, payload: bytes) -> Description:
    ports = (h.sport, h.dport)
    if 53 in ports or 5353 in ports:
        return _dns(payload)
    if 67 in ports or 68 in ports:
        return _dhcp(payload)
    if 443 in ports and payload and payload[0] & 0x80:
        return Description("QUIC Initial" if (payload[0] & 0x30) == 0 else "QUIC handshake", "quic", "QUIC long-header packet")
    if 443 in ports:
        return Description("QUIC", "quic", f"QUIC, {h.payload_len} bytes")
    return Description(_short(f"UDP {h.payload_len} bytes"), "udp", f"UDP {h.sport} → {h.dport}, {h.payload_len} bytes")


def _dns(payload: bytes) -> Description:
    from scapy.layers.dns import DNS

    dns = DNS(payload)
    questions = list(dns.qd or [])
    qname = questions[0].qname.decode(errors="replace").rstrip(".") if questions else "?"
    qtype = _DNS_TYPES.get(questions[0].qtype, str(questions[0].qtype)) if questions else "?"
    if not dns.qr:
        return Description(_short(f"DNS {qtype}? {qname}"), "dns", f"DNS query {qtype} {qname}")
    if dns.rcode:
        error = {1: "format error", 2: "server failure", 3: "no such name", 5: "refused"}.get(dns.rcode, f"rcode {dns.rcode}")
        return Description(_short(f"DNS {error}"), "dns", f"DNS {qtype} {qname}: {error}")
    answers = [rr for rr in (dns.an or []) if rr.type in (1, 28)]
    addresses = [str(rr.rdata) for rr in answers]
    names = tuple((address, qname) for address in addresses)
    if not addresses:
        return Description(_short(f"DNS {qtype} {qname}"), "dns", f"DNS response {qtype} {qname} (no addresses)")
    shown = addresses[0] + (f" (+{len(addresses) - 1})" if len(addresses) > 1 else "")
    return Description(_short(f"DNS → {shown}"), "dns", f"DNS {qtype} {qname} → {', '.join(addresses)}", names)


def _dhcp(payload: bytes) -> Description:
    from scapy.layers.dhcp import BOOTP, DHCP

    bootp = BOOTP(payload)
    kind = "BOOTP"
    if bootp.haslayer(DHCP):
        for option in bootp[DHCP].options:
            if isinstance(option, tuple) and option[0] == "message-type":
                kind = "DHCP " + _DHCP_TYPES.get(int(option[1]), str(option[1]))
    offered = f" {bootp.yiaddr}" if kind in ("DHCP Offer", "DHCP ACK") else ""
    return Description(_short(kind + offered), "dhcp", kind + offered)
