"""Network address translation: masquerade behind the outside address, and port forwards (DNAT).

A ``nat`` device always translates; any other node does when it has ``nat:``. The mappings live
here, with the device that made them.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from animator.engine.sim.core import Arrival
from animator.engine.sim.frames import flow_of, transport_of
from animator.engine.sim.journey import Outcome
from animator.engine.sim.network import IPAddress
from animator.engine.sim.rules import Flow
from animator.model.kinds import TableKind
from animator.model.schema import Nat as NatConfig
from animator.model.schema import parse_endpoint

if TYPE_CHECKING:
    from animator.engine.sim.devices.stack import Stack

_PROTO_NAMES = {6: "tcp", 17: "udp", 1: "icmp"}


class Nat:
    """One device's translations: (proto, inside ip, inside port) ⇄ outside port, and forwards in use."""

    def __init__(self, device: Stack, config: NatConfig | None) -> None:
        self.device = device
        self.config = config
        self.outbound_map: dict[tuple[int, str, int], int] = {}
        self.inbound_map: dict[tuple[int, int], tuple[str, int]] = {}
        #: Port forwards in use: (proto, client ip, client port) -> the destination the client used.
        self.forwarded: dict[tuple[int, str, int], tuple[str, int]] = {}

    @property
    def drops_unmapped(self) -> bool:
        """A NAT gateway without a firewall drops what arrives at its outside address unasked."""
        return self.device.always_nat and self.device.node.firewall is None

    def outside_address(self) -> str | None:
        if self.config is not None and self.config.outside is not None:
            return self.config.outside
        v4 = [i for i in self.device.net.hosts[self.device.id].interfaces if i.version == 4]
        return str(v4[-1].ip) if v4 else None

    def outbound(self, time: float, ip: Any, next_hop: IPAddress) -> list[str]:
        """Masquerade: a packet leaving through the outside address takes that address (and a free port)."""
        device = self.device
        interfaces = device.net.hosts[device.id].interfaces
        outside = self.outside_address()
        if outside is None or ip.version != 4 or ip.src == outside:
            return []
        outside_net = next(i.network for i in interfaces if str(i.ip) == outside)
        inside = [i.network for i in interfaces if str(i.ip) != outside and i.version == 4]
        src = ipaddress.ip_address(ip.src)
        if not any(src in n for n in inside) or (any(next_hop in n for n in inside) and next_hop not in outside_net):
            return []
        transport = transport_of(ip)
        proto = ip.proto
        # Replies on a port-forwarded connection go back out from the address the client used.
        if transport is not None:
            forwarded = [k for k in self.forwarded if k[0] == proto and k[1] == ip.dst and k[2] == transport.dport]
            if forwarded and self.forwarded[forwarded[0]][0] == outside:
                old = f"{ip.src}:{transport.sport}"
                ip.src = outside
                transport.sport = self.forwarded[forwarded[0]][1]
                return [f"un-DNAT reply {old} → {outside}:{transport.sport}"]
        old = f"{ip.src}:{transport.sport}" if transport is not None else ip.src
        if transport is None:
            ip.src = outside
            return [f"SNAT {old} → {outside}"]
        key = (proto, ip.src, transport.sport)
        port = self.outbound_map.get(key)
        if port is None:
            first = self.config.first_port if self.config is not None and self.config.first_port else None
            port = transport.sport if first is None else first
            while (proto, port) in self.inbound_map:
                port += 1
            self.outbound_map[key] = port
            self.inbound_map[proto, port] = (ip.src, transport.sport)
            self.publish(time)
            device.remark(time, f"new mapping {old} → {outside}:{port}")
        ip.src = outside
        transport.sport = port
        del transport.chksum
        return [f"SNAT {old} → {outside}:{port}"]

    def inbound(self, arrival: Arrival, ip: Any, flow: Flow) -> bool:
        """Reverse translation and port forwards; True when the packet was dealt with here."""
        device = self.device
        outside = self.outside_address()
        if ip.dst != outside or flow.dport is None:
            return False
        transport = transport_of(ip)
        assert transport is not None  # the flow's destination port came from it
        inside = self.inbound_map.get((ip.proto, flow.dport))
        if inside is not None:
            old = f"{ip.dst}:{transport.dport}"
            ip.dst, transport.dport = inside
            del transport.chksum
            device.forward(arrival, ip, flow_of(ip), (f"reverse NAT {old} → {inside[0]}:{inside[1]}",))
            return True
        for rule in self.config.forward if self.config is not None else ():
            if rule.port == flow.dport and {"tcp": 6, "udp": 17}[rule.proto] == ip.proto:
                parsed = parse_endpoint(rule.to)
                assert parsed is not None
                host, port = parsed[0], parsed[1] or flow.dport
                self.forwarded[ip.proto, ip.src, transport.sport] = (ip.dst, transport.dport)
                old = f"{ip.dst}:{transport.dport}"
                ip.dst, transport.dport = host, port
                del transport.chksum
                device.remark(arrival.time, f"port forward {flow.dport} → {host}:{port}")
                device.forward(arrival, ip, flow_of(ip), (f"DNAT {old} → {host}:{port}",))
                return True
        if self.drops_unmapped:
            device.sim.end_leg(arrival.leg, Outcome.DROPPED, f"no NAT mapping for port {flow.dport}: dropped")
            device.remark(arrival.time, f"no mapping for :{flow.dport}: dropped")
            return True
        return False

    def publish(self, time: float) -> None:
        outside = self.outside_address()
        rows = [
            (_PROTO_NAMES.get(p, str(p)), f"{src}:{sport}", f"{outside}:{port}")
            for (p, src, sport), port in self.outbound_map.items()
        ]
        self.device.publish(time, TableKind.NAT, rows)
