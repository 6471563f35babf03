"""A node's own network stack: build the frames its sends put on the wire, take in the frames
addressed to it (ARP, TCP state, UDP flows), and the IP handling every device kind builds on.

Authors write intent ("laptop sends an HTTP GET to the server"); this fills in what the stack
would: addresses, ports, sequence numbers, TTL, the gateway's MAC, and, when the scene says
``arp: auto``, the ARP exchange that has to happen first.

Settings any node may carry add their behaviour here whatever the kind: ``firewall:`` (a packet
filter on its INPUT and FORWARD chains), ``nat:`` (translation), ``balancer:`` (a pool of backends,
relayed at L7 when it has ``pools:``) and ``zone:`` (a name server's answers).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from animator.engine.sim.core import Arrival, SimulationError
from animator.engine.sim.devices.base import Device
from animator.engine.sim.features.dns import NameService
from animator.engine.sim.features.filter import Filter
from animator.engine.sim.features.nat import Nat
from animator.engine.sim.features.pool import Pool
from animator.engine.sim.features.relay import HttpRelay
from animator.engine.sim.features.syn_backlog import SynBacklog
from animator.engine.sim.features.tcp_window import TcpWindows
from animator.engine.sim.features.vrrp import VrrpInstance, multicast_mac
from animator.engine.sim.frames import flow_of
from animator.engine.sim.journey import Leg, Outcome
from animator.engine.sim.network import BROADCAST_MAC, IPAddress
from animator.engine.sim.rules import Flow
from animator.engine.sim.scapy_layers import layers, reply_ip
from animator.engine.sim.tcp import (
    ACK,
    DEFAULT_WINDOW,
    FIN,
    IPV6_MSS,
    IPV6_WINDOW,
    RST,
    SCALED_WINDOW,
    SYN,
    Connection,
    flag_value,
    initial_sequence,
    says_close,
)
from animator.engine.timing import DWELL
from animator.model.kinds import Capability, TableKind
from animator.model.schema import Node, Send
from animator.packets.stack import SYN_OPTIONS

if TYPE_CHECKING:
    from scapy.packet import Packet

    from animator.engine.sim.simulation import Simulation

#: Linux's default ephemeral port range (net.ipv4.ip_local_port_range).
EPHEMERAL_FIRST, EPHEMERAL_LAST = 32768, 60999
#: Well-known ports implied by the application layer when the author gives none.
DEFAULT_PORTS = {"http": 80, "tls": 443, "http2": 443, "websocket": 80, "dns": 53, "quic": 443}
UDP_APPS = frozenset({"dns", "quic"})
DEFAULT_TTL = 64
#: How much of an offending datagram an ICMP error quotes: what fits in 576 bytes after the new
#: IP and ICMP headers (Linux's icmp_send, RFC 1812 4.3.2.3).
ICMP_QUOTE = 576 - 20 - 8
#: ICMPv6 errors quote what fits in the IPv6 minimum MTU after their own headers (RFC 4443 2.4(c)).
ICMPV6_QUOTE = 1280 - 40 - 8
#: ICMP types that are errors and quote the datagram they are about (RFC 792).
ICMP_ERROR_TYPES = frozenset({3, 4, 5, 11, 12})

ConnKey = tuple[tuple[str, int], tuple[str, int]]


class Stack(Device):
    """A device with an IP stack of its own: ARP cache, TCP connections, UDP flows, port and IP-id counters."""

    #: Whether the device's packets leave through a NAT of its own even without ``nat:`` (a NAT gateway).
    always_nat: ClassVar[bool] = False
    #: What a balancer's Pool table counts per backend: TCP connections (L4) or HTTP requests (L7).
    pool_counts: ClassVar[str] = "Conns"

    def __init__(self, sim: Simulation, node: Node) -> None:
        super().__init__(sim, node)
        self.mac = self.net.mac(node.id)
        self.arp_cache: dict[str, str] = {}
        self.conns: dict[ConnKey, Connection] = {}
        #: UDP "connections" by peer node: (local port, remote address, remote port).
        self.udp_flows: dict[str, tuple[int, str, int]] = {}
        self._next_port: int | None = None
        self._ip_id: int | None = None
        #: Frames waiting for an ARP answer, by next-hop address: [(leg, packet, neighbour, changes)].
        self.pending: dict[str, list[tuple[Leg, Packet, str, tuple[str, ...]]]] = {}
        balancer = node.balancer
        self.filter = Filter(self, node.firewall) if node.firewall is not None else None
        self.nat = Nat(self, node.nat) if node.nat is not None or self.always_nat else None
        counts = "Requests" if balancer is not None and balancer.pools else self.pool_counts
        self.pool = Pool(self, balancer, counts) if balancer is not None else None
        self.relay = self.make_relay()
        self.vrrp = VrrpInstance(self, node.vrrp) if node.vrrp is not None else None
        self.dns = NameService(self) if node.zone or node.recursive else None
        #: Flow and congestion control (``tcp:`` with congestion, mss or rcvbuf): without them the
        #: stack's windows are fixed, as before (a tcp: that only limits the SYN backlog keeps them).
        self.windows = TcpWindows.for_node(self, node.tcp)
        tcp = node.tcp
        self.syn_backlog = SynBacklog(self, tcp) if tcp is not None and (tcp.syn_backlog or tcp.syncookies == 2) else None
        #: What PREROUTING did to the packet in hand (a DNAT), for the hop's list when it is forwarded.
        self.pre_changes: tuple[str, ...] = ()

    def make_relay(self) -> HttpRelay | None:
        """The L7 relay this device runs: none, unless its balancer routes by ``pools:`` (an L7 balancer)."""
        balancer = self.node.balancer
        return HttpRelay(self, forward=False) if balancer is not None and balancer.pools else None

    def peer(self, node: str) -> Stack:
        """Another node's stack: a proxy records its pooled connections at both ends."""
        other = self.sim.devices[node]
        assert isinstance(other, Stack), "every device kind has a stack"
        return other

    # -- numbers a stack hands out -----------------------------------------------------------------
    def ephemeral_port(self) -> int:
        if self._next_port is None:
            self._next_port = EPHEMERAL_FIRST + initial_sequence(self.id) % (EPHEMERAL_LAST - EPHEMERAL_FIRST - 1000)
        port = self._next_port
        self._next_port = port + 1
        return port

    def ip_id(self) -> int:
        value = self._ip_id if self._ip_id is not None else initial_sequence("ipid", self.id) & 0xFFFF
        self._ip_id = (value + 1) & 0xFFFF
        return value

    # -- configuration -----------------------------------------------------------------------------
    def publish_configuration(self) -> None:
        self.publish_routes()
        if self.filter is not None:
            self.filter.publish_configuration()
        if self.pool is not None and self.pool.balancer.backends:
            self.pool.publish(0.0)
        if self.dns is not None:
            self.dns.publish_configuration()
        if self.syn_backlog is not None:
            self.publish_sockets(0.0)

    def publish_routes(self) -> None:
        """Only devices that route have a routing table to show."""

    def backend_changed(self, node: str, time: float) -> None:
        if self.pool is not None:
            self.pool.backend_changed(node, time)

    # -- receiving ---------------------------------------------------------------------------------
    def receive(self, arrival: Arrival) -> None:
        """Frames for this MAC (or broadcast, multicast): ARP, else the IP packet inside."""
        sc = layers()
        frame = sc.Ether(arrival.frame)
        dst = frame.dst.lower()
        if dst != self.mac and dst != BROADCAST_MAC and not int(dst[:2], 16) & 1 and not (self.vrrp and self.vrrp.takes(dst)):
            self.sim.end_leg(arrival.leg, Outcome.DISCARDED, "not for me (another host's MAC): discarded")
            return
        if sc.ARP in frame:
            self.receive_arp(arrival, frame.getlayer(sc.ARP))
            return
        ip = frame.getlayer(sc.IP) if sc.IP in frame else frame.getlayer(sc.IPv6) if sc.IPv6 in frame else None
        if ip is None:
            self.sim.end_leg(arrival.leg, Outcome.DELIVERED, "delivered")
            return
        self.ip_packet(arrival, ip)

    def ip_packet(self, arrival: Arrival, ip: Any) -> None:
        """PREROUTING (translation), then INPUT for one of our addresses, else what the device does
        with a packet for someone else."""
        self.pre_changes = ()
        if self.filter is not None:
            self.pre_changes = tuple(self.filter.prerouting(arrival.time, ip))
        flow = flow_of(ip)
        if ipaddress.ip_address(ip.dst).is_multicast:
            self.multicast(arrival, ip)
            return
        mine = self.net.has_address(self.id, ipaddress.ip_address(ip.dst)) and (not self.vrrp or self.vrrp.holds(ip.dst))
        if self.nat is not None and self.nat.inbound(arrival, ip, flow):
            return
        if mine and self.take_own(arrival, ip, flow):
            return
        if mine:
            if self.filter is not None and not self.filter.allows(arrival, "INPUT", ip, flow):
                return
            if self.relay is not None:
                self.relay.receive(arrival, ip)
                return
            self.local_delivery(arrival, ip)
            return
        self.pass_on(arrival, ip, flow)

    def multicast(self, arrival: Arrival, ip: Any) -> None:
        """A multicast packet: VRRP advertisements for a node in that group, else filtered out."""
        if self.vrrp is not None and ip.dst == "224.0.0.18":
            self.vrrp.heard(arrival, ip)
            return
        self.sim.end_leg(arrival.leg, Outcome.DISCARDED, f"not a member of group {ip.dst}: filtered out")

    def mac_for(self, address: str) -> str:
        """The MAC this node announces for one of its addresses (a VRRP virtual MAC, or its own)."""
        return (self.vrrp.mac_for(address) if self.vrrp else None) or self.mac

    def take_own(self, arrival: Arrival, ip: Any, flow: Flow) -> bool:
        """A packet for one of our addresses that the device handles before INPUT (an L4 balancer's VIP)."""
        return False

    def pass_on(self, arrival: Arrival, ip: Any, flow: Flow) -> None:
        """A packet for another address: a host does not forward (routers do)."""
        self.sim.end_leg(arrival.leg, Outcome.DROPPED, f"not for me ({ip.dst}): a host does not forward")

    def local_delivery(self, arrival: Arrival, ip: Any) -> None:
        sc = layers()
        if sc.TCP in ip:
            self.receive_tcp(arrival, ip, ip.getlayer(sc.TCP))
        elif sc.UDP in ip:
            self.receive_udp(arrival, ip, ip.getlayer(sc.UDP))
        else:
            self.sim.end_leg(arrival.leg, Outcome.DELIVERED, "delivered")

    def receive_tcp(self, arrival: Arrival, ip: Any, tcp: Any) -> Connection | None:
        """Update (or open) the connection a segment arrived on; answer a SYN to a closed port with RST.

        A listening target answers a proxy's CONNECT SYN from its kernel, before any program
        accept()s it, so that SYN-ACK is the device's own (other SYN-ACKs are the author's)."""
        sc = layers()
        t = arrival.time
        key = ((ip.dst, tcp.dport), (ip.src, tcp.sport))
        conn = self.conns.get(key)
        flags = int(tcp.flags)
        listen = self.node.listen
        if conn is not None and conn.state in ("TIME_WAIT", "CLOSED") and flags & SYN and not flags & ACK:
            # A new SYN for a 4-tuple this end holds in TIME_WAIT opens a new connection, as Linux's
            # tcp_timewait_state_process (TCP_TW_SYN) does: nothing of the old one carries over.
            del self.conns[key]
            conn = None
        if conn is None and self.syn_backlog is not None:
            conn = self.syn_backlog.restore(arrival, ip, tcp)  # the ACK of a SYN cookie, if it is one
        if conn is None:
            if not flags & SYN or flags & ACK or (listen and tcp.dport not in listen):
                if flags & RST:
                    self.sim.end_leg(arrival.leg, Outcome.DELIVERED, "delivered")
                    return None
                reason = "closed port" if flags & SYN else "no such connection"
                if self.syn_backlog is not None and self.syn_backlog.bad_cookie:
                    reason = "not a SYN cookie of ours"
                self.sim.end_leg(arrival.leg, Outcome.ANSWERED, f"{reason}: answered with RST")
                self.remark(t, f"port {tcp.dport} closed: RST" if flags & SYN else f"{reason}: RST")
                rst = reply_ip(ip, DEFAULT_TTL) / sc.TCP(
                    sport=tcp.dport, dport=tcp.sport, flags="RA" if flags & SYN else "R", seq=0 if flags & SYN else tcp.ack,
                    ack=(tcp.seq + 1) & 0xFFFFFFFF if flags & SYN else 0, window=0,
                )  # fmt: skip
                leg = self.sim.new_leg(f"{arrival.leg.id}.rst", "RST", "tcp", arrival.leg, self.id)
                self.send_reply(leg, rst, t)
                return None
            if self.syn_backlog is not None and not self.syn_backlog.admit(arrival, ip, tcp):
                return None  # dropped, or answered with a SYN cookie: no state kept
            conn = Connection(local=key[0], remote=key[1], state="LISTEN", authored=True)
            # The passive opener picks its own ISN too (RFC 6528), or its SYN-ACK would say Seq=0.
            conn.iss = conn.snd_nxt = conn.snd_una = initial_sequence(self.id, conn.local, conn.remote)
            self.conns[key] = conn
        conn.peers.update(self.sim.origins_of(arrival.leg))
        data = bytes(tcp.payload) if tcp.payload else b""
        payload = len(data)
        if says_close(data):
            conn.closing = True
        before, una, rcv_nxt = conn.state, conn.snd_una, conn.rcv_nxt
        if conn.received_segment(flags, tcp.seq, tcp.ack, payload):
            if self.sim.is_down(self.id) == "no":
                self.badge(t, conn.state)
            self.publish_sockets(t)
        if self.windows is not None:
            self.windows.arrived(t, conn, tcp, payload, una, rcv_nxt, before)
        self.sim.end_leg(arrival.leg, Outcome.DELIVERED, "delivered")
        self.kernel_answer(arrival, conn, flags, before)
        upcoming = _segment_kind(self.sim.next_tcp_send(self.id, conn.peers, *_conn_match(conn), newest=self._newest(conn)))
        # A listening socket's kernel answers a SYN before any program accept()s: unless the scene
        # sends that SYN-ACK itself next (a proxy's CONNECT SYN is never the author's to answer).
        answers = arrival.leg.id in self.sim.connect_syns or upcoming not in ("syn", "ack")
        if before == "LISTEN" and conn.state == "SYN_RCVD" and answers:
            self.kernel_segment(arrival.leg, conn, SYN | ACK, "SYN, ACK", arrival.time)
        return conn

    def udp_port_open(self, port: int) -> bool:
        """Whether a socket is bound to UDP ``port``: a node without ``listen:`` takes every port, one
        with it the ports listed, a name server 53, and every node the ports of flows it opened."""
        listen = self.node.listen
        return (
            not listen
            or port in listen
            or (self.dns is not None and port == DEFAULT_PORTS["dns"])
            or any(flow[0] == port for flow in self.udp_flows.values())
        )

    def receive_udp(self, arrival: Arrival, ip: Any, udp: Any) -> None:
        if not self.udp_port_open(udp.dport):
            # No socket: the kernel answers ICMP port unreachable (type 3 code 3), as Linux's
            # __udp4_lib_rcv does, and the sender's next recv() fails with ECONNREFUSED.
            self.sim.end_leg(arrival.leg, Outcome.ANSWERED, f"UDP port {udp.dport} closed: answered with ICMP port unreachable")
            self.remark(arrival.time, f"UDP port {udp.dport} closed: ICMP port unreachable")
            self.icmp_error(arrival, ip, icmp_type=3, code=3, label="ICMP port unreachable")
            return
        origins = self.sim.origins_of(arrival.leg)
        for origin in origins:
            self.udp_flows.setdefault(origin, (udp.dport, ip.src, udp.sport))
        if self.dns is not None:
            from scapy.layers.dns import DNS

            if DNS in udp:
                self.dns.received(arrival.time, origins, udp[DNS])
        self.sim.end_leg(arrival.leg, Outcome.DELIVERED, "delivered")

    def leaving(self, frame: bytes, time: float, leg: Leg) -> None:
        """A frame really leaves (after any ARP exchange it had to wait for): a TCP segment is parsed
        once here and handed to ``tcp_leaving``, which kinds that read what they send extend."""
        sc = layers()
        packet = sc.Ether(frame)
        if sc.TCP not in packet:
            return
        ip = packet.getlayer(sc.IP) if sc.IP in packet else packet.getlayer(sc.IPv6)
        tcp = packet.getlayer(sc.TCP)
        self.tcp_leaving(ip, tcp, bytes(tcp.payload) if tcp.payload else b"", time, leg)

    def tcp_leaving(self, ip: Any, tcp: Any, payload: bytes, time: float, leg: Leg) -> None:
        """Account for a segment this node sends on one of its connections (state badge, socket
        table). A response saying ``Connection: close`` is followed by this end's FIN, unless the
        scene sends more on it."""
        conn = self.conns.get(((ip.src, tcp.sport), (ip.dst, tcp.dport)))
        if conn is None:
            return
        if conn.sent(int(tcp.flags), tcp.seq, len(payload)):
            if self.sim.is_down(self.id) == "no":  # a stopped program's machine keeps "port closed"
                self.badge(time, conn.state)
            self.publish_sockets(time)
        if self.windows is not None:
            self.windows.leaving(time, conn, tcp, len(payload))
        if payload.startswith(b"HTTP/1.") and says_close(payload):
            conn.closing = True
            more = self.sim.next_tcp_send(self.id, conn.peers, *_conn_match(conn), newest=self._newest(conn))
            if conn.state == "ESTABLISHED" and more is None:
                self.kernel_segment(leg, conn, FIN | ACK, "FIN (Connection: close)", time)

    def kernel_answer(self, arrival: Arrival, conn: Connection, flags: int, before: str) -> None:
        """What a kernel sends at once on its own, unless the scene's next send on this connection
        is that segment: the handshake's last ACK (RFC 9293 3.5), and the ACK of a FIN (with this
        end's own FIN when the connection was to close, as curl and nginx close at once)."""
        upcoming = _segment_kind(self.sim.next_tcp_send(self.id, conn.peers, *_conn_match(conn), newest=self._newest(conn)))
        if flags & SYN and flags & ACK and before == "SYN_SENT" and conn.state == "ESTABLISHED":
            if conn.authored and upcoming != "ack":
                self.kernel_segment(arrival.leg, conn, ACK, "ACK", arrival.time)
        elif flags & FIN and before != conn.state and conn.state in ("CLOSE_WAIT", "TIME_WAIT", "CLOSING"):
            if upcoming in ("ack", "fin"):
                return
            # A program that reads EOF and has nothing more to send closes too (curl, nginx, a
            # proxy's idle upstream): unless the scene sends more on this connection.
            if conn.state == "CLOSE_WAIT" and upcoming is None:
                self.kernel_segment(arrival.leg, conn, FIN | ACK, "FIN, ACK", arrival.time)
            else:
                self.kernel_segment(arrival.leg, conn, ACK, "ACK", arrival.time)

    def _newest(self, conn: Connection) -> bool:
        """Whether ``conn`` is the newest open connection to its peers (where a send naming no ports goes)."""
        version = 6 if ":" in conn.local[0] else 4
        newer = [
            c
            for c in self.conns.values()
            if c.peers & conn.peers and c.state != "CLOSED" and (6 if ":" in c.local[0] else 4) == version
        ]
        return not newer or newer[-1] is conn

    def program_stopped(self, time: float) -> None:
        """The program died (``down: refused``): its kernel closes every socket it held, with a FIN
        (there is nothing unread to reset), and stays up to finish those closes."""
        for conn in list(self.conns.values()):
            if conn.state in ("ESTABLISHED", "CLOSE_WAIT"):
                conn.closing = True
                cause = self.sim.new_leg(f"s{self.sim.step_number}.0.exit", "program exited", "tcp", None, self.id)
                self.sim.end_leg(cause, Outcome.ABSORBED, "the program exited: its kernel closes its sockets")
                self.kernel_segment(cause, conn, FIN | ACK, "FIN (program exited)", time)

    def kernel_takes(self, arrival: Arrival) -> bool:
        sc = layers()
        frame = sc.Ether(arrival.frame)
        if sc.TCP not in frame or frame.dst.lower() != self.mac:
            return False
        ip = frame.getlayer(sc.IP) if sc.IP in frame else frame.getlayer(sc.IPv6)
        tcp = frame.getlayer(sc.TCP)
        conn = self.conns.get(((ip.dst, tcp.dport), (ip.src, tcp.sport)))
        return conn is not None and conn.closing and conn.state not in ("CLOSED", "LISTEN") and not int(tcp.flags) & SYN

    def kernel_segment(self, cause: Leg, conn: Connection, flags: int, label: str, time: float) -> None:
        """A segment this node's kernel makes on ``conn`` (an ACK, a FIN), numbered from it."""
        sc = layers()
        local, remote = conn.local, conn.remote
        if ":" in local[0]:
            ip = sc.IPv6(src=local[0], dst=remote[0], hlim=DEFAULT_TTL)
        else:
            ip = sc.IP(src=local[0], dst=remote[0], ttl=DEFAULT_TTL, id=self.ip_id(), flags="DF")
        v6 = ":" in local[0]
        window, options = SCALED_WINDOW, []
        if flags & SYN:  # a SYN-ACK offers what the SYN did: MSS, SACK, window scaling
            window = IPV6_WINDOW if v6 else DEFAULT_WINDOW
            options = [("MSS", IPV6_MSS) if v6 and kind == "MSS" else (kind, value) for kind, value in SYN_OPTIONS]
        if self.windows is not None:
            window = self.windows.window_field(conn, flags)
            options = self.windows.syn_options(self.windows.window_of(conn)) if flags & SYN else []
        segment = ip / sc.TCP(
            sport=local[1], dport=remote[1], flags=flags, seq=conn.snd_nxt, ack=conn.rcv_nxt, window=window, options=options
        )
        suffix = "synack" if flags & SYN else "fin" if flags & FIN else "ack"
        leg = self.sim.new_leg(f"{cause.id}.{suffix}", label, "tcp", cause, self.id)
        self.send_reply(leg, segment, time)

    def publish_sockets(self, time: float) -> None:
        rows = [(socket_text(*c.local), socket_text(*c.remote), c.state) for c in self.conns.values() if c.state != "CLOSED"]
        if self.syn_backlog is not None:  # ss -tan's first lines: the listening sockets
            rows = [*self.syn_backlog.listening(), *rows]
        if self.windows is not None:  # as ``ss -tin`` prints it: Recv-Q, what flow and congestion control keep
            wide = [self.windows.socket_row(row) for row in rows]
            self.publish(time, TableKind.SOCKETS, wide or None, (*TableKind.SOCKETS.columns, *self.windows.columns))
            return
        self.publish(time, TableKind.SOCKETS, rows or None)

    def app_read(self, nbytes: int | None, time: float) -> None:
        """A ``read`` action: the application drains its socket buffer, reopening the window."""
        if self.windows is not None:
            self.windows.read(time, nbytes)

    def refuse(self, arrival: Arrival) -> None:
        """A machine whose port is closed (``down: refused``) answers a SYN with RST, as its kernel would."""
        sc = layers()
        frame = sc.Ether(arrival.frame)
        if sc.TCP not in frame or not int(frame.getlayer(sc.TCP).flags) & SYN:
            return
        ip = frame.getlayer(sc.IP)
        tcp = frame.getlayer(sc.TCP)
        # A switch's flood copy (another host's MAC or address) is discarded by the NIC, not reset.
        if frame.dst.lower() != self.mac or ip is None or not self.net.has_address(self.id, ipaddress.ip_address(ip.dst)):
            return
        self.sim.end_leg(arrival.leg, Outcome.ANSWERED, "connection refused: answered with RST")
        rst = sc.IP(src=ip.dst, dst=ip.src, ttl=64) / sc.TCP(
            sport=tcp.dport, dport=tcp.sport, flags="RA", seq=0, ack=(tcp.seq + 1) & 0xFFFFFFFF, window=0
        )
        leg = self.sim.new_leg(f"{arrival.leg.id}.rst", "RST", "tcp", arrival.leg, self.id)
        self.send_reply(leg, rst, arrival.time)

    # -- ARP ---------------------------------------------------------------------------------------
    def resolve(self, address: IPAddress) -> str | None:
        """The MAC for ``address`` from the ARP cache; with preloaded caches, whoever owns it."""
        mac = self.arp_cache.get(str(address))
        if mac is None and self.sim.scene.arp == "preloaded":
            owner = self.net.owner_of(address)
            if owner is not None:
                mac = self.net.mac(owner)
        return mac

    def knows(self, address: str) -> bool:
        """Whether the cache has (or, with preloaded caches, would have) an entry for ``address``."""
        return address in self.arp_cache or (
            self.sim.scene.arp == "preloaded" and self.net.owner_of(ipaddress.ip_address(address)) is not None
        )

    def learn_arp(self, time: float, address: str, mac: str) -> None:
        if self.arp_cache.get(address) == mac:
            return
        self.arp_cache[address] = mac
        rows: list[tuple[str, str]] = sorted(self.arp_cache.items(), key=_ip_order)
        self.publish(time, TableKind.ARP, rows)

    def send_arp_request(self, address: IPAddress, neighbour: str, depart: float, cause: Leg) -> None:
        sc = layers()
        mine = self.net.address_facing(self.id, address) or ipaddress.ip_address("0.0.0.0")
        arp = sc.ARP(op=1, hwsrc=self.mac, psrc=str(mine), hwdst="00:00:00:00:00:00", pdst=str(address))
        leg = self.sim.new_leg(f"{cause.id}.arp", f"Who has {address}?", "arp", cause, self.id)
        self.sim.transmit(leg, self.id, neighbour, sc.Ether(src=self.mac, dst=BROADCAST_MAC) / arp, depart)

    def receive_arp(self, arrival: Arrival, arp: Any) -> None:
        """Learn the sender (as Linux does for requests aimed at it), answer requests for our address in
        ``arp: auto`` scenes, and release frames that were waiting for this answer."""
        sc = layers()
        t = arrival.time
        mine = {str(i.ip) for i in self.net.hosts[self.id].interfaces if not self.vrrp or self.vrrp.holds(str(i.ip))}
        if arp.pdst not in mine:
            # Gratuitous ARP (or any ARP) from an address already in the cache updates it, as Linux
            # does: how a virtual IP moves to the standby machine without anyone asking.
            if arp.psrc in self.arp_cache or (arp.psrc == arp.pdst and self.knows(arp.psrc)):
                changed = self.arp_cache.get(arp.psrc) != arp.hwsrc
                self.learn_arp(t, arp.psrc, arp.hwsrc)
                self.sim.end_leg(
                    arrival.leg,
                    Outcome.ABSORBED,
                    f"ARP cache {'updated' if changed else 'refreshed'}: {arp.psrc} is at {arp.hwsrc}",
                )
                if changed:
                    self.remark(t, f"{arp.psrc} → {arp.hwsrc}")
                return
            self.sim.end_leg(arrival.leg, Outcome.DISCARDED, f"ARP for {arp.pdst}: not this host's address, ignored")
            return
        self.learn_arp(t, arp.psrc, arp.hwsrc)
        self.sim.end_leg(arrival.leg, Outcome.DELIVERED, "delivered")
        if arp.op == 1 and self.sim.scene.arp == "auto":
            reply = sc.Ether(src=self.mac_for(arp.pdst), dst=arp.hwsrc) / sc.ARP(
                op=2, hwsrc=self.mac_for(arp.pdst), psrc=arp.pdst, hwdst=arp.hwsrc, pdst=arp.psrc
            )
            leg = self.sim.new_leg(f"{arrival.leg.id}.reply", f"ARP reply: {arp.pdst}", "arp", arrival.leg, self.id)
            self.sim.transmit(leg, self.id, arrival.a, reply, t + DWELL)
        for leg, packet, neighbour, changes in self.pending.pop(arp.psrc, []):
            frame = sc.Ether(src=self.mac, dst=arp.hwsrc) / packet
            self.sim.transmit(leg, self.id, neighbour, frame, t + DWELL, changes)

    # -- sending -----------------------------------------------------------------------------------
    def send_l3(self, leg: Leg, packet: Packet, next_hop: IPAddress, depart: float, changes: tuple[str, ...] = ()) -> None:
        """Frame ``packet`` (an IP packet) for ``next_hop`` and send it, resolving the MAC first if needed.

        Off-link next hops beyond an internet cloud go to the cloud itself: it stands for the ISP's
        routers, whose MAC a gateway knows from its uplink (no ARP is shown for it)."""
        sc = layers()
        cloud = self.uplink_cloud(next_hop)
        if cloud is not None:
            frame = sc.Ether(src=self.mac, dst=self.net.mac(cloud)) / packet
            self.sim.transmit(leg, self.id, self.sim.next_neighbour(leg, self.id, cloud) or cloud, frame, depart, changes)
            return
        target = self.net.owner_of(next_hop) or self.net.internet_route(next_hop)
        neighbour = self.sim.next_neighbour(leg, self.id, target)
        if neighbour is None:
            self.sim.end_leg(leg, Outcome.DROPPED, f"no link from {self.sim.names.get(self.id, self.id)} towards {next_hop}")
            return
        mac = self.resolve(next_hop)
        if mac is None:
            waiting = self.pending.setdefault(str(next_hop), [])
            waiting.append((leg, packet, neighbour, changes))
            if len(waiting) == 1:
                self.send_arp_request(next_hop, neighbour, depart, leg)
            return
        frame = sc.Ether(src=self.mac, dst=mac) / packet
        self.sim.transmit(leg, self.id, neighbour, frame, depart, changes)

    def uplink_cloud(self, next_hop: IPAddress) -> str | None:
        """The internet cloud this device hands an off-link next hop to, if it is wired to one."""
        if self.net.on_link(self.id, next_hop):
            return None
        return next((n for n in self.net.neighbours(self.id) if self.net.can(n, Capability.INTERNET)), None)

    def send_reply(self, leg: Leg, packet: Any, time: float) -> None:
        """Send a packet this device makes itself (RST, ICMP error, relayed message) towards its IP destination."""
        changes = self.local_out(leg, packet, time)
        if changes is None:
            return
        dst = ipaddress.ip_address(packet.dst)
        next_hop = dst if self.net.on_link(self.id, dst) else self.route_for(dst)
        if next_hop is None:
            self.sim.end_leg(leg, Outcome.DROPPED, f"no route from {self.sim.names.get(self.id, self.id)} to {dst}")
            return
        self.send_l3(leg, packet, next_hop, time + DWELL, changes)

    def local_out(self, leg: Leg, packet: Any, time: float) -> tuple[str, ...] | None:
        """OUTPUT and POSTROUTING for a packet this node makes (with ``firewall:``): what they changed,
        or None when OUTPUT dropped it (the leg has ended)."""
        if self.filter is None:
            return ()
        changes = self.filter.output(time, packet)
        if changes is None:
            self.sim.end_leg(leg, Outcome.DROPPED, "OUTPUT: dropped before it left")
            return None
        changes += self.filter.postrouting(time, packet, self.egress_address(ipaddress.ip_address(packet.dst)))
        return tuple(changes)

    def route_for(self, dst: IPAddress) -> IPAddress | None:
        """Where this device sends a packet for ``dst`` that is not on-link: its gateway (routers override).

        A host wired straight to an internet cloud (a server "out there") needs no gateway: the
        cloud stands for its ISP's router, so the packet goes there (see ``send_l3``)."""
        gateway = self.net.gateway_of(self.id, dst.version)
        if gateway is None and any(self.net.can(n, Capability.INTERNET) for n in self.net.neighbours(self.id)):
            return dst
        return gateway

    def forward(self, arrival: Arrival, ip: Any, flow: Flow, changes: Sequence[str] = ()) -> None:
        """Route ``ip`` on, in Linux's order: the routing decision (no route: ICMP unreachable), the
        TTL (time exceeded), the FORWARD chain, POSTROUTING (source NAT), a new MAC header."""
        sc = layers()
        t = arrival.time
        done = [*self.pre_changes, *changes]
        self.pre_changes = ()
        dst = ipaddress.ip_address(ip.dst)
        next_hop = self.route_for(dst)
        if next_hop is None:
            self.sim.end_leg(arrival.leg, Outcome.DROPPED, f"no route to {dst}: dropped, ICMP unreachable sent back")
            self.icmp_error(arrival, ip, icmp_type=3, code=0, label="ICMP net unreachable")
            return
        ttl_name = "ttl" if ip.version == 4 else "hlim"
        ttl = getattr(ip, ttl_name)
        if ttl <= 1:
            what = "TTL" if ip.version == 4 else "Hop limit"
            self.sim.end_leg(arrival.leg, Outcome.DROPPED, f"{what} {ttl} would reach 0: dropped, ICMP time exceeded sent back")
            self.remark(t, "TTL exceeded")
            self.icmp_error(arrival, ip, icmp_type=11, code=0, label="ICMP time exceeded")
            return
        setattr(ip, ttl_name, ttl - 1)
        if ip.version == 4:
            del ip.chksum  # as ip_decrease_ttl mends it: an ICMP error from FORWARD quotes a true header
        done.append(f"{'TTL' if ip.version == 4 else 'Hop limit'} {ttl} → {ttl - 1}")
        if self.filter is not None and not self.filter.allows(arrival, "FORWARD", ip, flow):
            return
        if self.nat is not None:
            done += self.nat.outbound(t, ip, next_hop)
        if self.filter is not None:
            done += self.filter.postrouting(t, ip, self.egress_address(dst))
        packet = ip.copy()  # the IP packet alone: send_l3 puts a new Ethernet header on it
        mac, towards = self.resolve(next_hop), f"next hop {next_hop}"
        cloud = self.uplink_cloud(next_hop)
        if cloud is not None:  # send_l3 frames it for the cloud (the ISP's router), not for next_hop itself
            mac, towards = self.net.mac(cloud), f"the ISP's router: {self.label_of(cloud)}"
        if mac is not None:
            done.append(f"MAC dst → {mac} ({towards}), src → {self.mac}")
        done.append("checksum recomputed")
        if sc.IP in packet:
            del packet.getlayer(sc.IP).chksum
        self.send_l3(arrival.leg, packet, next_hop, t + DWELL, tuple(done))

    def icmp_error(self, arrival: Arrival, ip: Any, icmp_type: int, code: int, label: str) -> None:
        """An ICMP error about ``ip``, built as Linux's ``icmp_send`` builds it.

        It quotes as much of the offending datagram as fits in 576 bytes (RFC 1812 4.3.2.3; RFC
        792's minimum is the header and 8 bytes), sets TOS to internetwork control (0xc0), no
        DF, and takes its source from where it leaves: the address the datagram was sent to
        when it was for this node, else the address of the interface the error goes out by.
        """
        sc = layers()
        if ip.version == 6:
            self.icmpv6_error(arrival, ip, icmp_type, code, label)
            return
        if sc.ICMP in ip and ip.getlayer(sc.ICMP).type not in (0, 8):
            return  # never answer an ICMP error with another
        sender = ipaddress.ip_address(ip.src)
        src = ipaddress.ip_address(ip.dst) if self.net.has_address(self.id, ipaddress.ip_address(ip.dst)) else None
        src = src or self.egress_address(sender)
        if src is None:
            return  # a device without an IPv4 address has nothing to send an ICMP error from
        quoted = bytes(ip)[:ICMP_QUOTE]
        reply = sc.IP(src=str(src), dst=ip.src, ttl=DEFAULT_TTL, id=self.ip_id(), tos=(ip.tos & 0x1E) | 0xC0) / sc.ICMP(
            type=icmp_type, code=code
        )
        reply = sc.IP(bytes(reply / sc.Raw(quoted)))  # dissected again: the quoted headers read as IPerror, UDPerror
        leg = self.sim.new_leg(f"{arrival.leg.id}.icmp", label, "icmp", arrival.leg, self.id)
        self.send_reply(leg, reply, arrival.time)

    def icmpv6_error(self, arrival: Arrival, ip: Any, icmp_type: int, code: int, label: str) -> None:
        """The ICMPv6 error Linux's ``icmp6_send`` sends where IPv4 would send ``icmp_type``/``code``
        (RFC 4443): destination unreachable (port 4, no route 0, prohibited 1, address 3) or time
        exceeded, quoting as much of the packet as fits in 1280 bytes, hop limit 64."""
        from scapy.layers.inet6 import ICMPv6DestUnreach, ICMPv6TimeExceeded, IPv6

        sc = layers()
        if any(getattr(layer, "type", 255) < 128 for layer in ip.iterpayloads() if layer.__class__.__name__.startswith("ICMPv6")):
            return  # never answer an ICMPv6 error (types below 128) with another
        sender = ipaddress.ip_address(ip.src)
        own = ipaddress.ip_address(ip.dst)
        src = own if self.net.has_address(self.id, own) else self.egress_address(sender)
        if src is None:
            return
        if icmp_type == 11:
            message: Any = ICMPv6TimeExceeded(code=0)
        else:
            message = ICMPv6DestUnreach(code={3: 4, 0: 0, 13: 1, 1: 3}.get(code, 1))
        quoted = bytes(ip)[:ICMPV6_QUOTE]
        reply = IPv6(bytes(IPv6(src=str(src), dst=ip.src, hlim=DEFAULT_TTL) / message / sc.Raw(quoted)))
        leg = self.sim.new_leg(f"{arrival.leg.id}.icmp", label.replace("ICMP", "ICMPv6"), "icmp", arrival.leg, self.id)
        self.send_reply(leg, reply, arrival.time)

    def egress_address(self, dst: IPAddress) -> IPAddress | None:
        """The address of the interface a packet for ``dst`` leaves by (the one facing its next hop),
        which Linux gives the packets it makes itself when nothing else chose a source."""
        next_hop = dst if self.net.on_link(self.id, dst) else self.route_for(dst)
        for interface in self.net.hosts[self.id].interfaces:
            if next_hop is not None and interface.version == dst.version and next_hop in interface.network:
                return interface.ip
        return self.net.address_facing(self.id, dst, dst.version)

    # -- originating -------------------------------------------------------------------------------
    def originate(self, send: Send, leg_id: str) -> None:
        """Put one authored send on the wire at ``send.at``."""
        sc = layers()
        route = self.sim.author_path(send)
        if send.frame is not None:
            data = bytes.fromhex("".join(c for c in send.frame if c not in " \t\r\n:"))
            leg = self.sim.new_leg(leg_id, send.label or summarize(sc.Ether(data)), protocol_of(send), None, self.id)
            self.sim.forced[leg.id] = route
            self.sim.recorded.add(leg.id)
            if send.drop_at:
                self.sim.drop_at[leg.id] = send.drop_at
            self.sim.transmit(leg, self.id, route[1], data, send.at)
            return
        given = {layer.name: dict(layer.fields) for layer in send.layers}
        stack = self.sim.build(send.layers)
        names = [layer.__class__.__name__ for layer in stack.iterpayloads()]
        if ("Ether" in names and len(names) == 1) or "ARP" in names:
            self._originate_arp(leg_id, send, stack, route, given.get("arp", {}))
            return
        if "VRRP" in names or "VRRPv3" in names:
            self._originate_vrrp(leg_id, send, stack, given)
            return
        packet = self.fill_ip(send, stack, given)
        leg = self.sim.new_leg(leg_id, send.label or summarize(packet), protocol_of(send), None, self.id)
        if send.path is not None or send.via:
            self.sim.forced[leg.id] = route
        if send.drop_at:
            self.sim.drop_at[leg.id] = send.drop_at
        dst = ipaddress.ip_address(packet.dst)
        next_hop = dst if self.net.on_link(self.id, dst) else self.route_for(dst)
        if next_hop is None:
            raise SimulationError(f"'{self.id}' has no route to {dst}: give it an address on that subnet or a 'gateway'")
        changes = self.local_out(leg, packet, send.at)
        if changes is None:
            return
        if packet.dst != str(dst):  # an OUTPUT DNAT sends it elsewhere
            dst = ipaddress.ip_address(packet.dst)
            next_hop = (dst if self.net.on_link(self.id, dst) else self.route_for(dst)) or next_hop
        self.send_l3(leg, packet, next_hop, send.at, changes)

    def _originate_arp(self, leg_id: str, send: Send, stack: Any, route: list[str], given: dict[str, Any]) -> None:
        sc = layers()
        to = send.to
        arp = stack.getlayer(sc.ARP)
        mine = self.net.address_of(self.id, to) or ipaddress.ip_address("0.0.0.0")
        theirs = self.net.address_of(to, self.id) or ipaddress.ip_address("0.0.0.0")
        request = arp.op == 1
        arp.psrc = given.get("psrc", str(mine))
        arp.hwsrc = given.get("hwsrc", self.mac_for(arp.psrc))
        arp.pdst = given.get("pdst", str(theirs))
        arp.hwdst = given.get("hwdst", "00:00:00:00:00:00" if request else self.net.mac(to))
        if sc.Ether not in stack:
            stack = sc.Ether() / stack
        ether = stack.getlayer(sc.Ether)
        ether_given = {} if send.layers[0].name != "ether" else send.layers[0].fields
        ether.src = ether_given.get("src", self.mac_for(arp.psrc))
        ether.dst = ether_given.get("dst", BROADCAST_MAC if request else self.net.mac(to))
        label = send.label or (f"Who has {arp.pdst}?" if request else f"ARP reply: {arp.psrc}")
        leg = self.sim.new_leg(leg_id, label, protocol_of(send), None, self.id)
        if send.path is not None or send.via:
            self.sim.forced[leg.id] = route
        self.sim.transmit(leg, self.id, route[1], stack, send.at)

    def _originate_vrrp(self, leg_id: str, send: Send, stack: Any, given: dict[str, Any]) -> None:
        """A VRRP advertisement: multicast on the local link (never routed), from the node's vrrp: settings."""
        if self.vrrp is None:
            raise SimulationError(f"'{self.id}' sends a VRRP advertisement but has no 'vrrp:' settings")
        sc = layers()
        if sc.Ether in stack:
            stack = stack.getlayer(sc.Ether).payload
        packet = self.vrrp.fill(stack, given)
        frame = sc.Ether(src=self.vrrp.source_mac(), dst=multicast_mac(packet.dst)) / packet
        label = send.label or f"VRRP advert, priority {packet.payload.priority}"
        leg = self.sim.new_leg(leg_id, label, protocol_of(send), None, self.id)
        self.vrrp.advertised(send.at, int(packet.payload.priority))
        neighbour = self.sim.next_neighbour(leg, self.id, send.to) or self.net.neighbours(self.id)[0]
        self.sim.transmit(leg, self.id, neighbour, frame, send.at)

    def fill_ip(self, send: Send, stack: Any, given: dict[str, dict[str, Any]]) -> Any:
        """Complete ``stack`` below its top layers: transport ports and numbers, then the IP header.

        scapy's ``/`` copies both operands, so each layer is looked up in the finished stack
        before it is filled in.
        """
        sc = layers()
        to = send.to
        app = _application(stack)
        if sc.Ether in stack:
            stack = stack.getlayer(sc.Ether).payload  # the stack frames it for the next hop itself
        error_to: IPAddress | None = None
        if stack.__class__ is sc.ICMP and sc.IP in stack:
            stack, error_to = self._quoting(to, stack)
            given = {name: fields for name, fields in given.items() if name not in ("ip", "udp", "tcp")}
        has_transport = sc.TCP in stack or sc.UDP in stack or sc.ICMP in stack
        has_ip = sc.IP in stack or sc.IPv6 in stack
        if self.dns is not None and app == "dns":
            stack = self.dns.fill(to, stack, given.get("dns", {}), send.at)
        if not has_transport and not has_ip:
            stack = (sc.UDP() if app in UDP_APPS else sc.TCP()) / stack
        version = 6 if sc.IPv6 in stack or (not self.node.ipv4 and self.node.ipv6) else 4
        if not has_ip:
            stack = (sc.IP() if version == 4 else sc.IPv6()) / stack
        ip_given = given.get("ip" if version == 4 else "ipv6", {})
        # An address the author gives wins over the one picked for ``to``: the connection is keyed
        # by it (two sites sharing 10.0.0.0/24 reach each other only at public addresses).
        remote = ipaddress.ip_address(ip_given["dst"]) if "dst" in ip_given else self.net.address_of(to, self.id, version)
        remote = error_to or remote
        if remote is None:
            raise SimulationError(f"'{to}' has no IPv{version} address to send to")
        # The sender needs an address too: None would reach scapy as the text "None", which it
        # takes for a host name and looks up in the real DNS (a scene must never touch the network).
        source = self.net.address_facing(self.id, remote, version)
        if source is None and "src" in ip_given:
            source = ipaddress.ip_address(ip_given["src"])
        if source is None:
            raise SimulationError(f"'{self.id}' has no IPv{version} address to send from: give it 'ipv{version}:'")
        local: IPAddress | None = None
        if sc.TCP in stack:
            remote, local = self._fill_tcp(to, stack.getlayer(sc.TCP), remote, app, given.get("tcp", {}), source)
        elif sc.UDP in stack:
            remote = self._fill_udp(to, stack.getlayer(sc.UDP), remote, app, given.get("udp", {}))
        if local is None and error_to is not None:
            local = self._error_source(stack, remote)
        if local is None:
            local = self.net.address_facing(self.id, remote, version) or source
        ip = stack.getlayer(sc.IP if version == 4 else sc.IPv6)
        ip.src = ip_given.get("src", str(local))
        ip.dst = ip_given.get("dst", str(remote))
        if version == 4 and error_to is not None:
            ip.tos = ip_given.get("tos", 0xC0)  # internetwork control, as icmp_send marks its errors
        if version == 4:
            ip.ttl = ip_given.get("ttl", DEFAULT_TTL)
            ip.id = ip_given.get("id", self.ip_id())
            # Linux sets DF on what its sockets send, TCP and UDP alike (PMTU discovery, IP_PMTUDISC_WANT;
            # checked: a UDP datagram left with DF, its ICMP port unreachable without); not on ICMP it answers,
            # nor on a name server's UDP: BIND and unbound turn PMTU discovery off (IP_PMTUDISC_OMIT).
            df = sc.TCP in stack or (sc.UDP in stack and (self.dns is None or app != "dns"))
            ip.flags = ip_given.get("flags", "DF" if df else 0)
        else:
            ip.hlim = ip_given.get("hlim", DEFAULT_TTL)
        return stack

    def _quoting(self, to: str, icmp: Any) -> tuple[Any, IPAddress]:
        """An authored ICMP error (``icmp`` then the ``ip`` and transport it quotes) as its bytes will
        read: the quoted headers become scapy's IPerror/UDPerror/TCPerror, and the error goes back
        to the quoted datagram's sender. Only errors quote a datagram; anything else is refused."""
        sc = layers()
        if int(icmp.type) not in ICMP_ERROR_TYPES:
            raise SimulationError(
                f"an ICMP message of type {icmp.type} quotes no datagram: only errors (dest-unreach,"
                " time-exceeded, parameter-problem, source-quench, redirect) are followed by 'ip'"
            )
        quoted = icmp.getlayer(sc.IP)
        if quoted.version != 4:
            raise SimulationError("an ICMP (IPv4) error quotes an IPv4 datagram: use icmpv6 for IPv6")
        sender = self.net.address_of(to, self.id)
        if "src" not in quoted.fields:
            if sender is None:
                raise SimulationError(f"'{to}' has no IPv4 address: give the quoted 'ip' a 'src'")
            quoted.src = str(sender)
        if "dst" not in quoted.fields:
            raise SimulationError("the datagram an ICMP error quotes needs its 'dst' (where it was going)")
        rebuilt = sc.ICMP(bytes(icmp))
        return rebuilt, ipaddress.ip_address(quoted.src)

    def _error_source(self, icmp: Any, remote: IPAddress) -> IPAddress | None:
        """Where Linux's icmp_send takes an error's source from: the address the quoted datagram was
        sent to if it is this node's own, else the interface the error leaves by."""
        quoted = icmp.payload
        try:
            original = ipaddress.ip_address(quoted.dst)
        except (AttributeError, ValueError):
            original = None
        if original is not None and self.net.has_address(self.id, original):
            return original
        return self.egress_address(remote)

    def _fill_tcp(
        self, to: str, tcp: Any, remote: IPAddress, app: str | None, given: dict[str, Any], source: IPAddress
    ) -> tuple[IPAddress, IPAddress]:
        """Fill ports, flags, seq/ack and window from the connection; its (remote, local) addresses.

        A segment on an existing connection leaves from the address the connection was opened
        on (a VIP that accepted it, say), whichever interface would face the peer. A new one
        opens from the address facing ``remote``, else from ``source`` (the one ``fill_ip``
        made sure the sender has)."""
        flags = flag_value(given["flags"]) if "flags" in given else None
        conn = None if flags is not None and flags & SYN and not flags & ACK else self.find_conn(to, given, remote.version)
        if conn is None:
            sport = given.get("sport", self.ephemeral_port())
            dport = given.get("dport", DEFAULT_PORTS.get(app or "", 80))
            local = self.net.address_facing(self.id, remote, remote.version) or source
            conn = Connection(local=(str(local), sport), remote=(str(remote), dport), authored=True)
            conn.peers.add(to)
            isn = given.get("seq", initial_sequence(self.id, conn.local, conn.remote))
            conn.iss = conn.snd_nxt = conn.snd_una = isn
            self.conns[conn.local, conn.remote] = conn
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
        if self.windows is not None:
            self.windows.fill(conn, tcp, given, flags, payload)
        return remote, ipaddress.ip_address(conn.local[0])

    def _fill_udp(self, to: str, udp: Any, remote: IPAddress, app: str | None, given: dict[str, Any]) -> IPAddress:
        flow = self.udp_flows.get(to)
        if flow is None:
            flow = (
                given.get("sport", self.ephemeral_port()),
                str(remote),
                given.get("dport", DEFAULT_PORTS.get(app or "", 9)),
            )
            self.udp_flows[to] = flow
        udp.sport = given.get("sport", flow[0])
        udp.dport = given.get("dport", flow[2])
        return ipaddress.ip_address(flow[1])

    def find_conn(self, to: str, given: dict[str, Any], version: int) -> Connection | None:
        """The connection a segment to ``to`` belongs to: the newest one talking to ``to`` over IP ``version``.

        A dual-stack pair can have a connection of each version; an IPv6 segment continuing the
        IPv4 one put IPv4 addresses in its IPv6 header (found by the fuzz test)."""
        candidates = [
            c
            for c in self.conns.values()
            if to in c.peers and c.state != "CLOSED" and ipaddress.ip_address(c.remote[0]).version == version
        ]
        if "sport" in given:
            candidates = [c for c in candidates if c.local[1] == given["sport"]] or candidates
        if "dport" in given:
            candidates = [c for c in candidates if c.remote[1] == given["dport"]] or candidates
        return candidates[-1] if candidates else None


def socket_text(address: str, port: int) -> str:
    """``address:port``, with an IPv6 address in brackets (RFC 3986) so its colons do not swallow the port."""
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def summarize(packet: Any) -> str:
    """A short label for a chip when the author gave none: Wireshark's Info column, shortened."""
    from animator.packets.summary import summary

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


def protocol_of(send: Send) -> str:
    """The chip colour of a send: what the author said, else the top layer of its packet."""
    if send.protocol != "data":
        return send.protocol
    if send.layers:
        from animator.packets import protocol_of as top_protocol

        top: str = top_protocol(send.layers)
        return top
    return "data"


def _conn_match(conn: Connection) -> tuple[int, tuple[int, int]]:
    """What an authored send must agree with to be on ``conn``: its IP version and its ports."""
    return (6 if ":" in conn.local[0] else 4), (conn.local[1], conn.remote[1])


def _segment_kind(send: Send | None) -> str | None:
    """What an authored TCP send will be: "syn", "fin", "ack" (no payload) or "data"; None for no send."""
    if send is None:
        return None
    names = [layer.name for layer in send.layers]
    tcp = next(layer for layer in send.layers if layer.name == "tcp")
    flags = flag_value(tcp.fields["flags"]) if "flags" in tcp.fields else None
    carries = names.index("tcp") < len(names) - 1
    if flags is not None and flags & SYN:
        return "syn"
    if flags is not None and flags & FIN:
        return "fin"
    return "data" if carries else "ack"


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
