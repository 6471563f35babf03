"""IP routers: longest-prefix match, TTL, new MAC header; and the internet cloud standing for the ISP."""

from __future__ import annotations

import ipaddress
from typing import Any, ClassVar

from animator.engine.sim.core import Arrival
from animator.engine.sim.devices.stack import Stack
from animator.engine.sim.journey import Leg, Outcome
from animator.engine.sim.network import IPAddress
from animator.engine.sim.rules import Flow
from animator.model.kinds import Capability, TableKind


class Router(Stack):
    """Forwards packets for other addresses (``Stack.forward``) along its routing table."""

    kinds: ClassVar[tuple[str, ...]] = ("router",)
    #: Whether the routing table shows even without ``routes:`` (on a router it is the point).
    shows_routes: ClassVar[bool] = True

    def publish_routes(self) -> None:
        if self.shows_routes or self.node.routes:
            rows = [(str(i.network), "on-link", str(i.ip)) for i in self.net.hosts[self.id].interfaces]
            rows += [(r.to if r.to != "default" else "0.0.0.0/0", r.via or "on-link", "") for r in self.node.routes]
            self.publish(0.0, TableKind.ROUTES, rows)

    def pass_on(self, arrival: Arrival, ip: Any, flow: Flow) -> None:
        self.forward(arrival, ip, flow)

    def route_for(self, dst: IPAddress) -> IPAddress | None:
        """Longest-prefix match over the connected networks and the node's routes."""
        best: tuple[int, IPAddress | None] | None = None
        for interface in self.net.hosts[self.id].interfaces:
            if interface.version == dst.version and dst in interface.network:
                candidate = (interface.network.prefixlen, dst)
                best = candidate if best is None or candidate[0] > best[0] else best
        for route in self.node.routes:
            network = ipaddress.ip_network("0.0.0.0/0" if route.to == "default" else route.to, strict=False)
            if network.version == dst.version and dst in network:
                via = ipaddress.ip_address(route.via) if route.via else dst
                if best is None or network.prefixlen > best[0]:
                    best = (network.prefixlen, via)
        if best is not None:
            return best[1]
        if self.net.can(self.id, Capability.INTERNET) or any(
            self.net.can(n, Capability.INTERNET) for n in self.net.neighbours(self.id)
        ):
            return dst  # the internet reaches everything; a gateway beside it defaults to it
        return None


class Internet(Router):
    """The internet (or a ``cloud``): the ISP's routers, which reach every address in the scene and
    know every MAC without asking."""

    kinds = ("internet", "cloud")
    shows_routes = False

    def resolve(self, address: IPAddress) -> str | None:
        mac = self.arp_cache.get(str(address))
        if mac is None:
            owner = self.net.owner_of(address)
            if owner is not None:
                mac = self.net.mac(owner)
        return mac

    def send_l3(self, leg: Leg, packet: Any, next_hop: IPAddress, depart: float, changes: tuple[str, ...] = ()) -> None:
        """An address no node of the scene owns or routes (a SYN flood's spoofed source) is out in
        the internet beyond the picture: the packet goes on there, and nothing in the scene answers."""
        if self.net.internet_route(next_hop) is None and self.net.owner_of(next_hop) is None:
            self.sim.end_leg(leg, Outcome.STOPPED, f"on into the internet towards {next_hop}: no host there answers")
            return
        super().send_l3(leg, packet, next_hop, depart, changes)
