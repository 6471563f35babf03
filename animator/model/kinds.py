"""Device kinds: the one list of what a node's ``kind:`` may be, and what each kind is.

Everything that differs by kind outside the simulator's behaviour is read from here: the values
the loader accepts for ``kind:`` (``schema.NodeKind``), the icon drawn for it, the device tables
it publishes (the titles ``show_tables:`` accepts), the capabilities the addressing and layout
rules ask about (does it route, is it plain Layer 2, does it stand for the internet), and any
extra check its configuration needs. The simulator's behaviour for each kind is one class in
``animator.engine.sim.devices``, registered under the same name; tests fail when a kind here has
no class there, no icon in ``assets/icons``, or no row in the device table of ``docs/devices.md``.

This half lives in the model because the model must know the kinds to load a scene, and the
layering lets the model import nothing above it; the engine joins its classes to these entries.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from animator.model.errors import Mark

if TYPE_CHECKING:  # schema imports this module to derive NodeKind
    from animator.model.schema import Node


class TableKind(enum.StrEnum):
    """A table a device keeps, by the title it is shown under (and listed as in ``show_tables``).

    A ``StrEnum``: a member equals its title, so the titles authors write compare equal to it.
    """

    MAC = "MAC table"
    ARP = "ARP cache"
    ROUTES = "Routing table"
    NAT = "NAT table"
    FIREWALL = "Firewall"
    CONNTRACK = "Conntrack"
    POOL = "Pool"
    SOCKETS = "Sockets"
    ZONE = "Zone"
    CACHE = "Cache"
    DNS_CACHE = "DNS cache"
    #: A database's sessions, as PostgreSQL's ``pg_stat_activity`` view shows them.
    ACTIVITY = "pg_stat_activity"
    #: A database's table, committed rows only (what another session would read).
    ROWS = "Rows"
    #: Row locks held (as ``pgrowlocks`` shows them) and waited for (``pg_locks``, granted = f).
    ROW_LOCKS = "Row locks"
    #: A pooler's pool, as PgBouncer's admin console ``SHOW POOLS`` prints it (the columns that move).
    POOLS = "SHOW POOLS"
    #: A pooler's server connections (``SHOW SERVERS``): state and the client each is lent to.
    SERVERS = "SHOW SERVERS"
    #: A pooler's client connections (``SHOW CLIENTS``): state and the server each is linked to.
    CLIENTS = "SHOW CLIENTS"
    #: A bumping proxy's TLS interceptions (Squid's ssl_bump steps): client, name, step, upstream.
    SSL_BUMP = "ssl_bump"
    #: The certificates a bumping proxy minted (Squid's ``ssl_db`` cache): subject and issuer.
    MINTED = "Minted certs"
    #: A node's TCP counters as ``nstat`` prints them (non-zero only): SYN backlog drops, SYN cookies.
    NSTAT = "nstat"
    #: An nginx server's worker processes: what each holds of its worker_connections.
    NGINX_WORKERS = "nginx workers"

    @property
    def columns(self) -> tuple[str, ...]:
        """The table's column headings (a balancer's Pool names its count column itself)."""
        return _COLUMNS[self]


_COLUMNS: dict[TableKind, tuple[str, ...]] = {
    TableKind.MAC: ("MAC address", "Port"),
    TableKind.ARP: ("IP address", "MAC address"),
    TableKind.ROUTES: ("Destination", "Next hop", "Interface"),
    TableKind.NAT: ("Proto", "Inside", "Outside"),
    # As ``iptables -L -v -n`` prints them: counters, target, and the match in its own words.
    TableKind.FIREWALL: ("Chain", "pkts", "bytes", "target", "match"),
    # As ``conntrack -L`` prints an entry: the original and reply tuples, the TCP state, the status.
    TableKind.CONNTRACK: ("Proto", "State", "Original", "Reply", "Status"),
    TableKind.POOL: ("Backend", "Health", "Conns"),
    TableKind.SOCKETS: ("Local", "Remote", "State"),
    TableKind.ZONE: ("Name", "Type", "Address"),
    TableKind.CACHE: ("Path", "Variant", "Stored", "Age", "TTL left", "ETag"),
    TableKind.DNS_CACHE: ("Name", "Type", "Value", "TTL left"),
    TableKind.ACTIVITY: ("pid", "usename", "datname", "state", "backend_xid", "wait_event"),
    # A database's Rows table names its columns itself (``database.columns``).
    TableKind.ROWS: ("id", "value"),
    TableKind.ROW_LOCKS: ("row", "pid", "mode", "lock"),
    TableKind.POOLS: ("cl_active", "cl_waiting", "sv_active", "sv_idle", "sv_login", "pool_mode"),
    TableKind.SERVERS: ("local_port", "state", "link"),
    TableKind.CLIENTS: ("port", "state", "link"),
    TableKind.SSL_BUMP: ("Client", "SNI", "Step", "Upstream"),
    TableKind.MINTED: ("Subject", "Issuer", "Used"),
    TableKind.NSTAT: ("Counter", "Value"),
    TableKind.NGINX_WORKERS: ("Worker", "Clients", "Used"),
}


class Capability(enum.Flag):
    """What addressing and layout rules ask of a kind, instead of comparing kind names."""

    NONE = 0
    #: Forwards IP packets between networks: may be a host's default gateway, and an address
    #: beyond its subnets is reached through it.
    ROUTES = enum.auto()
    #: Plain Layer 2: forwards frames by MAC and is never a frame's addressee (no MAC of its own).
    BRIDGES = enum.auto()
    #: Stands for the rest of the internet (the ISP's routers): reaches every address and knows
    #: every MAC without ARP; a host wired to it needs no gateway.
    INTERNET = enum.auto()
    #: A machine people use: the layout puts the ones that speak first in the first column.
    CLIENT = enum.auto()


#: A kind's extra check of a node's configuration: (where, message) for each problem.
NodeCheck = Callable[["Node"], Iterator[tuple[Mark, str]]]


@dataclass(frozen=True, slots=True)
class DeviceKind:
    """One value of ``kind:``: everything but its simulated behaviour (that is the engine's)."""

    name: str
    #: The icon's file name in ``assets/icons`` (without ``.svg``).
    icon: str
    #: The device tables characteristic of this kind (its row in ``docs/devices.md`` lists them).
    #: Any device may also keep an ARP cache and sockets, and settings add theirs (``firewall:``
    #: its Firewall and Conntrack, ``routes:`` a Routing table).
    tables: tuple[TableKind, ...] = ()
    capabilities: Capability = Capability.NONE
    #: The node settings this kind's own behaviour reads. Any node may also carry ``firewall:``,
    #: ``nat:``, ``zone:`` or a ``balancer:`` with ``pools:``: each adds its behaviour (a packet
    #: filter, translation, a name server's answers, L7 relaying) to whatever the kind does.
    reads: tuple[str, ...] = ()
    #: Checks of the node's configuration that only this kind needs.
    check: NodeCheck | None = None

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities


def _needs_balancer(node: Node) -> Iterator[tuple[Mark, str]]:
    """A reverse proxy relays to backends; without ``balancer:`` it would have nowhere to send."""
    if node.balancer is None:
        yield node.mark, f"node '{node.id}': a reverse proxy needs 'balancer:' with its backends or pools"


def _http_proxy(node: Node) -> Iterator[tuple[Mark, str]]:
    """An HTTP proxy writes headers; the PROXY protocol is a layer-4 proxy's (never silently ignored)."""
    if node.proxy is not None and node.proxy.send_proxy != "off":
        where = node.proxy.marks.get("send_proxy", node.proxy.mark)
        yield where, f"node '{node.id}': 'send_proxy' is for a tcp-proxy (HAProxy mode tcp); an HTTP proxy adds headers"
    if node.proxy is not None and node.proxy.bump and node.kind != "proxy":
        where = node.proxy.marks.get("bump", node.proxy.mark)
        yield where, f"node '{node.id}': 'bump' intercepts CONNECT tunnels: a forward proxy's (kind: proxy)"
    if node.proxy is not None and not node.proxy.bump:
        for name in ("product", "request_headers"):
            if getattr(node.proxy, name):
                where = node.proxy.marks.get(name, node.proxy.mark)
                yield where, f"node '{node.id}': '{name}' is written by a bumping proxy: add 'bump: true'"


def _reverse_proxy(node: Node) -> Iterator[tuple[Mark, str]]:
    yield from _needs_balancer(node)
    yield from _http_proxy(node)


def _needs_backends(node: Node) -> Iterator[tuple[Mark, str]]:
    """A TCP proxy relays whole connections: it needs ``balancer:`` with backends, not pools,
    and it writes no HTTP headers (it never reads the stream)."""
    if node.proxy is not None:
        for name in ("forwarded_for", "via"):
            if getattr(node.proxy, name) is not None:
                where = node.proxy.marks.get(name, node.proxy.mark)
                yield where, f"node '{node.id}': a tcp-proxy reads no HTTP, so it adds no '{name}': use 'send_proxy'"
    if node.balancer is None or not node.balancer.backends:
        yield node.mark, f"node '{node.id}': a tcp-proxy needs 'balancer:' with 'backends:'"
    elif node.balancer.pools:
        yield (
            node.balancer.marks.get("pools", node.mark),
            f"node '{node.id}': a tcp-proxy reads no HTTP: 'pools:' needs a reverse-proxy",
        )


def _database(node: Node) -> Iterator[tuple[Mark, str]]:
    """Every row has one value per column, and the key column's values are distinct."""
    settings = node.database
    if settings is None:
        return
    where = settings.marks.get("rows", settings.mark)
    if not settings.columns:
        yield settings.marks.get("columns", settings.mark), f"node '{node.id}': a database table needs 'columns'"
        return
    keys: set[str] = set()
    for number, row in enumerate(settings.rows, start=1):
        if len(row) != len(settings.columns):
            yield (
                where,
                (
                    f"node '{node.id}': row {number} has {len(row)} values for {len(settings.columns)} columns"
                    f" ({', '.join(settings.columns)})"
                ),
            )
        elif row[0] in keys:
            yield where, f"node '{node.id}': row {number} repeats the key {settings.columns[0]} = {row[0]}"
        elif row:
            keys.add(row[0])


_HOST_TABLES = (TableKind.ARP, TableKind.SOCKETS, TableKind.NSTAT)
_ROUTER = Capability.ROUTES
_STACK = ("ipv4", "ipv6", "mac", "gateway", "listen", "down")

_KINDS = (
    DeviceKind("host", "host", _HOST_TABLES, Capability.CLIENT, _STACK),
    DeviceKind("server", "server", (*_HOST_TABLES, TableKind.NGINX_WORKERS), reads=(*_STACK, "nginx")),
    DeviceKind("switch", "switch", (TableKind.MAC,), Capability.BRIDGES, ("mac", "down")),
    DeviceKind("router", "router", (TableKind.ROUTES, TableKind.ARP), _ROUTER, (*_STACK, "routes")),
    DeviceKind("nat", "nat", (TableKind.NAT,), _ROUTER, (*_STACK, "routes", "nat")),
    DeviceKind("firewall", "firewall", (TableKind.FIREWALL, TableKind.CONNTRACK), _ROUTER, (*_STACK, "routes", "firewall")),
    DeviceKind(
        "proxy",
        "proxy",
        (TableKind.SOCKETS, TableKind.SSL_BUMP, TableKind.MINTED),
        reads=(*_STACK, "balancer", "proxy"),
        check=_http_proxy,
    ),
    DeviceKind(
        "reverse-proxy",
        "reverse-proxy",
        (TableKind.POOL, TableKind.SOCKETS, TableKind.CACHE),
        reads=(*_STACK, "balancer", "proxy"),
        check=_reverse_proxy,
    ),
    # HAProxy in ``mode tcp``: ends the client's TCP connection and opens its own to a backend.
    DeviceKind(
        "tcp-proxy",
        "tcp-proxy",
        (TableKind.POOL, TableKind.SOCKETS),
        reads=(*_STACK, "balancer", "proxy"),
        check=_needs_backends,
    ),
    DeviceKind("load-balancer", "load-balancer", (TableKind.POOL,), _ROUTER, (*_STACK, "routes", "balancer")),
    DeviceKind("dns", "dns", (TableKind.ZONE, TableKind.DNS_CACHE), reads=(*_STACK, "zone", "recursive")),
    # PostgreSQL: answers on its port; its tables follow the messages that cross the wire.
    DeviceKind(
        "database",
        "database",
        (TableKind.ACTIVITY, TableKind.ROWS, TableKind.ROW_LOCKS),
        reads=(*_STACK, "database"),
        check=_database,
    ),
    # PgBouncer: lends a few server connections to many clients, per transaction or per session.
    DeviceKind(
        "pooler",
        "pooler",
        (TableKind.POOLS, TableKind.SERVERS, TableKind.CLIENTS),
        reads=(*_STACK, "pooler"),
    ),
    DeviceKind("internet", "internet", (), _ROUTER | Capability.INTERNET, ("ipv4", "ipv6", "mac", "routes", "down")),
    # An alias authors reach for: the same device, drawn with the same icon.
    DeviceKind("cloud", "internet", (), _ROUTER | Capability.INTERNET, ("ipv4", "ipv6", "mac", "routes", "down")),
)

#: Every kind by name, in the order error messages list them.
DEVICE_KINDS: Mapping[str, DeviceKind] = MappingProxyType({kind.name: kind for kind in _KINDS})

#: Every table title ``show_tables`` accepts, in the order error messages list them.
TABLE_TITLES: tuple[str, ...] = tuple(table.value for table in TableKind)


def kinds_that(capability: Capability) -> frozenset[str]:
    """The names of the kinds with ``capability``."""
    return frozenset(name for name, kind in DEVICE_KINDS.items() if kind.can(capability))
