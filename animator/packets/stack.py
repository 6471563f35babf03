"""Scene layer stacks to scapy packets and wire bytes, and the checks that keep them buildable.

A stack is listed outermost first (``ip, tcp, http``), like scapy's ``IP()/TCP()/HTTP()``. Fields
left out get what a real stack would put there (TTL 64 and IPv6 hop limit 64 are scapy's own
defaults; an ephemeral source port, the destination port of the protocol above, TCP window
64240 and the usual SYN options, IPv4 DF), and lengths and checksums are computed by
``finalize``. Anything random on a real host (ports, DNS ids, keys, nonces) is derived from a
seed, so a scene gives the same bytes every time it is played or exported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from animator.model.errors import Mark, SceneError, did_you_mean
from animator.packets.problems import FieldError, seeded_int
from animator.packets.registry import LAYER_NAMES

# How far out each layer sits: used to explain an impossible order ("tcp after http").
LEVEL = {
    "ether": 0, "arp": 1, "ip": 1, "ipv6": 1, "icmp": 2, "icmpv6": 2, "tcp": 2, "udp": 2,
    "quic": 3, "tls": 3, "dns": 4, "http": 4, "http2": 4, "websocket": 4, "pgsql": 4, "raw": 5,
}  # fmt: skip
# The port a client connects to for each protocol, when the author leaves dport out.
SERVICE_PORT = {"http": 80, "http2": 80, "websocket": 80, "tls": 443, "dns": 53, "quic": 443, "pgsql": 5432}
EPHEMERAL = (49152, 65535)  # IANA dynamic ports (RFC 6335); Windows and BSD draw from here
TCP_WINDOW = 64240  # Linux and Windows: 44 x MSS 1460
# Linux's SYN options without timestamps: MSS, NOP, NOP, SACK permitted, NOP, window scale 7.
SYN_OPTIONS = [("MSS", 1460), ("NOP", None), ("NOP", None), ("SAckOK", b""), ("NOP", None), ("WScale", 7)]
# ICMP messages that quote the datagram that caused them (RFC 792, RFC 4443).
QUOTING = {3, 4, 5, 11, 12, 1, 2, "dest-unreach", "source-quench", "redirect", "time-exceeded", "parameter-problem",
           "packet-too-big"}  # fmt: skip
# Fields that are derived from the rest of the packet; finalize recomputes them.
DERIVED = ("len", "chksum", "cksum", "plen", "ihl", "dataofs", "length")


class LayerLike(Protocol):
    """What this package reads of ``animator.model.schema.Layer``."""

    @property
    def name(self) -> str: ...
    @property
    def fields(self) -> Mapping[str, object]: ...
    @property
    def mark(self) -> Mark: ...
    @property
    def marks(self) -> Mapping[str, Mark]: ...


class _StackError(Exception):
    def __init__(self, index: int, field: str | None, message: str) -> None:
        super().__init__(message)
        self.index, self.field, self.message = index, field, message


# -- checking ------------------------------------------------------------------------------
def check_layers(layers: Sequence[LayerLike], source: str) -> list[SceneError]:
    """Every problem in one send's layer stack, each at the token to fix. Never raises."""
    try:
        return _check(layers, source)
    except Exception as exc:  # a bug here must not hide the scene behind a traceback
        mark = layers[0].mark if layers else Mark(1, 1)
        return [SceneError(source, mark.line, mark.col, f"cannot check this layer stack: {type(exc).__name__}: {exc}")]


def _check(layers: Sequence[LayerLike], source: str) -> list[SceneError]:
    errors: list[SceneError] = []

    def error(mark: Mark, message: str) -> None:
        errors.append(SceneError(source, mark.line, mark.col, message))

    previous = ""
    previous_fields: Mapping[str, object] = {}
    for layer in layers:
        kind = LAYER_NAMES.get(layer.name)
        if kind is None:
            hint = did_you_mean(layer.name, LAYER_NAMES) or f"; expected one of: {', '.join(LAYER_NAMES)}"
            error(layer.mark, f"unknown layer '{layer.name}'{hint}")
            previous = ""
            continue
        # Free-form: what the author wrote, which need not be a mapping whatever the schema says.
        fields: object = layer.fields if layer.fields is not None else {}
        if not isinstance(fields, Mapping):
            error(layer.mark, f"{layer.name}: expected fields as a mapping, e.g. {layer.name}: {{field: value}}")
            continue
        try:
            rules = kind.field_rules()
        except ImportError as exc:
            error(layer.mark, f"{layer.name}: cannot load scapy's layer ({exc}); is scapy (and cryptography) installed?")
            continue
        for key, value in fields.items():
            mark = layer.marks.get(str(key), layer.mark)
            if key not in rules:
                hint = did_you_mean(str(key), rules) or f"; {layer.name} takes: {', '.join(rules)}"
                error(mark, f"unknown field '{key}' in {layer.name}{hint}")
                continue
            rule = rules[key]
            problem = rule(value) if rule is not None else None
            if problem:
                error(mark, f"{layer.name}.{key}: {problem}")
        order = _order_problem(previous, layer.name, previous_fields)
        if order:
            error(layer.mark, order)
        previous, previous_fields = layer.name, fields
    if errors or not layers:
        return errors
    try:
        finalize(_build(layers, seed=0))
    except _StackError as exc:
        layer = layers[exc.index]
        mark = layer.marks.get(exc.field, layer.mark) if exc.field else layer.mark
        error(mark, f"{layer.name}{'.' + exc.field if exc.field else ''}: {exc.message}")
    return errors


def _order_problem(previous: str, name: str, below: Mapping[str, object]) -> str | None:
    """Why ``name`` cannot sit on ``previous`` (whose fields are ``below``), or None."""
    kind = LAYER_NAMES[name]
    if previous in ("icmp", "icmpv6") and name in ("ip", "ipv6"):
        kind_of = below.get("type", "echo-request")
        if kind_of not in QUOTING:
            return f"'{name}' after '{previous}': only an ICMP error (e.g. type: time-exceeded) quotes a datagram"
    if previous in kind.after:
        return None
    if LEVEL[name] < LEVEL[previous] or (LEVEL[name] == LEVEL[previous] and name == previous):
        return f"'{name}' cannot come after '{previous}': list layers outermost first, e.g. [ip, tcp, http]"
    carriers = " or ".join(sorted(a for a in kind.after if a and a != name))
    return f"'{name}' cannot come after '{previous}': {name} is carried by {carriers}"


# -- building ------------------------------------------------------------------------------
def build_layers(layers: Sequence[LayerLike], seed: object = 0) -> Any:
    """The scapy packet for exactly these layers, lower layers and checksums left to ``finalize``.

    ``seed`` picks the ephemeral port, DNS id, keys and opaque bytes: give each conversation its
    own (e.g. the send's position in the scene) so they differ, and the same one to replay it.
    Raises ``FieldError`` for a stack ``check_layers`` would have refused.
    """
    try:
        return _build(layers, seed)
    except _StackError as exc:
        raise FieldError(exc.field, f"{layers[exc.index].name}: {exc.message}") from None


def _build(layers: Sequence[LayerLike], seed: object) -> Any:
    names = [layer.name for layer in layers]
    specs = [dict(layer.fields or {}) for layer in layers]
    for i, name in enumerate(names):
        upper = names[i + 1] if i + 1 < len(names) else None
        try:
            _fill_in(name, specs[i], upper, names[i + 1 :], seed)
        except FieldError as exc:
            raise _StackError(i, exc.field, exc.message) from None
    return _assemble(names, specs, 0, seed)


def _fill_in(name: str, spec: dict[str, Any], upper: str | None, above: list[str], seed: object) -> None:
    """What the sending host's stack would fill in for fields the author left out."""
    if name == "ether":
        spec.setdefault("src", "00:00:00:00:00:00")  # the simulator puts the real MACs here
        who_has = upper == "arp"
        spec.setdefault("dst", "ff:ff:ff:ff:ff:ff" if who_has else "00:00:00:00:00:00")
    elif name == "arp":
        spec.setdefault("hwsrc", "00:00:00:00:00:00")
        spec.setdefault("psrc", "0.0.0.0")
        spec.setdefault("pdst", "0.0.0.0")
    elif name == "ip":
        spec.setdefault("src", "0.0.0.0")  # never let scapy ask this machine's routing table
        spec.setdefault("dst", "0.0.0.0")
        spec.setdefault("flags", "DF")  # Linux sets DF (path MTU discovery) on what it originates
    elif name == "ipv6":
        spec.setdefault("src", "::")
        spec.setdefault("dst", "::")
    elif name in ("tcp", "udp"):
        spec.setdefault("sport", seeded_int(seed, f"{name}-sport", *EPHEMERAL))
        service = "tls" if "tls" in above[:1] else (upper or "")
        if service in SERVICE_PORT:
            spec.setdefault("dport", SERVICE_PORT[service])
        if name == "tcp":
            spec.setdefault("window", TCP_WINDOW)
            spec.setdefault("flags", "PA" if upper else "S")
            if "options" in spec:
                from animator.packets.builders_net import tcp_options

                spec["options"] = tcp_options(spec["options"])
            elif _has_syn(spec["flags"]):
                spec["options"] = list(SYN_OPTIONS)


def _has_syn(flags: object) -> bool:
    if isinstance(flags, int):
        return bool(flags & 0x02)
    return isinstance(flags, str | list) and "S" in flags


def _assemble(names: list[str], specs: list[dict[str, Any]], start: int, seed: object) -> Any:
    """Layers ``start..`` as one packet; records and frames that share a segment are joined right."""
    from scapy.packet import NoPayload

    pkt: Any = None
    i = start
    while i < len(names):
        name = names[i]
        try:
            if name == "tls" and i + 1 < len(names) and names[i + 1] not in ("tls", "raw"):
                inner = bytes(_assemble(names, specs, i + 1, seed))
                layer = _one(name, specs[i], seed, inner=inner)
                i = len(names)
            elif name == "http2" and i + 1 < len(names) and names[i + 1] == "http2":
                layer, i = _h2_run(names, specs, i, seed)
            elif name == "quic" and "odcid" in specs[i]:
                # A server's Initial is padded so its whole datagram reaches 1200 bytes: it must
                # know the size of the packets coalesced after it.
                rest = _assemble(names, specs, i + 1, seed)
                layer = _one(name, {**specs[i], "_coalesced": len(bytes(rest))}, seed)
                if i + 1 < len(names):
                    layer = layer / rest
                i = len(names)
            else:
                layer = _one(name, specs[i], seed)
                i += 1
        except FieldError as exc:
            raise _StackError(i, exc.field, exc.message) from None
        except _StackError:
            raise
        except Exception as exc:  # scapy refusing a value the rules let through
            raise _StackError(i, None, f"cannot build: {type(exc).__name__}: {exc}") from None
        pkt = layer if pkt is None else pkt / layer
    return pkt if pkt is not None else NoPayload()


def _h2_run(names: list[str], specs: list[dict[str, Any]], i: int, seed: object) -> tuple[Any, int]:
    """Consecutive HTTP/2 frames: each frame's length covers only itself (scapy's would swallow the rest)."""
    from scapy.contrib.http2 import H2Seq

    head = None
    if specs[i].get("frame") == "preface":
        head = _one("http2", specs[i], seed)
        i += 1
    frames = []
    while i < len(names) and names[i] == "http2":
        if specs[i].get("frame") == "preface":
            raise _StackError(i, "frame", "the connection preface comes first, once")
        try:
            frames.append(_one("http2", specs[i], seed))
        except FieldError as exc:
            raise _StackError(i, exc.field, exc.message) from None
        i += 1
    seq = frames[0] if len(frames) == 1 else H2Seq(frames=frames)
    return (seq if head is None else head / seq), i


def _one(name: str, spec: dict[str, Any], seed: object, inner: bytes | None = None) -> Any:
    kind = LAYER_NAMES[name]
    if kind.build is not None:
        if inner is not None:
            return kind.builder()(spec, seed, inner=inner)
        return kind.builder()(spec, seed)
    return kind.scapy_class()(**spec)


def finalize(pkt: Any) -> bytes:
    """The wire bytes: every length and checksum recomputed from the packet as it now is.

    Devices rewrite packets (TTL, NAT addresses); deleting the derived fields and building
    again is how scapy recomputes them. What an ICMP error quotes is left exactly as quoted.
    """
    from scapy.packet import NoPayload

    # Clear the derived fields in place and put them back afterwards: copying the whole packet
    # first would cost as much as building it.
    cleared: list[tuple[Any, str, Any]] = []
    layer = pkt
    while layer is not None and not isinstance(layer, NoPayload):
        for name in DERIVED:
            if name in layer.fields and layer.default_fields.get(name, 0) is None:
                cleared.append((layer, name, layer.fields[name]))
                delattr(layer, name)  # scapy's __delattr__ also drops the cached wire bytes
        if _is_icmp_error(layer):
            break
        layer = layer.payload
    try:
        return bytes(pkt)
    finally:
        for layer, name, value in cleared:
            setattr(layer, name, value)


def _is_icmp_error(layer: Any) -> bool:
    cls = type(layer).__name__
    if cls == "ICMP":
        return layer.type in (3, 4, 5, 11, 12)
    return cls in ("ICMPv6DestUnreach", "ICMPv6TimeExceeded", "ICMPv6PacketTooBig", "ICMPv6ParamProblem")


def protocol_of(layers: Sequence[LayerLike]) -> str:
    """The chip protocol of the top layer (raw payload counts as the layer carrying it)."""
    for layer in reversed(layers):
        kind = LAYER_NAMES.get(layer.name)
        if kind is not None and layer.name != "raw":
            return kind.protocol
    return "data"
