"""A layer-4 proxy's relaying: HAProxy in ``mode tcp``.

It is a proxy, not a translator: the client's TCP connection ends at it (its own kernel answered
the handshake), and once accepted it opens a connection of its own to the backend the pool picks,
from its own address and port with its own sequence numbers, and copies bytes both ways without
reading them. The backend therefore sees the proxy's address, not the client's, unless the proxy
writes the PROXY protocol header (``proxy: {send_proxy: v1 | v2}``, HAProxy's ``send-proxy`` and
``send-proxy-v2``) as the first bytes of that connection, before anything the client sent.
Compare the NAT-style L4 balancer (``animator.engine.sim.features.pool``), which rewrites the
client's own packets and keeps one connection end to end.

Checked against HAProxy 2.6 in network namespaces (docs/scenes/checks.md): the backend connection
opens as soon as the client's is accepted, the PROXY header goes in a segment of its own right
after the handshake, then the client's bytes.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from animator.engine.sim.core import Arrival
from animator.engine.sim.features.relay import HttpRelay
from animator.engine.sim.journey import Outcome
from animator.engine.sim.scapy_layers import layers
from animator.engine.sim.tcp import RST, Connection
from animator.packets.builders_net import PROXY_V2_SIGNATURE, proxy_header

if TYPE_CHECKING:
    from animator.engine.sim.devices.stack import Stack


#: Seconds between the ACK that completes the backend connection and the PROXY header after it.
HEADER_GAP = 0.12


class TcpRelay(HttpRelay):
    """Client connections accepted on the balancer's port, each paired with one to a backend."""

    def __init__(self, device: Stack) -> None:
        super().__init__(device, forward=False)
        #: Client connections already given a backend connection (by their key).
        self.accepted: set[tuple[tuple[str, int], tuple[str, int]]] = set()

    def receive(self, arrival: Arrival, ip: Any) -> None:
        sc = layers()
        device = self.device
        if sc.TCP not in ip:
            device.sim.end_leg(arrival.leg, Outcome.DELIVERED, "delivered")
            return
        tcp = ip.getlayer(sc.TCP)
        if int(tcp.flags) & RST:
            device.sim.end_leg(arrival.leg, Outcome.DELIVERED, "delivered")
            device.remark(arrival.time, "backend refused the connection")
            return
        conn = device.receive_tcp(arrival, ip, tcp)
        if conn is None:
            return
        key = (conn.local, conn.remote)
        if conn.state == "ESTABLISHED" and key in self.tunnels_opening:
            self.backend_connected(arrival, conn)
            return
        balancer = device.node.balancer
        accepting = balancer is not None and conn.local[1] == balancer.port and conn.partner is None
        if accepting and conn.state == "ESTABLISHED" and key not in self.accepted:
            self.accepted.add(key)
            self.connect_backend(arrival, conn)
        payload = bytes(tcp.payload) if tcp.payload else b""
        if not payload:
            return
        if conn.tunnel and conn.partner is not None:
            self.copy(arrival, conn, payload)
        else:
            conn.received += payload  # HAProxy holds what the client sends until the backend is connected

    def connect_backend(self, arrival: Arrival, client: Connection) -> None:
        """The client's connection was accepted: pick a backend and open a connection of our own to it."""
        device = self.device
        pool = device.pool
        assert pool is not None and pool.balancer.backends, "a tcp-proxy's balancer has backends (kinds check)"
        backend, why = pool.choose(pool.balancer.backends, client.remote)
        pool.count(arrival.time, backend)
        port = pool.balancer.backend_port or pool.balancer.port
        device.remark(arrival.time, f"accepted; new connection → {device.label_of(backend)} ({why})")
        self.open_connection(arrival, backend, port, client, f"{device.label_of(backend)}:{port}")

    def backend_connected(self, arrival: Arrival, upstream: Connection) -> None:
        """ACK the backend's SYN-ACK, send the PROXY header if configured, then what the client sent."""
        device = self.device
        self.tunnels_opening.pop((upstream.local, upstream.remote))
        leg = self.ack_handshake(arrival, upstream)
        assert upstream.partner is not None
        _, local, remote = upstream.partner
        client = device.conns[local, remote]
        client.partner = (self.id, upstream.local, upstream.remote)
        client.tunnel = upstream.tunnel = True
        # The backend's end knows the proxy as its peer: the backend's answers are sends "to" the proxy.
        backend = device.net.owner_of(ipaddress.ip_address(upstream.remote[0]))
        theirs = device.peer(backend).conns.get((upstream.remote, upstream.local)) if backend else None
        if theirs is not None:
            theirs.peers.add(self.id)
        version = self.settings.send_proxy
        if version != "off":
            header = proxy_header(version, client.remote, client.local)
            label = header.decode("ascii").strip() if version == "v1" else "PROXY v2 header (28 bytes)"
            device.remark(arrival.time, f"PROXY {version}: the client was {client.remote[0]}:{client.remote[1]}")
            # Right after the ACK, in a segment of its own (as HAProxy sent it); drawn a moment later
            # so the two chips do not cover each other.
            self.send_on(leg, upstream, header, arrival.time + HEADER_GAP, label, "tcp")
        if client.received:
            data = bytes(client.received)
            client.received.clear()
            self.send_on(leg, upstream, data, arrival.time + 2 * HEADER_GAP, _label(data), _protocol(data))

    def copy(self, arrival: Arrival, conn: Connection, data: bytes) -> None:
        """Bytes from one side go out on the other connection unchanged, with that connection's numbers."""
        assert conn.partner is not None
        _, local, remote = conn.partner
        other = self.device.conns.get((local, remote))
        if other is not None:
            self.send_on(arrival.leg, other, data, arrival.time, _label(data), _protocol(data))


def _protocol(data: bytes) -> str:
    """The chip's colour for relayed bytes: what they are, though the proxy never reads them."""
    if data[:1] in (b"\x14", b"\x15", b"\x16", b"\x17") and data[1:2] == b"\x03":
        return "tls"
    if data.startswith(PROXY_V2_SIGNATURE) or data.startswith(b"PROXY "):
        return "tcp"
    head = data.split(b" ", 1)[0]
    if data.startswith(b"HTTP/") or head in (b"GET", b"POST", b"PUT", b"HEAD", b"DELETE", b"OPTIONS", b"PATCH"):
        return "http"
    return "data"


def _label(data: bytes) -> str:
    first = data.split(b"\r\n", 1)[0].decode("latin-1")[:40]
    if first.startswith("HTTP/1.") and " " in first:
        first = first.split(" ", 1)[1]
    return f"{first} (bytes copied)" if _protocol(data) == "http" else f"{len(data)} bytes copied"
