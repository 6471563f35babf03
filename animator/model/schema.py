"""The typed scene model: what an author writes, after validation.

Every class is a frozen dataclass so a loaded scene can be shared by the engine, the UI and
exporters without anyone mutating it. ``mark`` is where the object starts in the file and
``marks`` where each of its keys' values start (and the items of lists of plain values, such as
ids, as ``key[i]``; objects in lists carry their own ``mark``), so checks made after decoding
(unknown ids, unreachable nodes) can still point at the exact token.
See ``docs/scene-format.md`` for the author's view of the same format.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal

from animator.model.errors import NO_MARK, Mark
from animator.model.kinds import DEVICE_KINDS
from animator.model.topology import Topology

FORMAT_VERSION = 1

if TYPE_CHECKING:
    NodeKind = str
else:
    #: The values ``kind:`` accepts: derived from the device registry, so a new kind needs no edit here.
    #: The decoder reads the choices from this ``Literal``; type checkers see a plain ``str``.
    NodeKind = Literal[tuple(DEVICE_KINDS)]

Protocol = Literal[
    "ethernet",
    "arp",
    "ip",
    "ipv6",
    "icmp",
    "tcp",
    "udp",
    "dns",
    "dhcp",
    "http",
    "http2",
    "tls",
    "quic",
    "websocket",
    "pgsql",
    "ssh",
    "data",
]
PROTOCOLS: tuple[str, ...] = Protocol.__args__  # type: ignore[attr-defined]

_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_MAC = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")


# -- value checks (each returns an error message or None) ------------------------------
def check_id(value: str) -> str | None:
    if not _ID.match(value):
        return f"'{value}' is not a valid id: use 1-64 letters, digits, '_', '.' or '-'"
    return None


def check_mac(value: str) -> str | None:
    if not _MAC.match(value):
        return f"'{value}' is not a MAC address: expected six hex pairs like 02:00:5e:10:00:01"
    return None


def check_ipv4s(values: tuple[str, ...]) -> str | None:
    for value in values:
        try:
            ipaddress.IPv4Interface(value)
        except ValueError:
            return f"'{value}' is not an IPv4 address: expected a.b.c.d or a.b.c.d/prefix"
    return None


def check_ipv6s(values: tuple[str, ...]) -> str | None:
    for value in values:
        try:
            ipaddress.IPv6Interface(value)
        except ValueError:
            return f"'{value}' is not an IPv6 address: expected an address like 2001:db8::1/64"
    return None


#: The longest a step, or a moment within one (``at``), may last. A lecture scene runs minutes,
#: a whole course a few hours; a bound keeps every time the player, the ladder and the pcap
#: export compute far from overflow (``at: 1.0e+300`` once crashed the pcap writer).
MAX_SECONDS = 3600.0
#: The longest a whole scene may play, steps added up (the timeline checks it: only it knows how
#: long steps without a ``duration`` take). A day: far past any lecture, far below where the
#: player's pixel and millisecond arithmetic would overflow.
MAX_SCENE_SECONDS = 24 * 3600.0
#: The longest ``hop_time``: a hop is a second or so on a slide; a minute is already absurd.
MAX_HOP_TIME = 60.0
#: The longest link latency, in milliseconds: a geostationary satellite hop is about 600 ms.
MAX_LATENCY_MS = 60_000.0


def check_positive(value: float) -> str | None:
    return None if value > 0 else f"expected a number greater than 0, got {value:g}"


def check_not_negative(value: float) -> str | None:
    return None if value >= 0 else f"expected 0 or more seconds, got {value:g}"


def check_duration(value: float) -> str | None:
    """A step's duration: more than 0 and at most ``MAX_SECONDS``."""
    if value > MAX_SECONDS:
        return f"{value:g} s is too long: a step lasts at most {MAX_SECONDS:g} s (an hour)"
    return check_positive(value)


def check_at(value: float) -> str | None:
    """When an action starts within its step: 0 to ``MAX_SECONDS``."""
    if value > MAX_SECONDS:
        return f"{value:g} s is too late: an action starts at most {MAX_SECONDS:g} s (an hour) into its step"
    return check_not_negative(value)


def check_hop_time(value: float) -> str | None:
    """Seconds one hop takes on screen: more than 0 and at most ``MAX_HOP_TIME``."""
    if value > MAX_HOP_TIME:
        return f"{value:g} s is too long: a hop takes at most {MAX_HOP_TIME:g} s on screen"
    return check_positive(value)


_LATENCY = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(us|µs|ms|s)?\s*$")
_UNIT_MS = {"us": 0.001, "µs": 0.001, "ms": 1.0, "s": 1000.0, None: 1.0}


def parse_latency_ms(text: str) -> float | None:
    """``"40ms"``, ``"0.2s"``, ``"500us"`` or a bare number of milliseconds."""
    match = _LATENCY.match(text)
    if not match:
        return None
    return float(match.group(1)) * _UNIT_MS[match.group(2)]


def check_latency(value: str) -> str | None:
    latency = parse_latency_ms(value)
    if latency is None:
        return f'\'{value}\' is not a latency: expected milliseconds (40) or a unit ("40ms", "0.2s", "500us")'
    if latency > MAX_LATENCY_MS:
        return f"'{value}' is too long a latency: at most {MAX_LATENCY_MS / 1000:g} s"
    return None


_HEX = re.compile(r"^[0-9A-Fa-f]*$")


def check_hex(value: str) -> str | None:
    digits = re.sub(r"[\s:]", "", value)
    if not _HEX.match(digits):
        bad = next(c for c in digits if c not in "0123456789abcdefABCDEF")
        return f"'{bad}' is not hex: expected the frame's bytes as hex digits (spaces and ':' allowed)"
    if len(digits) % 2:
        return f"odd number of hex digits ({len(digits)}): every byte needs two"
    if len(digits) < 28:
        return "too short for an Ethernet frame: expected at least 14 bytes (28 hex digits)"
    return None


def check_prefix(value: str) -> str | None:
    if value == "default":
        return None
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return f"'{value}' is not a network: expected a prefix like 10.0.0.0/8, 2001:db8::/32 or 'default'"
    return None


def check_ip(value: str) -> str | None:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return f"'{value}' is not an IP address: expected a.b.c.d or an IPv6 address"
    return None


def check_endpoint(value: str) -> str | None:
    """``10.0.0.5`` or ``10.0.0.5:8080`` (IPv6 in brackets: ``[2001:db8::5]:8080``)."""
    return None if parse_endpoint(value) is not None else f"'{value}' is not an address: expected 10.0.0.5 or 10.0.0.5:8080"


def parse_endpoint(value: str) -> tuple[str, int | None] | None:
    host, port = value, None
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        if rest:
            if not rest.startswith(":") or not rest[1:].isdigit():
                return None
            port = int(rest[1:])
    elif value.count(":") == 1:
        host, _, text = value.partition(":")
        if not text.isdigit():
            return None
        port = int(text)
    if check_ip(host) is not None or (port is not None and not 0 < port < 65536):
        return None
    return host, port


def check_port(value: int) -> str | None:
    return None if 0 < value < 65536 else f"port {value} is out of range: expected 1-65535"


#: Attribute types a certificate's distinguished name may use in ``proxy: {ca: ...}``.
NAME_ATTRIBUTES = ("C", "ST", "L", "O", "OU", "CN")


def check_distinguished_name(value: str) -> str | None:
    for part in value.split(","):
        kind, _, text = part.strip().partition("=")
        if kind.strip().upper() not in NAME_ATTRIBUTES or not text.strip():
            return f"'{part.strip()}' is not a name attribute: write e.g. 'O=Example Corp, CN=Example Corp Proxy CA'"
    return None


def check_header_lines(values: tuple[str, ...]) -> str | None:
    for line in values:
        name, colon, value = line.partition(":")
        if not colon or not name.strip() or " " in name.strip() or not value.strip():
            return f"'{line}' is not a header line: write 'Name: value'"
    return None


def check_vrid(value: int) -> str | None:
    return None if 0 < value < 256 else f"virtual router id {value} is out of range: expected 1-255"


def check_vrrp_version(value: int) -> str | None:
    return None if value in (2, 3) else f"VRRP version {value}: expected 2 (keepalived's default) or 3"


def check_priority(value: int) -> str | None:
    return None if 0 < value < 255 else f"VRRP priority {value} is out of range: expected 1-254 (255 is the address owner)"


def check_ports(values: tuple[int, ...]) -> str | None:
    return next((p for v in values if (p := check_port(v))), None)


_EXPERT_FIELD = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)+$")


def check_expert_fields(values: tuple[str, ...]) -> str | None:
    """Names of Wireshark expert findings (``tcp.analysis.retransmission``): the filter name Wireshark
    shows in its Expert Information pane, which is what ``expect:`` lists."""
    for value in values:
        if not _EXPERT_FIELD.match(value):
            return (
                f"'{value}' is not a Wireshark expert finding: write its filter name,"
                " such as tcp.analysis.retransmission or ip.ttl.too_small"
            )
    return None


def _marks() -> Mapping[str, Mark]:
    return {}


MARK = field(default=NO_MARK, compare=False, repr=False)


def MARKS() -> Mapping[str, Mark]:  # noqa: N802 - reads like the MARK constant it pairs with
    return field(default_factory=_marks, compare=False, repr=False)


# -- the model ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Chapter:
    id: str = field(metadata={"check": check_id})
    title: str
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class Route:
    """A routing-table entry: where packets for ``to`` go next (``via`` omitted: on-link)."""

    to: str = field(metadata={"check": check_prefix})
    via: str | None = field(default=None, metadata={"check": check_ip})
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class PortForward:
    """DNAT on a NAT gateway: connections to its outside ``port`` go to ``to`` inside."""

    port: int = field(metadata={"check": check_port})
    to: str = field(metadata={"check": check_endpoint})
    proto: Literal["tcp", "udp"] = "tcp"
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class Nat:
    """Source NAT (masquerade) behind the node's outside address, and port forwards."""

    #: The outside address; by default the node's last IPv4 address.
    outside: str | None = field(default=None, metadata={"check": check_ip})
    #: First outside port handed out; by default a connection keeps its source port while free (as Linux does).
    first_port: int | None = field(default=None, metadata={"check": check_port})
    forward: tuple[PortForward, ...] = ()
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


Chain = Literal["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"]
CHAINS: tuple[str, ...] = Chain.__args__  # type: ignore[attr-defined]
RejectWith = Literal[
    "icmp-port-unreachable",
    "icmp-net-unreachable",
    "icmp-host-unreachable",
    "icmp-proto-unreachable",
    "icmp-net-prohibited",
    "icmp-host-prohibited",
    "icmp-admin-prohibited",
    "tcp-reset",
]


@dataclass(frozen=True)
class Rule:
    """One iptables-like rule: the first rule of a chain that matches decides."""

    chain: Chain
    action: Literal["ACCEPT", "DROP", "REJECT", "DNAT", "SNAT", "MASQUERADE"]
    #: The iptables table (``-t``): by default ``nat`` for DNAT, SNAT and MASQUERADE, else ``filter``.
    table: Literal["filter", "nat"] | None = None
    #: What REJECT answers with (``--reject-with``); iptables' default is icmp-port-unreachable.
    reject_with: RejectWith | None = None
    proto: Literal["tcp", "udp", "icmp", "all"] = "all"
    src: str | None = field(default=None, metadata={"check": check_prefix})
    dst: str | None = field(default=None, metadata={"check": check_prefix})
    dport: int | None = field(default=None, metadata={"check": check_port})
    sport: int | None = field(default=None, metadata={"check": check_port})
    #: Conntrack states the rule applies to (``-m conntrack --ctstate``), e.g. [ESTABLISHED, RELATED].
    state: tuple[Literal["NEW", "ESTABLISHED", "RELATED", "INVALID"], ...] = field(default=(), metadata={"one_or_many": True})
    #: DNAT/SNAT target, ``10.0.0.5`` or ``10.0.0.5:8080``.
    to: str | None = field(default=None, metadata={"check": check_endpoint})
    comment: str | None = None
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class Firewall:
    """Chains of rules, with each built-in chain's policy (what happens when no rule matches)."""

    rules: tuple[Rule, ...] = ()
    input_policy: Literal["ACCEPT", "DROP"] = "ACCEPT"
    forward_policy: Literal["ACCEPT", "DROP"] = "ACCEPT"
    output_policy: Literal["ACCEPT", "DROP"] = "ACCEPT"
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class Pool:
    """An L7 routing rule: requests for ``host`` and/or under ``path`` go to ``backends``."""

    backends: tuple[str, ...] = field(metadata={"one_or_many": True})
    host: str | None = None
    path: str | None = None
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class Balancer:
    """A load balancer's virtual service and its backends (node ids)."""

    backends: tuple[str, ...] = field(default=(), metadata={"one_or_many": True})
    #: The virtual IP; by default the node's first IPv4 address.
    vip: str | None = field(default=None, metadata={"check": check_ip})
    port: int = field(default=80, metadata={"check": check_port})
    #: Port the backends listen on; by default ``port``.
    backend_port: int | None = field(default=None, metadata={"check": check_port})
    #: ``source`` hashes the client address alone (HAProxy ``balance source``, nginx ``ip_hash``):
    #: every connection from one client reaches the same backend, i.e. sticky sessions.
    algorithm: Literal["round-robin", "least-connections", "hash", "source"] = "round-robin"
    #: L7 only: choose the pool by Host header and path prefix, first match wins.
    pools: tuple[Pool, ...] = ()
    #: L7 only: keep 200 responses to GET and answer repeats from the cache (a CDN edge).
    cache: bool = False
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class ProxySettings:
    """What a proxy writes into what it relays, named after the software that does it.

    ``forwarded_for`` is Squid's directive of the same name: ``on`` appends the client's address
    to X-Forwarded-For (Squid's default, and nginx's ``$proxy_add_x_forwarded_for``), ``off``
    appends ``unknown``, ``truncate`` replaces any earlier list with the client alone, ``delete``
    removes the header, ``transparent`` passes it on untouched. ``via`` adds ``Via: 1.1 <node>``
    to requests and relayed responses (RFC 9110 §7.6.3; Squid does by default, nginx and HAProxy
    do not). ``send_proxy`` is HAProxy's ``send-proxy`` / ``send-proxy-v2`` on a ``tcp-proxy``:
    the PROXY protocol header that tells the backend who the client was.

    ``bump`` is Squid's ``ssl_bump peek step1 / stare step2 / bump all`` on a forward ``proxy``: it
    answers CONNECT at once, reads the ClientHello, opens its own TLS session to the origin, then
    ends the client's TLS with a certificate for the same name issued by ``ca`` (the distinguished
    name of the proxy's CA, as OpenSSL prints it), and relays the decrypted HTTP between the two
    sessions. ``product`` is the comment Squid puts after its name in Via (``squid/5.7``);
    ``request_headers`` are ``Name: value`` lines added to each request it forwards (Squid's
    ``request_header_add``, nginx's ``proxy_set_header``).
    """

    forwarded_for: Literal["on", "off", "truncate", "delete", "transparent"] | None = None
    via: bool | None = None
    send_proxy: Literal["off", "v1", "v2"] = "off"
    bump: bool = False
    ca: str = field(default="O=Example Corp, CN=Example Corp Proxy CA", metadata={"check": check_distinguished_name})
    product: str | None = None
    request_headers: tuple[str, ...] = field(default=(), metadata={"one_or_many": True, "check": check_header_lines})
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class Vrrp:
    """keepalived's ``vrrp_instance`` on the node: one virtual router shared by several nodes.

    The node with the highest ``priority`` starts as MASTER and holds the ``vip``; a node that sends
    an advertisement (a ``vrrp`` layer) becomes MASTER, one that sends priority 0 resigns. Without
    ``use_vmac`` (keepalived's default) the master answers ARP with its own MAC, so a takeover's
    gratuitous ARP changes every host's cache; with it (standard VRRP, RFC 5798 §7.3) the master
    answers with the virtual MAC 00:00:5e:00:01:{vrid}, hosts' caches never change, and the
    gratuitous ARP only moves that MAC in the switches' tables.
    """

    vrid: int = field(metadata={"check": check_vrid})
    vip: tuple[str, ...] = field(metadata={"one_or_many": True, "check": check_ipv4s})
    priority: int = field(default=100, metadata={"check": check_priority})
    use_vmac: bool = False
    #: Seconds between advertisements (``advert_int``).
    advert_int: int = 1
    #: keepalived sends VRRPv2 unless ``vrrp_version 3``.
    version: int = field(default=2, metadata={"check": check_vrrp_version})
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class Record:
    """A DNS zone entry the ``dns`` node answers from."""

    name: str
    a: tuple[str, ...] = field(default=(), metadata={"one_or_many": True, "check": check_ipv4s})
    aaaa: tuple[str, ...] = field(default=(), metadata={"one_or_many": True, "check": check_ipv6s})
    #: A delegation: the names of the servers for the zone ``name`` (their addresses, the glue,
    #: are A records of the same zone). The server answers names under it with a referral.
    ns: tuple[str, ...] = field(default=(), metadata={"one_or_many": True})
    ttl: int = 300
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class DatabaseSettings:
    """What a ``database`` node (PostgreSQL) holds: its name, its port, and one small table whose
    rows it shows and changes as the statements that reach it commit."""

    name: str = "app"
    port: int = field(default=5432, metadata={"check": check_port})
    table: str = "items"
    #: The table's columns; the first is its key (``WHERE id = 1`` finds a row by it).
    columns: tuple[str, ...] = ("id", "value")
    rows: tuple[tuple[str, ...], ...] = ()
    #: Client nodes already logged in when the scene starts: their TCP connection is open and their
    #: session idle (a postgres_fdw coordinator keeps its connections to the shards for the session).
    sessions: tuple[str, ...] = field(default=(), metadata={"one_or_many": True})
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class PoolerSettings:
    """A ``pooler`` node (PgBouncer): how it hands its server connections to its clients."""

    #: ``transaction``: a server connection is lent for one transaction (back at ReadyForQuery I);
    #: ``session``: for as long as the client stays connected. PgBouncer's ``pool_mode``.
    mode: Literal["session", "transaction"] = "transaction"
    #: Server connections per database and user (PgBouncer's ``default_pool_size``, 20 by default).
    pool_size: int = field(default=20, metadata={"check": check_port})
    #: The port clients connect to (PgBouncer's 6432) and the database's port.
    port: int = field(default=6432, metadata={"check": check_port})
    server_port: int = field(default=5432, metadata={"check": check_port})
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


def check_segments(value: int) -> str | None:
    return None if 1 <= value <= 1000 else "must be between 1 and 1000 segments"


def check_buffer(value: int) -> str | None:
    return None if 0 < value <= 1 << 30 else "must be between 1 and 1073741824 bytes"


@dataclass(frozen=True)
class TcpSettings:
    """A host's TCP stack as Linux lets an administrator tune it, one key per sysctl or route option.

    Absent, a stack behaves as before: no congestion model, no receive-buffer limit, no SYN
    backlog limit. Present, the simulator keeps what each key governs and shows it (``ss -ti``),
    and the TCP graph plots it.
    """

    #: ``net.ipv4.tcp_congestion_control``: Linux's default ``cubic`` (cwnd × 0.7 on loss) or ``reno`` (× 0.5).
    congestion: Literal["cubic", "reno"] | None = None
    #: ``ip route … initcwnd N``: the congestion window a connection starts with, in segments (Linux: 10).
    initcwnd: int = field(default=10, metadata={"check": check_segments})
    #: The MSS this stack announces and sends with (``ip route … advmss N``); None: from the MTU.
    mss: int | None = field(default=None, metadata={"check": check_port})
    #: ``SO_RCVBUF``: bytes the receiver holds before its application reads them; the window it
    #: advertises is what is left (0: a zero window, the sender must stop and probe).
    rcvbuf: int | None = field(default=None, metadata={"check": check_buffer})
    #: ``net.ipv4.tcp_syncookies``: 0 never, 1 when the SYN backlog is full (Linux's default), 2 always.
    syncookies: Literal[0, 1, 2] = 1
    #: The SYN backlog of a listening socket: half-open (SYN_RECV) connections it holds at most
    #: (``listen()``'s backlog capped by ``net.ipv4.tcp_max_syn_backlog``); None: unlimited.
    syn_backlog: int | None = field(default=None, metadata={"check": check_segments})
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


def check_worker_processes(value: int) -> str | None:
    return None if 1 <= value <= 64 else "must be between 1 and 64 worker processes"


def check_worker_connections(value: int) -> str | None:
    if 3 <= value <= 65535:
        return None
    return "must be between 3 and 65535: a worker's listening socket and its channel to the master take two"


@dataclass(frozen=True)
class NginxSettings:
    """nginx's process model on a ``server``: ``worker_processes``, ``events { worker_connections }``
    and ``listen … reuseport``. The simulator gives each accepted connection to one worker, counts
    what each worker holds, and closes an idle keep-alive connection when a worker is full
    (``animator.engine.sim.features.nginx_workers``)."""

    workers: int = field(default=1, metadata={"check": check_worker_processes})
    #: Connections one worker may hold: its listening sockets, its channel to the master, clients
    #: and upstream connections all count (nginx's default is 512; Debian's nginx.conf says 768).
    worker_connections: int = field(default=512, metadata={"check": check_worker_connections})
    #: ``listen … reuseport``: a listening socket per worker, the kernel picks one by a hash of the 4-tuple.
    reuseport: bool = False
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class Node:
    id: str = field(metadata={"check": check_id})
    kind: NodeKind
    label: str | None = None
    mac: str | None = field(default=None, metadata={"check": check_mac})
    ipv4: tuple[str, ...] = field(default=(), metadata={"one_or_many": True, "check": check_ipv4s})
    ipv6: tuple[str, ...] = field(default=(), metadata={"one_or_many": True, "check": check_ipv6s})
    pos: tuple[float, float] | None = None
    #: Default gateway of a host or server; by default the router-like node on its subnet.
    gateway: str | None = field(default=None, metadata={"check": check_ip})
    #: Routing table entries beyond the directly connected networks.
    routes: tuple[Route, ...] = ()
    nat: Nat | None = None
    firewall: Firewall | None = None
    balancer: Balancer | None = None
    #: Proxies only: the headers they add (Via, X-Forwarded-For) or the PROXY protocol they send.
    proxy: ProxySettings | None = None
    #: A virtual IP shared with other nodes by VRRP (keepalived).
    vrrp: Vrrp | None = None
    zone: tuple[Record, ...] = ()
    #: A ``dns`` node that resolves for its clients (asks other servers, caches, answers with RA).
    recursive: bool = False
    #: A ``database`` node's name, port and table (``animator.engine.sim.devices.database``).
    database: DatabaseSettings | None = None
    #: A ``pooler`` node's pool mode, size and ports (``animator.engine.sim.devices.pooler``).
    pooler: PoolerSettings | None = None
    #: Tuning of the node's TCP stack (congestion control, receive buffer, SYN backlog and cookies).
    tcp: TcpSettings | None = None
    #: A ``server`` running nginx: its worker processes and their worker_connections.
    nginx: NginxSettings | None = None
    #: TCP ports a server accepts connections on; others answer SYN with RST. Empty: all.
    listen: tuple[int, ...] = field(default=(), metadata={"one_or_many": True, "check": check_ports})
    #: The machine is off: frames to it are lost (a reverse proxy answers 502 or 504).
    down: Literal["no", "refused", "timeout"] = "no"
    #: Device tables (by title: "MAC table", "NAT table", "Firewall"...) drawn beside the node on the stage.
    show_tables: tuple[str, ...] = field(default=(), metadata={"one_or_many": True})
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()

    @property
    def display_label(self) -> str:
        return self.label if self.label is not None else self.id

    @property
    def icon_kind(self) -> str:
        """The icon's name (``cloud`` is an alias authors reach for; it draws the internet icon)."""
        return DEVICE_KINDS[self.kind].icon


@dataclass(frozen=True)
class Link:
    between: tuple[str, str]
    id: str | None = field(default=None, metadata={"check": check_id})
    label: str | None = None
    latency: str = field(default="1", metadata={"check": check_latency})
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()

    @property
    def link_id(self) -> str:
        return self.id if self.id is not None else f"{self.between[0]}--{self.between[1]}"

    @property
    def latency_ms(self) -> float:
        value = parse_latency_ms(self.latency)
        assert value is not None  # checked when decoded
        return value


@dataclass(frozen=True)
class Layer:
    """One layer of a packet as the author wrote it: ``tcp: {dport: 80, flags: S}``.

    Its fields are free-form plain values: which names and values a layer accepts is the
    packets package's knowledge (it knows scapy), checked after loading with these marks.
    """

    #: Read by the decoder: a list item ``name`` or ``name: {field: value}``, not a record.
    FREE_FORM: ClassVar[bool] = True
    name: str
    fields: Mapping[str, object]
    mark: Mark = MARK
    #: Where each field's value starts, by field name.
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class Send:
    """A message travelling hop by hop from one node to another."""

    KEY: ClassVar[str] = "send"
    from_: str = field(metadata={"key": "from"})
    to: str
    label: str | None = None
    protocol: Protocol = "data"
    via: tuple[str, ...] = ()
    path: tuple[str, ...] | None = None
    drop_at: str | None = None
    at: float = field(default=0.0, metadata={"check": check_at})
    #: A real packet, top layers first; the simulator adds what the sender's stack would.
    layers: tuple[Layer, ...] = ()
    #: The frame's exact bytes (hex, Ethernet first), e.g. from a capture import: the inspector shows these.
    frame: str | None = field(default=None, metadata={"check": check_hex})
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()

    @property
    def display_label(self) -> str:
        return self.label if self.label is not None else self.protocol.upper()

    @property
    def is_real(self) -> bool:
        """Whether this message is a real packet the simulator carries, rather than a labelled token."""
        return bool(self.layers) or self.frame is not None


@dataclass(frozen=True)
class Highlight:
    """Emphasis on nodes and links until the step ends."""

    KEY: ClassVar[str] = "highlight"
    nodes: tuple[str, ...] = ()
    links: tuple[str | tuple[str, str], ...] = ()
    at: float = field(default=0.0, metadata={"check": check_at})
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class Note:
    """A speech bubble beside a node until the step ends."""

    KEY: ClassVar[str] = "note"
    node: str
    text: str
    at: float = field(default=0.0, metadata={"check": check_at})
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class StateSet:
    """A badge under a node (a TCP state, say) that stays until it is set again."""

    KEY: ClassVar[str] = "state"
    node: str
    text: str = ""
    at: float = field(default=0.0, metadata={"check": check_at})
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class TableSet:
    """A table beside a node (NAT mappings, say) that stays until it is set again."""

    KEY: ClassVar[str] = "table"
    node: str
    title: str
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    hide: bool = False
    at: float = field(default=0.0, metadata={"check": check_at})
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class DeviceSet:
    """A device changes during the scene: it fails (``down: refused`` or ``timeout``) or comes back
    (``down: "no"``). The simulator plays later packets against the new state (a failover, a 502)."""

    KEY: ClassVar[str] = "device"
    node: str
    down: Literal["no", "refused", "timeout"]
    at: float = field(default=0.0, metadata={"check": check_at})
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class AppRead:
    """The application on ``node`` reads (``recv()``) from its TCP socket: ``bytes`` of what is
    waiting, or all of it. With ``tcp: {rcvbuf: …}`` the freed buffer reopens the receive window
    the node advertises; the scene's next segment from it carries the larger window."""

    KEY: ClassVar[str] = "read"
    node: str
    bytes: int | None = field(default=None, metadata={"check": check_buffer})
    at: float = field(default=0.0, metadata={"check": check_at})
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


Action = Send | Highlight | Note | StateSet | TableSet | DeviceSet | AppRead


#: A quiz offers at least two choices (else it is no question) and at most six (more do not fit
#: on a projected slide, and the hall cannot vote on them by show of hands).
MIN_CHOICES = 2
MAX_CHOICES = 6


@dataclass(frozen=True)
class Quiz:
    """ "Predict, then reveal": a question asked before the step's animation plays.

    ``answer`` is kept as the author wrote it (a choice's text, or its position counting from
    1), so validation can point at it; ``correct_index`` resolves it once it is known valid.
    """

    question: str
    choices: tuple[str, ...]
    answer: str
    explain: str | None = None
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()

    def correct_index(self) -> int | None:
        """The 0-based index of the right choice; a choice's text wins over a position."""
        if self.answer in self.choices:
            return self.choices.index(self.answer)
        text = self.answer.strip()
        if text.isdigit() and 1 <= int(text) <= len(self.choices):
            return int(text) - 1
        return None


@dataclass(frozen=True)
class Step:
    caption: str
    notes: str | None = None
    id: str | None = field(default=None, metadata={"check": check_id})
    chapter: str | None = None
    duration: float | None = field(default=None, metadata={"check": check_duration})
    actions: tuple[Action, ...] = ()
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()
    #: Markdown for a student stepping through alone: what this step shows and why.
    explain: str | None = None
    quiz: Quiz | None = None


@dataclass(frozen=True)
class Scene:
    format: int
    title: str
    nodes: tuple[Node, ...]
    steps: tuple[Step, ...]
    summary: str | None = None
    topic: str | None = None
    hop_time: float = field(default=0.8, metadata={"check": check_hop_time})
    #: ``auto``: hosts start with empty ARP caches and resolve next hops on the wire;
    #: ``preloaded``: they already know every neighbour's MAC (the ARP exchange is not shown).
    arp: Literal["preloaded", "auto"] = "preloaded"
    chapters: tuple[Chapter, ...] = ()
    links: tuple[Link, ...] = ()
    #: Wireshark expert findings the scene *means* to show (a retransmission, a TTL about to run
    #: out), by filter name. A per-link capture of the scene may show these and nothing else of
    #: note: tests/export/test_pcap_expert.py runs tshark on every link to hold scenes to it.
    expect: tuple[str, ...] = field(default=(), metadata={"one_or_many": True, "check": check_expert_fields})
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()
    #: The file the scene came from, for messages and reloads; not part of the YAML.
    source: str = field(default="<scene>", compare=False, metadata={"internal": True})
    #: The graph of ``nodes`` and ``links`` that validation built, handed on to scheduling so
    #: routes are searched for once (see ``topology.topology_of``); not part of the YAML.
    topology: Topology | None = field(default=None, compare=False, repr=False, metadata={"internal": True})
    #: SHA-256 of the text this scene was parsed from ("" when built in code): what the journey
    #: cache keys on, so a file changed after parsing never returns another text's packets.
    digest: str = field(default="", compare=False, repr=False, metadata={"internal": True})

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)
