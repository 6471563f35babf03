"""A balancer's pool of backends: which one each new connection (or request) goes to, and the
L4 rewrite of the virtual IP to that backend and back.

Any node with ``balancer:`` has a pool (shown as its Pool table); a ``load-balancer`` without
``pools:`` uses it at L4, an L7 relay (``animator.engine.sim.features.relay``) per request.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from animator.engine.sim.core import Arrival, SimulationError
from animator.engine.sim.frames import flow_of, transport_of
from animator.engine.sim.rules import Flow
from animator.engine.sim.tcp import initial_sequence
from animator.model.kinds import TableKind
from animator.model.schema import Balancer

if TYPE_CHECKING:
    from animator.engine.sim.devices.stack import Stack


class Pool:
    """The backends, how many connections (or requests) each took, and who is pinned to whom."""

    def __init__(self, device: Stack, balancer: Balancer, counts: str) -> None:
        self.device = device
        self.balancer = balancer
        #: The Pool table's count column: "Conns" (L4) or "Requests" (L7).
        self.counts = counts
        #: L4: each client (address, port) pinned to its backend for the whole connection.
        self.connections: dict[tuple[str, int], str] = {}
        self.totals: dict[str, int] = {}
        self._next = 0

    @property
    def l4(self) -> bool:
        """Balancing connections by rewriting addresses, not relaying HTTP requests."""
        return not self.balancer.pools

    def uses(self, node: str) -> bool:
        return node in self.balancer.backends or any(node in p.backends for p in self.balancer.pools)

    def backend_changed(self, node: str, time: float) -> None:
        if self.uses(node):
            self.publish(time)

    def balance(self, arrival: Arrival, ip: Any, flow: Flow) -> None:
        """Rewrite the VIP to a backend, the same backend for every packet of one connection."""
        device = self.device
        balancer = self.balancer
        transport = transport_of(ip)
        if transport is None or flow.dport != balancer.port:
            device.local_delivery(arrival, ip)
            return
        client = (ip.src, transport.sport)
        backend = self.connections.get(client)
        why = "same connection"
        if backend is None:
            backend, why = self.choose(balancer.backends, client)
            self.connections[client] = backend
            self.totals[backend] = self.totals.get(backend, 0) + 1
            self.publish(arrival.time)
            device.remark(arrival.time, f"→ {device.label_of(backend)} ({why})")
        target = device.net.address_of(backend, device.id)
        if target is None:
            raise SimulationError(
                f"load balancer '{device.id}' cannot forward to its backend '{backend}': give it an 'ipv4:' address"
            )
        old = f"{ip.dst}:{transport.dport}"
        ip.dst = str(target)
        transport.dport = balancer.backend_port or balancer.port
        del transport.chksum
        device.forward(arrival, ip, flow_of(ip), (f"DNAT {old} → {ip.dst}:{transport.dport} ({why})",))

    def reply(self, arrival: Arrival, ip: Any) -> bool:
        """Replies from a backend leave with the VIP as their source, or the client would not know them."""
        device = self.device
        balancer = self.balancer
        transport = transport_of(ip)
        if not self.l4 or transport is None:
            return False
        backend = self.connections.get((ip.dst, transport.dport))
        if backend is None or device.net.owner_of(ipaddress.ip_address(ip.src)) != backend:
            return False
        vip = balancer.vip or str(device.node.ipv4[0].split("/")[0])
        old = f"{ip.src}:{transport.sport}"
        ip.src = vip
        transport.sport = balancer.port
        del transport.chksum
        device.forward(arrival, ip, flow_of(ip), (f"SNAT reply {old} → {vip}:{balancer.port}",))
        return True

    def choose(self, backends: Sequence[str], client: tuple[str, int]) -> tuple[str, str]:
        """The backend for a new connection from ``client``, and why (the balancer's algorithm)."""
        sim = self.device.sim
        live = [b for b in backends if sim.is_down(b) == "no"] or list(backends)
        algorithm = self.balancer.algorithm
        if algorithm == "hash":
            chosen = live[initial_sequence(*client) % len(live)]
            return chosen, f"hash of {client[0]}:{client[1]}"
        if algorithm == "source":
            chosen = live[initial_sequence(client[0]) % len(live)]
            return chosen, f"hash of {client[0]} (sticky)"
        if algorithm == "least-connections":
            active = {b: sum(1 for v in self.connections.values() if v == b) for b in live}
            chosen = min(live, key=lambda b: (active[b], live.index(b)))
            return chosen, f"least connections ({active[chosen]})"
        index = self._next
        self._next = index + 1
        return live[index % len(live)], "round robin"

    def count(self, time: float, backend: str) -> str:
        """One more request for ``backend`` in the Pool table (an L7 relay counts requests)."""
        self.totals[backend] = self.totals.get(backend, 0) + 1
        self.publish(time)
        return backend

    def publish(self, time: float) -> None:
        device = self.device
        sim = device.sim
        balancer = self.balancer
        backends = list(balancer.backends) + [b for p in balancer.pools for b in p.backends if b not in balancer.backends]
        rows = [(device.label_of(b), "down" if sim.is_down(b) != "no" else "up", str(self.totals.get(b, 0))) for b in backends]
        self.device.publish(time, TableKind.POOL, rows, (*TableKind.POOL.columns[:2], self.counts))
