"""HTTP relaying: an L7 reverse proxy (or balancer) and a forward proxy with CONNECT tunnels.

A proxy ends the client's TCP connection and speaks to the server over a connection of its own:
two connections, two sets of sequence numbers, a new source address the server sees. Upstream
connections are taken from a keep-alive pool (as nginx's ``keepalive`` and HAProxy do), so their
handshake is not replayed for every request; a backend that is down is connected to afresh, and
its failure becomes a 502 (refused) or 504 (no answer) for the client; a forward proxy answers a
refused connection 503, as Squid does (ERR_CONNECT_FAIL).

What a proxy adds to what it relays follows its ``proxy:`` settings, with the defaults of the
software each kind stands for: a forward proxy is Squid (``Via`` on requests and responses,
``X-Forwarded-For`` with the client's address: ``forwarded_for on``), a reverse proxy is nginx as
usually configured (``X-Forwarded-For`` and ``X-Forwarded-Proto``, no ``Via``).

``proxy`` devices relay forwards (``forward=True``), ``reverse-proxy`` devices and any node whose
balancer has ``pools:`` in reverse.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from animator.engine.sim.core import Arrival, SimulationError
from animator.engine.sim.features.http_cache import CONDITIONAL, Entry, Headers, SharedCache, header, parse_head
from animator.engine.sim.journey import Leg, Outcome
from animator.engine.sim.scapy_layers import layers
from animator.engine.sim.tcp import ACK, PSH, RST, SCALED_WINDOW, SYN, Connection, initial_sequence
from animator.engine.timing import DWELL
from animator.model.kinds import TableKind
from animator.model.schema import ProxySettings
from animator.packets.builders_tls import open_in_clear, seal_in_clear
from animator.packets.stack import SYN_OPTIONS

if TYPE_CHECKING:
    from animator.engine.sim.devices.stack import Stack

#: How long a proxy waits for an upstream that never answers, shown compressed (nginx's
#: proxy_connect_timeout is 60 s; the animation spends this many seconds on it).
SHOWN_TIMEOUT = 1.5

ConnKey = tuple[tuple[str, int], tuple[str, int]]


class HttpRelay:
    """One proxy's relaying state: cached responses, tunnels being opened, CONNECTs for a parent."""

    def __init__(self, device: Stack, forward: bool) -> None:
        self.device = device
        #: A forward proxy (clients ask it for other sites) rather than a reverse one (in front of its backends).
        self.forward = forward
        #: A caching proxy's stored responses (``http_cache``), and the GETs it sent on whose
        #: answers it may store, by upstream connection.
        self.cache = SharedCache()
        self.pending: dict[ConnKey, Pending] = {}
        #: CONNECT tunnels whose upstream handshake is under way: upstream connection -> "host:port".
        self.tunnels_opening: dict[ConnKey, str] = {}
        #: CONNECT requests passed to the parent proxy once connected to it, by upstream connection.
        self.parent_requests: dict[ConnKey, bytes] = {}
        #: Upstream connections to a parent proxy waiting for its answer to CONNECT.
        self.awaiting_parent: set[ConnKey] = set()

    @property
    def id(self) -> str:
        return self.device.id

    def receive(self, arrival: Arrival, ip: Any) -> None:
        sc = layers()
        device = self.device
        if sc.TCP not in ip:
            device.sim.end_leg(arrival.leg, Outcome.DELIVERED, "delivered")
            return
        tcp = ip.getlayer(sc.TCP)
        if int(tcp.flags) & RST:
            self.upstream_failed(arrival, ip, "refused")
            return
        conn = device.receive_tcp(arrival, ip, tcp)
        if conn is not None and conn.state == "ESTABLISHED" and (conn.local, conn.remote) in self.tunnels_opening:
            self.tunnel_established(arrival, conn)
            return
        payload = bytes(tcp.payload) if tcp.payload else b""
        if conn is None or not payload:
            return
        if conn.tunnel and conn.partner is not None:
            self.relay(arrival, conn, payload, "tunnelled bytes (untouched)")
            return
        if not self.forward and payload[:1] in (b"\x14", b"\x15", b"\x16", b"\x17"):
            payload = self.tls_terminate(arrival, conn, payload)
            if not payload:
                return
        conn.received += payload
        message = _complete_message(bytes(conn.received))
        if message is None:
            return
        del conn.received[: len(message)]
        if message.startswith(b"HTTP/"):
            message = self.cache_store(arrival.time, conn, message)
            if (conn.local, conn.remote) not in self.awaiting_parent:  # a CONNECT's 200 carries no Via
                message = self.mark_response(message)
            self.relay(arrival, conn, message, "response relayed")
            if (conn.local, conn.remote) in self.awaiting_parent:
                self.parent_answered(conn, message)
            return
        self.request(arrival, conn, message)

    def tls_terminate(self, arrival: Arrival, conn: Connection, payload: bytes) -> bytes:
        """A reverse proxy holds the site's certificate: it ends TLS and reads the HTTP inside.

        The handshake (ClientHello, ServerHello...) is the scene's to write, as sends between client
        and proxy; application data records are opened here. The simulation carries their plaintext
        (there are no real keys), which is exactly what the proxy sees after decrypting.
        """
        conn.tls = True
        plain = b""
        for content_type, body in _tls_records(payload):
            if content_type == 23:
                plain += open_in_clear(body)  # the AEAD overhead comes off, as decryption takes it
        if plain:
            self.device.remark(arrival.time, "TLS ended here: HTTP inside")
        return plain

    def request(self, arrival: Arrival, conn: Connection, message: bytes) -> None:
        device = self.device
        head, _, body = message.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = ([*lines[0].split(" "), "", "", ""])[:3]
        headers = [tuple(line.split(":", 1)) for line in lines[1:] if ":" in line]
        host = next((v.strip() for k, v in headers if k.lower() == "host"), "")
        # Hop-by-hop headers describe the client's connection to this proxy, not the next one
        # (RFC 9110 §7.6.1): Squid and nginx drop them, so the origin never sees Proxy-Connection.
        headers = [(k, v) for k, v in headers if k.strip().lower() not in _HOP_BY_HOP]
        headers, xff = self.forwarded_for(headers, conn.remote[0])
        asked: Headers = [(k.strip(), v.strip()) for k, v in headers]
        parent = self.parent()
        port: int
        if self.forward and parent is not None:
            # A child proxy (Squid's cache_peer ... parent, never_direct) passes every request to its
            # parent as it came (absolute form, or CONNECT), adding Via; the parent reaches the origin.
            extra = [*self.via_header(), *xff]  # Squid's order: Via, then X-Forwarded-For
            request = f"{method} {target} {version}\r\n" + "".join(f"{k}:{v}\r\n" for k, v in headers)
            data = (request + "".join(f"{k}: {v}\r\n" for k, v in extra) + "\r\n").encode("latin-1") + body
            if method == "CONNECT":
                self.open_tunnel(arrival, parent[0], parent[1], conn, target, data)
                return
            upstream = self.upstream(parent[0], parent[1], conn)
            if upstream is None:
                raise SimulationError(_unreachable(self.id, parent[0], "parent proxy"))
            device.remark(arrival.time, f"→ parent {device.label_of(parent[0])}")
            self.send_on(arrival.leg, upstream, data, arrival.time, f"{method} {target} (to parent)", "http")
            return
        if self.forward:
            if method == "CONNECT":
                name, _, port_text = target.rpartition(":")
                destination = self.node_for_host(name)
                if destination is None:
                    self.answer(arrival, conn, *self.failed, f"cannot resolve {name}")
                    return
                self.open_tunnel(arrival, destination, int(port_text or 443), conn, f"{name}:{port_text or 443}")
                return
            url = target
            if "://" in url:
                rest = url.split("://", 1)[1]
                host_part, slash, path = rest.partition("/")
                host = host or host_part
                target = slash + path if slash else "/"
            backend = self.node_for_host(host.split(":")[0])
            extra = [*self.via_header(), *xff]
            port = 80
        else:
            if method == "PURGE" and self.caching:
                self.purge(arrival, conn, host, target)
                return
            # A fresh copy needs no backend: none is chosen or counted, and a dead one does not
            # matter (nginx never contacts it). A stale copy is not served when the backend
            # fails (nginx's proxy_cache_use_stale is off by default).
            if self.caching and method == "GET" and self.cache_answer(arrival, conn, host, target, asked):
                return
            backend = self.pick_backend(host, target, conn, arrival.time)
            extra = [*xff, ("X-Forwarded-Proto", "https" if conn.tls else "http"), *self.via_header()]
            balancer = device.node.balancer
            port = (balancer.backend_port or balancer.port) if balancer is not None else 80
        if backend is None:
            self.answer(arrival, conn, *self.failed, f"no backend for {host}{target}")
            return
        down = device.sim.is_down(backend)
        pending = None
        if not self.forward and self.caching and method == "GET" and down == "no":
            headers, pending = self.cache_miss(arrival.time, host, target, asked, headers)
        request = f"{method} {target} {version}\r\n" + "".join(f"{k}:{v}\r\n" for k, v in headers)
        request += "".join(f"{k}: {v}\r\n" for k, v in extra) + "\r\n"
        data = request.encode("latin-1") + body
        if down != "no":
            self.connect_to_dead(arrival, backend, port, conn, down)
            return
        upstream = self.upstream(backend, port, conn)
        if upstream is None:
            raise SimulationError(_unreachable(self.id, backend, "backend"))
        self.pending.pop((upstream.local, upstream.remote), None)
        if pending is not None:
            self.pending[upstream.local, upstream.remote] = pending
        device.remark(arrival.time, f"→ {device.label_of(backend)}")
        self.send_on(arrival.leg, upstream, data, arrival.time, f"{method} {target} (proxied)", "http")

    # -- what the proxy writes into what it relays --------------------------------------------------
    @property
    def settings(self) -> ProxySettings:
        return self.device.node.proxy or ProxySettings()

    @property
    def failed(self) -> tuple[int, str]:
        """The status for an upstream that cannot be reached: Squid says 503, nginx and HAProxy 502."""
        return (503, "Service Unavailable") if self.forward else (502, "Bad Gateway")

    @property
    def adds_via(self) -> bool:
        """Squid adds Via by default (``via on``); nginx and HAProxy add none unless configured,
        although RFC 9110 §7.6.3 says an intermediary MUST add it to the requests it forwards."""
        via = self.settings.via
        return self.forward if via is None else via

    def via_header(self) -> list[tuple[str, str]]:
        return [("Via", f"1.1 {self.id}")] if self.adds_via else []

    def forwarded_for(self, headers: list[tuple[str, ...]], client: str) -> tuple[list[tuple[str, ...]], list[tuple[str, str]]]:
        """The request's headers without X-Forwarded-For, and the X-Forwarded-For to add, as
        Squid's ``forwarded_for`` sets it (``on`` by default for both kinds: Squid's default, and
        nginx's usual ``$proxy_add_x_forwarded_for``): the client appended to any list the request
        already carried, so the origin sees every hop."""
        mode = self.settings.forwarded_for or "on"
        if mode == "transparent":
            return headers, []
        earlier = [v.strip() for k, v in headers if k.strip().lower() == "x-forwarded-for"]
        rest = [h for h in headers if h[0].strip().lower() != "x-forwarded-for"]
        if mode == "delete":
            return rest, []
        # As Squid 5.7 did in the namespace check: on and off append (the client, or "unknown").
        value = {"on": ", ".join([*earlier, client]), "off": ", ".join([*earlier, "unknown"]), "truncate": client}[mode]
        return rest, [("X-Forwarded-For", value)]

    def mark_response(self, message: bytes) -> bytes:
        """A response relayed back to the client carries the proxy's Via too (RFC 9110 §7.6.3)."""
        if not self.adds_via:
            return message
        head, sep, body = message.partition(b"\r\n\r\n")
        return head + f"\r\nVia: 1.1 {self.id}".encode() + sep + body

    def parent(self) -> tuple[str, int] | None:
        """A forward proxy's parent proxy and its port: ``balancer: {backends: [parent], backend_port: 3128}``."""
        balancer = self.device.node.balancer
        if not self.forward or balancer is None or not balancer.backends:
            return None
        return balancer.backends[0], balancer.backend_port or 3128

    def open_tunnel(
        self, arrival: Arrival, backend: str, port: int, client: Connection, target: str, via_parent: bytes = b""
    ) -> None:
        """CONNECT: a fresh TCP connection to the target (a tunnel never reuses a pooled one); the
        200 goes to the client once the handshake completes, a 502 if the target refuses. Through a
        parent proxy the connection goes to the parent, which is then sent ``via_parent`` (the CONNECT)."""
        device = self.device
        net = device.net
        remote = net.address_of(backend, self.id)
        if remote is None:
            self.answer(arrival, client, *self.failed, f"{target} has no address")
            return
        if net.hosts[backend].node.down != "no":
            self.connect_to_dead(arrival, backend, port, client, net.hosts[backend].node.down)
            return
        towards = f"parent proxy :{port}" if via_parent else target
        self.device.remark(arrival.time, f"CONNECT: connecting to {towards}")
        self.open_connection(arrival, backend, port, client, towards, via_parent, target)

    def open_connection(
        self,
        arrival: Arrival,
        backend: str,
        port: int,
        client: Connection,
        towards: str,
        via_parent: bytes = b"",
        target: str = "",
    ) -> None:
        """Send the SYN of a new connection of our own to ``backend`` (its kernel answers the SYN-ACK),
        paired with ``client``; ``tunnel_established`` (or a subclass's hook) runs when it is up."""
        sc = layers()
        device = self.device
        net = device.net
        remote = net.address_of(backend, self.id)
        if remote is None:
            raise SimulationError(_unreachable(self.id, backend, "backend"))
        local = net.address_facing(self.id, remote)
        if local is None:
            raise SimulationError(_unreachable(self.id, backend, "CONNECT target"))
        conn = Connection(local=(str(local), device.ephemeral_port()), remote=(str(remote), port))
        conn.iss = conn.snd_nxt = conn.snd_una = initial_sequence(self.id, conn.local, conn.remote)
        conn.partner = (self.id, client.local, client.remote)
        conn.peers.add(backend)
        device.conns[conn.local, conn.remote] = conn
        self.tunnels_opening[conn.local, conn.remote] = target or towards
        if via_parent:
            self.parent_requests[conn.local, conn.remote] = via_parent
        syn = sc.IP(src=conn.local[0], dst=conn.remote[0], ttl=64, id=device.ip_id(), flags="DF") / sc.TCP(
            sport=conn.local[1], dport=port, flags=SYN, seq=conn.iss, window=64240, options=list(SYN_OPTIONS)
        )
        leg = device.sim.new_leg(f"{arrival.leg.id}.p", f"SYN to {towards}", "tcp", arrival.leg, self.id)
        device.sim.connect_syns.add(leg.id)
        device.send_reply(leg, syn, arrival.time)

    def ack_handshake(self, arrival: Arrival, upstream: Connection) -> Leg:
        """Our connection's SYN-ACK arrived: send the handshake's last ACK; returns its leg (what we
        send next on the connection follows from it)."""
        sc = layers()
        device = self.device
        ack = sc.IP(src=upstream.local[0], dst=upstream.remote[0], ttl=64, id=device.ip_id(), flags="DF") / sc.TCP(
            sport=upstream.local[1],
            dport=upstream.remote[1],
            flags=ACK,
            seq=upstream.snd_nxt,
            ack=upstream.rcv_nxt,
            window=SCALED_WINDOW,
        )
        leg = device.sim.new_leg(f"{arrival.leg.id}.ack", "ACK", "tcp", arrival.leg, self.id)
        device.send_reply(leg, ack, arrival.time)
        return leg

    def tunnel_established(self, arrival: Arrival, upstream: Connection) -> None:
        """The target accepted: ACK its SYN-ACK, then tell the client the tunnel is open."""
        device = self.device
        target = self.tunnels_opening.pop((upstream.local, upstream.remote))
        leg = self.ack_handshake(arrival, upstream)
        assert upstream.partner is not None
        _, local, remote = upstream.partner
        client = device.conns[local, remote]
        client.partner = (self.id, upstream.local, upstream.remote)
        request = self.parent_requests.pop((upstream.local, upstream.remote), None)
        if request is not None:
            # Connected to the parent proxy: ask it for the tunnel; its answer is relayed to the client.
            self.awaiting_parent.add((upstream.local, upstream.remote))
            device.remark(arrival.time, f"CONNECT {target} → parent proxy")
            self.send_on(leg, upstream, request, arrival.time, f"CONNECT {target} (to parent)", "http")
            return
        client.tunnel = upstream.tunnel = True
        target_node = device.net.owner_of(ipaddress.ip_address(upstream.remote[0]))
        theirs = device.peer(target_node).conns.get((upstream.remote, upstream.local)) if target_node else None
        if theirs is not None:
            theirs.peers.update(client.peers)
        device.remark(arrival.time, f"tunnel to {target} open")
        self.answer(arrival, client, 200, "Connection established", "")

    def parent_answered(self, upstream: Connection, message: bytes) -> None:
        """The parent proxy answered a CONNECT: a 2xx opens the tunnel through both proxies."""
        self.awaiting_parent.discard((upstream.local, upstream.remote))
        if message.split(b" ")[1:2] != [b"200"] or upstream.partner is None:
            return
        _, local, remote = upstream.partner
        client = self.device.conns[local, remote]
        client.tunnel = upstream.tunnel = True

    # -- caching -----------------------------------------------------------------------------------
    @property
    def caching(self) -> bool:
        balancer = self.device.node.balancer
        return balancer is not None and balancer.cache

    def cache_miss(
        self, time: float, host: str, path: str, asked: Headers, headers: list[tuple[str, ...]]
    ) -> tuple[list[tuple[str, ...]], Pending]:
        """A GET the cache cannot answer alone: the client's conditional headers come off (nginx
        fetches a response it can store), and a stale copy's validators go on instead."""
        stale = self.cache.lookup(host, path, asked)
        headers = [h for h in headers if h[0].strip().lower() not in CONDITIONAL]
        if stale is not None and (stale.etag or stale.last_modified):
            # nginx's order with proxy_cache_revalidate: If-Modified-Since, then If-None-Match.
            validators = [("If-Modified-Since", stale.last_modified), ("If-None-Match", stale.etag)]
            headers += [(name, f" {value}") for name, value in validators if value]
            self.device.remark(time, f"stale copy of {path}: asking the origin if it changed")
        else:
            stale = None
            self.device.remark(time, f"cache miss: {path}")
        self.publish_cache(time)
        return headers, Pending(host, path, asked, stale)

    def cache_store(self, time: float, upstream: Connection, message: bytes) -> bytes:
        """The origin's answer to a GET the cache sent: a 200 it may keep is stored; a 304 to its
        revalidation refreshes the copy, and the client gets the copy. ``X-Cache`` tells which, with
        nginx's ``$upstream_cache_status`` words (MISS, EXPIRED, REVALIDATED)."""
        pending = self.pending.pop((upstream.local, upstream.remote), None)
        if pending is None or not self.caching:
            return message
        now = self.device.sim.scene_seconds(time)
        head, sep, body = message.partition(b"\r\n\r\n")
        start, headers = parse_head(head)
        status = start.split(" ")[1:2]
        if pending.stale is not None and status == ["304"]:
            pending.stale.refresh(headers, now)
            self.device.remark(time, f"304: {pending.path} unchanged, fresh again")
            self.publish_cache(time)
            return self.from_store(pending.stale, pending.asked, "REVALIDATED", now, age=False)
        if status == ["200"]:
            why = self.cache.store(pending.host, pending.path, pending.asked, head, body, now)
            self.device.remark(time, f"stored: {pending.path}" if why is None else f"not stored: {why}")
        self.publish_cache(time)
        tag = "EXPIRED" if pending.stale is not None else "MISS"
        return head + f"\r\nX-Cache: {tag}".encode() + sep + body

    def cache_answer(self, arrival: Arrival, conn: Connection, host: str, path: str, asked: Headers) -> bool:
        """Answer a GET from a fresh stored copy, with its age, without asking any backend."""
        now = self.device.sim.scene_seconds(arrival.time)
        entry = self.cache.lookup(host, path, asked)
        if entry is None or not entry.fresh(now):
            return False
        data = self.from_store(entry, asked, "HIT", now, age=True)
        self.device.remark(arrival.time, f"cache hit: {path}")
        self.publish_cache(arrival.time)
        status = data.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 1)[-1]
        if conn.tls:
            data = _tls_record(23, data)
        self.send_on(arrival.leg, conn, data, arrival.time, f"{status} (cached)", "tls" if conn.tls else "http")
        return True

    def from_store(self, entry: Entry, asked: Headers, tag: str, now: float, age: bool) -> bytes:
        """The stored response for a client, with ``Age`` (RFC 9111 §5.1; nginx sends none) when
        used without asking; a client whose ``If-None-Match`` names the copy gets a 304 (as nginx's
        not-modified filter answers), the stored headers without a body."""
        extra = (f"\r\nAge: {max(1, entry.age(now))}" if age else "") + f"\r\nX-Cache: {tag}"
        wanted = header(asked, "if-none-match")
        if wanted is not None and entry.etag is not None and entry.etag in (t.strip() for t in wanted.split(",")):
            kept = [(k, v) for k, v in entry.headers if k.lower() not in ("content-length", "content-type")]
            head = "HTTP/1.1 304 Not Modified" + "".join(f"\r\n{k}: {v}" for k, v in kept)
            return (head + extra + "\r\n\r\n").encode("latin-1")
        return entry.head + extra.encode() + b"\r\n\r\n" + entry.body

    def purge(self, arrival: Arrival, conn: Connection, host: str, path: str) -> None:
        """``PURGE /path``: Varnish's convention (a VCL ``return (purge)`` for the addresses in its
        purge ACL, here the proxy's backends): every variant of the URL goes, answered ``200 Purged``
        with Varnish's own page; anyone else gets 405. nginx (without the Plus or ngx_cache_purge
        add-ons) has no purge and passes the method to the origin."""
        device = self.device
        allowed = {device.net.address_of(b, self.id) for b in (device.node.balancer.backends if device.node.balancer else ())}
        if not any(str(a) == conn.remote[0] for a in allowed if a is not None):
            self.synthetic(arrival, conn, 405, "Not allowed")
            device.remark(arrival.time, f"PURGE from {conn.remote[0]} refused (not in the purge ACL)")
            return
        gone = self.cache.purge(host, path)
        device.remark(arrival.time, f"purged {path}: {gone} cop{'y' if gone == 1 else 'ies'} removed")
        self.publish_cache(arrival.time)
        self.synthetic(arrival, conn, 200, "Purged")

    def synthetic(self, arrival: Arrival, conn: Connection, status: int, reason: str) -> None:
        """Varnish's built-in synthetic page (``vcl_synth``), as Varnish 7.1 sent it."""
        body = _VARNISH_SYNTH.format(status=status, reason=reason).encode()
        head = (
            f"HTTP/1.1 {status} {reason}\r\nServer: Varnish\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Retry-After: 5\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.send_on(arrival.leg, conn, head.encode() + body, arrival.time, f"{status} {reason}", "http")

    def publish_cache(self, time: float) -> None:
        """The Cache table as it stands at ``time``: ages and freshness left by the scene's clock
        (hidden while nothing is stored, as a DNS cache is)."""
        self.device.publish(time, TableKind.CACHE, self.cache.rows(self.device.sim.scene_seconds(time)) or None)

    # -- choosing where to go ----------------------------------------------------------------------
    def pick_backend(self, host: str, path: str, conn: Connection, time: float) -> str | None:
        """A reverse proxy's backend for a request: the first pool whose host and path prefix match, else its backends."""
        pool = self.device.pool
        if pool is None:
            return None
        balancer = pool.balancer
        client = (conn.remote[0], conn.remote[1])
        for candidates in balancer.pools:
            if candidates.host is not None and candidates.host.lower() != host.split(":")[0].lower():
                continue
            if candidates.path is not None and not path.startswith(candidates.path):
                continue
            return pool.count(time, pool.choose(candidates.backends, client)[0])
        if balancer.backends:
            return pool.count(time, pool.choose(balancer.backends, client)[0])
        return None

    def node_for_host(self, name: str) -> str | None:
        """A host name as the proxy's resolver would see it: DNS zones in the scene, then node ids and labels."""
        net = self.device.net
        scene = self.device.sim.scene
        for node in scene.nodes:
            for record in node.zone:
                if record.name.rstrip(".").lower() == name.lower() and record.a:
                    address = ipaddress.ip_address(record.a[0].split("/")[0])
                    return net.owner_of(address)
        for node in scene.nodes:
            if name.lower() in (node.id.lower(), (node.label or "").lower()):
                return node.id
        try:
            return net.owner_of(ipaddress.ip_address(name))
        except ValueError:
            return None

    # -- connections -------------------------------------------------------------------------------
    def upstream(self, backend: str, port: int, client: Connection) -> Connection | None:
        """A pooled, already established connection to ``backend`` (both ends recorded)."""
        device = self.device
        net = device.net
        remote = net.address_of(backend, self.id)
        local = net.address_facing(self.id, remote) if remote is not None else None
        if remote is None or local is None:
            return None
        them = device.peer(backend)
        for conn in device.conns.values():
            if conn.remote == (str(remote), port) and conn.state == "ESTABLISHED" and conn.partner is None:
                break
        else:
            sport = device.ephemeral_port()
            conn = Connection(local=(str(local), sport), remote=(str(remote), port), state="ESTABLISHED")
            conn.iss = conn.snd_nxt = conn.snd_una = initial_sequence(self.id, conn.local, conn.remote)
            theirs = Connection(local=conn.remote, remote=conn.local, state="ESTABLISHED")
            theirs.iss = theirs.snd_nxt = theirs.snd_una = initial_sequence(backend, theirs.local, theirs.remote)
            conn.irs, conn.rcv_nxt = theirs.iss, theirs.iss + 1
            theirs.irs, theirs.rcv_nxt = conn.iss, conn.iss + 1
            conn.snd_nxt = conn.snd_una = conn.iss + 1
            theirs.snd_nxt = theirs.snd_una = theirs.iss + 1
            theirs.peers.add(self.id)
            conn.peers.add(backend)
            device.conns[conn.local, conn.remote] = conn
            them.conns[theirs.local, theirs.remote] = theirs
        conn.partner = (self.id, client.local, client.remote)
        client.partner = (self.id, conn.local, conn.remote)
        theirs = them.conns[conn.remote, conn.local]
        theirs.peers.update(client.peers)
        return conn

    def relay(self, arrival: Arrival, conn: Connection, data: bytes, label: str) -> None:
        if conn.partner is None:
            return
        _, local, remote = conn.partner
        other = self.device.conns.get((local, remote))
        if other is None:
            return
        first = data.split(b"\r\n", 1)[0].decode("latin-1")[:40] if not conn.tunnel else label
        if first.startswith("HTTP/1."):
            first = first.split(" ", 1)[1] if " " in first else first
        protocol = "tls" if conn.tunnel else "http"
        if other.tls and not conn.tunnel:
            data = _tls_record(23, data)  # back into the client's TLS session
            protocol = "tls"
        self.send_on(arrival.leg, other, data, arrival.time, first, protocol)

    def send_on(self, cause: Leg, conn: Connection, data: bytes, time: float, label: str, protocol: str) -> None:
        """Send ``data`` on ``conn`` as one PSH/ACK segment with the right numbers."""
        sc = layers()
        device = self.device
        packet = (
            sc.IP(src=conn.local[0], dst=conn.remote[0], ttl=64, id=device.ip_id(), flags="DF")
            / sc.TCP(
                sport=conn.local[1],
                dport=conn.remote[1],
                flags=PSH | ACK,
                seq=conn.snd_nxt,
                ack=conn.rcv_nxt,
                window=SCALED_WINDOW,
            )
            / sc.Raw(data)
        )
        conn.sent(PSH | ACK, conn.snd_nxt, len(data))
        leg = device.sim.new_leg(f"{cause.id}.p", label, protocol, cause, self.id)
        device.send_reply(leg, packet, time)

    def answer(self, arrival: Arrival, conn: Connection, status: int, reason: str, why: str) -> None:
        body = b"" if status == 200 else f"<html><body><h1>{status} {reason}</h1></body></html>\n".encode()
        head = f"HTTP/1.1 {status} {reason}\r\n"
        if status != 200:
            head += f"Content-Type: text/html\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
        data = (head + "\r\n").encode() + body
        if why:
            self.device.remark(arrival.time, f"{status}: {why}")
        self.send_on(arrival.leg, conn, data, arrival.time, f"{status} {reason}", "http")

    def connect_to_dead(self, arrival: Arrival, backend: str, port: int, client: Connection, down: str) -> None:
        """Open a fresh connection to a backend that is down; its RST (or silence) becomes 502 (or 504)."""
        sc = layers()
        device = self.device
        net = device.net
        remote = net.address_of(backend, self.id)
        local = net.address_facing(self.id, remote) if remote is not None else None
        if remote is None or local is None:
            raise SimulationError(_unreachable(self.id, backend, "backend"))
        sport = device.ephemeral_port()
        conn = Connection(local=(str(local), sport), remote=(str(remote), port))
        conn.iss = conn.snd_nxt = initial_sequence(self.id, conn.local, conn.remote)
        conn.partner = (self.id, client.local, client.remote)
        device.conns[conn.local, conn.remote] = conn
        syn = sc.IP(src=str(local), dst=str(remote), ttl=64, id=device.ip_id(), flags="DF") / sc.TCP(
            sport=sport,
            dport=port,
            flags=SYN,
            seq=conn.iss,
            window=64240,
            options=list(SYN_OPTIONS),
        )
        conn.sent(SYN, conn.iss, 0)
        leg = device.sim.new_leg(f"{arrival.leg.id}.p", "SYN (upstream)", "tcp", arrival.leg, self.id)
        device.send_reply(leg, syn, arrival.time)
        if down == "timeout":
            give_up = arrival.time + DWELL + 2 * sum(h.end - h.start for h in leg.hops) + SHOWN_TIMEOUT

            def timeout() -> None:
                if conn.state == "SYN_SENT":
                    conn.state = "CLOSED"
                    device.remark(give_up, "upstream timed out")
                    self.answer(
                        Arrival(give_up, leg, self.id, self.id, b""), client, 504, "Gateway Timeout", "no answer from upstream"
                    )

            device.sim.schedule(give_up, timeout)

    def upstream_failed(self, arrival: Arrival, ip: Any, why: str) -> None:
        sc = layers()
        device = self.device
        tcp = ip.getlayer(sc.TCP)
        conn = device.conns.get(((ip.dst, tcp.dport), (ip.src, tcp.sport)))
        device.sim.end_leg(arrival.leg, Outcome.DELIVERED, "delivered")
        if conn is None or conn.partner is None:
            return
        conn.state = "CLOSED"
        _, local, remote = conn.partner
        client = device.conns.get((local, remote))
        if client is not None:
            self.answer(arrival, client, *self.failed, f"upstream {why} the connection")


@dataclass
class Pending:
    """A GET the cache sent on: the client's URL and headers (its Vary variant), and the stale copy
    being revalidated, if any."""

    host: str
    path: str
    asked: Headers
    stale: Entry | None


#: The page Varnish's built-in ``vcl_synth`` sends (the XID, a request number, made fixed here).
_VARNISH_SYNTH = """<!DOCTYPE html>
<html>
  <head>
    <title>{status} {reason}</title>
  </head>
  <body>
    <h1>Error {status} {reason}</h1>
    <p>{reason}</p>
    <h3>Guru Meditation:</h3>
    <p>XID: 32770</p>
    <hr>
    <p>Varnish cache server</p>
  </body>
</html>
"""


def _unreachable(node: str, backend: str, what: str) -> str:
    """Why ``node`` cannot open a connection to ``backend`` (one of them lacks an IPv4 address)."""
    return f"'{node}' cannot connect to its {what} '{backend}': give both an IPv4 address ('ipv4:')"


#: Headers that apply to one connection only and are not forwarded (RFC 9110 §7.6.1). Connection
#: and Upgrade are kept: a WebSocket handshake through an L7 proxy needs them passed on (nginx's
#: proxy_set_header Upgrade/Connection), and scenes show that case.
_HOP_BY_HOP = frozenset({"proxy-connection", "keep-alive", "te", "trailer", "proxy-authorization"})


def _tls_records(data: bytes) -> list[tuple[int, bytes]]:
    """The (content type, body) of each whole TLS record in ``data``."""
    records = []
    while len(data) >= 5:
        length = int.from_bytes(data[3:5], "big")
        records.append((data[0], data[5 : 5 + length]))
        data = data[5 + length :]
    return records


def _tls_record(content_type: int, body: bytes) -> bytes:
    """A TLS 1.3 record; application data gets its AEAD overhead, as encryption adds it."""
    if content_type == 23:
        body = seal_in_clear(body)
    return bytes([content_type, 3, 3]) + len(body).to_bytes(2, "big") + body


def _complete_message(data: bytes) -> bytes | None:
    """The first whole HTTP/1.x message in ``data`` (headers plus Content-Length bytes), or None yet."""
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        return None
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            length = int(value.strip())
    if len(rest) < length:
        return None
    return head + sep + rest[:length]
