"""What each kind of device does with a frame that reaches it.

Switches learn and flood; routers look up the longest matching prefix, decrement the TTL and
rewrite MACs; NAT gateways translate and remember; firewalls walk their chains; balancers pick a
backend; proxies end one connection and open another. Every change is recorded in the device's
own words, so the inspector can say what happened and why.
"""

from __future__ import annotations

import functools
import heapq
import ipaddress
import re
from collections.abc import Callable, Sequence
from typing import Any

from animator.engine.sim.core import DWELL, Arrival, SimulationError
from animator.engine.sim.endpoint import Endpoint
from animator.engine.sim.firewall import Flow, describe, first_match
from animator.engine.sim.journey import Journey, Leg, StepJourney
from animator.engine.sim.network import BROADCAST_MAC, ROUTING_KINDS, IPAddress
from animator.engine.sim.proxy import ProxyMixin
from animator.engine.sim.scapy_layers import layers
from animator.engine.sim.tcp import ACK, SYN
from animator.model.errors import SceneError, SceneLoadError
from animator.model.schema import DeviceSet, Layer, Scene, Send

PROXY_KINDS = frozenset({"proxy", "reverse-proxy"})


class Simulator(ProxyMixin, Endpoint):
    """Plays every real send of a scene through the devices, step by step, once."""

    def __init__(self, scene: Scene, hop_seconds: Callable[[str, str], float], build: Callable[[Sequence[Layer]], Any]) -> None:
        super().__init__(scene, hop_seconds)
        self.build = build
        self.mac_tables: dict[str, dict[str, str]] = {}
        #: NAT: (proto, inside ip, inside port) -> outside port, and (proto, outside port) -> inside.
        self.nat_out: dict[str, dict[tuple[int, str, int], int]] = {}
        self.nat_in: dict[str, dict[tuple[int, int], tuple[str, int]]] = {}
        #: Port forwards (DNAT) in use: (proto, client ip, client port) -> original destination.
        self.dnat: dict[str, dict[tuple[int, str, int], tuple[str, int]]] = {}
        self.conntrack: dict[str, dict[tuple[int, str, str, int | None, int | None], str]] = {}
        self.rule_hits: dict[str, list[int]] = {}
        self.lb_conns: dict[str, dict[tuple[str, int], str]] = {}
        self.lb_totals: dict[str, dict[str, int]] = {}
        self.lb_next: dict[str, int] = {}
        #: Devices the scene has failed or brought back (``device`` actions), by node.
        self.down_now: dict[str, str] = {}
        #: The step number and send put on the wire last: blamed for errors no leg leads back from.
        self._last_send: tuple[int, Send | None] = (0, None)

    # -- the run -----------------------------------------------------------------------------------
    def run(self) -> Journey:
        self.publish_configuration()
        for number, step in enumerate(self.scene.steps, start=1):
            self.step_number = number
            self.step = StepJourney()
            for action in step.actions:
                if isinstance(action, DeviceSet):
                    self.schedule(action.at, functools.partial(self.set_down, action.node, action.down, action.at))
            sends = sorted(
                ((a.at, i, a) for i, a in enumerate(step.actions, start=1) if isinstance(a, Send) and a.is_real),
                key=lambda item: (item[0], item[1]),
            )
            for at, index, send in sends:
                self.run_until(at)
                self._last_send = (number, send)
                try:
                    self.originate(number, index, send, self.build)
                except SimulationError as exc:
                    raise self._scene_error(number, send, exc) from None
            self.run_until(float("inf"))
            self.journey.steps.append(self.step)
        return self.journey

    def run_until(self, time: float) -> None:
        while self._queue and self._queue[0][0] <= time:
            _, _, event = heapq.heappop(self._queue)
            try:
                if isinstance(event, Arrival):
                    self.handle(event)
                else:
                    event()
            except SimulationError as exc:
                # A device met something the scene cannot do (a backend it cannot reach): blame the
                # send whose packet it was handling, so the author gets FILE:LINE:COL, not a traceback.
                number, send = self._send_of(event.leg.id if isinstance(event, Arrival) else None)
                raise self._scene_error(number, send, exc) from None

    def _send_of(self, leg_id: str | None) -> tuple[int, Send | None]:
        """The step number and authored send a leg descends from (leg ids start ``s<step>.<action>``)."""
        match = re.match(r"s(\d+)\.(\d+)", leg_id or "")
        if match:
            number, index = int(match.group(1)), int(match.group(2))
            if 0 < number <= len(self.scene.steps) and 0 < index <= len(self.scene.steps[number - 1].actions):
                action = self.scene.steps[number - 1].actions[index - 1]
                if isinstance(action, Send):
                    return number, action
        return self._last_send

    def _scene_error(self, number: int, send: Send | None, exc: SimulationError) -> SceneLoadError:
        mark = send.mark if send is not None else self.scene.mark
        return SceneLoadError([SceneError(self.scene.source, mark.line, mark.col, f"step {number}: {exc}")])

    def set_down(self, node: str, down: str, time: float) -> None:
        """A ``device`` action: the node fails or recovers; balancers see its health change."""
        self.down_now[node] = down
        self.badge(time, node, "DOWN" if down != "no" else "")
        self.remark(time, node, "fails" if down != "no" else "back up")
        for other in self.scene.nodes:
            balancer = other.balancer
            if balancer is not None and (node in balancer.backends or any(node in p.backends for p in balancer.pools)):
                self.publish_pool(time, other.id)

    def is_down(self, node: str) -> str:
        return self.down_now.get(node, self.net.hosts[node].node.down)

    def publish_configuration(self) -> None:
        for node in self.scene.nodes:
            if node.kind == "router" or (node.kind in ROUTING_KINDS and node.routes):
                rows = [(str(i.network), "on-link", str(i.ip)) for i in self.net.hosts[node.id].interfaces]
                rows += [(r.to if r.to != "default" else "0.0.0.0/0", r.via or "on-link", "") for r in node.routes]
                self.publish(0.0, node.id, "Routing table", ("Destination", "Next hop", "Interface"), rows)
            if node.firewall is not None:
                self.rule_hits[node.id] = [0] * len(node.firewall.rules)
                self.publish_rules(0.0, node.id, None)
            if node.balancer is not None and node.balancer.backends:
                self.publish_pool(0.0, node.id)
            if node.zone:
                rows = [(r.name, "A" if r.a else "AAAA", ", ".join(r.a or r.aaaa)) for r in node.zone]
                self.publish(0.0, node.id, "Zone", ("Name", "Type", "Address"), rows)

    # -- dispatch ----------------------------------------------------------------------------------
    def handle(self, arrival: Arrival) -> None:
        sc = layers()
        node = arrival.b
        if self.drop_at.get(arrival.leg.id) == node:
            self.end_leg(arrival.leg, "lost here (the scene drops it)", dropped=True)
            return
        if arrival.leg.id in self.recorded:
            ahead = self.next_neighbour(arrival.leg, node, None)
            if ahead is None:
                self.end_leg(arrival.leg, "delivered (recorded frame)")
            else:
                self.transmit(arrival.leg, node, ahead, arrival.frame, arrival.time + DWELL)
            return
        down = self.is_down(node)
        if down != "no":
            self.end_leg(arrival.leg, f"{self.names.get(node, node)} is down", dropped=True)
            if down == "refused":
                self.refuse(arrival)
            return
        frame = sc.Ether(arrival.frame)
        if self.net.kind(node) == "switch":
            self.switch(arrival, frame)
            return
        dst = frame.dst.lower()
        if dst != self.net.mac(node) and dst != BROADCAST_MAC and not int(dst[:2], 16) & 1:
            self.end_leg(arrival.leg, "not for me (another host's MAC): discarded")
            return
        if sc.ARP in frame:
            self.receive_arp(arrival, node, frame.getlayer(sc.ARP))
            return
        ip = frame.getlayer(sc.IP) if sc.IP in frame else frame.getlayer(sc.IPv6) if sc.IPv6 in frame else None
        if ip is None:
            self.end_leg(arrival.leg, "delivered")
            return
        self.ip_packet(arrival, node, ip)

    # -- Layer 2 -----------------------------------------------------------------------------------
    def switch(self, arrival: Arrival, frame: Any) -> None:
        """Learn the source MAC on the ingress port; forward to the known port or flood the others."""
        t = arrival.time
        node = arrival.b
        table = self.mac_tables.setdefault(node, {})
        src, dst = frame.src.lower(), frame.dst.lower()
        changes: list[str] = []
        if table.get(src) != arrival.a:
            table[src] = arrival.a
            changes.append(f"learned {src} on port to {self._label(arrival.a)}")
            rows = [(mac, self._label(port)) for mac, port in table.items()]
            self.publish(t, node, "MAC table", ("MAC address", "Port"), rows)
        forced = self.next_neighbour(arrival.leg, node, None) if arrival.leg.id in self.forced else None
        known = table.get(dst)
        if forced is not None:
            self.transmit(arrival.leg, node, forced, arrival.frame, t + DWELL, tuple(changes))
            return
        if known is not None and dst != BROADCAST_MAC:
            if known == arrival.a:
                self.end_leg(arrival.leg, "filtered: the destination is on the port it came from")
                return
            changes.append(f"{dst} is known on port to {self._label(known)}: forwarded")
            self.transmit(arrival.leg, node, known, arrival.frame, t + DWELL, tuple(changes))
            return
        ports = [n for n in self.net.neighbours(node) if n != arrival.a]
        # The packet itself carries on towards its real destination; the other ports get copies.
        owner = self.net.by_mac.get(dst)
        ahead = self.net.towards(node, owner) if owner is not None else None
        if ahead in ports:
            ports.remove(ahead)
            ports.insert(0, ahead)
        why = "broadcast" if dst == BROADCAST_MAC else f"{dst} unknown"
        changes.append(f"{why}: flooded to {len(ports)} port{'s' if len(ports) != 1 else ''}")
        if not ports:
            self.end_leg(arrival.leg, "flooded to no other port")
            return
        self.remark(t, node, f"flood ({why})")
        for i, port in enumerate(ports):
            leg = (
                arrival.leg
                if i == 0
                else self.new_leg(
                    f"{arrival.leg.id}.f",
                    arrival.leg.label,
                    arrival.leg.protocol,
                    arrival.leg,
                    self.origin.get(arrival.leg.id, node),
                )
            )
            if i and arrival.leg.id in self.drop_at:
                self.drop_at[leg.id] = self.drop_at[arrival.leg.id]
            self.transmit(leg, node, port, arrival.frame, t + DWELL, tuple(changes))

    # -- Layer 3 -----------------------------------------------------------------------------------
    def ip_packet(self, arrival: Arrival, node: str, ip: Any) -> None:
        kind = self.net.kind(node)
        dst = ipaddress.ip_address(ip.dst)
        config = self.net.hosts[node].node
        flow = _flow(ip)
        mine = self.net.has_address(node, dst)
        # PREROUTING: port forwards, and replies to translated connections, are rewritten first.
        if (kind == "nat" or config.nat is not None) and self.nat_inbound(arrival, node, ip, flow):
            return
        if mine and config.balancer is not None and kind == "load-balancer" and not config.balancer.pools:
            self.balance_l4(arrival, node, ip, flow)
            return
        if mine:
            if config.firewall is not None and not self.filter(arrival, node, "INPUT", ip, flow):
                return
            if kind in PROXY_KINDS or (config.balancer is not None and config.balancer.pools):
                self.proxy_receive(arrival, node, ip)
                return
            self.local_delivery(arrival, node, ip)
            return
        if kind in ROUTING_KINDS and self.lb_reply(arrival, node, ip, flow):
            return
        if kind not in ROUTING_KINDS:
            self.end_leg(arrival.leg, f"not for me ({ip.dst}): a host does not forward", dropped=True)
            return
        self.forward(arrival, node, ip, flow)

    def local_delivery(self, arrival: Arrival, node: str, ip: Any) -> None:
        sc = layers()
        if sc.TCP in ip:
            self.receive_tcp(arrival, node, ip, ip.getlayer(sc.TCP))
        elif sc.UDP in ip:
            self.receive_udp(arrival, node, ip, ip.getlayer(sc.UDP))
        else:
            self.end_leg(arrival.leg, "delivered")

    def forward(self, arrival: Arrival, node: str, ip: Any, flow: Flow, changes: Sequence[str] = ()) -> None:
        """Route ``ip`` on: FORWARD chain, TTL, longest-prefix match, source NAT, new MAC header."""
        sc = layers()
        t = arrival.time
        config = self.net.hosts[node].node
        done = list(changes)
        if config.firewall is not None and not self.filter(arrival, node, "FORWARD", ip, flow):
            return
        ttl_name = "ttl" if ip.version == 4 else "hlim"
        ttl = getattr(ip, ttl_name)
        if ttl <= 1:
            self.end_leg(arrival.leg, f"TTL {ttl} would reach 0: dropped, ICMP time exceeded sent back", dropped=True)
            self.remark(t, node, "TTL exceeded")
            self.icmp_error(arrival, node, ip, icmp_type=11, code=0, label="ICMP time exceeded")
            return
        setattr(ip, ttl_name, ttl - 1)
        done.append(f"{'TTL' if ip.version == 4 else 'Hop limit'} {ttl} → {ttl - 1}")
        dst = ipaddress.ip_address(ip.dst)
        next_hop = self.route_for(node, dst)
        if next_hop is None:
            self.end_leg(arrival.leg, f"no route to {dst}: dropped, ICMP unreachable sent back", dropped=True)
            self.icmp_error(arrival, node, ip, icmp_type=3, code=0, label="ICMP net unreachable")
            return
        if self.net.kind(node) == "nat" or config.nat is not None:
            done += self.nat_outbound(t, node, ip, next_hop)
        packet = ip.copy()  # the IP packet alone: send_l3 puts a new Ethernet header on it
        mac, towards = self.resolve(node, next_hop), f"next hop {next_hop}"
        cloud = self._uplink_cloud(node, next_hop)
        if cloud is not None:  # send_l3 frames it for the cloud (the ISP's router), not for next_hop itself
            mac, towards = self.net.mac(cloud), f"the ISP's router: {self._label(cloud)}"
        if mac is not None:
            done.append(f"MAC dst → {mac} ({towards}), src → {self.net.mac(node)}")
        done.append("checksum recomputed")
        if sc.IP in packet:
            del packet.getlayer(sc.IP).chksum
        self.send_l3(arrival.leg, node, packet, next_hop, t + DWELL, tuple(done))

    def route_for(self, node: str, dst: IPAddress) -> IPAddress | None:
        """Longest-prefix match over the connected networks and the node's routes (hosts: gateway)."""
        kind = self.net.kind(node)
        config = self.net.hosts[node].node
        if kind not in ROUTING_KINDS:
            return super().route_for(node, dst)
        best: tuple[int, IPAddress | None] | None = None
        for interface in self.net.hosts[node].interfaces:
            if interface.version == dst.version and dst in interface.network:
                candidate = (interface.network.prefixlen, dst)
                best = candidate if best is None or candidate[0] > best[0] else best
        for route in config.routes:
            network = ipaddress.ip_network("0.0.0.0/0" if route.to == "default" else route.to, strict=False)
            if network.version == dst.version and dst in network:
                via = ipaddress.ip_address(route.via) if route.via else dst
                if best is None or network.prefixlen > best[0]:
                    best = (network.prefixlen, via)
        if best is not None:
            return best[1]
        if kind in ("internet", "cloud") or any(self.net.kind(n) in ("internet", "cloud") for n in self.net.neighbours(node)):
            return dst  # the internet reaches everything; a gateway beside it defaults to it
        return None

    def send_l3(
        self, leg: Leg, node: str, packet: Any, next_hop: IPAddress, depart: float, changes: tuple[str, ...] = ()
    ) -> None:
        """Off-link next hops beyond an internet cloud go to the cloud itself: it stands for the ISP's
        routers, whose MAC a gateway knows from its uplink (no ARP is shown for it)."""
        cloud = self._uplink_cloud(node, next_hop)
        if cloud is not None:
            sc = layers()
            frame = sc.Ether(src=self.net.mac(node), dst=self.net.mac(cloud)) / packet
            self.transmit(leg, node, self.next_neighbour(leg, node, cloud) or cloud, frame, depart, changes)
            return
        super().send_l3(leg, node, packet, next_hop, depart, changes)

    def _uplink_cloud(self, node: str, next_hop: IPAddress) -> str | None:
        """The internet cloud ``node`` hands an off-link next hop to, if it is wired to one."""
        if self.net.on_link(node, next_hop):
            return None
        return next((n for n in self.net.neighbours(node) if self.net.kind(n) in ("internet", "cloud")), None)

    def icmp_error(self, arrival: Arrival, node: str, ip: Any, icmp_type: int, code: int, label: str) -> None:
        """RFC 792: quote the offending IP header and the first 8 bytes of its payload."""
        sc = layers()
        if ip.version != 4 or (sc.ICMP in ip and ip.getlayer(sc.ICMP).type not in (0, 8)):
            return  # never answer an ICMP error with another
        src = self.net.address_facing(node, ipaddress.ip_address(ip.src))
        if src is None:
            return  # a device without an IPv4 address has nothing to send an ICMP error from
        quoted = bytes(ip)[: ip.ihl * 4 + 8]
        reply = sc.IP(src=str(src), dst=ip.src, ttl=64, id=self.ip_id(node)) / sc.ICMP(type=icmp_type, code=code) / sc.Raw(quoted)
        leg = self.new_leg(f"{arrival.leg.id}.icmp", label, "icmp", arrival.leg, node)
        self.send_reply(leg, node, reply, arrival.time)

    # -- firewall ------------------------------------------------------------------------------------
    def filter(self, arrival: Arrival, node: str, chain: str, ip: Any, flow: Flow) -> bool:
        """Walk ``chain``; True if the packet may go on. Conntrack makes replies ESTABLISHED."""
        sc = layers()
        firewall = self.net.hosts[node].node.firewall
        assert firewall is not None
        t = arrival.time
        track = self.conntrack.setdefault(node, {})
        key = (flow.proto, flow.src, flow.dst, flow.sport, flow.dport)
        reverse = (flow.proto, flow.dst, flow.src, flow.dport, flow.sport)
        state = "ESTABLISHED" if key in track or reverse in track else "NEW"
        found = first_match(firewall, chain, flow, state)
        if found is None:
            policy = firewall.input_policy if chain == "INPUT" else firewall.forward_policy if chain == "FORWARD" else "ACCEPT"
            verdict, number, text = policy, None, f"{chain} policy {policy}"
        else:
            number, rule = found
            verdict = rule.action if rule.action in ("ACCEPT", "DROP", "REJECT") else "ACCEPT"
            text = f"{chain} rule {number} ({describe(rule)}): {rule.action}"
            index = [i for i, r in enumerate(firewall.rules) if r.chain == chain][number - 1]
            self.rule_hits[node][index] += 1
            self.publish_rules(t, node, index)
        if verdict == "ACCEPT":
            if key not in track and reverse not in track:
                track[key] = "NEW"
                self.publish(
                    t,
                    node,
                    "Conntrack",
                    ("Flow", "State"),
                    [(_flow_text(k), "ESTABLISHED" if i < len(track) - 1 else "NEW") for i, k in enumerate(track)],
                )
            elif reverse in track and track[reverse] == "NEW":
                track[reverse] = "ESTABLISHED"
                self.publish(t, node, "Conntrack", ("Flow", "State"), [(_flow_text(k), v) for k, v in track.items()])
            if found is not None:
                self.remark(t, node, text)
            return True
        self.remark(t, node, text)
        if verdict == "DROP":
            self.end_leg(arrival.leg, f"{text}: silently discarded", dropped=True)
            return False
        self.end_leg(arrival.leg, f"{text}: discarded and refused", dropped=True)
        if sc.TCP in ip:
            tcp = ip.getlayer(sc.TCP)
            # RFC 9293 reset generation, as iptables' tcp-reset builds it: window 0; a segment that
            # carries an ACK is answered with RST seq=its ack, anything else with RST/ACK seq 0.
            acked = bool(int(tcp.flags) & ACK)
            rst = sc.IP(src=ip.dst, dst=ip.src, ttl=64) / sc.TCP(
                sport=tcp.dport,
                dport=tcp.sport,
                flags="R" if acked else "RA",
                seq=tcp.ack if acked else 0,
                ack=0 if acked else (tcp.seq + len(tcp.payload) + bool(int(tcp.flags) & SYN)) & 0xFFFFFFFF,
                window=0,
            )
            leg = self.new_leg(f"{arrival.leg.id}.rst", "RST (rejected)", "tcp", arrival.leg, node)
            self.send_reply(leg, node, rst, t)
        else:
            self.icmp_error(arrival, node, ip, icmp_type=3, code=3 if sc.UDP in ip else 13, label="ICMP port unreachable")
        return False

    def publish_rules(self, time: float, node: str, matched: int | None) -> None:
        firewall = self.net.hosts[node].node.firewall
        assert firewall is not None
        rows = []
        numbers: dict[str, int] = {}
        for i, rule in enumerate(firewall.rules):
            numbers[rule.chain] = numbers.get(rule.chain, 0) + 1
            marker = "▶ " if i == matched else ""
            target = f" to {rule.to}" if rule.to else ""
            rows.append(
                (
                    f"{marker}{rule.chain} {numbers[rule.chain]}",
                    describe(rule),
                    rule.action + target,
                    str(self.rule_hits[node][i]),
                )
            )
        self.publish(time, node, "Firewall", ("Rule", "Match", "Action", "Pkts"), rows)

    # -- NAT -----------------------------------------------------------------------------------------
    def outside_address(self, node: str) -> str | None:
        config = self.net.hosts[node].node
        if config.nat is not None and config.nat.outside is not None:
            return config.nat.outside
        v4 = [i for i in self.net.hosts[node].interfaces if i.version == 4]
        return str(v4[-1].ip) if v4 else None

    def nat_outbound(self, time: float, node: str, ip: Any, next_hop: IPAddress) -> list[str]:
        """Masquerade: a packet leaving through the outside address takes that address (and a free port)."""
        sc = layers()
        outside = self.outside_address(node)
        if outside is None or ip.version != 4 or ip.src == outside:
            return []
        outside_net = next(i.network for i in self.net.hosts[node].interfaces if str(i.ip) == outside)
        inside = [i.network for i in self.net.hosts[node].interfaces if str(i.ip) != outside and i.version == 4]
        src = ipaddress.ip_address(ip.src)
        if not any(src in n for n in inside) or (any(next_hop in n for n in inside) and next_hop not in outside_net):
            return []
        transport = ip.getlayer(sc.TCP) if sc.TCP in ip else ip.getlayer(sc.UDP) if sc.UDP in ip else None
        proto = ip.proto
        # Replies on a port-forwarded connection go back out from the address the client used.
        if transport is not None:
            forwarded = [
                k for k, v in self.dnat.get(node, {}).items() if k[0] == proto and k[1] == ip.dst and k[2] == transport.dport
            ]
            if forwarded and self.dnat[node][forwarded[0]][0] == outside:
                old = f"{ip.src}:{transport.sport}"
                ip.src = outside
                transport.sport = self.dnat[node][forwarded[0]][1]
                return [f"un-DNAT reply {old} → {outside}:{transport.sport}"]
        out_table = self.nat_out.setdefault(node, {})
        in_table = self.nat_in.setdefault(node, {})
        old = f"{ip.src}:{transport.sport}" if transport is not None else ip.src
        if transport is None:
            ip.src = outside
            return [f"SNAT {old} → {outside}"]
        key = (proto, ip.src, transport.sport)
        port = out_table.get(key)
        if port is None:
            config = self.net.hosts[node].node
            first = config.nat.first_port if config.nat is not None and config.nat.first_port else None
            port = transport.sport if first is None else first
            while (proto, port) in in_table:
                port += 1
            out_table[key] = port
            in_table[proto, port] = (ip.src, transport.sport)
            self.publish_nat(time, node)
            self.remark(time, node, f"new mapping {old} → {outside}:{port}")
        ip.src = outside
        transport.sport = port
        del transport.chksum
        return [f"SNAT {old} → {outside}:{port}"]

    def nat_inbound(self, arrival: Arrival, node: str, ip: Any, flow: Flow) -> bool:
        """Reverse translation and port forwards; True when the packet was dealt with here."""
        sc = layers()
        outside = self.outside_address(node)
        if ip.dst != outside or flow.dport is None:
            return False
        transport = ip.getlayer(sc.TCP) if sc.TCP in ip else ip.getlayer(sc.UDP)
        inside = self.nat_in.get(node, {}).get((ip.proto, flow.dport))
        if inside is not None:
            old = f"{ip.dst}:{transport.dport}"
            ip.dst, transport.dport = inside
            del transport.chksum
            self.forward(arrival, node, ip, _flow(ip), (f"reverse NAT {old} → {inside[0]}:{inside[1]}",))
            return True
        config = self.net.hosts[node].node
        for rule in config.nat.forward if config.nat is not None else ():
            if rule.port == flow.dport and {"tcp": 6, "udp": 17}[rule.proto] == ip.proto:
                from animator.model.schema import parse_endpoint

                parsed = parse_endpoint(rule.to)
                assert parsed is not None
                host, port = parsed[0], parsed[1] or flow.dport
                self.dnat.setdefault(node, {})[ip.proto, ip.src, transport.sport] = (ip.dst, transport.dport)
                old = f"{ip.dst}:{transport.dport}"
                ip.dst, transport.dport = host, port
                del transport.chksum
                self.remark(arrival.time, node, f"port forward {flow.dport} → {host}:{port}")
                self.forward(arrival, node, ip, _flow(ip), (f"DNAT {old} → {host}:{port}",))
                return True
        if ip.dst == outside and self.net.kind(node) == "nat" and config.firewall is None:
            self.end_leg(arrival.leg, f"no NAT mapping for port {flow.dport}: dropped", dropped=True)
            self.remark(arrival.time, node, f"no mapping for :{flow.dport}: dropped")
            return True
        return False

    def publish_nat(self, time: float, node: str) -> None:
        outside = self.outside_address(node)
        names = {6: "tcp", 17: "udp", 1: "icmp"}
        rows = [
            (names.get(p, str(p)), f"{src}:{sport}", f"{outside}:{port}") for (p, src, sport), port in self.nat_out[node].items()
        ]
        self.publish(time, node, "NAT table", ("Proto", "Inside", "Outside"), rows)

    # -- L4 load balancing ---------------------------------------------------------------------------
    def balance_l4(self, arrival: Arrival, node: str, ip: Any, flow: Flow) -> None:
        """Rewrite the VIP to a backend, the same backend for every packet of one connection."""
        sc = layers()
        balancer = self.net.hosts[node].node.balancer
        assert balancer is not None
        if (sc.TCP not in ip and sc.UDP not in ip) or flow.dport != balancer.port:
            self.local_delivery(arrival, node, ip)
            return
        transport = ip.getlayer(sc.TCP) if sc.TCP in ip else ip.getlayer(sc.UDP)
        conns = self.lb_conns.setdefault(node, {})
        client = (ip.src, transport.sport)
        backend = conns.get(client)
        why = "same connection"
        if backend is None:
            backend, why = self.choose_backend(node, balancer.backends, client)
            conns[client] = backend
            totals = self.lb_totals.setdefault(node, {})
            totals[backend] = totals.get(backend, 0) + 1
            self.publish_pool(arrival.time, node)
            self.remark(arrival.time, node, f"→ {self._label(backend)} ({why})")
        target = self.net.address_of(backend, node)
        if target is None:
            raise SimulationError(f"load balancer '{node}' cannot forward to its backend '{backend}': give it an 'ipv4:' address")
        old = f"{ip.dst}:{transport.dport}"
        ip.dst = str(target)
        transport.dport = balancer.backend_port or balancer.port
        del transport.chksum
        self.forward(arrival, node, ip, _flow(ip), (f"DNAT {old} → {ip.dst}:{transport.dport} ({why})",))

    def lb_reply(self, arrival: Arrival, node: str, ip: Any, flow: Flow) -> bool:
        """Replies from a backend leave with the VIP as their source, or the client would not know them."""
        sc = layers()
        balancer = self.net.hosts[node].node.balancer
        if balancer is None or balancer.pools or (sc.TCP not in ip and sc.UDP not in ip):
            return False
        transport = ip.getlayer(sc.TCP) if sc.TCP in ip else ip.getlayer(sc.UDP)
        backend = self.lb_conns.get(node, {}).get((ip.dst, transport.dport))
        if backend is None or self.net.owner_of(ipaddress.ip_address(ip.src)) != backend:
            return False
        vip = balancer.vip or str(self.net.hosts[node].node.ipv4[0].split("/")[0])
        old = f"{ip.src}:{transport.sport}"
        ip.src = vip
        transport.sport = balancer.port
        del transport.chksum
        self.forward(arrival, node, ip, _flow(ip), (f"SNAT reply {old} → {vip}:{balancer.port}",))
        return True

    def choose_backend(self, node: str, backends: Sequence[str], client: tuple[str, int]) -> tuple[str, str]:
        balancer = self.net.hosts[node].node.balancer
        assert balancer is not None
        live = [b for b in backends if self.is_down(b) == "no"] or list(backends)
        if balancer.algorithm == "hash":
            from animator.engine.sim.tcp import initial_sequence

            chosen = live[initial_sequence(*client) % len(live)]
            return chosen, f"hash of {client[0]}:{client[1]}"
        if balancer.algorithm == "source":
            from animator.engine.sim.tcp import initial_sequence

            chosen = live[initial_sequence(client[0]) % len(live)]
            return chosen, f"hash of {client[0]} (sticky)"
        if balancer.algorithm == "least-connections":
            active = {b: sum(1 for v in self.lb_conns.get(node, {}).values() if v == b) for b in live}
            chosen = min(live, key=lambda b: (active[b], live.index(b)))
            return chosen, f"least connections ({active[chosen]})"
        index = self.lb_next.get(node, 0)
        self.lb_next[node] = index + 1
        return live[index % len(live)], "round robin"

    def publish_pool(self, time: float, node: str) -> None:
        balancer = self.net.hosts[node].node.balancer
        assert balancer is not None
        totals = self.lb_totals.get(node, {})
        backends = list(balancer.backends) + [b for p in balancer.pools for b in p.backends if b not in balancer.backends]
        rows = [(self._label(b), "down" if self.is_down(b) != "no" else "up", str(totals.get(b, 0))) for b in backends]
        counted = "Requests" if balancer.pools or self.net.kind(node) == "reverse-proxy" else "Conns"
        self.publish(time, node, "Pool", ("Backend", "Health", counted), rows)

    # -- helpers -------------------------------------------------------------------------------------
    def _label(self, node: str) -> str:
        return self.net.hosts[node].node.display_label

    def refuse(self, arrival: Arrival) -> None:
        """A machine whose port is closed (``down: refused``) answers a SYN with RST, as its kernel would."""
        sc = layers()
        frame = sc.Ether(arrival.frame)
        if sc.TCP not in frame or not int(frame.getlayer(sc.TCP).flags) & SYN:
            return
        ip = frame.getlayer(sc.IP)
        tcp = frame.getlayer(sc.TCP)
        node = arrival.b
        # A switch's flood copy (another host's MAC or address) is discarded by the NIC, not reset.
        if frame.dst.lower() != self.net.mac(node) or ip is None or not self.net.has_address(node, ipaddress.ip_address(ip.dst)):
            return
        arrival.leg.dropped = False
        arrival.leg.fate = "connection refused: answered with RST"
        rst = sc.IP(src=ip.dst, dst=ip.src, ttl=64) / sc.TCP(
            sport=tcp.dport, dport=tcp.sport, flags="RA", seq=0, ack=(tcp.seq + 1) & 0xFFFFFFFF, window=0
        )
        leg = self.new_leg(f"{arrival.leg.id}.rst", "RST", "tcp", arrival.leg, node)
        self.send_reply(leg, node, rst, arrival.time)


def _flow(ip: Any) -> Flow:
    sc = layers()
    transport = ip.getlayer(sc.TCP) if sc.TCP in ip else ip.getlayer(sc.UDP) if sc.UDP in ip else None
    proto = ip.proto if ip.version == 4 else ip.nh
    if transport is None:
        return Flow(proto, ip.src, ip.dst, None, None)
    return Flow(proto, ip.src, ip.dst, transport.sport, transport.dport)


def _flow_text(key: tuple[int, str, str, int | None, int | None]) -> str:
    return Flow(*key).text()
