"""What a host's own network stack does: build the frames its sends put on the wire, and take in
the frames addressed to it (ARP, TCP state, UDP flows).

Authors write intent ("laptop sends an HTTP GET to the server"); this fills in what the stack
would: addresses, ports, sequence numbers, TTL, the gateway's MAC, and, when the scene says
``arp: auto``, the ARP exchange that has to happen first.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from animator.engine.sim.core import DWELL, Arrival, Core, SimulationError
from animator.engine.sim.journey import Leg
from animator.engine.sim.network import BROADCAST_MAC, IPAddress
from animator.engine.sim.scapy_layers import layers
from animator.engine.sim.tcp import ACK, RST, SYN, Connection, flag_value, initial_sequence
from animator.model.schema import Send
from animator.packets.stack import SYN_OPTIONS

if TYPE_CHECKING:
    from scapy.packet import Packet

#: Linux's default ephemeral port range (net.ipv4.ip_local_port_range).
EPHEMERAL_FIRST, EPHEMERAL_LAST = 32768, 60999
#: Well-known ports implied by the application layer when the author gives none.
DEFAULT_PORTS = {"http": 80, "tls": 443, "http2": 443, "websocket": 80, "dns": 53, "quic": 443}
UDP_APPS = frozenset({"dns", "quic"})
DEFAULT_TTL = 64
#: TCP receive window a Linux host opens with (64240 = 44 * 1460).
DEFAULT_WINDOW = 64240
#: The same window once window scaling (shift 7, offered in the SYN) is in force: 502 << 7 = 64256.
SCALED_WINDOW = 502
#: Over IPv6 the header is 20 bytes longer, so on a 1500-byte link Linux advertises MSS 1440 and
#: opens with the largest multiple of it under 65535: 45 * 1440 = 64800.
IPV6_MSS, IPV6_WINDOW = 1440, 64800

ConnKey = tuple[tuple[str, int], tuple[str, int]]


class Endpoint(Core):
    """Per-host stack state: ARP caches, TCP connections, UDP flows, port and IP-id counters."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arp_cache: dict[str, dict[str, str]] = {n.id: {} for n in self.scene.nodes}
        self.conns: dict[str, dict[ConnKey, Connection]] = {n.id: {} for n in self.scene.nodes}
        self.udp_flows: dict[str, dict[str, tuple[int, str, int]]] = {n.id: {} for n in self.scene.nodes}
        self.next_port: dict[str, int] = {}
        self.ip_ids: dict[str, int] = {}
        #: Frames waiting at a node for an ARP answer: (node, next-hop IP) -> [(leg, frame, neighbour)].
        self.pending: dict[tuple[str, str], list[tuple[Leg, Packet, str, tuple[str, ...]]]] = {}
        #: Recorded frames (``frame:``, e.g. from a capture): what one interface saw, shown along the
        #: path unchanged; devices do not process them again.
        self.recorded: set[str] = set()
        #: Legs that must follow the author's path (``path:``/``via:``) or be lost at ``drop_at``.
        self.forced: dict[str, list[str]] = {}
        self.drop_at: dict[str, str] = {}
        #: The last DNS query each client sent a name server: (server, client) -> the DNS layer.
        self.dns_queries: dict[tuple[str, str], Any] = {}

    # -- numbers a stack hands out -----------------------------------------------------------------
    def ephemeral_port(self, node: str) -> int:
        if node not in self.next_port:
            self.next_port[node] = EPHEMERAL_FIRST + initial_sequence(node) % (EPHEMERAL_LAST - EPHEMERAL_FIRST - 1000)
        port = self.next_port[node]
        self.next_port[node] = port + 1
        return port

    def ip_id(self, node: str) -> int:
        value = self.ip_ids.get(node, initial_sequence("ipid", node) & 0xFFFF)
        self.ip_ids[node] = (value + 1) & 0xFFFF
        return value

    # -- ARP -------------------------------------------------------------------------------------------
    def resolve(self, node: str, address: IPAddress) -> str | None:
        """The MAC for ``address`` from ``node``'s ARP cache; with preloaded caches, whoever owns it."""
        cache = self.arp_cache[node]
        mac = cache.get(str(address))
        if mac is None and (self.scene.arp == "preloaded" or self.net.kind(node) in ("internet", "cloud")):
            owner = self.net.owner_of(address)
            if owner is not None:
                mac = self.net.mac(owner)
        return mac

    def knows(self, node: str, address: str) -> bool:
        """Whether ``node`` has (or, with preloaded caches, would have) an entry for ``address``."""
        return address in self.arp_cache[node] or (
            self.scene.arp == "preloaded" and self.net.owner_of(ipaddress.ip_address(address)) is not None
        )

    def learn_arp(self, time: float, node: str, address: str, mac: str) -> None:
        cache = self.arp_cache[node]
        if cache.get(address) == mac:
            return
        cache[address] = mac
        self.publish(time, node, "ARP cache", ("IP address", "MAC address"), sorted(cache.items(), key=_ip_order))

    def send_l3(
        self, leg: Leg, node: str, packet: Packet, next_hop: IPAddress, depart: float, changes: tuple[str, ...] = ()
    ) -> None:
        """Frame ``packet`` (an IP packet) for ``next_hop`` and send it, resolving the MAC first if needed."""
        sc = layers()
        target = self.net.owner_of(next_hop) or self.net.internet_route(next_hop)
        neighbour = self.next_neighbour(leg, node, target)
        if neighbour is None:
            self.end_leg(leg, f"no link from {self.names.get(node, node)} towards {next_hop}", dropped=True)
            return
        mac = self.resolve(node, next_hop)
        if mac is None:
            key = (node, str(next_hop))
            waiting = self.pending.setdefault(key, [])
            waiting.append((leg, packet, neighbour, changes))
            if len(waiting) == 1:
                self.send_arp_request(node, next_hop, neighbour, depart, leg)
            return
        frame = sc.Ether(src=self.net.mac(node), dst=mac) / packet
        self.transmit(leg, node, neighbour, frame, depart, changes)

    def send_arp_request(self, node: str, address: IPAddress, neighbour: str, depart: float, cause: Leg) -> None:
        sc = layers()
        mine = self.net.address_facing(node, address) or ipaddress.ip_address("0.0.0.0")
        arp = sc.ARP(op=1, hwsrc=self.net.mac(node), psrc=str(mine), hwdst="00:00:00:00:00:00", pdst=str(address))
        leg = self.new_leg(f"{cause.id}.arp", f"Who has {address}?", "arp", cause, node)
        self.transmit(leg, node, neighbour, sc.Ether(src=self.net.mac(node), dst=BROADCAST_MAC) / arp, depart)

    def receive_arp(self, arrival: Arrival, node: str, arp: Any) -> None:
        """Learn the sender (as Linux does for requests aimed at it), answer requests for our address in
        ``arp: auto`` scenes, and release frames that were waiting for this answer."""
        sc = layers()
        t = arrival.time
        mine = {str(i.ip) for i in self.net.hosts[node].interfaces}
        if arp.pdst not in mine:
            # Gratuitous ARP (or any ARP) from an address already in the cache updates it, as Linux
            # does: how a virtual IP moves to the standby machine without anyone asking.
            if arp.psrc in self.arp_cache[node] or (arp.psrc == arp.pdst and self.knows(node, arp.psrc)):
                changed = self.arp_cache[node].get(arp.psrc) != arp.hwsrc
                self.learn_arp(t, node, arp.psrc, arp.hwsrc)
                self.end_leg(arrival.leg, f"ARP cache {'updated' if changed else 'refreshed'}: {arp.psrc} is at {arp.hwsrc}")
                if changed:
                    self.remark(t, node, f"{arp.psrc} → {arp.hwsrc}")
                return
            self.end_leg(arrival.leg, f"ARP for {arp.pdst}: not this host's address, ignored")
            return
        self.learn_arp(t, node, arp.psrc, arp.hwsrc)
        self.end_leg(arrival.leg, "delivered")
        if arp.op == 1 and self.scene.arp == "auto":
            reply = sc.Ether(src=self.net.mac(node), dst=arp.hwsrc) / sc.ARP(
                op=2, hwsrc=self.net.mac(node), psrc=arp.pdst, hwdst=arp.hwsrc, pdst=arp.psrc
            )
            leg = self.new_leg(f"{arrival.leg.id}.reply", f"ARP reply: {arp.pdst}", "arp", arrival.leg, node)
            self.transmit(leg, node, arrival.a, reply, t + DWELL)
        for leg, packet, neighbour, changes in self.pending.pop((node, arp.psrc), []):
            frame = sc.Ether(src=self.net.mac(node), dst=arp.hwsrc) / packet
            self.transmit(leg, node, neighbour, frame, t + DWELL, changes)

    def next_neighbour(self, leg: Leg, node: str, target: str | None) -> str | None:
        forced = self.forced.get(leg.id)
        if forced is not None and node in forced:
            index = forced.index(node)
            return forced[index + 1] if index + 1 < len(forced) else None
        return self.net.towards(node, target) if target is not None else None

    # -- sending ---------------------------------------------------------------------------------------
    def originate(self, number: int, index: int, send: Send, build: Any) -> None:
        """Put one authored send on the wire at ``send.at``."""
        layers()
        node = send.from_
        base = f"s{number}.{index}"
        route = self.author_path(send)
        if send.frame is not None:
            data = bytes.fromhex("".join(c for c in send.frame if c not in " \t\r\n:"))
            leg = self.new_leg(base, send.label or summarize(layers().Ether(data)), protocol_of(send, data), None, node)
            self.forced[leg.id] = route
            self.recorded.add(leg.id)
            if send.drop_at:
                self.drop_at[leg.id] = send.drop_at
            self.transmit(leg, node, route[1], data, send.at)
            return
        given = {layer.name: dict(layer.fields) for layer in send.layers}
        stack = build(send.layers)
        names = [layer.__class__.__name__ for layer in stack.iterpayloads()]
        if ("Ether" in names and len(names) == 1) or "ARP" in names:
            self._originate_arp(base, send, stack, route, given.get("arp", {}))
            return
        packet = self.fill_ip(node, send, stack, given)
        leg = self.new_leg(base, send.label or summarize(packet), protocol_of(send), None, node)
        if send.path is not None or send.via:
            self.forced[leg.id] = route
        if send.drop_at:
            self.drop_at[leg.id] = send.drop_at
        dst = ipaddress.ip_address(packet.dst)
        next_hop = dst if self.net.on_link(node, dst) else self.route_for(node, dst)
        if next_hop is None:
            raise SimulationError(f"'{node}' has no route to {dst}: give it an address on that subnet or a 'gateway'")
        self.send_l3(leg, node, packet, next_hop, send.at)

    def author_path(self, send: Send) -> list[str]:
        if send.path is not None:
            return list(send.path)
        route = self.net.topology.route(send.from_, send.to, send.via)
        if route is None:
            raise SimulationError(f"no chain of links leads from '{send.from_}' to '{send.to}'")
        return route

    def _originate_arp(self, base: str, send: Send, stack: Any, route: list[str], given: dict[str, Any]) -> None:
        sc = layers()
        node, to = send.from_, send.to
        arp = stack.getlayer(sc.ARP)
        mine = self.net.address_of(node, to) or ipaddress.ip_address("0.0.0.0")
        theirs = self.net.address_of(to, node) or ipaddress.ip_address("0.0.0.0")
        request = arp.op == 1
        arp.hwsrc = given.get("hwsrc", self.net.mac(node))
        arp.psrc = given.get("psrc", str(mine))
        arp.pdst = given.get("pdst", str(theirs))
        arp.hwdst = given.get("hwdst", "00:00:00:00:00:00" if request else self.net.mac(to))
        if sc.Ether not in stack:
            stack = sc.Ether() / stack
        ether = stack.getlayer(sc.Ether)
        ether_given = {} if send.layers[0].name != "ether" else send.layers[0].fields
        ether.src = ether_given.get("src", self.net.mac(node))
        ether.dst = ether_given.get("dst", BROADCAST_MAC if request else self.net.mac(to))
        label = send.label or (f"Who has {arp.pdst}?" if request else f"ARP reply: {arp.psrc}")
        leg = self.new_leg(base, label, protocol_of(send), None, node)
        if send.path is not None or send.via:
            self.forced[leg.id] = route
        self.transmit(leg, node, route[1], stack, send.at)

    def fill_ip(self, node: str, send: Send, stack: Any, given: dict[str, dict[str, Any]]) -> Any:
        """Complete ``stack`` below its top layers: transport ports and numbers, then the IP header.

        scapy's ``/`` copies both operands, so each layer is looked up in the finished stack
        before it is filled in.
        """
        sc = layers()
        to = send.to
        app = _application(stack)
        if sc.Ether in stack:
            stack = stack.getlayer(sc.Ether).payload  # the stack frames it for the next hop itself
        has_transport = sc.TCP in stack or sc.UDP in stack or sc.ICMP in stack
        has_ip = sc.IP in stack or sc.IPv6 in stack
        if self.net.hosts[node].node.zone and app == "dns":
            stack = self.answer_from_zone(node, to, stack, given.get("dns", {}))
        if not has_transport and not has_ip:
            stack = (sc.UDP() if app in UDP_APPS else sc.TCP()) / stack
        version = 6 if sc.IPv6 in stack or (not self.net.hosts[node].node.ipv4 and self.net.hosts[node].node.ipv6) else 4
        if not has_ip:
            stack = (sc.IP() if version == 4 else sc.IPv6()) / stack
        ip_given = given.get("ip" if version == 4 else "ipv6", {})
        # An address the author gives wins over the one picked for ``to``: the connection is keyed
        # by it (two sites sharing 10.0.0.0/24 reach each other only at public addresses).
        remote = ipaddress.ip_address(ip_given["dst"]) if "dst" in ip_given else self.net.address_of(to, node, version)
        if remote is None:
            raise SimulationError(f"'{to}' has no IPv{version} address to send to")
        # The sender needs an address too: None would reach scapy as the text "None", which it
        # takes for a host name and looks up in the real DNS (a scene must never touch the network).
        source = self.net.address_facing(node, remote, version)
        if source is None and "src" in ip_given:
            source = ipaddress.ip_address(ip_given["src"])
        if source is None:
            raise SimulationError(f"'{node}' has no IPv{version} address to send from: give it 'ipv{version}:'")
        local: IPAddress | None = None
        if sc.TCP in stack:
            remote, local = self._fill_tcp(node, to, stack.getlayer(sc.TCP), remote, app, given.get("tcp", {}), source)
        elif sc.UDP in stack:
            remote = self._fill_udp(node, to, stack.getlayer(sc.UDP), remote, app, given.get("udp", {}))
        if local is None:
            local = self.net.address_facing(node, remote, version) or source
        ip = stack.getlayer(sc.IP if version == 4 else sc.IPv6)
        ip.src = ip_given.get("src", str(local))
        ip.dst = ip_given.get("dst", str(remote))
        if version == 4:
            ip.ttl = ip_given.get("ttl", DEFAULT_TTL)
            ip.id = ip_given.get("id", self.ip_id(node))
            ip.flags = ip_given.get("flags", "DF" if sc.TCP in stack else 0)  # Linux: DF on TCP (PMTU discovery)
        else:
            ip.hlim = ip_given.get("hlim", DEFAULT_TTL)
        return stack

    def _fill_tcp(
        self, node: str, to: str, tcp: Any, remote: IPAddress, app: str | None, given: dict[str, Any], source: IPAddress
    ) -> tuple[IPAddress, IPAddress]:
        """Fill ports, flags, seq/ack and window from the connection; its (remote, local) addresses.

        A segment on an existing connection leaves from the address the connection was opened
        on (a VIP that accepted it, say), whichever interface would face the peer. A new one
        opens from the address facing ``remote``, else from ``source`` (the one ``fill_ip``
        made sure the sender has)."""
        flags = flag_value(given["flags"]) if "flags" in given else None
        conn = None if flags is not None and flags & SYN and not flags & ACK else self.find_conn(node, to, given)
        if conn is None:
            sport = given.get("sport", self.ephemeral_port(node))
            dport = given.get("dport", DEFAULT_PORTS.get(app or "", 80))
            local = self.net.address_facing(node, remote, remote.version) or source
            conn = Connection(local=(str(local), sport), remote=(str(remote), dport))
            conn.peers.add(to)
            isn = given.get("seq", initial_sequence(node, conn.local, conn.remote))
            conn.iss = conn.snd_nxt = conn.snd_una = isn
            self.conns[node][conn.local, conn.remote] = conn
        remote = ipaddress.ip_address(conn.remote[0])
        payload = len(tcp.payload) if tcp.payload else 0
        if flags is None:
            flags = conn.default_flags(payload)
        tcp.sport = given.get("sport", conn.local[1])
        tcp.dport = given.get("dport", conn.remote[1])
        tcp.flags = flags
        tcp.seq = given.get("seq", conn.snd_nxt)
        tcp.ack = given.get("ack", conn.rcv_nxt if flags & ACK else 0)
        v6 = remote.version == 6
        tcp.window = given.get("window", (IPV6_WINDOW if v6 else DEFAULT_WINDOW) if flags & SYN else SCALED_WINDOW)
        if "options" not in given:
            options = [("MSS", IPV6_MSS) if v6 and kind == "MSS" else (kind, value) for kind, value in SYN_OPTIONS]
            tcp.options = options if flags & SYN else []
        return remote, ipaddress.ip_address(conn.local[0])

    def _fill_udp(self, node: str, to: str, udp: Any, remote: IPAddress, app: str | None, given: dict[str, Any]) -> IPAddress:
        flow = self.udp_flows[node].get(to)
        if flow is None:
            flow = (
                given.get("sport", self.ephemeral_port(node)),
                str(remote),
                given.get("dport", DEFAULT_PORTS.get(app or "", 9)),
            )
            self.udp_flows[node][to] = flow
        udp.sport = given.get("sport", flow[0])
        udp.dport = given.get("dport", flow[2])
        return ipaddress.ip_address(flow[1])

    def find_conn(self, node: str, to: str, given: dict[str, Any]) -> Connection | None:
        """The connection a segment from ``node`` to ``to`` belongs to: the newest one talking to ``to``."""
        candidates = [c for c in self.conns[node].values() if to in c.peers and c.state != "CLOSED"]
        if "sport" in given:
            candidates = [c for c in candidates if c.local[1] == given["sport"]] or candidates
        if "dport" in given:
            candidates = [c for c in candidates if c.remote[1] == given["dport"]] or candidates
        return candidates[-1] if candidates else None

    def leaving(self, node: str, frame: bytes, time: float) -> None:
        """Account for a segment ``node`` sends on one of its connections (state badge, socket table)
        when it really leaves: after any ARP exchange it had to wait for."""
        sc = layers()
        packet = sc.Ether(frame)
        if sc.TCP not in packet:
            return
        ip = packet.getlayer(sc.IP) if sc.IP in packet else packet.getlayer(sc.IPv6)
        tcp = packet.getlayer(sc.TCP)
        conn = self.conns[node].get(((ip.src, tcp.sport), (ip.dst, tcp.dport)))
        if conn is None:
            return
        if conn.sent(int(tcp.flags), tcp.seq, len(tcp.payload) if tcp.payload else 0):
            self.badge(time, node, conn.state)
            self.publish_sockets(time, node)

    # -- receiving -------------------------------------------------------------------------------------
    def receive_tcp(self, arrival: Arrival, node: str, ip: Any, tcp: Any) -> Connection | None:
        """Update (or open) the connection a segment arrived on; answer a SYN to a closed port with RST."""
        sc = layers()
        t = arrival.time
        key = ((ip.dst, tcp.dport), (ip.src, tcp.sport))
        conn = self.conns[node].get(key)
        flags = int(tcp.flags)
        listen = self.net.hosts[node].node.listen
        if conn is None:
            if not flags & SYN or flags & ACK or (listen and tcp.dport not in listen):
                if flags & RST:
                    self.end_leg(arrival.leg, "delivered")
                    return None
                reason = "closed port" if flags & SYN else "no such connection"
                self.end_leg(arrival.leg, f"{reason}: answered with RST", dropped=False)
                self.remark(t, node, f"port {tcp.dport} closed: RST" if flags & SYN else "no such connection: RST")
                rst = sc.IP(src=ip.dst, dst=ip.src, ttl=DEFAULT_TTL) / sc.TCP(
                    sport=tcp.dport, dport=tcp.sport, flags="RA" if flags & SYN else "R", seq=0 if flags & SYN else tcp.ack,
                    ack=(tcp.seq + 1) & 0xFFFFFFFF if flags & SYN else 0, window=0,
                )  # fmt: skip
                leg = self.new_leg(f"{arrival.leg.id}.rst", "RST", "tcp", arrival.leg, node)
                self.send_reply(leg, node, rst, t)
                return None
            conn = Connection(local=key[0], remote=key[1], state="LISTEN")
            # The passive opener picks its own ISN too (RFC 6528), or its SYN-ACK would say Seq=0.
            conn.iss = conn.snd_nxt = conn.snd_una = initial_sequence(node, conn.local, conn.remote)
            self.conns[node][key] = conn
        conn.peers.update(self.origins_of(arrival.leg))
        payload = len(tcp.payload) if tcp.payload else 0
        if conn.received_segment(flags, tcp.seq, tcp.ack, payload):
            self.badge(t, node, conn.state)
            self.publish_sockets(t, node)
        self.end_leg(arrival.leg, "delivered")
        return conn

    def receive_udp(self, arrival: Arrival, node: str, ip: Any, udp: Any) -> None:
        origins = self.origins_of(arrival.leg)
        for origin in origins:
            self.udp_flows[node].setdefault(origin, (udp.dport, ip.src, udp.sport))
        if self.net.hosts[node].node.zone:
            from scapy.layers.dns import DNS

            if DNS in udp and not udp[DNS].qr:
                for origin in origins:
                    self.dns_queries[node, origin] = udp[DNS].copy()
        self.end_leg(arrival.leg, "delivered")

    def answer_from_zone(self, node: str, to: str, stack: Any, given: dict[str, Any]) -> Any:
        """A name server's reply the author left empty is filled from its zone, for the query ``to`` asked."""
        from scapy.layers.dns import DNS, DNSRR

        query = self.dns_queries.get((node, to))
        if DNS not in stack or query is None or "answers" in given or "rcode" in given or not query.qd:
            return stack
        question = query.qd[0] if isinstance(query.qd, list) else query.qd
        name = question.qname.decode(errors="replace").rstrip(".").lower()
        qtype = question.qtype  # 1 = A, 28 = AAAA
        records = []
        for record in self.net.hosts[node].node.zone:
            if record.name.rstrip(".").lower() == name:
                values = record.a if qtype == 1 else record.aaaa if qtype == 28 else ()
                for value in values:
                    rdata = value.split("/")[0]
                    records.append(DNSRR(rrname=question.qname, type=qtype, ttl=record.ttl, rdata=rdata))
        reply = DNS(id=query.id, qr=1, aa=1, rd=query.rd, ra=0, rcode=0 if records else 3, qd=question, an=records)
        dns = stack.getlayer(DNS)
        underlayer = dns.underlayer
        if underlayer is None:
            return reply
        underlayer.remove_payload()
        underlayer.add_payload(reply)
        return stack

    def send_reply(self, leg: Leg, node: str, packet: Any, time: float) -> None:
        """Send a packet ``node`` makes itself (RST, ICMP error, relayed message) towards its IP destination."""
        dst = ipaddress.ip_address(packet.dst)
        next_hop = dst if self.net.on_link(node, dst) else self.route_for(node, dst)
        if next_hop is None:
            self.end_leg(leg, f"no route from {self.names.get(node, node)} to {dst}", dropped=True)
            return
        self.send_l3(leg, node, packet, next_hop, time + DWELL)

    def route_for(self, node: str, dst: IPAddress) -> IPAddress | None:
        """Where ``node`` sends a packet for ``dst`` that is not on-link: its gateway (routers override).

        A host wired straight to an internet cloud (a server "out there") needs no gateway: the
        cloud stands for its ISP's router, so the packet goes there (see ``send_l3``)."""
        gateway = self.net.gateway_of(node, dst.version)
        if gateway is None and any(self.net.kind(n) in ("internet", "cloud") for n in self.net.neighbours(node)):
            return dst
        return gateway

    def origins_of(self, leg: Leg) -> set[str]:
        """Every node on whose behalf ``leg`` travels: its sender, and the senders of the legs that caused it."""
        found = set()
        by_id = {candidate.id: candidate for candidate in self.step.legs}
        current: Leg | None = leg
        while current is not None:
            if current.id in self.origin:
                found.add(self.origin[current.id])
            current = by_id.get(current.parent) if current.parent else None
        return found

    def publish_sockets(self, time: float, node: str) -> None:
        rows = [
            (socket_text(*c.local), socket_text(*c.remote), c.state) for c in self.conns[node].values() if c.state != "CLOSED"
        ]
        self.publish(time, node, "Sockets", ("Local", "Remote", "State"), rows or None)


def socket_text(address: str, port: int) -> str:
    """``address:port``, with an IPv6 address in brackets (RFC 3986) so its colons do not swallow the port."""
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def summarize(packet: Any) -> str:
    """A short label for a chip when the author gave none: Wireshark's Info column, shortened."""
    from animator.packets import summary

    text = summary(packet)
    if "→" in text and "[" in text:  # TCP: "50123 → 80 [SYN, ACK] Seq=0 ..." reads as "SYN, ACK"
        flags = text[text.index("[") + 1 : text.index("]")]
        length = text.rsplit("Len=", 1)[1].split()[0] if "Len=" in text else "0"
        text = flags if length == "0" else f"{flags} ({length} B)"
    elif text.startswith("Standard query response"):
        words = text.split()
        text = "No such name" if "No such name" in text else f"{words[-2]} {words[-1]}" if len(words) > 5 else "DNS answer"
    elif text.startswith("Standard query "):
        kind_and_name = text.removeprefix("Standard query ").split()
        text = f"{kind_and_name[-2]}? {kind_and_name[-1]}" if len(kind_and_name) >= 2 else "DNS query"
    elif text.startswith("HTTP/1."):
        text = text.split(" ", 1)[1] if " " in text else text
    elif text.endswith((" HTTP/1.1", " HTTP/1.0")):
        text = text.rsplit(" ", 1)[0]
    return text if len(text) <= 28 else text[:27] + "…"


def protocol_of(send: Send, frame: bytes | None = None) -> str:
    """The chip colour of a send: what the author said, else the top layer of its packet."""
    if send.protocol != "data":
        return send.protocol
    if send.layers:
        from animator.packets import protocol_of as top_protocol

        return top_protocol(send.layers)
    return "data"


def _application(packet: Any) -> str | None:
    for layer in packet.iterpayloads():
        name = layer.__class__.__module__
        if name.endswith(".http"):
            return "http"
        if name.endswith(".dns"):
            return "dns"
        if ".tls" in name:
            return "tls"
        if name.endswith(".http2"):
            return "http2"
        if name.endswith(".quic"):
            return "quic"
        if "websocket" in name:
            return "websocket"
    return None


def _ip_order(item: tuple[str, str]) -> tuple[int, int]:
    address = ipaddress.ip_address(item[0])
    return address.version, int(address)
