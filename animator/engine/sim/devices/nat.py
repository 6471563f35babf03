"""A NAT gateway (a home router): a router whose packets leaving through its outside address are
translated, even without ``nat:`` (``animator.engine.sim.features.nat``)."""

from __future__ import annotations

from animator.engine.sim.devices.router import Router


class NatGateway(Router):
    kinds = ("nat",)
    shows_routes = False
    always_nat = True
