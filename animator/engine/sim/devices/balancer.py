"""A load balancer: at L4 (no ``pools:``) connections to its VIP are rewritten to a backend and the
replies back to the VIP; with ``pools:`` it relays HTTP like a reverse proxy (``Stack.make_relay``)."""

from __future__ import annotations

from typing import Any

from animator.engine.sim.core import Arrival
from animator.engine.sim.devices.router import Router
from animator.engine.sim.rules import Flow


class LoadBalancer(Router):
    kinds = ("load-balancer",)
    shows_routes = False

    def take_own(self, arrival: Arrival, ip: Any, flow: Flow) -> bool:
        """Connections to the VIP go to a backend before anything else sees them."""
        if self.pool is None or not self.pool.l4:
            return False
        self.pool.balance(arrival, ip, flow)
        return True

    def pass_on(self, arrival: Arrival, ip: Any, flow: Flow) -> None:
        """A backend's reply leaves from the VIP; anything else is routed."""
        if self.pool is not None and self.pool.reply(arrival, ip):
            return
        super().pass_on(arrival, ip, flow)
