"""One line per packet in Wireshark's "Info" style: what a lecturer reads out.

The top protocol that says something speaks (an HTTP request line rather than its TCP
segment); an ICMP error speaks for the datagram it quotes.
"""

from __future__ import annotations

from typing import Any

from animator.packets.registry import load

ICMP_TEXT = {
    (0, None): "Echo (ping) reply", (8, None): "Echo (ping) request",
    (3, 0): "Destination unreachable (Network unreachable)", (3, 1): "Destination unreachable (Host unreachable)",
    (3, 3): "Destination unreachable (Port unreachable)", (3, 4): "Destination unreachable (Fragmentation needed)",
    (3, 13): "Destination unreachable (Communication administratively filtered)",
    (11, 0): "Time-to-live exceeded (Time to live exceeded in transit)",
    (11, 1): "Time-to-live exceeded (Fragment reassembly time exceeded)", (5, None): "Redirect",
}  # fmt: skip
TLS_MSG = {
    1: "Client Hello", 2: "Server Hello", 4: "New Session Ticket", 8: "Encrypted Extensions", 11: "Certificate",
    12: "Server Key Exchange", 13: "Certificate Request", 14: "Server Hello Done", 15: "Certificate Verify",
    16: "Client Key Exchange", 20: "Finished",
}  # fmt: skip
H2_NAMES = {0: "DATA", 1: "HEADERS", 2: "PRIORITY", 3: "RST_STREAM", 4: "SETTINGS", 5: "PUSH_PROMISE", 6: "PING", 7: "GOAWAY",
            8: "WINDOW_UPDATE", 9: "CONTINUATION"}  # fmt: skip
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DNS_RCODE = {1: "Format error", 2: "Server failure", 3: "No such name", 4: "Not implemented", 5: "Refused"}


def summary(pkt_or_bytes: Any) -> str:
    """A short Info text; bytes are read as an Ethernet frame."""
    if isinstance(pkt_or_bytes, bytes | bytearray) and len(pkt_or_bytes) < 14:
        return f"{len(pkt_or_bytes)} bytes (too short for an Ethernet frame)"
    try:
        pkt = _dissect(pkt_or_bytes) if isinstance(pkt_or_bytes, bytes | bytearray) else pkt_or_bytes
        return _summary(pkt)
    except Exception as exc:  # a display string must never take the player down
        return f"(cannot summarise: {type(exc).__name__})"


def _dissect(data: bytes | bytearray) -> Any:
    for module in ("scapy.layers.inet", "scapy.layers.inet6", "scapy.layers.dns", "scapy.layers.http", "scapy.layers.tls.record"):
        load(module)
    quic = load("scapy.layers.quic")
    from scapy.layers.inet import UDP
    from scapy.packet import bind_bottom_up

    bind_bottom_up(UDP, quic.QUIC, dport=443)
    bind_bottom_up(UDP, quic.QUIC, sport=443)
    return load("scapy.layers.l2").Ether(bytes(data))


def _summary(pkt: Any) -> str:
    layers = list(pkt.iterpayloads())
    names = [type(layer).__name__ for layer in layers]
    for i, name in enumerate(names):
        if name in ("ICMP", "ICMPv6DestUnreach", "ICMPv6TimeExceeded", "ICMPv6PacketTooBig") and i + 1 < len(layers):
            return _one(name, layers[i], layers[i:]) or ""
    for i, name in enumerate(names):
        # Records and frames that share a segment are listed together, from the first one.
        if name in ("TLS", "H2Frame", "H2Seq") or (name == "Raw" and bytes(layers[i].load).startswith(H2_PREFACE)):
            return _one(name, layers[i], layers[i:]) or ""
    for i in range(len(layers) - 1, -1, -1):
        text = _one(names[i], layers[i], layers[i:])
        if text:
            return text
    return pkt.summary() if layers else ""  # something we do not speak (802.3/LLC, ...): scapy's words


def _one(name: str, layer: Any, rest: list[Any]) -> str | None:
    if name == "HTTPRequest":
        return f"{_s(layer.Method)} {_s(layer.Path)} {_s(layer.Http_Version)}"
    if name == "HTTPResponse":
        return f"{_s(layer.Http_Version)} {_s(layer.Status_Code)} {_s(layer.Reason_Phrase)}"
    if name == "WebSocket":
        return str(layer.mysummary())
    if name in ("H2Frame", "H2Seq") or (name == "Raw" and bytes(layer.load).startswith(H2_PREFACE)):
        return _h2(rest)
    if name == "TLS":
        return _tls(rest)
    if name.startswith("QUIC") and name != "QUIC":
        return _quic(layer)
    if name == "DNS":
        return _dns(layer)
    if name == "ARP":
        if layer.op == 1:
            return f"Who has {layer.pdst}? Tell {layer.psrc}"
        if layer.op == 2:
            return f"{layer.psrc} is at {layer.hwsrc}"
        return f"ARP op {layer.op}"
    if name == "ICMP":
        text = (
            ICMP_TEXT.get((layer.type, None))
            or ICMP_TEXT.get((layer.type, layer.code))
            or f"Type {layer.type}, code {layer.code}"
        )
        if layer.type in (0, 8):
            text += f" id=0x{layer.id:04x}, seq={layer.seq}"
        return text
    if name.startswith("ICMPv6"):
        return _icmpv6(name, layer)
    if name == "TCP":
        return _tcp(layer)
    if name == "UDP":
        return f"{layer.sport} → {layer.dport} Len={len(bytes(layer.payload))}"
    if name in ("IP", "IPv6"):
        return f"{layer.src} → {layer.dst}"
    if name == "Ether":
        return f"{layer.src} → {layer.dst}"
    if name == "Raw" and rest is not None and len(rest) == 1 and rest[0] is layer and layer.underlayer is None:
        return f"{len(bytes(layer.load))} bytes"
    return None


def _s(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _tcp(layer: Any) -> str:
    flags = {"F": "FIN", "S": "SYN", "R": "RST", "P": "PSH", "A": "ACK", "U": "URG", "E": "ECE", "C": "CWR", "N": "NS"}
    order = "SFRPAUECN"  # Wireshark's order: [SYN, ACK], [FIN, ACK], [PSH, ACK]
    shown = ", ".join(flags[f] for f in order if f in str(layer.flags))
    text = f"{layer.sport} → {layer.dport} [{shown}] Seq={layer.seq}"
    if "A" in str(layer.flags):
        text += f" Ack={layer.ack}"
    text += f" Win={layer.window}"
    n = len(bytes(layer.payload))
    return text + (f" Len={n}" if n else "")


def _tls(rest: list[Any]) -> str:
    parts: list[str] = []
    for layer in rest:
        if type(layer).__name__ == "Raw":
            parts += _tls_records(bytes(layer.load))
        if type(layer).__name__ != "TLS":
            continue
        if layer.type == 20:
            parts.append("Change Cipher Spec")
        elif layer.type == 21:
            parts.append("Alert")
        elif layer.type == 23:
            parts.append("Application Data")
        else:
            for msg in layer.msg or []:
                name = TLS_MSG.get(getattr(msg, "msgtype", -1), type(msg).__name__)
                if name == "Client Hello":
                    for ext in getattr(msg, "ext", None) or []:
                        if type(ext).__name__ == "TLS_Ext_ServerName" and ext.servernames:
                            name += f" (SNI={_s(ext.servernames[0].servername)})"
                parts.append(name)
    return ", ".join(parts) or "TLS"


def _tls_records(data: bytes) -> list[str]:
    """Record types read straight from bytes: scapy stops parsing once it sees Change Cipher Spec."""
    names = {20: "Change Cipher Spec", 21: "Alert", 22: "Handshake", 23: "Application Data"}
    parts = []
    while len(data) >= 5 and data[0] in names and data[1] == 3:
        parts.append(names[data[0]])
        data = data[5 + int.from_bytes(data[3:5], "big") :]
    return parts


def _h2(rest: list[Any]) -> str:
    parts: list[str] = []
    frames: list[Any] = []
    for layer in rest:
        kind = type(layer).__name__
        if kind == "Raw" and bytes(layer.load).startswith(H2_PREFACE):
            parts.append("Magic")
            tail = bytes(layer.load)[len(H2_PREFACE) :]
            if tail and not isinstance(layer.payload, load("scapy.contrib.http2").H2Seq):
                frames += list(load("scapy.contrib.http2").H2Seq(tail).frames)  # read from the wire
        elif kind == "H2Seq":
            frames += list(layer.frames)
        elif kind == "H2Frame":
            frames.append(layer)
    for frame in frames:
        text = f"{H2_NAMES.get(frame.type, f'type {frame.type}')}[{frame.stream_id}]"
        if frame.type == 1:
            text += _h2_request_line(frame)
        parts.append(text)
    return ", ".join(parts)


def _h2_request_line(frame: Any) -> str:
    from animator.packets.scapy_log import hpack_text

    try:
        lines = hpack_text(frame).splitlines()
    except Exception:
        return ""
    pseudo = dict(line[1:].split(" ", 1) for line in lines if line.startswith(":") and " " in line)
    if "method" in pseudo:
        return f": {pseudo['method']} {pseudo.get('path', '')}".rstrip()
    if "status" in pseudo:
        return f": {pseudo['status']}"
    return ""


def _quic(layer: Any) -> str:
    kind = type(layer).__name__
    if kind == "QUICShortHeader":
        return str(layer.mysummary())
    if kind == "QUIC_Initial":
        from animator.packets.quic_initial import frame_names, unprotect_client_initial

        opened = unprotect_client_initial(bytes(layer))
        if opened is not None:  # a client's Initial: decrypt it, as Wireshark does
            pn, frames = opened
            scid = f", SCID={bytes(layer.SrcConnID).hex()}" if layer.SrcConnID else ""
            return f"Initial, DCID={bytes(layer.DstConnID).hex()}{scid}, PKN: {pn}, " + ", ".join(frame_names(frames))
    label = {"QUIC_Initial": "Initial", "QUIC_Handshake": "Handshake", "QUIC_0RTT": "0-RTT", "QUIC_Retry": "Retry"}.get(
        kind, kind
    )
    text = f"{label}, DCID={bytes(layer.DstConnID).hex()}"
    if layer.SrcConnID:
        text += f", SCID={bytes(layer.SrcConnID).hex()}"
    return text + f", PKN: {layer.PacketNumber}"


def _dns(layer: Any) -> str:
    question = layer.qd[0] if layer.qd else None
    qname = _s(question.qname).rstrip(".") if question is not None else ""
    qtype = question.sprintf("%qtype%") if question is not None else ""
    if not layer.qr:
        return f"Standard query {qtype} {qname}".rstrip()
    text = "Standard query response"
    if layer.rcode:
        text += f" {DNS_RCODE.get(layer.rcode, f'rcode {layer.rcode}')}"
    text += f" {qtype} {qname}"
    for answer in layer.an or []:
        text += f" {answer.sprintf('%type%')} {_s(answer.rdata).rstrip('.')}"
    return text


def _icmpv6(name: str, layer: Any) -> str:
    texts = {
        "ICMPv6EchoRequest": "Echo (ping) request", "ICMPv6EchoReply": "Echo (ping) reply",
        "ICMPv6DestUnreach": "Destination Unreachable", "ICMPv6PacketTooBig": "Packet Too Big",
        "ICMPv6TimeExceeded": "Time Exceeded (hop limit exceeded in transit)",
        "ICMPv6ND_NS": "Neighbor Solicitation", "ICMPv6ND_NA": "Neighbor Advertisement",
    }  # fmt: skip
    text = texts.get(name, name)
    if name in ("ICMPv6EchoRequest", "ICMPv6EchoReply"):
        text += f" id=0x{layer.id:04x}, seq={layer.seq}"
    if name in ("ICMPv6ND_NS", "ICMPv6ND_NA"):
        text += f" for {layer.tgt}" if name.endswith("NS") else f" {layer.tgt}"
    return text
