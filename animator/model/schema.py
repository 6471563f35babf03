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
from typing import ClassVar, Literal

from animator.model.errors import NO_MARK, Mark
from animator.model.topology import Topology

FORMAT_VERSION = 1

NodeKind = Literal[
    "host",
    "server",
    "switch",
    "router",
    "nat",
    "firewall",
    "proxy",
    "reverse-proxy",
    "load-balancer",
    "dns",
    "internet",
    "cloud",
]
NODE_KINDS: tuple[str, ...] = NodeKind.__args__  # type: ignore[attr-defined]

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


_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})*$")
_HEX_SEPARATORS = re.compile(r"[\s:]+")


def check_hex(value: str) -> str | None:
    if not _HEX.match(_HEX_SEPARATORS.sub("", value)):
        shown = value if len(value) <= 24 else value[:21] + "..."
        return f"'{shown}' is not hex: expected pairs of hex digits (spaces and ':' between them are allowed)"
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


def check_positive(value: float) -> str | None:
    return None if value > 0 else f"expected a number greater than 0, got {value:g}"


def check_not_negative(value: float) -> str | None:
    return None if value >= 0 else f"expected 0 or more seconds, got {value:g}"


_LATENCY = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(us|µs|ms|s)?\s*$")
_UNIT_MS = {"us": 0.001, "µs": 0.001, "ms": 1.0, "s": 1000.0, None: 1.0}


def parse_latency_ms(text: str) -> float | None:
    """``"40ms"``, ``"0.2s"``, ``"500us"`` or a bare number of milliseconds."""
    match = _LATENCY.match(text)
    if not match:
        return None
    return float(match.group(1)) * _UNIT_MS[match.group(2)]


def check_latency(value: str) -> str | None:
    if parse_latency_ms(value) is None:
        return f'\'{value}\' is not a latency: expected milliseconds (40) or a unit ("40ms", "0.2s", "500us")'
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
class Node:
    id: str = field(metadata={"check": check_id})
    kind: NodeKind
    label: str | None = None
    mac: str | None = field(default=None, metadata={"check": check_mac})
    ipv4: tuple[str, ...] = field(default=(), metadata={"one_or_many": True, "check": check_ipv4s})
    ipv6: tuple[str, ...] = field(default=(), metadata={"one_or_many": True, "check": check_ipv6s})
    pos: tuple[float, float] | None = None
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()

    @property
    def display_label(self) -> str:
        return self.label if self.label is not None else self.id

    @property
    def icon_kind(self) -> str:
        """``cloud`` is an alias authors reach for; both draw the internet icon."""
        return "internet" if self.kind == "cloud" else self.kind


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
    at: float = field(default=0.0, metadata={"check": check_not_negative})
    #: The frame's exact bytes (hex, Ethernet first), e.g. from a capture import: the inspector shows these.
    frame: str | None = field(default=None, metadata={"check": check_hex})
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()

    @property
    def display_label(self) -> str:
        return self.label if self.label is not None else self.protocol.upper()


@dataclass(frozen=True)
class Highlight:
    """Emphasis on nodes and links until the step ends."""

    KEY: ClassVar[str] = "highlight"
    nodes: tuple[str, ...] = ()
    links: tuple[str | tuple[str, str], ...] = ()
    at: float = field(default=0.0, metadata={"check": check_not_negative})
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class Note:
    """A speech bubble beside a node until the step ends."""

    KEY: ClassVar[str] = "note"
    node: str
    text: str
    at: float = field(default=0.0, metadata={"check": check_not_negative})
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class StateSet:
    """A badge under a node (a TCP state, say) that stays until it is set again."""

    KEY: ClassVar[str] = "state"
    node: str
    text: str = ""
    at: float = field(default=0.0, metadata={"check": check_not_negative})
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
    at: float = field(default=0.0, metadata={"check": check_not_negative})
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


Action = Send | Highlight | Note | StateSet | TableSet


@dataclass(frozen=True)
class Step:
    caption: str
    notes: str | None = None
    id: str | None = field(default=None, metadata={"check": check_id})
    chapter: str | None = None
    duration: float | None = field(default=None, metadata={"check": check_positive})
    actions: tuple[Action, ...] = ()
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class Scene:
    format: int
    title: str
    nodes: tuple[Node, ...]
    steps: tuple[Step, ...]
    summary: str | None = None
    topic: str | None = None
    hop_time: float = field(default=0.8, metadata={"check": check_positive})
    chapters: tuple[Chapter, ...] = ()
    links: tuple[Link, ...] = ()
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()
    #: The file the scene came from, for messages and reloads; not part of the YAML.
    source: str = field(default="<scene>", compare=False, metadata={"internal": True})
    #: The graph of ``nodes`` and ``links`` that validation built, handed on to scheduling so
    #: routes are searched for once (see ``topology.topology_of``); not part of the YAML.
    topology: Topology | None = field(default=None, compare=False, repr=False, metadata={"internal": True})

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)
