"""DNS, QUIC, ICMPv6 and raw payloads from friendly fields, and TCP options as a mapping."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

from scapy.packet import Packet, Raw

from animator.packets.names import DNS_RCODES, DNS_TYPES
from animator.packets.problems import FieldError, seeded_bytes, seeded_int
from animator.packets.values import ipv4, ipv6, unhex

TCP_OPTIONS = ("MSS", "WScale", "SAckOK", "SAck", "Timestamp", "NOP", "EOL")


def build_dns(fields: Mapping[str, Any], seed: object) -> Packet:
    from scapy.layers.dns import DNS, DNSQR, DNSRR

    qname = str(fields.get("qname", "www.example.com"))
    qtype = str(fields.get("qtype", "A"))
    answers = fields.get("answers") or []
    records = []
    for i, answer in enumerate(answers):
        if not isinstance(answer, Mapping):
            raise FieldError("answers", f"answer {i + 1} is not a mapping (write {{type: A, data: 192.0.2.10}})")
        unknown = set(answer) - {"name", "type", "ttl", "data"}
        if unknown:
            raise FieldError("answers", f"answer {i + 1}: unknown key '{sorted(unknown)[0]}' (keys: name, type, ttl, data)")
        rtype = str(answer.get("type", qtype))
        if rtype not in DNS_TYPES:
            raise FieldError("answers", f"answer {i + 1}: unknown type '{rtype}'; expected one of: {', '.join(DNS_TYPES)}")
        data = answer.get("data")
        check = {"A": ipv4, "AAAA": ipv6}.get(rtype)
        if data is None or (check and check(data)):
            raise FieldError("answers", f"answer {i + 1}: data {'missing' if data is None else check(data)}")  # type: ignore[misc]
        ttl = answer.get("ttl", 300)
        if not isinstance(ttl, int) or not 0 <= ttl < 1 << 31:
            raise FieldError("answers", f"answer {i + 1}: ttl must be 0 to 2147483647 seconds")
        records.append(DNSRR(rrname=str(answer.get("name", qname)), type=rtype, ttl=ttl, rdata=str(data)))
    rcode = fields.get("rcode", "ok")
    rcode = DNS_RCODES.index(rcode) if isinstance(rcode, str) else int(rcode)
    response = bool(fields.get("qr", bool(records) or rcode != 0))
    return DNS(
        id=int(fields.get("id", seeded_int(seed, "dns-id", 0, 0xFFFF))),
        qr=int(response),
        opcode=int(fields.get("opcode", 0)),
        aa=int(fields.get("aa", False)),
        tc=int(fields.get("tc", False)),
        rd=int(fields.get("rd", True)),
        ra=int(fields.get("ra", response)),
        rcode=rcode,
        qd=[DNSQR(qname=qname, qtype=qtype)],
        an=records,
    )


def build_quic(fields: Mapping[str, Any], seed: object) -> Packet:
    from scapy.layers.quic import QUIC_0RTT, QUIC_Handshake, QUIC_Initial

    from animator.packets.quic import QUICShortHeader

    kind = str(fields.get("type", "initial"))
    for key in fields:
        if kind == "short" and key in ("scid", "version", "token"):
            raise FieldError(key, f"a short-header packet has no {key} (only long headers do)")
        if kind not in ("initial", "short") and key == "token":
            raise FieldError(key, "only an Initial packet carries a token")
        if key in ("spin", "key_phase") and kind != "short":
            raise FieldError(key, f"{key} is a short-header bit: it needs type: short")
        if key in ("sni", "alpn") and (kind != "initial" or "payload" in fields or "length" in fields or "odcid" in fields):
            raise FieldError(
                key, f"{key} goes in the ClientHello of a client's Initial (type: initial, without payload, length or odcid)"
            )
        if key == "odcid" and (kind != "initial" or "payload" in fields or "length" in fields):
            raise FieldError(
                key, "odcid makes a server's Initial with a real ServerHello: type: initial, without payload or length"
            )
    if "payload" in fields and "length" in fields:
        raise FieldError("length", "give either length (opaque bytes) or payload (hex), not both")
    if kind == "initial" and "odcid" in fields:
        return _server_initial(fields, seed, int(fields.get("_coalesced", 0)))
    if kind == "initial" and "payload" not in fields and "length" not in fields:
        return _client_initial(fields, seed)
    payload = (
        unhex(fields["payload"]) if "payload" in fields else seeded_bytes(seed, "quic-payload", int(fields.get("length", 32)))
    )
    pn = int(fields.get("pn", 0))
    pn_len = 1 if pn < 1 << 8 else 2 if pn < 1 << 16 else 3 if pn < 1 << 24 else 4
    dcid = unhex(fields.get("dcid", seeded_bytes(seed, "quic-dcid", 8).hex()))
    if kind == "short":
        head: Packet = QUICShortHeader(
            SpinBit=int(fields.get("spin", 0)), KeyPhase=int(fields.get("key_phase", 0)), DstConnID=dcid, PacketNumber=pn
        )
        return head / Raw(payload)
    cls = {"initial": QUIC_Initial, "0rtt": QUIC_0RTT, "handshake": QUIC_Handshake}[kind]
    scid = unhex(fields.get("scid", ""))
    head = cls(Version=int(fields.get("version", 1)), DstConnID=dcid, SrcConnID=scid, PacketNumber=pn)
    if kind == "initial":
        token = unhex(fields.get("token", ""))
        head.Token = token
        head.TokenLen = len(token)
    # scapy leaves Length at 0; RFC 9000 §17.2: it counts the packet number and the payload.
    head.Length = pn_len + len(payload)
    return head / Raw(payload)


def _client_initial(fields: Mapping[str, Any], seed: object) -> Packet:
    """A client's first QUIC packet as it really is: a ClientHello in a CRYPTO frame, padded, Initial-protected."""
    from scapy.layers.quic import QUIC_Initial

    from animator.packets.builders_tls import client_hello_message
    from animator.packets.quic_initial import protect_client_initial, varint

    dcid = unhex(fields.get("dcid", seeded_bytes(seed, "quic-dcid", 8).hex()))
    scid = unhex(fields.get("scid", seeded_bytes(seed, "quic-scid", 8).hex()))
    if len(dcid) < 8 or len(dcid) > 20 or len(scid) > 20:
        raise FieldError(
            "dcid" if len(scid) <= 20 else "scid", "a client's first DCID is 8 to 20 bytes, a SCID at most 20 (RFC 9000 §7.2)"
        )
    params = b"".join(
        varint(pid) + varint(len(value)) + value
        for pid, value in (
            (0x01, varint(30_000)),  # max_idle_timeout, ms
            (0x04, varint(1 << 20)),  # initial_max_data
            (0x05, varint(1 << 18)),  # initial_max_stream_data_bidi_local
            (0x08, varint(100)),  # initial_max_streams_bidi
            (0x0F, scid),  # initial_source_connection_id
        )
    )
    hello_fields = {"sni": fields.get("sni", "example.com"), "alpn": fields.get("alpn", ["h3"])}
    hello = client_hello_message(hello_fields, seed, params)
    crypto = b"\x06" + varint(0) + varint(len(hello)) + hello
    packet = protect_client_initial(
        dcid, scid, int(fields.get("pn", 0)), crypto, int(fields.get("version", 1)), unhex(fields.get("token", ""))
    )
    return QUIC_Initial(packet)  # read back: scapy keeps these exact bytes


def _server_initial(fields: Mapping[str, Any], seed: object, coalesced: int) -> Packet:
    """A server's first QUIC packet as it really is: an ACK of the client's Initial and the TLS
    ServerHello in a CRYPTO frame, protected with the server's Initial keys. Those derive from
    ``odcid``, the DCID of the client's first Initial (RFC 9001 §5.2), so anyone who saw that
    packet decrypts this one too: Wireshark shows the ServerHello. The Initial is padded so the
    whole datagram (``coalesced`` bytes of Handshake packets after it) reaches 1200 bytes
    (RFC 9000 §14.1: servers pad datagrams with ack-eliciting Initials as clients do).
    """
    from scapy.layers.quic import QUIC_Initial

    from animator.packets.builders_tls import server_hello_message
    from animator.packets.quic_initial import SERVER, protect_initial, varint

    odcid = unhex(fields["odcid"])
    dcid = unhex(fields.get("dcid", seeded_bytes(seed, "quic-scid", 8).hex()))
    scid = unhex(fields.get("scid", seeded_bytes(seed, "quic-server-scid", 8).hex()))
    if not 8 <= len(odcid) <= 20:
        raise FieldError("odcid", "odcid is the DCID of the client's first Initial: 8 to 20 bytes (RFC 9000 §7.2)")
    if len(dcid) > 20 or len(scid) > 20:
        raise FieldError("dcid" if len(dcid) > 20 else "scid", "a connection ID is at most 20 bytes (RFC 9000 §17.2)")
    hello = server_hello_message(seed)
    ack = b"\x02" + varint(0) + varint(0) + varint(0) + varint(0)  # the client's packet 0, no delay, one range
    crypto = b"\x06" + varint(0) + varint(len(hello)) + hello
    packet = protect_initial(
        odcid, SERVER, dcid, scid, int(fields.get("pn", 0)), ack + crypto, int(fields.get("version", 1)), b"", coalesced
    )
    return QUIC_Initial(packet)  # read back: scapy keeps these exact bytes


def build_icmpv6(fields: Mapping[str, Any], seed: object) -> Packet:
    from scapy.layers import inet6

    kind = str(fields.get("type", "echo-request"))
    code = int(fields.get("code", 0))
    if kind in ("echo-request", "echo-reply"):
        cls = inet6.ICMPv6EchoRequest if kind == "echo-request" else inet6.ICMPv6EchoReply
        return cls(id=int(fields.get("id", 0)), seq=int(fields.get("seq", 0)), data=str(fields.get("data", "")).encode())
    if kind == "dest-unreach":
        return inet6.ICMPv6DestUnreach(code=code)
    if kind == "packet-too-big":
        return inet6.ICMPv6PacketTooBig(mtu=int(fields.get("mtu", 1280)))
    if kind == "time-exceeded":
        return inet6.ICMPv6TimeExceeded(code=code)
    if "target" not in fields:
        raise FieldError(None, f"a {kind} names its target address: add target: 2001:db8::1")
    if kind == "neighbor-solicit":
        return inet6.ICMPv6ND_NS(tgt=str(fields["target"]))
    return inet6.ICMPv6ND_NA(tgt=str(fields["target"]), R=0, S=1, O=1)


def build_raw(fields: Mapping[str, Any], seed: object) -> Packet:
    if "load" in fields and "hex" in fields:
        raise FieldError("hex", "give the bytes as text (load) or as hex (hex), not both")
    return Raw(unhex(fields["hex"]) if "hex" in fields else str(fields.get("load", "")).encode("utf-8"))


def _option_pair(item: object) -> tuple[object, object]:
    """``NOP``, ``[NOP]`` or ``[MSS, 1460]`` as (name, argument)."""
    if isinstance(item, str):
        return item, None
    if isinstance(item, list | tuple) and 1 <= len(item) <= 2:
        return item[0], item[1] if len(item) == 2 else None
    raise FieldError("options", f"{item!r} is not a TCP option: write NOP, or [name, value] such as [MSS, 1460]")


def _sack_blocks(arg: object) -> tuple[int, ...]:
    """SACK blocks (RFC 2018) as ``[left, right, ...]``: the edges of data held beyond a hole, 1 to 4 blocks."""
    edges = list(arg) if isinstance(arg, list | tuple) else []
    if not edges or len(edges) % 2 or len(edges) > 8:
        raise FieldError("options", "TCP option SAck needs 1 to 4 blocks as [left, right, ...], e.g. [SAck, [1201, 1301]]")
    for edge in edges:
        if not isinstance(edge, int) or isinstance(edge, bool) or not 0 <= edge <= 0xFFFFFFFF:
            raise FieldError("options", f"TCP option SAck: {edge!r} is not a sequence number (0 to 4294967295)")
    return tuple(edges)


def tcp_options(value: object) -> list[tuple[str, Any]]:
    """``{MSS: 1460, SAckOK: true, WScale: 7}`` or ``[NOP, [MSS, 1460]]`` as scapy's option list."""
    items: list[tuple[str, Any]] = []
    # The layer check let only a mapping or a list through (registry._tcp_options).
    pairs = value.items() if isinstance(value, Mapping) else [_option_pair(v) for v in cast("Iterable[object]", value)]
    for name, arg in pairs:
        if name not in TCP_OPTIONS:
            raise FieldError("options", f"unknown TCP option '{name}'; known: {', '.join(TCP_OPTIONS)}")
        if name == "SAckOK":
            items.append((name, b""))
        elif name == "Timestamp":
            tsval, tsecr = arg if isinstance(arg, list | tuple) else (arg or 0, 0)
            items.append((name, (int(tsval), int(tsecr))))
        elif name in ("NOP", "EOL"):
            items.append((name, None))
        elif name == "SAck":
            items.append((name, _sack_blocks(arg)))
        else:
            if not isinstance(arg, int) or isinstance(arg, bool) or not 0 <= arg <= (0xFFFF if name == "MSS" else 14):
                raise FieldError("options", f"TCP option {name} needs a number ({'0 to 65535' if name == 'MSS' else '0 to 14'})")
            items.append((name, arg))
    return items


#: The PROXY protocol v2 signature (haproxy's proxy-protocol.txt §2.2): 12 bytes no HTTP or TLS
#: message can start with.
PROXY_V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def proxy_header(version: str, client: tuple[str, int], frontend: tuple[str, int]) -> bytes:
    """The PROXY protocol header HAProxy's ``send-proxy`` (v1) or ``send-proxy-v2`` (v2) writes
    first on its connection to a backend: who the client was and which address it connected to.

    Byte for byte what HAProxy 2.6 sent in the check (docs/scenes/checks.md): v1 is one text line,
    ``PROXY TCP4 <client> <frontend> <client port> <frontend port>\\r\\n``; v2 is the signature,
    version 2 / command PROXY (0x21), TCP over IPv4 (0x11) or IPv6 (0x21), the address block's
    length and the addresses and ports, with no TLVs.
    """
    import ipaddress

    source = ipaddress.ip_address(client[0])
    destination = ipaddress.ip_address(frontend[0])
    six = source.version == 6
    if version == "v1":
        family = "TCP6" if six else "TCP4"
        return f"PROXY {family} {source} {destination} {client[1]} {frontend[1]}\r\n".encode("ascii")
    addresses = source.packed + destination.packed + client[1].to_bytes(2, "big") + frontend[1].to_bytes(2, "big")
    return PROXY_V2_SIGNATURE + bytes([0x21, 0x21 if six else 0x11]) + len(addresses).to_bytes(2, "big") + addresses


def build_vrrp(fields: Mapping[str, Any], seed: object) -> Packet:
    """A VRRP advertisement (RFC 3768 v2, keepalived's default, or RFC 5798 v3). Fields the author
    leaves out are filled from the sending node's ``vrrp:`` by the simulator; zeros mark them."""
    from scapy.layers.vrrp import VRRP, VRRPv3

    addresses = fields.get("addrlist", [])
    addresses = [addresses] if isinstance(addresses, str) else list(addresses)
    for address in addresses:
        problem = ipv4(address)
        if problem:
            raise FieldError("addrlist", problem)
    vrid, priority, adv = int(fields.get("vrid", 1)), int(fields.get("priority", 100)), int(fields.get("adv", 1))
    if int(fields.get("version", 2)) == 3:
        v3: Packet = VRRPv3(vrid=vrid, priority=priority, ipcount=len(addresses), adv=adv * 100, addrlist=addresses)
        return v3
    v2: Packet = VRRP(vrid=vrid, priority=priority, ipcount=len(addresses), adv=adv, addrlist=addresses)
    return v2
