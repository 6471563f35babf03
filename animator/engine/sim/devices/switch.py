"""An Ethernet switch: learns each source MAC on its port, forwards to a known port, floods the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from animator.engine.sim.core import Arrival
from animator.engine.sim.devices.stack import Stack
from animator.engine.sim.journey import Outcome
from animator.engine.sim.network import BROADCAST_MAC
from animator.engine.sim.scapy_layers import layers
from animator.engine.timing import DWELL
from animator.model.kinds import TableKind
from animator.model.schema import Node

if TYPE_CHECKING:
    from animator.engine.sim.simulation import Simulation


class Switch(Stack):
    """Frames crossing the switch are switched, never taken in; its own stack only sends (a managed
    switch given an address by the author)."""

    kinds = ("switch",)

    def __init__(self, sim: Simulation, node: Node) -> None:
        super().__init__(sim, node)
        #: Which neighbour (port) each MAC address was last seen behind.
        self.mac_table: dict[str, str] = {}

    def receive(self, arrival: Arrival) -> None:
        """Learn the source MAC on the ingress port; forward to the known port or flood the others."""
        sim = self.sim
        frame = layers().Ether(arrival.frame)
        t = arrival.time
        table = self.mac_table
        src, dst = frame.src.lower(), frame.dst.lower()
        changes: list[str] = []
        if table.get(src) != arrival.a:
            table[src] = arrival.a
            changes.append(f"learned {src} on port to {self.label_of(arrival.a)}")
            self.publish(t, TableKind.MAC, [(mac, self.label_of(port)) for mac, port in table.items()])
        forced = sim.next_neighbour(arrival.leg, self.id, None) if arrival.leg.id in sim.forced else None
        known = table.get(dst)
        if forced is not None:
            sim.transmit(arrival.leg, self.id, forced, arrival.frame, t + DWELL, tuple(changes))
            return
        if known is not None and dst != BROADCAST_MAC:
            if known == arrival.a:
                sim.end_leg(arrival.leg, Outcome.DISCARDED, "filtered: the destination is on the port it came from")
                return
            changes.append(f"{dst} is known on port to {self.label_of(known)}: forwarded")
            sim.transmit(arrival.leg, self.id, known, arrival.frame, t + DWELL, tuple(changes))
            return
        ports = [n for n in self.net.neighbours(self.id) if n != arrival.a]
        # The packet itself carries on towards its real destination; the other ports get copies.
        owner = self.net.by_mac.get(dst)
        ahead = self.net.towards(self.id, owner) if owner is not None else None
        if ahead in ports:
            ports.remove(ahead)
            ports.insert(0, ahead)
        why = "broadcast" if dst == BROADCAST_MAC else f"{dst} unknown"
        changes.append(f"{why}: flooded to {len(ports)} port{'s' if len(ports) != 1 else ''}")
        if not ports:
            sim.end_leg(arrival.leg, Outcome.STOPPED, "flooded to no other port")
            return
        self.remark(t, f"flood ({why})")
        for i, port in enumerate(ports):
            leg = arrival.leg
            if i:
                origin = sim.origin.get(arrival.leg.id, self.id)
                leg = sim.new_leg(f"{arrival.leg.id}.f", arrival.leg.label, arrival.leg.protocol, arrival.leg, origin)
                if arrival.leg.id in sim.drop_at:
                    sim.drop_at[leg.id] = sim.drop_at[arrival.leg.id]
            sim.transmit(leg, self.id, port, arrival.frame, t + DWELL, tuple(changes))
