"""Netfilter on one node: the filter and nat tables on the five hooks, with connection tracking.

Any node with ``firewall:`` has one (a ``firewall`` device is a router that usually does). A packet
meets the hooks Linux runs it through (``iptables -L`` order):

- arriving: PREROUTING (nat: DNAT), routing, then INPUT (filter) if it is for this node, else
  FORWARD (filter, after the TTL is lowered) and POSTROUTING (nat: SNAT, MASQUERADE);
- made here: OUTPUT (nat: DNAT, then filter), routing, POSTROUTING.

Connection tracking works as ``nf_conntrack`` does: the first packet of a flow makes an entry,
confirmed only once the packet has passed every hook (a dropped SYN leaves none); the nat table is
consulted for that first packet alone, and every later packet of the flow, both ways, is rewritten
from the entry. ``--ctstate`` sees NEW until a reply passes, ESTABLISHED after, RELATED for an ICMP
error about a tracked flow, INVALID for a SYN-ACK, FIN or RST that belongs to nothing. TCP entries
keep conntrack's own states (SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK,
TIME_WAIT, CLOSE), with ``[UNREPLIED]`` and ``[ASSURED]`` as ``conntrack -L`` prints them.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from animator.engine.sim.core import Arrival
from animator.engine.sim.frames import transport_of
from animator.engine.sim.journey import Outcome
from animator.engine.sim.rules import Flow, describe, first_match, table_of
from animator.engine.sim.scapy_layers import layers, reply_ip
from animator.engine.sim.tcp import ACK, FIN, RST, SYN
from animator.model.kinds import TableKind
from animator.model.schema import Firewall, Rule, parse_endpoint

if TYPE_CHECKING:
    from animator.engine.sim.devices.stack import Stack
    from animator.engine.sim.network import IPAddress

#: A conntrack tuple: protocol, source, source port, destination, destination port (an ICMP echo's
#: id stands in both ports, as conntrack keys echoes by id).
Tuple = tuple[int, str, int | None, str, int | None]
ORIGINAL, REPLY = 0, 1
_PROTO = {6: "tcp", 17: "udp", 1: "icmp"}
#: ``--reject-with`` → ICMP destination-unreachable code.
REJECT_CODES = {
    "icmp-net-unreachable": 0,
    "icmp-host-unreachable": 1,
    "icmp-proto-unreachable": 2,
    "icmp-port-unreachable": 3,
    "icmp-net-prohibited": 9,
    "icmp-host-prohibited": 10,
    "icmp-admin-prohibited": 13,
}
_ICMP_ERRORS = frozenset({3, 4, 5, 11, 12})


@dataclass(slots=True)
class Tracked:
    """One conntrack entry: the flow as first seen, the tuple its replies will carry, its state."""

    original: Tuple
    reply: Tuple
    state: str = ""
    seen_reply: bool = False
    assured: bool = False
    #: Translations the nat table chose for the first packet: (address, port) for the destination
    #: (DNAT) and the source (SNAT, MASQUERADE); every later packet is rewritten the same way.
    dnat: tuple[str, int | None] | None = None
    snat: tuple[str, int | None] | None = None

    def row(self) -> tuple[str, str, str, str, str]:
        status = "[UNREPLIED]" if not self.seen_reply else "[ASSURED]" if self.assured else ""
        return (
            _PROTO.get(self.original[0], str(self.original[0])),
            self.state,
            _tuple_text(self.original),
            _tuple_text(self.reply),
            status,
        )


@dataclass(slots=True)
class Passage:
    """One packet's way through this node's hooks: what conntrack found, what nat did to it."""

    original: Tuple
    entry: Tracked | None
    direction: int
    ctstate: str
    flags: int
    dnat: tuple[str, int | None] | None = None
    snat: tuple[str, int | None] | None = None
    walked: list[str] = field(default_factory=list)


class Filter:
    """The node's rules with their counters, its policies' counters, and its conntrack table."""

    def __init__(self, device: Stack, firewall: Firewall) -> None:
        self.device = device
        self.firewall = firewall
        #: Packets and bytes each rule matched (``iptables -L -v``), by rule index.
        self.packets = [0] * len(firewall.rules)
        self.bytes = [0] * len(firewall.rules)
        #: Packets and bytes each built-in chain's policy decided, by (table, chain).
        self.policy_counts: dict[tuple[str, str], list[int]] = {}
        self.conntrack: list[Tracked] = []
        #: The packet in flight through this node's hooks, by the id of its IP layer object (a
        #: node handles one arrival at a time; the next first hook replaces it).
        self._passages: dict[int, Passage] = {}

    # -- configuration and tables ------------------------------------------------------------------
    def publish_configuration(self) -> None:
        self.publish_rules(0.0, None)

    def chains(self) -> list[tuple[str, str]]:
        """The (table, chain) pairs shown: those with rules, and filter chains whose policy is DROP."""
        shown: list[tuple[str, str]] = []
        for rule in self.firewall.rules:
            key = (table_of(rule), rule.chain)
            if key not in shown:
                shown.append(key)
        for chain in ("INPUT", "FORWARD", "OUTPUT"):
            if self.policy("filter", chain) != "ACCEPT" and ("filter", chain) not in shown:
                shown.append(("filter", chain))
        order = ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING")
        return sorted(shown, key=lambda k: (k[0] != "filter", order.index(k[1])))

    def policy(self, table: str, chain: str) -> str:
        if table == "nat":
            return "ACCEPT"
        return {
            "INPUT": self.firewall.input_policy,
            "FORWARD": self.firewall.forward_policy,
            "OUTPUT": self.firewall.output_policy,
        }[chain]

    def publish_rules(self, time: float, matched: int | None) -> None:
        """The rules as ``iptables -L -v -n`` (and ``-t nat``) list them: a policy line per chain,
        then each rule with its packet and byte counters; the rule that matched last is marked."""
        rows: list[tuple[str, ...]] = []
        for table, chain in self.chains():
            name = chain if table == "filter" else f"nat {chain}"
            counts = self.policy_counts.get((table, chain), [0, 0])
            rows.append((name, str(counts[0]), str(counts[1]), f"policy {self.policy(table, chain)}", ""))
            number = 0
            for i, rule in enumerate(self.firewall.rules):
                if (table_of(rule), rule.chain) != (table, chain):
                    continue
                number += 1
                marker = "▶ " if i == matched else ""
                rows.append(
                    (f"{marker}{name} {number}", str(self.packets[i]), str(self.bytes[i]), rule.action, _match_text(rule))
                )
        self.device.publish(time, TableKind.FIREWALL, rows)

    def publish_conntrack(self, time: float) -> None:
        rows = [entry.row() for entry in self.conntrack]
        self.device.publish(time, TableKind.CONNTRACK, rows or None)

    # -- conntrack ---------------------------------------------------------------------------------
    def _begin(self, time: float, ip: Any) -> Passage:
        """The first hook a packet meets here: find its entry (and update it, as nf_conntrack_in
        does before any rule is read), or note that it would start a new one."""
        sc = layers()
        tup = tuple_of(ip)
        flags = int(ip.getlayer(sc.TCP).flags) if sc.TCP in ip else 0
        entry, direction = self._find(tup)
        if entry is None and ip.version == 4 and sc.ICMP in ip and int(ip.getlayer(sc.ICMP).type) in _ICMP_ERRORS:
            # An ICMP error is RELATED to the flow it quotes, or INVALID: it never starts one.
            related, travels = self._related(ip)
            passage = Passage(tup, related, travels, "RELATED" if related else "INVALID", 0)
            self._passages.clear()
            self._passages[id(ip)] = passage
            return passage
        if entry is None:
            invalid = tup[0] == 6 and (flags & RST or flags & FIN or (flags & SYN and flags & ACK))
            passage = Passage(tup, None, ORIGINAL, "INVALID" if invalid else "NEW", flags)
        else:
            if direction == REPLY:
                entry.seen_reply = True
            if entry.original[0] == 6:
                self._tcp_step(entry, direction, flags)
            ctstate = "ESTABLISHED" if entry.seen_reply else "NEW"
            passage = Passage(tup, entry, direction, ctstate, flags)
            self.publish_conntrack(time)
        self._passages.clear()  # one packet at a time: any other passage ended with its packet
        self._passages[id(ip)] = passage
        return passage

    def _passage(self, time: float, ip: Any) -> Passage:
        """The passage ``ip`` began at this node's first hook (a packet that skipped it begins one)."""
        passage = self._passages.get(id(ip))
        return passage if passage is not None else self._begin(time, ip)

    def _find(self, tup: Tuple) -> tuple[Tracked | None, int]:
        for entry in self.conntrack:
            if entry.original == tup:
                return entry, ORIGINAL
            if entry.reply == tup:
                return entry, REPLY
        return None, ORIGINAL

    def _related(self, ip: Any) -> tuple[Tracked | None, int]:
        """The tracked flow an ICMP error is about and the direction the error travels in: the
        datagram it quotes, inverted, is looked up (as nf_conntrack_icmpv4_error does), so an
        error about a packet that was translated on the way is still found."""
        from scapy.layers.inet import IPerror

        quoted = ip.getlayer(IPerror)
        if quoted is None:
            return None, ORIGINAL
        inner = quoted.payload
        sport = getattr(inner, "sport", None)
        dport = getattr(inner, "dport", None)
        return self._find((int(quoted.proto), quoted.dst, dport, quoted.src, sport))

    @staticmethod
    def _tcp_step(entry: Tracked, direction: int, flags: int) -> None:
        """nf_conntrack_proto_tcp's state table, for the segments scenes send."""
        state = entry.state
        if flags & RST:
            entry.state = "CLOSE"
        elif flags & SYN and flags & ACK:
            if state == "SYN_SENT" and direction == REPLY:
                entry.state = "SYN_RECV"
        elif flags & SYN:
            if state in ("", "CLOSE", "TIME_WAIT"):
                entry.state = "SYN_SENT"
        elif flags & FIN:
            entry.state = {
                "SYN_RECV": "FIN_WAIT",
                "ESTABLISHED": "FIN_WAIT",
                "FIN_WAIT": "LAST_ACK",
                "CLOSE_WAIT": "LAST_ACK",
            }.get(state, state)
        elif flags & ACK:
            if state == "SYN_RECV" and direction == ORIGINAL:
                entry.state = "ESTABLISHED"
                entry.assured = True  # the handshake completed: conntrack marks it [ASSURED]
            else:
                entry.state = {"FIN_WAIT": "CLOSE_WAIT", "LAST_ACK": "TIME_WAIT"}.get(state, state)

    def _confirm(self, time: float, ip: Any, passage: Passage) -> None:
        """The packet passed every hook: a new flow becomes an entry (its reply tuple is the packet
        as it leaves, reversed), as __nf_conntrack_confirm does."""
        self._passages.pop(id(ip), None)
        if passage.entry is not None or passage.ctstate == "INVALID":
            return
        now = tuple_of(ip)
        reply = (now[0], now[3], now[4], now[1], now[2])
        entry = Tracked(passage.original, reply, dnat=passage.dnat, snat=passage.snat)
        if now[0] == 6:
            self._tcp_step(entry, ORIGINAL, passage.flags)
            if not entry.state:
                entry.state = "ESTABLISHED"  # picked up mid-stream (nf_conntrack_tcp_loose)
        self.conntrack.append(entry)
        self.publish_conntrack(time)

    def _drop(self, ip: Any) -> None:
        """An unconfirmed entry dies with its packet: a dropped SYN leaves nothing in conntrack -L."""
        self._passages.pop(id(ip), None)

    # -- the hooks ---------------------------------------------------------------------------------
    def prerouting(self, time: float, ip: Any) -> list[str]:
        """PREROUTING: conntrack, then DNAT (the nat table for a new flow, the entry for a known
        one) and the undoing of SNAT on replies. Returns what changed, for the hop's list."""
        passage = self._begin(time, ip)
        entry = passage.entry
        if passage.ctstate == "RELATED":
            if entry is not None and passage.direction == REPLY and entry.snat is not None:
                return [_untranslate_error(ip, "dst", entry.original[1], entry.original[2], "un-SNAT (RELATED)")]
            return []
        if entry is not None:
            if passage.direction == ORIGINAL and entry.dnat is not None:
                return [_rewrite(ip, "dst", entry.dnat, "DNAT (conntrack)")]
            if passage.direction == REPLY and entry.snat is not None:
                return [_rewrite(ip, "dst", (entry.original[1], entry.original[2]), "un-SNAT (conntrack)")]
            return []
        return self._nat_chain(time, ip, passage, "PREROUTING", None)

    def output(self, time: float, ip: Any) -> list[str] | None:
        """OUTPUT for a packet this node makes: conntrack, nat (DNAT) then filter. None: dropped."""
        passage = self._begin(time, ip)
        changes: list[str] = []
        entry = passage.entry if passage.ctstate != "RELATED" else None
        if entry is not None:
            if passage.direction == ORIGINAL and entry.dnat is not None:
                changes.append(_rewrite(ip, "dst", entry.dnat, "DNAT (conntrack)"))
            elif passage.direction == REPLY and entry.snat is not None:
                changes.append(_rewrite(ip, "dst", (entry.original[1], entry.original[2]), "un-SNAT (conntrack)"))
        elif passage.ctstate != "RELATED":
            changes += self._nat_chain(time, ip, passage, "OUTPUT", None)
        verdict = self._filter_chain(time, ip, passage, "OUTPUT")
        if verdict != "ACCEPT":
            self.device.remark(time, f"OUTPUT: {verdict}")
            self._drop(ip)
            return None
        return changes

    def postrouting(self, time: float, ip: Any, egress: IPAddress | None) -> list[str]:
        """POSTROUTING: SNAT or MASQUERADE for a new flow (from the address ``egress``, the
        interface it leaves by), the entry's for a known one, un-DNAT on replies; then confirm."""
        passage = self._passage(time, ip)
        entry = passage.entry
        changes: list[str] = []
        if passage.ctstate == "RELATED":
            if entry is not None and passage.direction == REPLY and entry.dnat is not None:
                changes.append(_untranslate_error(ip, "src", entry.original[3], entry.original[4], "un-DNAT (RELATED)"))
        elif entry is not None:
            if passage.direction == ORIGINAL and entry.snat is not None:
                changes.append(_rewrite(ip, "src", entry.snat, "SNAT (conntrack)"))
            elif passage.direction == REPLY and entry.dnat is not None:
                changes.append(_rewrite(ip, "src", (entry.original[3], entry.original[4]), "un-DNAT (conntrack)"))
        else:
            changes += self._nat_chain(time, ip, passage, "POSTROUTING", egress)
        self._confirm(time, ip, passage)
        return changes

    def allows(self, arrival: Arrival, chain: str, ip: Any, flow: Flow) -> bool:
        """The filter table's INPUT or FORWARD chain; True if the packet may go on. A packet for
        this node that passes INPUT has passed its last hook: its flow is confirmed."""
        t = arrival.time
        passage = self._passage(t, ip)
        verdict = self._filter_chain(t, ip, passage, chain)
        if verdict == "ACCEPT":
            if chain == "INPUT":
                self._confirm(t, ip, passage)
            return True
        self._drop(ip)
        sim = self.device.sim
        text = passage.walked[-1] if passage.walked else f"{chain}: {verdict}"
        if verdict == "DROP":
            sim.end_leg(arrival.leg, Outcome.DROPPED, f"{text}: silently discarded")
            return False
        sim.end_leg(arrival.leg, Outcome.DROPPED, f"{text}: discarded and refused")
        self.reject(arrival, ip, verdict)
        return False

    def reject(self, arrival: Arrival, ip: Any, verdict: str) -> None:
        """REJECT's answer: a TCP reset (``tcp-reset``) or an ICMP destination unreachable."""
        sc = layers()
        device, sim = self.device, self.device.sim
        with_ = verdict.removeprefix("REJECT ")
        tcp = ip.getlayer(sc.TCP) if sc.TCP in ip else None
        if with_ == "tcp-reset" and tcp is not None:
            # RFC 9293 reset generation, as nf_send_reset builds it: window 0; a segment that
            # carries an ACK is answered with RST seq=its ack, anything else with RST/ACK seq 0.
            acked = bool(int(tcp.flags) & ACK)
            rst = reply_ip(ip, 64) / sc.TCP(
                sport=tcp.dport,
                dport=tcp.sport,
                flags="R" if acked else "RA",
                seq=tcp.ack if acked else 0,
                ack=0 if acked else (tcp.seq + len(tcp.payload) + bool(int(tcp.flags) & SYN)) & 0xFFFFFFFF,
                window=0,
            )
            leg = sim.new_leg(f"{arrival.leg.id}.rst", "RST (rejected)", "tcp", arrival.leg, device.id)
            device.send_reply(leg, rst, arrival.time)
            return
        code = REJECT_CODES.get(with_, 3)
        label = {3: "ICMP port unreachable", 1: "ICMP host unreachable", 0: "ICMP net unreachable"}.get(code, "ICMP prohibited")
        device.icmp_error(arrival, ip, icmp_type=3, code=code, label=label)

    # -- walking chains ----------------------------------------------------------------------------
    def _count(self, index: int | None, key: tuple[str, str], ip: Any) -> None:
        size = int(ip.len) if ip.version == 4 and ip.len is not None else len(ip)
        if index is None:
            counts = self.policy_counts.setdefault(key, [0, 0])
            counts[0] += 1
            counts[1] += size
        else:
            self.packets[index] += 1
            self.bytes[index] += size

    def _filter_chain(self, time: float, ip: Any, passage: Passage, chain: str) -> str:
        """The filter table's ``chain``: ACCEPT, DROP or "REJECT <with>"."""
        flow = _flow(ip)
        found = first_match(self.firewall, "filter", chain, flow, passage.ctstate)
        if found is None:
            verdict = self.policy("filter", chain)
            self._count(None, ("filter", chain), ip)
            text = f"{chain} policy {verdict} ({passage.ctstate})"
            if ("filter", chain) in self.chains():
                self.publish_rules(time, None)
        else:
            number, index, rule = found
            self._count(index, ("filter", chain), ip)
            verdict = rule.action
            if verdict == "REJECT":
                verdict = f"REJECT {rule.reject_with or 'icmp-port-unreachable'}"
            text = f"{chain} rule {number} ({describe(rule)}): {rule.action}"
            self.publish_rules(time, index)
            self.device.remark(time, text)
        if found is None and verdict != "ACCEPT":
            self.device.remark(time, text)
        passage.walked.append(text)
        return verdict

    def _nat_chain(self, time: float, ip: Any, passage: Passage, chain: str, egress: IPAddress | None) -> list[str]:
        """The nat table's ``chain`` for the first packet of a flow: DNAT, SNAT, MASQUERADE or ACCEPT."""
        if passage.ctstate == "INVALID" or not any(table_of(r) == "nat" for r in self.firewall.rules):
            return []
        found = first_match(self.firewall, "nat", chain, _flow(ip), passage.ctstate)
        if found is None:
            if any(table_of(r) == "nat" and r.chain == chain for r in self.firewall.rules):
                self._count(None, ("nat", chain), ip)
                self.publish_rules(time, None)
            return []
        number, index, rule = found
        self._count(index, ("nat", chain), ip)
        self.publish_rules(time, index)
        text = f"nat {chain} rule {number}: {rule.action}"
        if rule.action == "DNAT" and rule.to is not None:
            target = _endpoint(rule.to)
            passage.dnat = target
            change = _rewrite(ip, "dst", target, "DNAT")
        elif rule.action in ("SNAT", "MASQUERADE"):
            address = _endpoint(rule.to)[0] if rule.to is not None else str(egress) if egress is not None else None
            if address is None:
                return []
            port = _endpoint(rule.to)[1] if rule.to is not None else None
            port = port if port is not None else self._free_port(ip, address)
            passage.snat = (address, port)
            change = _rewrite(ip, "src", passage.snat, rule.action)
        else:
            passage.walked.append(text)
            return []
        self.device.remark(time, f"{text} → {change.split('→ ')[-1]}")
        passage.walked.append(text)
        return [change]

    def _free_port(self, ip: Any, address: str) -> int | None:
        """The source port SNAT keeps, as Linux does while no other flow from ``address`` uses it
        towards the same destination; else the next free one (nf_nat_used_tuple)."""
        transport = transport_of(ip)
        if transport is None:
            return None
        port = int(transport.sport)
        taken = {(e.reply[3], e.reply[4], e.reply[1], e.reply[2]) for e in self.conntrack}
        while (address, port, ip.dst, int(transport.dport)) in taken:
            port = port + 1 if port < 65535 else 1024
        return port


def tuple_of(ip: Any) -> Tuple:
    """The conntrack tuple of a packet as it is now."""
    sc = layers()
    transport = transport_of(ip)
    proto = int(ip.proto) if ip.version == 4 else int(ip.nh)
    if transport is not None:
        return (proto, ip.src, int(transport.sport), ip.dst, int(transport.dport))
    if ip.version == 4 and sc.ICMP in ip:
        icmp = ip.getlayer(sc.ICMP)
        if int(icmp.type) in (0, 8):
            return (proto, ip.src, int(icmp.id), ip.dst, int(icmp.id))
    return (proto, ip.src, None, ip.dst, None)


def _flow(ip: Any) -> Flow:
    transport = transport_of(ip)
    proto = int(ip.proto) if ip.version == 4 else int(ip.nh)
    if transport is None:
        return Flow(proto, ip.src, ip.dst, None, None)
    return Flow(proto, ip.src, ip.dst, int(transport.sport), int(transport.dport))


def _endpoint(text: str) -> tuple[str, int | None]:
    parsed = parse_endpoint(text)
    assert parsed is not None  # the model checked it
    return parsed[0], parsed[1]


def _rewrite(ip: Any, end: Literal["src", "dst"], target: tuple[str, int | None], why: str) -> str:
    """Rewrite the packet's source or destination address (and port, when ``target`` has one), as
    NAT does; the device's change line, "DNAT 203.0.113.7:8080 → 192.168.2.10:80"."""
    transport = transport_of(ip)
    port = "sport" if end == "src" else "dport"

    def where() -> str:
        address = getattr(ip, end)
        return f"{address}:{getattr(transport, port)}" if transport is not None else address

    old = where()
    setattr(ip, end, target[0])
    if transport is not None:
        if target[1] is not None:
            setattr(transport, port, target[1])
        del transport.chksum
    return f"{why} {old} → {where()}"


def _untranslate_error(ip: Any, side: str, address: str, port: int | None, why: str) -> str:
    """An ICMP error about a translated flow, translated back as nf_nat_icmp_reply_translation
    does: the outer header's ``side`` address and, on the quoted datagram, the other side (the
    quoted packet went the opposite way), with the quoted headers' checksums mended."""
    from scapy.layers.inet import IPerror

    old_outer = getattr(ip, side)
    setattr(ip, side, address)
    quoted = ip.getlayer(IPerror)
    inner_side = "src" if side == "dst" else "dst"
    if quoted is not None:
        before_addr = getattr(quoted, inner_side)
        setattr(quoted, inner_side, address)
        inner = quoted.payload
        port_field = "sport" if inner_side == "src" else "dport"
        before_port = getattr(inner, port_field, None)
        if port is not None and before_port is not None:
            setattr(inner, port_field, port)
        _mend_checksum(inner, before_addr, address, before_port, port)
        quoted.chksum = None
        quoted.chksum = int.from_bytes(_ip_header_checksum(bytes(quoted)[: quoted.ihl * 4]), "big")
    return f"{why} {side} {old_outer} → {address}"


def _ip_header_checksum(header: bytes) -> bytes:
    """RFC 791's header checksum of ``header`` (its checksum field counted as zero)."""
    data = header[:10] + b"\0\0" + header[12:]
    total = sum(int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total & 0xFFFF).to_bytes(2, "big")


def _mend_checksum(inner: Any, old_addr: str, new_addr: str, old_port: int | None, new_port: int | None) -> None:
    """Update a quoted TCP/UDP checksum for a changed address and port (RFC 1624), as Linux's
    inet_proto_csum_replace does: the quoted segment is cut short, so it cannot be recomputed."""
    checksum = getattr(inner, "chksum", None)
    if checksum is None or checksum == 0:
        return  # UDP without a checksum stays without one
    words_old = [int.from_bytes(ipaddress.ip_address(old_addr).packed[i : i + 2], "big") for i in (0, 2)]
    words_new = [int.from_bytes(ipaddress.ip_address(new_addr).packed[i : i + 2], "big") for i in (0, 2)]
    if old_port is not None and new_port is not None:
        words_old.append(old_port)
        words_new.append(new_port)
    total = ~checksum & 0xFFFF
    for before, after in zip(words_old, words_new, strict=True):
        total += (~before & 0xFFFF) + after
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    inner.chksum = ~total & 0xFFFF


def _tuple_text(tup: Tuple) -> str:
    if tup[2] is None:
        return f"{tup[1]} → {tup[3]}"
    if tup[0] == 1:
        return f"{tup[1]} → {tup[3]} id={tup[2]}"
    return f"{_socket(tup[1], tup[2])} → {_socket(tup[3], tup[4])}"


def _socket(address: str, port: int | None) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _match_text(rule: Rule) -> str:
    """The rule's match as ``iptables -L -n`` prints it: protocol, source, destination, then the
    match modules' words (``tcp dpt:80 ctstate NEW``) and the target's (``to:10.0.0.5:80``)."""
    words = [rule.proto if rule.proto != "all" else "all", _prefix(rule.src), "→", _prefix(rule.dst)]
    if rule.sport is not None:
        words.append(f"spt:{rule.sport}")
    if rule.dport is not None:
        words.append(f"dpt:{rule.dport}")
    if rule.state:
        order = ("INVALID", "NEW", "RELATED", "ESTABLISHED")  # the order xt_conntrack prints them in
        words.append("ctstate " + ",".join(sorted(rule.state, key=order.index)))
    if rule.action in ("DNAT", "SNAT") and rule.to:
        words.append(f"to:{rule.to}")
    if rule.action == "REJECT":
        words.append(f"reject-with {rule.reject_with or 'icmp-port-unreachable'}")
    return " ".join(words)


def _prefix(value: str | None) -> str:
    if value is None or value == "default":
        return "0.0.0.0/0"
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return value
    return str(network.network_address) if network.prefixlen == network.max_prefixlen else str(network)
