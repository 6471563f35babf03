"""A firewall: a router whose ``firewall:`` rules filter what it forwards and what is for it
(``animator.engine.sim.features.filter``; any node with ``firewall:`` filters the same way)."""

from __future__ import annotations

from animator.engine.sim.devices.router import Router


class FirewallDevice(Router):
    kinds = ("firewall",)
    shows_routes = False
