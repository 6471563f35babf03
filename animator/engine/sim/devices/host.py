"""Machines at the edge: they take in what is addressed to them and forward nothing."""

from __future__ import annotations

from animator.engine.sim.devices.stack import Stack


class Host(Stack):
    """A client computer: its stack is all it has (``animator.engine.sim.devices.stack``)."""

    kinds = ("host",)


class Server(Stack):
    """A server: the same stack; ``listen:`` closes the ports it does not serve."""

    kinds = ("server",)


class NameServer(Stack):
    """A DNS server: answers the queries it was asked from its ``zone:`` (the stack fills the reply)."""

    kinds = ("dns",)
