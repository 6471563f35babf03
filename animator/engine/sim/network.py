"""Who owns which address, which MAC each node uses, and which way a frame leaves a node.

The scene gives addresses per node, not per interface. A node's interfaces are inferred: each
address faces the neighbours through which the nodes of its subnet are reached. That is enough
to choose a source address, a next hop and an egress link the way a real stack would, without
asking authors to wire interfaces by hand.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass

from animator.model.kinds import DEVICE_KINDS, Capability
from animator.model.schema import Node, Scene
from animator.model.topology import Topology, topology_of

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Interface = ipaddress.IPv4Interface | ipaddress.IPv6Interface

BROADCAST_MAC = "ff:ff:ff:ff:ff:ff"


def auto_mac(node_id: str) -> str:
    """A stable locally administered MAC for a node the author gave none (02:... is never a vendor's)."""
    digest = hashlib.sha1(node_id.encode()).digest()
    return "02:" + ":".join(f"{b:02x}" for b in digest[:5])


@dataclass(frozen=True, slots=True)
class Host:
    node: Node
    mac: str
    interfaces: tuple[Interface, ...]

    @property
    def id(self) -> str:
        return self.node.id


class Network:
    """Addressing facts of one scene, computed once."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.topology: Topology = topology_of(scene)
        self.hosts: dict[str, Host] = {}
        self.owner: dict[IPAddress, str] = {}
        self.by_mac: dict[str, str] = {}
        for node in scene.nodes:
            interfaces = tuple(ipaddress.ip_interface(a) for a in (*node.ipv4, *node.ipv6))
            mac = (node.mac or auto_mac(node.id)).lower()
            self.hosts[node.id] = Host(node, mac, interfaces)
            if not DEVICE_KINDS[node.kind].can(Capability.BRIDGES):  # a switch is never a frame's addressee
                self.by_mac[mac] = node.id
            for interface in interfaces:
                self.owner.setdefault(interface.ip, node.id)
            if node.balancer is not None and node.balancer.vip is not None:
                self.owner.setdefault(ipaddress.ip_address(node.balancer.vip), node.id)

    # -- addresses -------------------------------------------------------------------------
    def can(self, node_id: str, capability: Capability) -> bool:
        """Whether the node's kind has ``capability`` (routes, bridges, stands for the internet)."""
        return DEVICE_KINDS[self.hosts[node_id].node.kind].can(capability)

    def mac(self, node_id: str) -> str:
        return self.hosts[node_id].mac

    def address_facing(self, node_id: str, peer: IPAddress | None, version: int = 4) -> IPAddress | None:
        """The node's address on the subnet of ``peer`` if it has one there, else its first (or, for
        a gateway or any multi-homed node reaching beyond its subnets, its last, which by convention
        is the outside one)."""
        interfaces = [i for i in self.hosts[node_id].interfaces if i.version == version]
        if not interfaces:
            return None
        if peer is not None:
            for interface in interfaces:
                if peer in interface.network:
                    return interface.ip
            if self.can(node_id, Capability.ROUTES) or len(interfaces) > 1:  # a dual-homed proxy too
                return interfaces[-1].ip
        return interfaces[0].ip

    def address_of(self, target: str, seen_from: str, version: int = 4) -> IPAddress | None:
        """The address ``seen_from`` would use for ``target``: one on a shared subnet first, else the
        target's outside (last) address, as DNS would give for a router's public side."""
        mine = [i for i in self.hosts[seen_from].interfaces if i.version == version]
        theirs = [i for i in self.hosts[target].interfaces if i.version == version]
        balancer = self.hosts[target].node.balancer
        if balancer is not None and balancer.vip is not None:
            return ipaddress.ip_address(balancer.vip)
        for interface in theirs:
            if any(interface.ip in m.network for m in mine):
                return interface.ip
        return theirs[-1].ip if theirs else None

    def on_link(self, node_id: str, address: IPAddress) -> bool:
        return any(address in i.network for i in self.hosts[node_id].interfaces if i.version == address.version)

    def gateway_of(self, node_id: str, version: int = 4) -> IPAddress | None:
        """The default gateway: the configured one, or the first routing node sharing a subnet."""
        node = self.hosts[node_id].node
        if node.gateway is not None:
            return ipaddress.ip_address(node.gateway)
        for interface in self.hosts[node_id].interfaces:
            if interface.version != version:
                continue
            for other in self.scene.nodes:
                if other.id == node_id or not DEVICE_KINDS[other.kind].can(Capability.ROUTES):
                    continue
                for theirs in self.hosts[other.id].interfaces:
                    if theirs.version == version and theirs.ip in interface.network:
                        return theirs.ip
        return None

    def has_address(self, node_id: str, address: IPAddress) -> bool:
        """Whether ``address`` is one of the node's own (an interface, or its balancer's VIP).

        Not ``owner_of(address) == node``: two nodes may hold the same address (an active/passive
        pair sharing a virtual IP), and each must accept what is sent to it."""
        host = self.hosts[node_id]
        if any(i.ip == address for i in host.interfaces):
            return True
        balancer = host.node.balancer
        return balancer is not None and balancer.vip is not None and ipaddress.ip_address(balancer.vip) == address

    def owner_of(self, address: IPAddress) -> str | None:
        return self.owner.get(address)

    # -- links -----------------------------------------------------------------------------
    def towards(self, here: str, target: str) -> str | None:
        """The neighbour of ``here`` on the shortest path to ``target`` (the egress link)."""
        path = self.topology.shortest_path(here, target)
        return path[1] if path and len(path) > 1 else None

    def neighbours(self, node_id: str) -> list[str]:
        return [other for other, _ in self.topology.neighbours[node_id]]

    def link_id(self, a: str, b: str) -> str:
        link = self.topology.link(a, b)
        assert link is not None
        return link.link_id

    def internet_route(self, address: IPAddress) -> str | None:
        """For the internet cloud: the node that owns ``address`` or whose subnet holds it."""
        owner = self.owner.get(address)
        if owner is not None:
            return owner
        for host in self.hosts.values():
            if self.can(host.id, Capability.ROUTES) and any(address in i.network for i in host.interfaces):
                return host.id
        return None
