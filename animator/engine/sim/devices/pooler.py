"""A PostgreSQL connection pooler (PgBouncer): many client connections, a few server connections.

The scene writes every message on both sides (client ↔ pooler on its port, 6432, and pooler ↔
database on 5432), as PgBouncer would send them; this device reads those bytes and keeps what
PgBouncer's admin console shows about them:

- a client that sends a query is linked to an idle server connection, or waits (``cl_waiting``)
  when every one is lent out;
- ``pool_mode = transaction``: the server connection comes back to the pool when the database's
  ReadyForQuery says ``I`` (the transaction is over), and the first waiting client takes it;
  ``session``: only when its client disconnects;
- a new server connection is ``login`` until its first ReadyForQuery, then ``idle``;
- a client the pooler sends a FATAL error (``query_wait_timeout``) or that says Terminate is gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from animator.engine.sim.core import Arrival
from animator.engine.sim.devices.database import split_messages
from animator.engine.sim.devices.stack import Stack
from animator.engine.sim.journey import Leg
from animator.engine.sim.tcp import Connection
from animator.model.kinds import TableKind
from animator.model.schema import Node, PoolerSettings

if TYPE_CHECKING:
    from animator.engine.sim.simulation import Simulation

FIN, RST = 0x01, 0x04
Key = tuple[str, int]


@dataclass
class PoolClient:
    """A client connection to the pooler (``SHOW CLIENTS``)."""

    port: int
    state: str = "login"  # login, active (logged in), waiting (for a server connection)
    server: Key | None = None


@dataclass
class PoolServer:
    """One of the pooler's connections to the database (``SHOW SERVERS``)."""

    port: int  # the pooler's local port
    state: str = "login"  # login, idle, active (lent to a client)
    client: Key | None = None


class Pooler(Stack):
    """PgBouncer (``kind: pooler``): lends its server connections per transaction or per session."""

    kinds = ("pooler",)

    def __init__(self, sim: Simulation, node: Node) -> None:
        super().__init__(sim, node)
        self.settings: PoolerSettings = node.pooler or PoolerSettings()
        self.clients: dict[Key, PoolClient] = {}
        self.servers: dict[Key, PoolServer] = {}
        self.waiting: list[Key] = []

    # -- the hooks -----------------------------------------------------------------------------------
    def publish_configuration(self) -> None:
        super().publish_configuration()
        self.publish_pool(0.0)

    def receive_tcp(self, arrival: Arrival, ip: Any, tcp: Any) -> Connection | None:
        conn = super().receive_tcp(arrival, ip, tcp)
        if conn is None:
            return None
        data = bytes(tcp.payload) if tcp.payload else b""
        t = arrival.time
        if tcp.dport == self.settings.port:
            client = (ip.src, tcp.sport)
            if data:
                self.from_client(client, data, t)
            if int(tcp.flags) & (FIN | RST):
                self.client_gone(client, t)
        elif tcp.sport == self.settings.server_port and data:
            self.from_server((ip.dst, tcp.dport), data, t)
        return conn

    def tcp_leaving(self, ip: Any, tcp: Any, data: bytes, time: float, leg: Leg) -> None:
        super().tcp_leaving(ip, tcp, data, time, leg)
        if tcp.dport == self.settings.server_port and data and (ip.src, tcp.sport) not in self.servers:
            if data[:1] == b"\x00":  # its StartupMessage: a new server connection logs in
                self.servers[ip.src, tcp.sport] = PoolServer(tcp.sport)
                self.publish_pool(time)
        elif tcp.sport == self.settings.port and data:
            for kind, body in split_messages(data, untyped_first=False):
                client = self.clients.get((ip.dst, tcp.dport))
                if client is None:
                    continue
                if kind == b"Z" and client.state == "login":
                    client.state = "active"
                elif kind == b"E" and b"SFATAL\x00" in body:
                    self.client_gone((ip.dst, tcp.dport), time)
            self.publish_pool(time)

    # -- what clients send ---------------------------------------------------------------------------
    def from_client(self, key: Key, data: bytes, time: float) -> None:
        for kind, _body in split_messages(data, untyped_first=key not in self.clients):
            if kind == b"":
                self.clients[key] = PoolClient(key[1])
            elif kind in (b"Q", b"P", b"B", b"E") and key in self.clients:
                self.needs_server(key, time)
            elif kind == b"X":
                self.client_gone(key, time)
        self.publish_pool(time)

    def needs_server(self, key: Key, time: float) -> None:
        client = self.clients[key]
        if client.server is not None or client.state == "waiting":
            return
        idle = next((k for k, s in self.servers.items() if s.state == "idle"), None)
        if idle is None:
            client.state = "waiting"
            self.waiting.append(key)
            if len(self.servers) >= self.settings.pool_size:
                self.remark(time, f"pool full ({self.settings.pool_size}): client {key[1]} waits")
            return
        self.link(key, idle)

    def link(self, client_key: Key, server_key: Key) -> None:
        client, server = self.clients[client_key], self.servers[server_key]
        client.state, client.server = "active", server_key
        server.state, server.client = "active", client_key

    def client_gone(self, key: Key, time: float) -> None:
        client = self.clients.pop(key, None)
        if client is None:
            return
        if key in self.waiting:
            self.waiting.remove(key)
        if client.server is not None:
            self.release(client.server, time)
        self.publish_pool(time)

    # -- what the database sends ---------------------------------------------------------------------
    def from_server(self, key: Key, data: bytes, time: float) -> None:
        server = self.servers.get(key)
        if server is None:
            return
        for kind, body in split_messages(data, untyped_first=False):
            if kind != b"Z":
                continue
            if server.state == "login":
                server.state = "idle"
                self.hand_over(key, time)
            elif body[:1] == b"I" and self.settings.mode == "transaction" and server.client is not None:
                client = self.clients.get(server.client)
                if client is not None:
                    client.server = None
                self.release(key, time)
        self.publish_pool(time)

    def release(self, key: Key, time: float) -> None:
        server = self.servers.get(key)
        if server is None:
            return
        server.state, server.client = "idle", None
        self.hand_over(key, time)

    def hand_over(self, key: Key, time: float) -> None:
        """An idle server connection goes to the client that has waited longest."""
        if self.waiting:
            client = self.waiting.pop(0)
            self.link(client, key)
            self.remark(time, f"client {client[1]} gets server connection {key[1]}")

    # -- tables --------------------------------------------------------------------------------------
    def publish_pool(self, time: float) -> None:
        states = [c.state for c in self.clients.values()]
        servers = [s.state for s in self.servers.values()]
        row = (
            str(states.count("active")),
            str(states.count("waiting")),
            str(servers.count("active")),
            str(servers.count("idle")),
            str(servers.count("login")),
            self.settings.mode,
        )
        self.publish(time, TableKind.POOLS, [row])
        server_rows = [(str(s.port), s.state, str(s.client[1]) if s.client else "") for s in self.servers.values()]
        self.publish(time, TableKind.SERVERS, server_rows or None)
        client_rows = [(str(c.port), c.state, str(c.server[1]) if c.server else "") for c in self.clients.values()]
        self.publish(time, TableKind.CLIENTS, client_rows or None)
