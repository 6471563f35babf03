"""Machines at the edge: they take in what is addressed to them and forward nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from animator.engine.sim.core import Arrival
from animator.engine.sim.devices.stack import Stack, socket_text
from animator.engine.sim.features.nginx_workers import NginxWorkers
from animator.engine.sim.journey import Leg
from animator.engine.sim.tcp import Connection
from animator.model.kinds import TableKind

if TYPE_CHECKING:
    from animator.engine.sim.simulation import Simulation
    from animator.model.schema import Node


class Host(Stack):
    """A client computer: its stack is all it has (``animator.engine.sim.devices.stack``)."""

    kinds = ("host",)


class Server(Stack):
    """A server: the same stack; ``listen:`` closes the ports it does not serve. With ``nginx:`` its
    worker processes accept the connections and hold them (``features.nginx_workers``)."""

    kinds = ("server",)

    def __init__(self, sim: Simulation, node: Node) -> None:
        super().__init__(sim, node)
        self.workers = NginxWorkers(self, node.nginx) if node.nginx is not None else None

    def publish_configuration(self) -> None:
        super().publish_configuration()
        if self.workers is not None:
            self.workers.publish(0.0)
            self.publish_sockets(0.0)

    def receive_tcp(self, arrival: Arrival, ip: Any, tcp: Any) -> Connection | None:
        """The stack's TCP, then nginx's part: a completed handshake is accept()ed by a worker, a
        request makes a connection busy, and data for a socket nginx closed is reset."""
        if self.workers is None:
            return super().receive_tcp(arrival, ip, tcp)
        key = ((ip.dst, tcp.dport), (ip.src, tcp.sport))
        known = self.conns.get(key)
        if self.workers.data_for_closed(arrival, ip, tcp, known):
            return None
        before = known.state if known is not None else None
        conn = super().receive_tcp(arrival, ip, tcp)
        if conn is None:
            return None
        if before == "SYN_RCVD" and conn.state == "ESTABLISHED" and self.workers.listens(conn.local[1]):
            self.workers.accepted(arrival, conn)
        # The segment that completes the handshake may carry the request already.
        self.workers.arrived(arrival.time, conn, int(tcp.flags), len(tcp.payload) if tcp.payload else 0)
        self.publish_sockets(arrival.time)
        return conn

    def tcp_leaving(self, ip: Any, tcp: Any, payload: bytes, time: float, leg: Leg) -> None:
        super().tcp_leaving(ip, tcp, payload, time, leg)
        if self.workers is None:
            return
        conn = self.conns.get(((ip.src, tcp.sport), (ip.dst, tcp.dport)))
        if conn is not None:
            self.workers.leaving(time, conn, int(tcp.flags), payload)
            self.publish_sockets(time)

    def publish_sockets(self, time: float) -> None:
        """``ss -tnp``: the stack's sockets with the nginx process holding each (none once nginx closed it)."""
        if self.workers is None:
            super().publish_sockets(time)
            return
        rows = [
            (socket_text(*c.local), socket_text(*c.remote), c.state, self.workers.process_of((c.local, c.remote)))
            for c in self.conns.values()
            if c.state != "CLOSED"
        ]
        self.publish(time, TableKind.SOCKETS, [*self.workers.listening(), *rows], (*TableKind.SOCKETS.columns, "nginx pid"))


class NameServer(Stack):
    """A DNS server: answers the queries it was asked from its ``zone:`` (the stack fills the reply)."""

    kinds = ("dns",)
