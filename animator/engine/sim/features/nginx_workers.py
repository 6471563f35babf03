"""nginx's worker processes on a server (``nginx: {workers, worker_connections, reuseport}``).

The kernel completes a TCP handshake on its own; a worker then ``accept()``s the connection and
keeps it until it closes it. Which worker, and what it does when it has no connection left, is
what this module plays, as nginx 1.22 does on Linux (checked in network namespaces; see
docs/devices.md, *nginx workers*):

- **Without reuseport** all workers share one listening socket, added to each worker's epoll
  with ``EPOLLEXCLUSIVE``: Linux wakes only the first idle waiter in the socket's wait queue, so
  the same worker takes connection after connection. nginx's ``ngx_reorder_accept_events``
  re-adds the socket (that worker goes to the end of the queue) after a worker's 1st, 17th,
  33rd… accept, or after any accept while less than an eighth of its connections were free.
  The queue starts with the last worker started (both runs of the check; really whichever
  registered first), and every worker is taken to be idle in ``epoll_wait``.
- **With reuseport** each worker has a socket of its own and the kernel picks one by a hash of
  the 4-tuple. Linux's hash is keyed with a boot-time secret, so the choice cannot be predicted;
  a stable hash stands in for it here.
- **worker_connections** counts everything a worker holds: its listening sockets, its channel to
  the master and its client connections. Taking one when none is free, nginx closes the
  connection idle longest (``ngx_drain_connections``: a keep-alive connection, or an accepted
  one that has sent nothing): its FIN leaves at once, and error.log warns "N worker_connections
  are not enough, reusing connections". A connection with a request in progress is never
  reused; with none idle nginx logs the alert "N worker_connections are not enough" and closes
  the new connection (a FIN: nothing has arrived on it yet here).
- A socket nginx has closed answers data with RST from the kernel (Linux's ``tcp_rcv_state_process``
  in FIN_WAIT with the receive side shut).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from animator.engine.sim.core import Arrival
from animator.engine.sim.journey import Leg, Outcome
from animator.engine.sim.scapy_layers import layers
from animator.engine.sim.tcp import ACK, FIN, RST, Connection
from animator.model.kinds import TableKind
from animator.model.schema import NginxSettings

if TYPE_CHECKING:
    from animator.engine.sim.devices.stack import Stack

ConnKey = tuple[tuple[str, int], tuple[str, int]]

#: The master's pid; workers get the numbers after it (real pids differ: say so in a scene's notes).
MASTER_PID = 2055
#: nginx re-adds a shared listening socket to a worker's epoll every this many accepts.
REORDER_EVERY = 16


@dataclass
class Worker:
    """One worker process: its pid, how many connections it accept()ed, the clients it holds (oldest first)."""

    pid: int
    accepts: int = 0
    held: list[ConnKey] = field(default_factory=list)


class NginxWorkers:
    """The master's workers on one server node, and which connection each holds."""

    def __init__(self, device: Stack, settings: NginxSettings) -> None:
        self.device = device
        self.settings = settings
        self.workers = [Worker(MASTER_PID + 1 + i) for i in range(settings.workers)]
        #: The shared socket's wait queue (``EPOLLEXCLUSIVE``): the first worker in it is woken.
        self.queue = list(reversed(self.workers))
        self.owner: dict[ConnKey, Worker] = {}
        #: Connections nginx may close to free a slot, idle longest first (``reusable_connections_queue``).
        self.reusable: list[ConnKey] = []
        #: Connections nginx has closed: their sockets belong to the kernel alone now.
        self.closed: set[ConnKey] = set()

    # -- counting ----------------------------------------------------------------------------------
    @property
    def overhead(self) -> int:
        """What a worker holds before any client: its listening sockets and its channel to the master."""
        return len(self.device.node.listen) + 1

    def used(self, worker: Worker) -> int:
        return self.overhead + len(worker.held)

    def listens(self, port: int) -> bool:
        return port in self.device.node.listen

    # -- accept ------------------------------------------------------------------------------------
    def pick(self, conn: Connection) -> Worker:
        """The worker that accept()s ``conn``: the head of the wait queue, or the reuseport hash's choice."""
        if not self.settings.reuseport:
            return self.queue[0]
        four = f"{conn.remote[0]}|{conn.remote[1]}|{conn.local[0]}|{conn.local[1]}"
        digest = int.from_bytes(hashlib.sha1(four.encode()).digest()[:4], "big")
        return self.workers[digest % len(self.workers)]

    def accepted(self, arrival: Arrival, conn: Connection) -> None:
        """The handshake of ``conn`` completed: a worker accept()s it, draining a connection if it must."""
        t = arrival.time
        key = (conn.local, conn.remote)
        self.closed.discard(key)  # a new connection on a 4-tuple nginx once closed is nginx's again
        worker = self.pick(conn)
        limit = self.settings.worker_connections
        free = limit - self.used(worker)
        if free <= 0:
            idle = next((k for k in self.reusable if self.owner.get(k) is worker), None)
            if idle is None:
                self.device.remark(t, f"[alert] {limit} worker_connections are not enough")
                self._close(arrival.leg, conn, "FIN (no connection free)", t)
                self.publish(t)
                return
            self.device.remark(t, f"[warn] {limit} worker_connections are not enough, reusing connections")
            self._close(arrival.leg, self.device.conns[idle], "FIN (reusing connection)", t)
        worker.held.append(key)
        self.owner[key] = worker
        self.reusable.append(key)  # waiting for its first request: nginx may reuse it too
        if not self.settings.reuseport:
            due = worker.accepts % REORDER_EVERY == 0 or limit // 8 - free > 0
            worker.accepts += 1
            if due:
                self.queue.remove(worker)
                self.queue.append(worker)
        self.publish(t)

    def _close(self, cause: Leg, conn: Connection, label: str, time: float) -> None:
        """nginx close()s ``conn``: nothing unread, so its kernel sends a FIN; the worker's slot is free."""
        self.release((conn.local, conn.remote))
        self.closed.add((conn.local, conn.remote))
        if conn.state in ("ESTABLISHED", "CLOSE_WAIT"):
            self.device.kernel_segment(cause, conn, FIN | ACK, label, time)

    def release(self, key: ConnKey) -> None:
        worker = self.owner.pop(key, None)
        if worker is not None:
            worker.held.remove(key)
        if key in self.reusable:
            self.reusable.remove(key)

    # -- what crosses the wire ---------------------------------------------------------------------
    def data_for_closed(self, arrival: Arrival, ip: Any, tcp: Any, conn: Connection | None) -> bool:
        """Data for a socket nginx has closed: its kernel answers RST (seq = the segment's ack, no
        ACK flag), and the socket is gone. True when that happened."""
        key = ((ip.dst, tcp.dport), (ip.src, tcp.sport))
        if key not in self.closed or conn is None or not tcp.payload or int(tcp.flags) & RST:
            return False
        sc = layers()
        self.device.sim.end_leg(arrival.leg, Outcome.ANSWERED, "nginx had closed this socket: the kernel answers RST")
        conn.state = "CLOSED"
        self.device.badge(arrival.time, "CLOSED")
        self.device.publish_sockets(arrival.time)
        rst = sc.IP(src=ip.dst, dst=ip.src, ttl=64, id=0, flags="DF") / sc.TCP(
            sport=tcp.dport, dport=tcp.sport, flags="R", seq=tcp.ack, ack=0, window=0
        )
        leg = self.device.sim.new_leg(f"{arrival.leg.id}.rst", "RST", "tcp", arrival.leg, self.device.id)
        self.device.send_reply(leg, rst, arrival.time)
        return True

    def arrived(self, time: float, conn: Connection, flags: int, payload: int) -> None:
        """A request's bytes make a connection busy (never reused); the client's FIN or RST ends it."""
        key = (conn.local, conn.remote)
        if key not in self.owner:
            return
        if payload and key in self.reusable:
            self.reusable.remove(key)
        if flags & RST:
            self.release(key)
        self.publish(time)

    def leaving(self, time: float, conn: Connection, flags: int, payload: bytes) -> None:
        """A response sent makes the connection idle (keep-alive); nginx's own FIN or RST frees it."""
        key = (conn.local, conn.remote)
        if key not in self.owner:
            return
        if flags & (FIN | RST):
            self.release(key)
            self.closed.add(key)
        elif payload.startswith(b"HTTP/1.") and key not in self.reusable:
            self.reusable.append(key)
        self.publish(time)

    # -- tables ------------------------------------------------------------------------------------
    def process_of(self, key: ConnKey) -> str:
        """``ss -tnp``'s process column for a connection: its worker while nginx holds it."""
        worker = self.owner.get(key)
        return str(worker.pid) if worker is not None else ""

    def listening(self) -> list[tuple[str, str, str, str]]:
        """``ss -ltnp``'s lines: one shared socket per port, or one per worker with reuseport; every
        process holds every one of them (inherited from the master), as ss lists them."""
        pids = ",".join(str(p) for p in [MASTER_PID, *(w.pid for w in self.workers)])
        copies = len(self.workers) if self.settings.reuseport else 1
        line = ("0.0.0.0:*", "LISTEN", pids)
        return [(f"0.0.0.0:{port}", *line) for port in self.device.node.listen for _ in range(copies)]

    def publish(self, time: float) -> None:
        """One row per worker: its client connections (idle: nginx may close it) and what it uses of
        worker_connections, its listening sockets and master channel included."""
        rows = []
        for worker in self.workers:
            clients = ", ".join(f":{key[1][1]}{' idle' if key in self.reusable else ' busy'}" for key in worker.held)
            rows.append((str(worker.pid), clients or "none", f"{self.used(worker)} of {self.settings.worker_connections}"))
        self.device.publish(time, TableKind.NGINX_WORKERS, rows)
