"""Frame bytes → a tree of named fields, each with the exact bytes it occupies.

The inspector shows a packet the way Wireshark does: layers, fields, values, and a hex view in
which selecting a field lights up its bytes. scapy already knows every protocol's field layout
(``fields_desc``) and how to decode it; what it does not hand out is *where* each field sits in
the frame. So this module walks each dissected layer's own header bytes (scapy keeps them in
``raw_packet_cache``) field by field with the fields' ``getfield``, exactly as scapy's
``do_dissect`` does, and records how much each consumed. Bit fields (IP flags and fragment
offset, TCP data offset and flags) share bytes: they get the bytes that contain them.

Students feed it anything (a pcap from the wild, a hand-typed hex frame), so ``dissect`` never
raises: whatever it cannot decode becomes a "Malformed" node covering the remaining bytes.
scapy is imported lazily here: the player must start without paying for it.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from animator.packets.scapy_log import hpack_text, route_scapy_logging

Path = tuple[str, ...]


@dataclass(frozen=True)
class FieldNode:
    """One layer or field of a frame, with the half-open byte range ``[start, end)`` it covers."""

    key: str
    label: str
    value: str
    meaning: str
    start: int
    end: int
    children: tuple[FieldNode, ...] = ()


# -- human names ------------------------------------------------------------------------------
LAYER_LABELS: dict[str, str] = {
    "Ether": "Ethernet II",
    "Dot1Q": "802.1Q VLAN tag",
    "ARP": "Address Resolution Protocol",
    "IP": "Internet Protocol version 4",
    "IPv6": "Internet Protocol version 6",
    "VRRP": "Virtual Router Redundancy Protocol",
    "VRRPv3": "Virtual Router Redundancy Protocol version 3",
    "ICMP": "Internet Control Message Protocol",
    "IPerror": "IPv4 (quoted in the ICMP error)",
    "TCPerror": "TCP (quoted in the ICMP error)",
    "UDPerror": "UDP (quoted in the ICMP error)",
    "ICMPv6EchoRequest": "ICMPv6 echo request",
    "ICMPv6EchoReply": "ICMPv6 echo reply",
    "TCP": "Transmission Control Protocol",
    "UDP": "User Datagram Protocol",
    "DNS": "Domain Name System",
    "DNSQR": "Question",
    "DNSRR": "Answer record",
    "HTTP": "Hypertext Transfer Protocol",
    "HTTPRequest": "HTTP request",
    "HTTPResponse": "HTTP response",
    "TLS": "TLS record",
    "TLSClientHello": "Client Hello",
    "TLSServerHello": "Server Hello",
    "TLS13ClientHello": "Client Hello",
    "TLS13ServerHello": "Server Hello",
    "TLSCertificate": "Certificate",
    "TLSServerHelloDone": "Server Hello Done",
    "TLSClientKeyExchange": "Client Key Exchange",
    "TLSFinished": "Finished",
    "TLSApplicationData": "Application data",
    "TLS_Ext_ServerName": "Server name (SNI)",
    "TLS_Ext_SupportedVersion_CH": "Supported versions",
    "TLS_Ext_ALPN": "Application protocols (ALPN)",
    "H2Frame": "HTTP/2 frame",
    "QUIC_Initial": "QUIC long header (Initial)",
    "QUIC_Handshake": "QUIC long header (Handshake)",
    "QUIC_0RTT": "QUIC long header (0-RTT)",
    "QUIC_Retry": "QUIC long header (Retry)",
    "QUIC_1RTT": "QUIC short header (1-RTT)",
    "Raw": "Data",
    "Padding": "Ethernet padding",
}

_HELLO = {"msgtype": "Handshake type", "msglen": "Length", "version": "Version", "gmt_unix_time": "Random (time part)",
                  "random_bytes": "Random", "sidlen": "Session ID length", "sid": "Session ID",
                  "cipherslen": "Cipher suites length", "ciphers": "Cipher suites", "cipher": "Cipher suite",
                  "complen": "Compression methods length", "comp": "Compression methods", "extlen": "Extensions length",
                  "ext": "Extensions"}  # fmt: skip

_QUIC_LONG = {"HeaderForm": "Header form", "FixedBit": "Fixed bit", "LongPacketType": "Packet type",
              "PacketNumberLen": "Packet number length", "Version": "Version",
              "DstConnIDLen": "Destination connection ID length", "DstConnID": "Destination connection ID",
              "SrcConnIDLen": "Source connection ID length", "SrcConnID": "Source connection ID",
              "TokenLen": "Token length", "Token": "Token", "Length": "Length", "PacketNumber": "Packet number",
              "SpinBit": "Spin bit", "KeyPhase": "Key phase"}  # fmt: skip

FIELD_LABELS: dict[str, dict[str, str]] = {
    "Ether": {"dst": "Destination MAC", "src": "Source MAC", "type": "EtherType"},
    "Dot1Q": {"prio": "Priority", "dei": "Drop eligible", "vlan": "VLAN ID", "type": "EtherType"},
    "ARP": {
        "hwtype": "Hardware type",
        "ptype": "Protocol type",
        "hwlen": "Hardware address length",
        "plen": "Protocol address length",
        "op": "Operation",
        "hwsrc": "Sender MAC",
        "psrc": "Sender IP",
        "hwdst": "Target MAC",
        "pdst": "Target IP",
    },
    "IP": {
        "version": "Version",
        "ihl": "Header length",
        "tos": "Type of service (DSCP/ECN)",
        "len": "Total length",
        "id": "Identification",
        "flags": "Flags",
        "frag": "Fragment offset",
        "ttl": "Time to live",
        "proto": "Protocol",
        "chksum": "Header checksum",
        "src": "Source address",
        "dst": "Destination address",
        "options": "Options",
    },
    "IPv6": {
        "version": "Version",
        "tc": "Traffic class",
        "fl": "Flow label",
        "plen": "Payload length",
        "nh": "Next header",
        "hlim": "Hop limit",
        "src": "Source address",
        "dst": "Destination address",
    },
    "ICMP": {
        "type": "Type",
        "code": "Code",
        "chksum": "Checksum",
        "id": "Identifier",
        "seq": "Sequence number",
        "unused": "Unused",
    },
    "TCP": {
        "sport": "Source port",
        "dport": "Destination port",
        "seq": "Sequence number",
        "ack": "Acknowledgment number",
        "dataofs": "Header length",
        "reserved": "Reserved",
        "flags": "Flags",
        "window": "Window",
        "chksum": "Checksum",
        "urgptr": "Urgent pointer",
        "options": "Options",
    },
    "UDP": {"sport": "Source port", "dport": "Destination port", "len": "Length", "chksum": "Checksum"},
    "DNS": {
        "length": "Length",
        "id": "Transaction ID",
        "qr": "Response",
        "opcode": "Opcode",
        "aa": "Authoritative",
        "tc": "Truncated",
        "rd": "Recursion desired",
        "ra": "Recursion available",
        "z": "Reserved",
        "ad": "Authentic data",
        "cd": "Checking disabled",
        "rcode": "Reply code",
        "qdcount": "Questions",
        "ancount": "Answer records",
        "nscount": "Authority records",
        "arcount": "Additional records",
        "qd": "Queries",
        "an": "Answers",
        "ns": "Authority",
        "ar": "Additional",
    },
    "DNSQR": {"qname": "Name", "qtype": "Type", "unicastresponse": "Unicast response", "qclass": "Class"},
    "DNSRR": {"rrname": "Name", "type": "Type", "cacheflush": "Cache flush", "rclass": "Class", "ttl": "Time to live",
              "rdlen": "Data length", "rdata": "Data"},
    "TLS": {"type": "Content type", "version": "Version", "len": "Length", "msg": "Messages"},
    "TLSClientHello": _HELLO,
    "TLSServerHello": _HELLO,
    "TLS13ClientHello": _HELLO,
    "TLS13ServerHello": _HELLO,
    "TLS_Ext_ServerName": {"type": "Type", "len": "Length", "servernameslen": "Names length", "servernames": "Server names"},
    "H2Frame": {"len": "Length", "type": "Type", "flags": "Flags", "reserved": "Reserved", "stream_id": "Stream ID"},
    "QUIC_Initial": _QUIC_LONG,
    "QUIC_Handshake": _QUIC_LONG,
    "QUIC_0RTT": _QUIC_LONG,
    "QUIC_Retry": _QUIC_LONG,
    "QUIC_1RTT": _QUIC_LONG,
    "Raw": {"load": "Data"},
    "Padding": {"load": "Padding"},
}  # fmt: skip

TCP_FLAG_NAMES = (
    ("FIN", "no more data from sender"),
    ("SYN", "synchronise sequence numbers"),
    ("RST", "reset the connection"),
    ("PSH", "push data to the application"),
    ("ACK", "acknowledgment field is significant"),
    ("URG", "urgent pointer is significant"),
    ("ECE", "ECN echo"),
    ("CWR", "congestion window reduced"),
    ("AE", "accurate ECN"),
)
IP_FLAG_MEANINGS = {0: "", 1: "More fragments", 2: "Don't fragment", 3: "Don't fragment, More fragments"}
ARP_OPS = {1: "request (who-has)", 2: "reply (is-at)"}
ICMP_TYPES = {0: "Echo reply", 3: "Destination unreachable", 5: "Redirect", 8: "Echo request", 11: "Time exceeded"}
TLS_CONTENT = {20: "ChangeCipherSpec", 21: "Alert", 22: "Handshake", 23: "Application data"}
TLS_VERSIONS = {0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}
H2_TYPES = {0: "DATA", 1: "HEADERS", 2: "PRIORITY", 3: "RST_STREAM", 4: "SETTINGS", 5: "PUSH_PROMISE", 6: "PING",
            7: "GOAWAY", 8: "WINDOW_UPDATE", 9: "CONTINUATION"}  # fmt: skip
WELL_KNOWN_PORTS = {20: "FTP data", 21: "FTP", 22: "SSH", 23: "Telnet", 25: "SMTP", 53: "DNS", 67: "DHCP server",
                    68: "DHCP client", 80: "HTTP", 123: "NTP", 443: "HTTPS", 853: "DNS over TLS", 3128: "HTTP proxy",
                    5353: "mDNS", 8080: "HTTP (alternate)", 8443: "HTTPS (alternate)"}  # fmt: skip
#: Port and protocol names scapy spells in lower case ("http", "tcp"): shown as a student reads them.
_UPPER_MAX = 6
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


# -- entry points -----------------------------------------------------------------------------
def dissect(frame: bytes) -> tuple[FieldNode, ...]:
    """One node per layer, Ethernet first; bytes it cannot decode end in a "Malformed" node."""
    frame = bytes(frame)
    if not frame:
        return ()
    try:
        nodes = _dissect(frame)
    except Exception:
        nodes = []
    covered = max((node.end for node in nodes), default=0)
    if covered < len(frame):
        nodes.append(_opaque("Malformed", "Undecoded bytes", frame, covered, len(frame)))
    return tuple(nodes)


def walk(nodes: tuple[FieldNode, ...], prefix: Path = ()) -> Iterator[tuple[Path, FieldNode]]:
    """Every node with its path of keys; a key repeated among siblings gets "#2", "#3"...

    Paths, not positions, identify a field across two versions of a frame, so a NAT that adds
    no layer still lines up "IP/src" before and after.
    """
    seen: dict[str, int] = {}
    for node in nodes:
        seen[node.key] = seen.get(node.key, 0) + 1
        key = node.key if seen[node.key] == 1 else f"{node.key}#{seen[node.key]}"
        path = (*prefix, key)
        yield path, node
        yield from walk(node.children, path)


def changed_paths(before: tuple[FieldNode, ...], after: tuple[FieldNode, ...]) -> frozenset[Path]:
    """Paths whose value differs between two frames, plus those present in only one of them."""
    old = {path: node.value for path, node in walk(before)}
    new = {path: node.value for path, node in walk(after)}
    return frozenset(path for path in old.keys() | new.keys() if old.get(path) != new.get(path))


def node_at(nodes: tuple[FieldNode, ...], offset: int) -> Path | None:
    """The path of the deepest node that owns byte ``offset`` (what a click in the hex view selects)."""
    best: Path | None = None
    best_width = math.inf
    for path, node in walk(nodes):
        if node.start <= offset < node.end:
            width = node.end - node.start
            # Deeper wins on equal width: the field rather than a one-field layer.
            if width < best_width or (width == best_width and best is not None and len(path) > len(best)):
                best, best_width = path, width
    return best


# -- the walk ---------------------------------------------------------------------------------
def _load_layers(frame: bytes) -> type:
    """Import (once) the layer modules whose bindings decide how scapy splits a frame."""
    import scapy.layers.dns
    import scapy.layers.http
    import scapy.layers.inet
    import scapy.layers.inet6
    import scapy.layers.vrrp  # IP protocol 112: keepalived's advertisements
    from scapy.layers.l2 import Ether

    del scapy  # only imported for its bindings
    route_scapy_logging()  # a crafted frame's warnings (a DNS compression loop) are log records
    if _looks_like_tls(frame):
        with contextlib.suppress(Exception):  # needs `cryptography`; without it TLS stays "Data"
            import scapy.layers.tls.all  # noqa: F401
    return Ether


def _looks_like_tls(frame: bytes) -> bool:
    """A TLS record header somewhere: content type 20-23 then version 3.x (cheap test first)."""
    for i in range(min(len(frame), 120)):
        if 20 <= frame[i] <= 23 and i + 2 < len(frame) and frame[i + 1] == 3 and frame[i + 2] <= 4:
            return True
    return False


def _dissect(frame: bytes) -> list[FieldNode]:
    ether = _load_layers(frame)
    packet = ether(frame)
    nodes: list[FieldNode] = []
    offset = 0
    l3_end: int | None = None  # where the IP packet ends: anything after it is Ethernet padding
    layer = packet
    while layer is not None and type(layer).__name__ != "NoPayload" and offset <= len(frame):
        raw = layer.raw_packet_cache
        if raw is None or frame[offset : offset + len(raw)] != raw:
            break  # scapy transformed the bytes (decryption, reassembly): show the rest as data
        name = type(layer).__name__
        if name == "Raw" and _over(layer, "UDP", 443):
            quic = _quic(raw)
            if quic is not None:  # scapy does not bind QUIC to UDP 443 itself
                layer = quic
                continue
        if name == "H2Frame" or (name == "Raw" and raw.startswith(H2_PREFACE[:8])) or _is_h2(layer, raw):
            # scapy decodes one HTTP/2 frame and calls the rest padding: split them all here.
            stop = min(len(frame), l3_end) if l3_end and l3_end > offset else offset + len(raw)
            nodes.extend(_h2_nodes(frame, offset, stop))
            if stop < len(frame):
                nodes.append(_opaque("Padding", "Ethernet padding", frame, stop, len(frame)))
            break
        if name == "IP" and isinstance(layer.len, int):
            l3_end = offset + layer.len
        elif name == "IPv6" and isinstance(layer.plen, int):
            l3_end = offset + 40 + layer.plen
        if name == "Raw" and _over(layer, "TCP") and _is_proxy_header(raw):
            # HAProxy's send-proxy header, first on a connection: what tshark calls PROXYv1/PROXYv2.
            nodes.append(_proxy_node(frame, offset, offset + len(raw)))
        elif name == "Raw" and _over(layer, "TCP") and _websocket_lengths(raw):
            nodes.extend(_websocket_nodes(frame, offset, offset + len(raw)))
        elif name == "Raw" and _over(layer, "TCP", PG_PORT) and _pgsql_spans(layer, raw):
            nodes.extend(_pgsql_nodes(layer, raw, offset))
        elif raw:  # scapy's empty dispatch layers (e.g. "HTTP" before the request) add nothing
            nodes.append(_layer_node(layer, frame, offset, len(raw)))
        if not raw and name in ("Raw", "Padding"):
            break
        offset += len(raw)
        layer = layer.payload
    return nodes


def _layer_node(layer: Any, frame: bytes, start: int, length: int) -> FieldNode:
    name = type(layer).__name__
    end = start + length
    if name in ("HTTPRequest", "HTTPResponse"):
        children = _http_fields(name, frame, start, end)
    else:
        children = tuple(_fields(layer, frame, start, end))
    if name == "TLS" and getattr(layer, "type", None) == 23:
        children = _sealed_record(children, frame)
    return FieldNode(name, LAYER_LABELS.get(name, layer.name), _layer_value(layer), _bytes_text(length), start, end, children)


def _sealed_record(children: tuple[FieldNode, ...], frame: bytes) -> tuple[FieldNode, ...]:
    """An application-data record whose plaintext is shown (``builders_tls.seal_in_clear``): say
    what of its length is the content and what AES-GCM adds, byte by byte."""
    from dataclasses import replace

    from animator.packets.builders_tls import opened_in_clear

    body = next((c for c in children if c.key == "msg"), None)
    if body is None or body.start >= body.end:
        return children
    found = opened_in_clear(frame[body.start : body.end])
    if found is None:
        return children
    protocol, first, last = found
    at = body.start
    overhead = (body.end - body.start) - (last - first)
    parts = []
    if first:
        parts.append(FieldNode("explicit_nonce", "Explicit nonce", frame[at : at + first].hex(" "),
                               "AES-GCM's per-record nonce, sent in TLS 1.2 (8 bytes)", at, at + first))  # fmt: skip
    parts.append(FieldNode("plaintext", "Content (shown in the clear)", frame[at + first : at + last].hex(" "),
                           f"{_bytes_text(last - first)}, encrypted on a real wire: a capture shows only the record's length",
                           at + first, at + last))  # fmt: skip
    if protocol == "tls1.3":
        parts.append(FieldNode("inner_type", "Inner content type", "23",
                               "TLS 1.3 hides the real record type inside the encryption", at + last, at + last + 1))  # fmt: skip
    parts.append(FieldNode("tag", "Authentication tag", frame[body.end - 16 : body.end].hex(" "),
                           "AES-GCM's 16-byte tag (a stand-in here: nothing is encrypted)", body.end - 16, body.end))  # fmt: skip
    what = "content type 1 + tag 16" if protocol == "tls1.3" else "explicit nonce 8 + tag 16"
    note = f"{last - first} bytes of content + {overhead} of AES-GCM overhead ({what}), as on the wire"
    out = []
    for child in children:
        if child.key == "len":
            child = replace(child, meaning=note)
        elif child is body:
            child = replace(body, children=tuple(parts))
        out.append(child)
    return tuple(out)


def _fields(layer: Any, frame: bytes, start: int, end: int) -> Iterator[FieldNode]:
    """Re-run scapy's field-by-field dissection of this layer's header, noting each field's bytes."""
    data = frame[start:end]
    total = len(data)
    rest: bytes | tuple[bytes, int] = data
    for field in layer.fields_desc:
        before = _bit_position(rest, total)
        try:
            rest, value = field.getfield(layer, rest)
        except Exception:
            return
        after = _bit_position(rest, total)
        if after > before:  # fields with no bytes of their own (an absent option list) are not shown
            lo, hi = start + before // 8, start + math.ceil(after / 8)
            if value is None:
                value = layer.getfieldval(field.name)
            yield _field_node(layer, field, value, frame, lo, hi)
        if not (rest[0] if isinstance(rest, tuple) else rest) and getattr(field, "ismayend", False):
            return


def _bit_position(rest: bytes | tuple[bytes, int], total: int) -> int:
    if isinstance(rest, tuple):
        data, bits = rest
        return (total - len(data)) * 8 + bits
    return (total - len(rest)) * 8


def _words(name: str) -> str:
    """A field name as words, for fields without a label: "DstConnIDLen" → "Dst conn ID len"."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name).replace("_", " ")
    words = [w if w.isupper() and len(w) > 1 else w.lower() for w in spaced.split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _field_node(layer: Any, field: Any, value: Any, frame: bytes, start: int, end: int) -> FieldNode:
    layer_name = type(layer).__name__
    name = field.name
    label = FIELD_LABELS.get(layer_name, {}).get(name) or _words(name)
    shown, meaning = _describe(layer, field, value)
    children: tuple[FieldNode, ...] = ()
    if layer_name == "TCP" and name == "flags":
        children = _tcp_flag_bits(int(value), start, end)
    elif layer_name == "TCP" and name == "options":
        children = _tcp_options(frame, start, end)
    elif _is_packet_list(value):
        children = _sub_packets(value, frame, start, end)
    return FieldNode(name, label, shown, meaning, start, end, children)


# -- values and meanings ----------------------------------------------------------------------
def _describe(layer: Any, field: Any, value: Any) -> tuple[str, str]:
    """(value as shown, what it means) for one field."""
    layer_name, name = type(layer).__name__, field.name
    special = _SPECIAL.get((layer_name, name))
    if special is None and name == "version" and layer_name.startswith("TLS"):
        special = _enum(TLS_VERSIONS, 4)
    if special is not None:
        with contextlib.suppress(Exception):
            return special(value)
    if value is None:
        return "", ""
    if _is_packet_list(value):
        count = len(value) if isinstance(value, list) else 1
        return f"{count} item{'s' if count != 1 else ''}", ""
    if isinstance(value, bytes):
        return _bytes_value(value), ""
    if isinstance(value, int) and not isinstance(value, bool):
        number = int(value)
        text = _hex(number, field) if type(field).__name__.startswith("X") else str(number)
        meaning = ""
        names = getattr(field, "i2s", None)
        if isinstance(names, dict) and number in names:
            meaning = _upper(str(names[number]))
            if meaning.islower() and "_" in meaning:  # scapy's identifiers, e.g. client_hello
                meaning = meaning.replace("_", " ")
        return text, meaning
    try:
        return str(field.i2repr(layer, value)), ""
    except Exception:
        return repr(value), ""


def _hex(number: int, field: Any) -> str:
    size = getattr(field, "sz", 2)
    digits = max(2, int(size * 2)) if isinstance(size, int) else 2
    return f"0x{number:0{digits}x}"


def _upper(name: str) -> str:
    return name.upper() if name.islower() and len(name) <= _UPPER_MAX else name


def _bytes_value(value: bytes) -> str:
    if value and all(32 <= b < 127 for b in value):
        return value.decode("ascii") if len(value) <= 60 else value[:57].decode("ascii") + "…"
    text = value[:24].hex(" ")
    return text + (" …" if len(value) > 24 else "")


def _bytes_text(length: int) -> str:
    return f"{length} byte{'s' if length != 1 else ''}"


def _tcp_flags(value: Any) -> tuple[str, str]:
    bits = int(value)
    names = [name for i, (name, _) in enumerate(TCP_FLAG_NAMES) if bits >> i & 1]
    order = ["SYN", "FIN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE"]  # as people say them: "SYN, ACK"
    names.sort(key=order.index)
    return f"0x{bits:03x}", ", ".join(names)


def _ip_flags(value: Any) -> tuple[str, str]:
    bits = int(value)
    return f"0x{bits:x}", IP_FLAG_MEANINGS.get(bits & 3, "Reserved bit set")


def _ip_proto(value: Any) -> tuple[str, str]:
    from scapy.data import IP_PROTOS

    number = int(value)
    # scapy's IP_PROTOS is read from /etc/protocols, which minimal systems (a pristine Debian
    # without netbase, Windows, some containers) do not have: the protocols a lesson shows are
    # named here (IANA's numbers), scapy's table only for the rest.
    names = IANA_PROTOCOLS
    # scapy's DADict has no get(): the attribute lookup raised (found by mypy).
    known = number in IP_PROTOS
    return str(number), names.get(number) or _upper(str(IP_PROTOS[number] if known else ""))


#: IP protocol numbers (IANA "Assigned Internet Protocol Numbers") a lesson or a capture commonly shows.
IANA_PROTOCOLS = {
    0: "HOPOPT",
    1: "ICMP",
    2: "IGMP",
    4: "IPv4",
    6: "TCP",
    8: "EGP",
    17: "UDP",
    33: "DCCP",
    41: "IPv6",
    43: "IPv6-Route",
    44: "IPv6-Frag",
    46: "RSVP",
    47: "GRE",
    50: "ESP",
    51: "AH",
    58: "ICMPv6",
    59: "IPv6-NoNxt",
    60: "IPv6-Opts",
    88: "EIGRP",
    89: "OSPF",
    103: "PIM",
    112: "VRRP",
    115: "L2TP",
    132: "SCTP",
    136: "UDPLite",
    137: "MPLS-in-IP",
}


def _ethertype(value: Any) -> tuple[str, str]:
    number = int(value)
    names = {0x0800: "IPv4", 0x0806: "ARP", 0x86DD: "IPv6", 0x8100: "802.1Q VLAN", 0x88CC: "LLDP"}
    return f"0x{number:04x}", names.get(number, "")


def _port(value: Any) -> tuple[str, str]:
    number = int(value)
    return str(number), WELL_KNOWN_PORTS.get(number, "ephemeral" if number >= 49152 else "")


def _tcp_option_list(value: Any) -> tuple[str, str]:
    return ", ".join(str(option[0]) for option in value), ""


def _ttl(value: Any) -> tuple[str, str]:
    number = int(value)
    return str(number), "" if number > 1 else "expires at the next router"


def _ihl(value: Any) -> tuple[str, str]:
    number = int(value)
    return str(number), f"{number * 4} bytes"


def _version(value: Any) -> tuple[str, str]:
    return str(int(value)), ""


def _enum(names: dict[int, str], width: int = 0) -> Callable[[Any], tuple[str, str]]:
    def describe(value: Any) -> tuple[str, str]:
        number = int(value)
        return (f"0x{number:0{width}x}" if width else str(number)), names.get(number, "")

    return describe


def _dns_bool(value: Any) -> tuple[str, str]:
    return str(int(value)), "yes" if int(value) else "no"


def _qr(value: Any) -> tuple[str, str]:
    return str(int(value)), "response" if int(value) else "query"


_SPECIAL: dict[tuple[str, str], Callable[[Any], tuple[str, str]]] = {
    ("Ether", "type"): _ethertype,
    ("Dot1Q", "type"): _ethertype,
    ("ARP", "ptype"): _ethertype,
    ("ARP", "op"): _enum(ARP_OPS),
    ("IP", "flags"): _ip_flags,
    ("IP", "proto"): _ip_proto,
    ("IP", "ttl"): _ttl,
    ("IP", "ihl"): _ihl,
    ("IP", "version"): _version,
    ("IPv6", "nh"): _ip_proto,
    ("IPv6", "version"): _version,
    ("ICMP", "type"): _enum(ICMP_TYPES),
    ("TCP", "flags"): _tcp_flags,
    ("TCP", "options"): _tcp_option_list,
    ("TCP", "sport"): _port,
    ("TCP", "dport"): _port,
    ("UDP", "sport"): _port,
    ("UDP", "dport"): _port,
    ("TCP", "dataofs"): _ihl,
    ("DNS", "qr"): _qr,
    ("DNS", "rd"): _dns_bool,
    ("DNS", "ra"): _dns_bool,
    ("DNS", "aa"): _dns_bool,
    ("DNS", "tc"): _dns_bool,
    ("TLS", "type"): _enum(TLS_CONTENT),
    ("TLS", "version"): _enum(TLS_VERSIONS, 4),
    ("H2Frame", "type"): _enum(H2_TYPES),
}


def _layer_value(layer: Any) -> str:
    """A one-line summary shown beside the layer's name (addresses, ports, flags)."""
    name = type(layer).__name__
    with contextlib.suppress(Exception):
        if name in ("Ether", "IP", "IPv6"):
            return f"{layer.src} → {layer.dst}"
        if name == "ARP":
            return f"{ARP_OPS.get(int(layer.op), str(layer.op))}: {layer.psrc} → {layer.pdst}"
        if name == "TCP":
            flags = _tcp_flags(layer.flags)[1]
            return f"{layer.sport} → {layer.dport} [{flags}]"
        if name == "UDP":
            return f"{layer.sport} → {layer.dport}"
        if name == "ICMP":
            return ICMP_TYPES.get(int(layer.type), f"type {layer.type}")
        if name == "DNS":
            question = layer.qd[0].qname.decode("ascii", "replace") if layer.qd else ""
            return f"{'response' if layer.qr else 'query'} {question}".strip()
        if name in ("HTTPRequest", "HTTPResponse"):
            return bytes(layer.raw_packet_cache or b"").split(b"\r\n", 1)[0].decode("latin-1")
        if name == "TLS":
            return f"{TLS_CONTENT.get(int(layer.type), str(layer.type))}, {TLS_VERSIONS.get(int(layer.version), '')}"
    return ""


# -- structured fields ------------------------------------------------------------------------
def _tcp_flag_bits(bits: int, start: int, end: int) -> tuple[FieldNode, ...]:
    nodes = []
    for i, (name, meaning) in reversed(list(enumerate(TCP_FLAG_NAMES))):
        on = bits >> i & 1
        nodes.append(FieldNode(name, name, "1" if on else "0", meaning if on else "not set", start, end))
    return tuple(nodes)


def _tcp_options(frame: bytes, start: int, end: int) -> tuple[FieldNode, ...]:
    """Walk the option bytes as the receiver does: kind, then length, except EOL and NOP."""
    from scapy.layers.inet import TCPOptions

    kinds = TCPOptions[0]
    nodes: list[FieldNode] = []
    i = start
    while i < end:
        kind = frame[i]
        name = kinds.get(kind, (f"Option {kind}", None))[0]
        if kind in (0, 1):
            nodes.append(FieldNode(name, {0: "End of options", 1: "No-operation"}[kind], "", "", i, i + 1))
            i += 1
            if kind == 0:
                break
            continue
        length = frame[i + 1] if i + 1 < end else 0
        if length < 2 or i + length > end:
            nodes.append(FieldNode("malformed", "Malformed option", frame[i:end].hex(" "), "", i, end))
            break
        body = frame[i + 2 : i + length]
        nodes.append(FieldNode(name, _OPTION_LABELS.get(name, name), *_option_value(name, body), i, i + length))
        i += length
    return tuple(nodes)


_OPTION_LABELS = {
    "MSS": "Maximum segment size",
    "WScale": "Window scale",
    "SAckOK": "SACK permitted",
    "SAck": "SACK blocks",
    "Timestamp": "Timestamps",
}


def _option_value(name: str, body: bytes) -> tuple[str, str]:
    number = int.from_bytes(body, "big") if body else 0
    if name == "MSS":
        return str(number), "bytes"
    if name == "WScale":
        return str(number), f"window × {1 << min(number, 14)}"
    if name == "Timestamp" and len(body) == 8:
        return f"{int.from_bytes(body[:4], 'big')}, {int.from_bytes(body[4:], 'big')}", "TSval, TSecr"
    return body.hex(" "), ""


def _is_packet_list(value: Any) -> bool:
    from scapy.packet import Packet

    if isinstance(value, Packet):
        return True
    return isinstance(value, list) and bool(value) and all(isinstance(v, Packet) for v in value)


def _sub_packets(value: Any, frame: bytes, start: int, end: int) -> tuple[FieldNode, ...]:
    """Records inside a field (DNS questions and answers, TLS messages), laid end to end."""
    items = value if isinstance(value, list) else [value]
    nodes = []
    offset = start
    for item in items:
        raw = item.raw_packet_cache
        name = type(item).__name__
        if raw is not None and frame[offset : offset + len(raw)] == raw:
            stop = offset + len(raw)
            children = tuple(_fields(item, frame, offset, stop))
        else:
            # Some records (TLS handshake messages) are dissected without keeping their bytes:
            # walk their fields over what is left, and let the walk say how much they took.
            children = tuple(_fields(item, frame, offset, end))
            stop = max((child.end for child in children), default=offset)
            if stop == offset:
                stop = min(end, offset + _built_length(item))
        label = LAYER_LABELS.get(name, item.name)
        nodes.append(FieldNode(name, label, _record_value(item), _bytes_text(stop - offset), offset, stop, children))
        offset = stop
    return tuple(nodes)


def _built_length(item: Any) -> int:
    try:
        return len(bytes(item))
    except Exception:
        return 0


def _record_value(item: Any) -> str:
    name = type(item).__name__
    with contextlib.suppress(Exception):
        if name == "DNSQR":
            return f"{item.qname.decode('ascii', 'replace')} {item.sprintf('%qtype%')}"
        if name in ("TLS_Ext_ServerName",):
            return ", ".join(n.servername.decode("ascii", "replace") for n in item.servernames)
        if name.startswith(("TLSClientHello", "TLSServerHello", "TLS13")):
            return str(item.sprintf("%version%"))
        if name == "DNSRR":
            return f"{item.rrname.decode('ascii', 'replace')} {item.sprintf('%type%')} {item.rdata}"
    return ""


def _http_fields(name: str, frame: bytes, start: int, end: int) -> tuple[FieldNode, ...]:
    """An HTTP/1.x head as the lines it is made of: start line parts, then one node per header."""
    nodes: list[FieldNode] = []
    data = frame[start:end]
    position = 0
    first = True
    parts_request = (("Method", "Method"), ("Path", "Path"), ("Http_Version", "Version"))
    parts_response = (("Http_Version", "Version"), ("Status_Code", "Status code"), ("Reason_Phrase", "Reason"))
    while position < len(data):
        stop = data.find(b"\r\n", position)
        stop = len(data) if stop < 0 else stop
        line = data[position:stop]
        if first:
            keys = parts_request if name == "HTTPRequest" else parts_response
            pieces = line.split(b" ", 2)
            column = position
            for (key, label), piece in zip(keys, pieces, strict=False):
                nodes.append(FieldNode(key, label, piece.decode("latin-1"), "", start + column, start + column + len(piece)))
                column += len(piece) + 1
            first = False
        elif line:
            header, _, value = line.partition(b":")
            text = header.decode("latin-1")
            nodes.append(FieldNode(text, text, value.strip().decode("latin-1"), "", start + position, start + stop))
        position = stop + 2
    return tuple(nodes)


def _over(layer: Any, protocol: str, port: int | None = None) -> bool:
    """Whether ``layer`` sits right on ``protocol`` (to or from ``port``, if given)."""
    under = layer.underlayer
    while under is not None and type(under).__name__ == "HTTP":  # scapy's empty port-80 dispatcher
        under = under.underlayer
    if under is None or type(under).__name__ != protocol:
        return False
    return port is None or port in (under.sport, under.dport)


def _quic(raw: bytes) -> Any:
    try:
        from scapy.layers.quic import QUIC

        return QUIC(raw)
    except Exception:
        return None


WS_OPCODES = {0: "continuation", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}


def _websocket_header(data: bytes, i: int) -> tuple[int, int, int, bool] | None:
    """(header length, payload length, opcode, masked) of the WebSocket frame at ``i``, or None."""
    if i + 2 > len(data):
        return None
    b0, b1 = data[i], data[i + 1]
    if b0 & 0x70 or (b0 & 0x0F) not in WS_OPCODES:
        return None
    length, header = b1 & 0x7F, 2
    if length == 126:
        length, header = int.from_bytes(data[i + 2 : i + 4], "big"), 4
    elif length == 127:
        length, header = int.from_bytes(data[i + 2 : i + 10], "big"), 10
    masked = bool(b1 & 0x80)
    header += 4 if masked else 0
    return header, length, b0 & 0x0F, masked


def _websocket_lengths(raw: bytes) -> bool:
    """Data that is exactly a run of WebSocket frames (RFC 6455) — after the HTTP Upgrade."""
    i = 0
    while i < len(raw):
        parsed = _websocket_header(raw, i)
        if parsed is None:
            return False
        i += parsed[0] + parsed[1]
    return i == len(raw) and len(raw) >= 2


def _websocket_nodes(frame: bytes, start: int, end: int) -> list[FieldNode]:
    nodes = []
    i = start
    while i < end:
        parsed = _websocket_header(frame[:end], i)
        if parsed is None:
            break
        header, length, opcode, masked = parsed
        stop = i + header + length
        kind = WS_OPCODES[opcode]
        payload = frame[i + header : stop]
        children = [
            FieldNode("fin", "Final fragment", str(frame[i] >> 7), "", i, i + 1),
            FieldNode("opcode", "Opcode", str(opcode), kind, i, i + 1),
            FieldNode("mask", "Masked", str(frame[i + 1] >> 7), "client to server" if masked else "", i + 1, i + 2),
            FieldNode("len", "Payload length", str(length), "", i + 1, i + header - (4 if masked else 0)),
        ]
        if masked:
            key = frame[i + header - 4 : i + header]
            children.append(FieldNode("key", "Masking key", key.hex(), "", i + header - 4, i + header))
            payload = bytes(b ^ key[n % 4] for n, b in enumerate(payload))
        if length:
            children.append(
                FieldNode("payload", "Payload", _bytes_value(payload), "unmasked" if masked else "", i + header, stop)
            )
        nodes.append(FieldNode("WebSocket", "WebSocket frame", kind, _bytes_text(stop - i), i, stop, tuple(children)))
        i = stop
    return nodes


PG_PORT = 5432  # PostgreSQL: scapy leaves its messages as raw data (animator.packets.pgsql_fields)


def _pgsql_spans(layer: Any, raw: bytes) -> bool:
    """Whether a payload to or from PostgreSQL's port is a run of whole protocol messages."""
    from animator.packets.pgsql_fields import split

    return split(raw, backend=layer.underlayer.sport == PG_PORT) is not None


def _pgsql_nodes(layer: Any, raw: bytes, offset: int) -> list[FieldNode]:
    """One node per PostgreSQL message, as tshark's pgsql dissector lists them."""
    from animator.packets.pgsql_fields import Node, message_nodes

    def node(n: Node) -> FieldNode:
        return FieldNode(n[0], n[1], n[2], n[3], n[4], n[5], tuple(node(c) for c in n[6]))

    backend = layer.underlayer.sport == PG_PORT
    return [node(n) for n in message_nodes(raw, offset, backend, _bytes_value)]


def _is_h2(layer: Any, raw: bytes) -> bool:
    """Data inside TCP that parses as a run of HTTP/2 frames filling it exactly."""
    if type(layer).__name__ != "Raw" or len(raw) < 9 or not _over(layer, "TCP"):
        return False
    i = 0
    while i + 9 <= len(raw):
        length = int.from_bytes(raw[i : i + 3], "big")
        if raw[i + 3] > 9:
            return False
        i += 9 + length
    return i == len(raw)


def _h2_nodes(frame: bytes, start: int, end: int) -> list[FieldNode]:
    nodes: list[FieldNode] = []
    i = start
    if frame[i:end].startswith(H2_PREFACE):
        nodes.append(FieldNode("H2Preface", "HTTP/2 connection preface", "PRI * HTTP/2.0", "", i, i + len(H2_PREFACE)))
        i += len(H2_PREFACE)
    while i + 9 <= end:
        length = int.from_bytes(frame[i : i + 3], "big")
        kind, flags, stream = frame[i + 3], frame[i + 4], int.from_bytes(frame[i + 5 : i + 9], "big") & 0x7FFFFFFF
        stop = min(end, i + 9 + length)
        type_name = H2_TYPES.get(kind, f"type {kind}")
        children = (
            FieldNode("len", "Length", str(length), "", i, i + 3),
            FieldNode("type", "Type", str(kind), type_name, i + 3, i + 4),
            FieldNode("flags", "Flags", f"0x{flags:02x}", _h2_flags(kind, flags), i + 4, i + 5),
            FieldNode("stream_id", "Stream ID", str(stream), "connection" if stream == 0 else "", i + 5, i + 9),
            *([FieldNode("payload", "Payload", _bytes_value(frame[i + 9 : stop]), "", i + 9, stop)] if stop > i + 9 else []),
        )
        if kind == 1 and stop > i + 9:
            children = (*children[:4], *_hpack_headers(frame[i:stop], i + 9, stop))
        nodes.append(
            FieldNode("H2Frame", "HTTP/2 frame", f"{type_name}, stream {stream}", _bytes_text(stop - i), i, stop, children)
        )
        i = stop
    if i < end:
        nodes.append(_opaque("Raw", "Data", frame, i, end))
    return nodes


def _hpack_headers(h2_frame: bytes, start: int, end: int) -> tuple[FieldNode, ...]:
    """A HEADERS frame's header block decoded (HPACK), one node per header over the whole block.

    HPACK entries are not byte-aligned with their names (Huffman, table indexes), so each header
    points at the whole block; a block that needs the connection's dynamic table stays bytes.
    """
    try:
        from scapy.contrib.http2 import H2Frame

        text = hpack_text(H2Frame(h2_frame))
    except Exception:
        return (FieldNode("payload", "Header block", _bytes_value(h2_frame[9:]), "HPACK", start, end),)
    nodes = []
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        nodes.append(FieldNode(name, name, value, "", start, end))
    return tuple(nodes)


def _h2_flags(kind: int, flags: int) -> str:
    names = []
    if flags & 0x1:
        names.append("ACK" if kind in (4, 6) else "END_STREAM")
    if flags & 0x4:
        names.append("END_HEADERS")
    if flags & 0x8:
        names.append("PADDED")
    if flags & 0x20:
        names.append("PRIORITY")
    return ", ".join(names)


def _is_proxy_header(raw: bytes) -> bool:
    from animator.packets.builders_net import PROXY_V2_SIGNATURE

    return raw.startswith(PROXY_V2_SIGNATURE) or (raw.startswith(b"PROXY ") and raw.endswith(b"\r\n"))


def _proxy_node(frame: bytes, start: int, end: int) -> FieldNode:
    """The PROXY protocol header (haproxy's proxy-protocol.txt): who the client was, for the backend."""
    import ipaddress

    raw = frame[start:end]
    if raw.startswith(b"PROXY "):
        words = raw[6:].rstrip(b"\r\n").decode("ascii", "replace").split(" ")
        names = ("Protocol", "Source address", "Destination address", "Source port", "Destination port")
        children = []
        position = start + 6
        for label, word in zip(names, words, strict=False):
            children.append(FieldNode(label.lower().replace(" ", "_"), label, word, "", position, position + len(word)))
            position += len(word) + 1
        return FieldNode("PROXYv1", "PROXY protocol v1", raw.decode("ascii", "replace").strip(), "", start, end, tuple(children))
    family = raw[13]
    size = 4 if family >> 4 == 1 else 16
    fields = [
        ("signature", "Signature", raw[:12].hex(), "", 0, 12),
        ("ver_cmd", "Version / command", f"0x{raw[12]:02x}", "version 2, PROXY" if raw[12] == 0x21 else "", 12, 13),
        (
            "family",
            "Address family / protocol",
            f"0x{family:02x}",
            {0x11: "TCP over IPv4", 0x21: "TCP over IPv6"}.get(family, ""),
            13,
            14,
        ),
        ("length", "Length", str(int.from_bytes(raw[14:16], "big")), "bytes of addresses (and TLVs) that follow", 14, 16),
        ("src", "Source address", str(ipaddress.ip_address(raw[16 : 16 + size])), "the client", 16, 16 + size),
        (
            "dst",
            "Destination address",
            str(ipaddress.ip_address(raw[16 + size : 16 + 2 * size])),
            "what it connected to",
            16 + size,
            16 + 2 * size,
        ),
        (
            "sport",
            "Source port",
            str(int.from_bytes(raw[16 + 2 * size : 18 + 2 * size], "big")),
            "",
            16 + 2 * size,
            18 + 2 * size,
        ),
        (
            "dport",
            "Destination port",
            str(int.from_bytes(raw[18 + 2 * size : 20 + 2 * size], "big")),
            "",
            18 + 2 * size,
            20 + 2 * size,
        ),
    ]
    parts = tuple(FieldNode(k, label, value, meaning, start + a, start + b) for k, label, value, meaning, a, b in fields)
    return FieldNode("PROXYv2", "PROXY protocol v2", _bytes_text(end - start), "", start, end, parts)


def _opaque(key: str, label: str, frame: bytes, start: int, end: int) -> FieldNode:
    return FieldNode(key, label, _bytes_value(frame[start:end]), _bytes_text(end - start), start, end)
