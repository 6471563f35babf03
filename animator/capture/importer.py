"""Turn a capture file into scene YAML a lecturer can play, read and edit.

The mapping, in the order a reader of the output meets it:

- **Nodes** are the IP addresses that sent or received the packets kept (ranked by packets;
  beyond ``max_hosts`` the rest are folded into the internet node or an "other hosts" node).
  Private/link-local addresses are *local*, grouped by subnet (/24, /64); global addresses are
  *remote* and sit behind a ``gateway`` router and an ``internet`` node. A local address whose
  MAC is the one remote traffic is sent to *is* the gateway. DNS answers in the capture name
  the hosts they resolve.
- **Links** follow the conversations: two local hosts that talk get a direct link; a local
  host that talks to another subnet or the internet links to the gateway; each remote host
  links to the internet node.
- **Steps**: one per packet, captioned from its dissection ("SYN, ACK", "GET /a.txt",
  "DNS A www.example.org → 10.1.2.3", "TLS ClientHello (www.example.org)"), with the real
  time in the notes and the frame's exact bytes in ``frame:``. Runs of plain data segments
  and ACKs of one TCP connection become one step per burst whose sends keep their real
  relative timing (scaled, long idle gaps compressed). ``window_ms`` can also put packets
  that follow each other closely into one step, again at their scaled real times.

The YAML is written by hand (not ``yaml.dump``) so it reads like the shipped scenes: a comment
header saying where it came from, flow-style sends, and frames as folded hex blocks.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from animator import __version__
from animator.capture.captions import Description, describe
from animator.capture.filters import make_filter
from animator.capture.headers import ETH_ARP, FIN, PROTO_TCP, PROTO_UDP, RST, SYN, Headers, as_ethernet, decode, endpoint_keys
from animator.capture.reader import LINKTYPE_NAMES, CaptureError, CaptureReader, describe_problems
from animator.model.decode import MAX_SCALAR

GATEWAY = "gateway"
INTERNET = "internet"
OTHERS = "other-hosts"
#: Scene seconds a compressed idle gap may last at most, inside a burst or a time window.
IDLE_CAP_S = 1.2
#: Sends drawn per burst step at most; the caption counts them all.
BURST_SENDS = 6
HEX_LINE = 64
#: The longest frame stored whole. ``frame:`` is one YAML value, and the loader refuses values
#: over ``MAX_SCALAR`` characters (hex digits plus one folded space per ``HEX_LINE``): a longer
#: frame (TSO/GRO on loopback captures frames up to 64 KiB) is stored cut, as a snaplen would.
MAX_FRAME_BYTES = (MAX_SCALAR + 1) // (HEX_LINE + 1) * (HEX_LINE // 2)


@dataclass(frozen=True)
class ImportOptions:
    """What to take from the capture and how to lay it out; the CLI flags map one to one."""

    filter: str | None = None
    filter_kind: str = "auto"  # "auto" (BPF when libpcap is there), "bpf" or "simple"
    first: int = 1  # packet numbers, as Wireshark counts them (from 1), inclusive
    last: int | None = None
    limit: int = 1000  # packets kept at most; a scene of more steps is no lesson
    group_bulk: bool = True
    bulk_min: int = 4  # packets in a run before it becomes one burst step
    window_ms: float = 0.0  # > 0: packets less than this apart share a step
    max_hosts: int = 16
    time_scale: float = 0.0  # scene seconds per real second; 0: from the median gap between packets
    title: str | None = None


@dataclass
class Packet:
    number: int
    time: float
    wire_len: int
    frame: bytes  # Ethernet first
    headers: Headers
    info: Description
    #: The two ends' node keys: the addresses, except that a host talking to itself (loopback)
    #: has its server port split off as "ADDRESS#PORT", so client and server are two nodes.
    ends: tuple[str, str] = ("", "")


@dataclass
class ImportResult:
    text: str
    packets_read: int = 0
    packets_kept: int = 0
    steps: int = 0
    nodes: int = 0
    filter_kind: str | None = None
    problems: list[str] = field(default_factory=list)
    #: Lines for the user beside the problems: what was left out and why.
    notes: list[str] = field(default_factory=list)


def import_capture(path: str | Path, options: ImportOptions | None = None) -> ImportResult:
    """Read ``path`` and return the scene text; raises CaptureError/FilterError with one-line messages.

    A capture with nothing to show is refused (CaptureError) rather than turned into a scene
    without nodes, which would not load.
    """
    options = options or ImportOptions()
    path = Path(path)
    matcher, kind = make_filter(options.filter, options.filter_kind) if options.filter else (None, None)
    packets: list[Packet] = []
    read = no_address = 0
    undecoded: dict[int, int] = {}  # link type -> frames
    stopped_at: int | None = None
    with CaptureReader(path) as reader:
        for rec in reader:
            if rec.number < options.first:
                continue
            if options.last is not None and rec.number > options.last:
                break
            read += 1
            headers = decode(rec.linktype, rec.data)
            if matcher is not None and not matcher(rec.linktype, rec.data, rec.wire_len, headers):
                continue
            if not headers.src:
                if headers.problem.startswith("link type"):
                    undecoded[rec.linktype] = undecoded.get(rec.linktype, 0) + 1
                else:
                    no_address += 1
                continue
            if len(packets) >= options.limit:
                stopped_at = rec.number
                break
            frame = as_ethernet(rec.linktype, rec.data, headers)
            if frame is not rec.data:
                headers = decode(1, frame)
            packets.append(Packet(rec.number, rec.time, rec.wire_len, frame, headers, describe(headers, frame)))
        problems = list(reader.problems)
        fmt, linktypes = reader.format, list(reader.linktypes)
    result = ImportResult("", packets_read=read, packets_kept=len(packets), filter_kind=kind, problems=problems)
    if no_address:
        result.notes.append(f"{no_address} frame(s) without IP or ARP addresses (e.g. LLDP, STP) left out")
    for linktype, n in undecoded.items():
        result.notes.append(
            f"{n} frame(s) of link type {linktype} left out: only Ethernet, Linux cooked, raw IP and BSD loopback are decoded"
        )
    if stopped_at is not None:
        result.notes.append(
            f"stopped at packet {stopped_at}: {options.limit} packets kept (the --limit); use --range to import a later part"
        )
    if not packets:
        why = "the file holds no readable packets" if not read else f"none of the {read} packets read has an IP or ARP address"
        if undecoded and not no_address:
            types = ", ".join(map(str, undecoded))
            why = f"its link type ({types}) is not one PacketStage decodes (Ethernet, Linux cooked, raw IP)"
        if read and options.filter:
            why = f"none of the {read} packets read matches the filter '{options.filter}'"
        elif not read and options.first > 1:
            why = f"the file has no packet {options.first}"
        raise CaptureError(f"{path}: nothing to import: {why}")
    builder = _SceneBuilder(path, packets, options)
    result.text = builder.text(fmt, linktypes, result)
    result.steps, result.nodes = builder.step_count, len(builder.nodes)
    return result


# -- hosts and links ------------------------------------------------------------------------
def _is_remote(key: str) -> bool:
    ip = ipaddress.ip_address(key.partition("#")[0])
    return ip.is_global and not ip.is_multicast


def _subnet(key: str) -> str:
    address = key.partition("#")[0]
    ip = ipaddress.ip_address(address)
    prefix = 24 if ip.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def _node_id(address: str) -> str:
    return address.replace(":", "_")[:64]


def _quote(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's), keeping non-ASCII readable."""
    return json.dumps(text, ensure_ascii=False)


@dataclass
class _Node:
    id: str
    kind: str
    label: str
    ipv4: list[str] = field(default_factory=list)
    ipv6: list[str] = field(default_factory=list)
    mac: str | None = None
    comment: str = ""


class _SceneBuilder:
    def __init__(self, path: Path, packets: list[Packet], options: ImportOptions) -> None:
        self.path, self.packets, self.options = path, packets, options
        self.nodes: dict[str, _Node] = {}
        self.node_of: dict[str, str] = {}  # address -> node id
        self.links: set[tuple[str, str]] = set()
        self.step_count = 0
        for p in packets:
            p.ends = endpoint_keys(p.headers)
        self._hosts()

    def _hosts(self) -> None:
        counts: Counter[str] = Counter()
        names: dict[str, str] = {}
        servers: set[str] = set()
        macs: dict[str, str] = {}
        gateway_macs: Counter[bytes] = Counter()
        for p in self.packets:
            h = p.headers
            src, dst = p.ends
            counts[src] += 1
            counts[dst] += 1
            for address, name in p.info.names:
                names.setdefault(address, name)
            if "#" in src or "#" in dst:
                servers.add(src if "#" in src else dst)
            elif h.proto == PROTO_TCP and h.flags & SYN:
                servers.add(src if h.flags & 0x10 else dst)
            elif h.proto not in (PROTO_TCP, PROTO_UDP):
                pass
            elif h.sport and h.sport < 1024 <= h.dport:
                servers.add(src)
            elif h.dport and h.dport < 1024 <= h.sport:
                servers.add(dst)
            if len(h.mac_src) == 6 and any(h.mac_src) and not _is_remote(src):
                macs.setdefault(src, h.mac_src.hex(":"))
            if h.ethertype != ETH_ARP and _is_remote(dst) and not _is_remote(src):
                gateway_macs[h.mac_dst] += 1
        addresses = [a for a, _ in counts.most_common()]
        any_local = any(not _is_remote(a) for a in addresses)
        remote = {a for a in addresses if any_local and _is_remote(a)}
        gateway_mac = gateway_macs.most_common(1)[0][0].hex(":") if gateway_macs else None
        self.gateway_needed = bool(remote) or len({_subnet(a) for a in addresses if a not in remote}) > 1
        if self.gateway_needed:
            comment = "the router remote traffic goes through"
            self.nodes[GATEWAY] = _Node(GATEWAY, "router", "Gateway", mac=gateway_mac, comment=comment)
        if remote:
            self.nodes[INTERNET] = _Node(INTERNET, "internet", "Internet")
            self.links.add((GATEWAY, INTERNET))
        shown = 0
        for key in addresses:
            address, _, port = key.partition("#")
            ip = ipaddress.ip_address(address)
            family = self.nodes.get(GATEWAY)
            if family is not None and gateway_mac and macs.get(key) == gateway_mac and key not in remote:
                (family.ipv4 if ip.version == 4 else family.ipv6).append(f"{address}/{24 if ip.version == 4 else 64}")
                self.node_of[key] = GATEWAY
                continue
            if shown >= self.options.max_hosts:
                self.node_of[key] = INTERNET if key in remote else self._others()
                continue
            shown += 1
            node_id = _node_id(key.replace("#", "_port"))
            if ip.is_multicast or address == "255.255.255.255":
                kind, label = "host", f"Multicast {address}" if ip.is_multicast else "Broadcast"
            else:
                kind = "server" if key in servers else "host"
                label = names.get(address, address)
                if port:
                    label = f"{label}:{port}" if ip.version == 4 else f"[{label}]:{port}"
            mac = macs.get(key)
            node = _Node(node_id, kind, label, mac=mac if mac != gateway_mac else None)
            prefix = "" if address in remote else f"/{24 if ip.version == 4 else 64}"
            if not ip.is_multicast and address != "255.255.255.255":
                (node.ipv4 if ip.version == 4 else node.ipv6).append(address + prefix)
            node.comment = "remote" if key in remote else f"subnet {_subnet(address)}"
            if port:
                node.comment += f"; the server side (port {port}) of this host's conversations with itself"
            self.nodes[node_id] = node
            self.node_of[key] = node_id
        self.remote = remote

    def _others(self) -> str:
        if OTHERS not in self.nodes:
            self.nodes[OTHERS] = _Node(OTHERS, "host", "Other local hosts", comment="hosts beyond --max-hosts")
        return OTHERS

    def _link_for(self, src: str, dst: str) -> None:
        """Make sure a route exists between the two addresses' nodes, the way the traffic would go."""
        a, b = self.node_of[src], self.node_of[dst]
        if a == b:
            return
        if not self._crosses(src, dst):
            self.links.add((min(a, b), max(a, b)))
            return
        for address, node in ((src, a), (dst, b)):
            if node not in (GATEWAY, INTERNET):
                side = INTERNET if address in self.remote else GATEWAY
                self.links.add((min(node, side), max(node, side)))

    def _crosses(self, src: str, dst: str) -> bool:
        """True when traffic between the two leaves a subnet (so it goes through the gateway)."""
        if src in self.remote or dst in self.remote:
            return True
        return _subnet(src) != _subnet(dst) and bool(self.gateway_needed)

    # -- steps ----------------------------------------------------------------------------
    def _groups(self) -> list[list[Packet]]:
        """Packets per step: bursts of one connection's bulk data, close packets (window), or one each."""
        groups: list[list[Packet]] = []
        window = self.options.window_ms / 1000
        run: list[Packet] = []

        def flush_run() -> None:
            if len(run) >= self.options.bulk_min and sum(p.headers.payload_len > 0 for p in run) >= 2:
                groups.append(list(run))
            else:
                groups.extend([p] for p in run)
            run.clear()

        for p in self.packets:
            if self.options.group_bulk and _is_bulk(p):
                if run and _flow(run[0]) != _flow(p):
                    flush_run()
                run.append(p)
                continue
            flush_run()
            close = window and groups and len(groups[-1]) < BURST_SENDS and p.time - groups[-1][-1].time <= window
            if close and not (len(groups[-1]) > 1 and all(_is_bulk(q) for q in groups[-1])):  # never join a burst
                groups[-1].append(p)
                continue
            groups.append([p])
        flush_run()
        return groups

    def _scale(self) -> float:
        if self.options.time_scale > 0:
            return self.options.time_scale
        gaps = [b.time - a.time for a, b in itertools.pairwise(self.packets) if b.time > a.time]
        if not gaps:
            return 1.0
        return min(max(0.4 / statistics.median(gaps), 1.0), 100_000.0)

    def text(self, fmt: str, linktypes: list[int], result: ImportResult) -> str:
        groups = self._groups()
        scale = self._scale()
        for p in self.packets:
            self._link_for(*p.ends)
        out: list[str] = []
        name = self.path.name
        t0 = self.packets[0].time if self.packets else 0.0
        first = self.packets[0].number if self.packets else 0
        last = self.packets[-1].number if self.packets else 0
        links_desc = ", ".join(dict.fromkeys(LINKTYPE_NAMES.get(lt, f"link type {lt}") for lt in linktypes)) or "no interfaces"
        out.append(f"# Imported from {name} ({fmt}, {links_desc}) by PacketStage {__version__}")
        out.append(f"# on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: packets {first}-{last}, {len(self.packets)} kept")
        if self.options.filter:
            how = "BPF via libpcap" if result.filter_kind == "bpf" else "simple filter"
            out.append(f"# filter: {self.options.filter} ({how})")
        out.append(
            "# One step per packet (runs of bulk TCP data: one step per burst). Step notes hold each packet's"
            " real time; `frame:` holds its exact bytes for the inspector."
        )
        if self.packets:
            out.append(f"# Inside a step, sends start at their real offsets x {scale:.4g}, idle gaps capped at {IDLE_CAP_S} s.")
        cut = sum(len(p.frame) > MAX_FRAME_BYTES for p in self.packets)
        if cut:
            result.notes.append(
                f"{cut} frame(s) longer than {MAX_FRAME_BYTES:,} bytes stored cut to that length, as a snaplen would"
                f" (a scene value holds at most {MAX_SCALAR:,} characters); step notes give their length on the wire"
            )
        for line in describe_problems(result.problems) + result.notes:
            out.append(f"# note: {line}")
        out.append("")
        out.append("format: 1")
        title = self.options.title or f"Capture {name}"
        out.append(f"title: {_quote(title)}")
        out.append(f"summary: {_quote(self._summary(groups))}")
        out.append("hop_time: 0.5")
        out.append("")
        out.append("nodes:")
        for node in self.nodes.values():
            parts = [f"id: {_quote(node.id)}", f"kind: {node.kind}", f"label: {_quote(node.label)}"]
            if node.mac:
                parts.append(f'mac: "{node.mac}"')
            if node.ipv4:
                parts.append(f"ipv4: [{', '.join(node.ipv4)}]")
            if node.ipv6:
                parts.append(f"ipv6: [{', '.join(_quote(a) for a in node.ipv6)}]")
            comment = f"  # {node.comment}" if node.comment else ""
            out.append(f"  - {{{', '.join(parts)}}}{comment}")
        out.append("")
        out.append("links:")
        if not self.links:
            out[-1] = "links: []"
        for a, b in sorted(self.links):
            out.append(f"  - between: [{_quote(a)}, {_quote(b)}]")
        out.append("")
        out.append("steps:" if groups else "steps: []")
        for group in groups:
            out.extend(self._step(group, t0, scale))
        return "\n".join(out) + "\n"

    def _summary(self, groups: list[list[Packet]]) -> str:
        if not self.packets:
            return f"Imported from {self.path.name}: no packets matched."
        span = self.packets[-1].time - self.packets[0].time
        protos = Counter(p.info.protocol for p in self.packets)
        top = ", ".join(f"{proto} {n}" for proto, n in protos.most_common(5))
        return (
            f"{len(self.packets)} packets captured over {span:.3f} s between {len(self.node_of)} addresses"
            f" ({top}), shown in {len(groups)} steps."
        )

    def _step(self, group: list[Packet], t0: float, scale: float) -> list[str]:
        self.step_count += 1
        head = group[0]
        src, dst = self.node_of[head.ends[0]], self.node_of[head.ends[1]]
        arrow = f"{self.nodes[src].label} → {self.nodes[dst].label}"
        is_burst = len(group) > 1 and all(_is_bulk(p) for p in group)
        if is_burst:
            data = [p for p in group if p.headers.payload_len]
            sent = sum(p.headers.payload_len for p in data)
            acks = len(group) - len(data)
            protocol = "tls" if any(p.info.protocol == "tls" for p in data) else data[0].info.protocol
            protocol = "data" if protocol == "tcp" else protocol
            a, b = (self.nodes[self.node_of[end]].label for end in data[0].ends)
            who = f"{a} → {b}"
            caption = f"{who}: {len(data)} data segments, {sent:,} bytes" + (" of TLS" if protocol == "tls" else "")
            caption += f", {acks} ACKs" if acks else ""
            shown = _spread(group, BURST_SENDS)
        else:
            caption = f"{arrow}: {head.info.text}" if len(group) == 1 else " · ".join(p.info.label for p in group)
            shown = group
        last = group[-1]
        span = f"packets {head.number}-{last.number}" if len(group) > 1 else f"packet {head.number}"
        notes = (
            f"{span.capitalize()}, t = {head.time - t0:.6f} s"
            + (f" to {last.time - t0:.6f} s" if len(group) > 1 else "")
            + f", {sum(p.wire_len for p in group):,} bytes on the wire."
            + (f" {head.info.detail}." if len(group) == 1 and head.info.detail else "")
        )
        lines = [f"  - caption: {_quote(caption)}", f"    notes: {_quote(notes)}", "    actions:"]
        offsets = _offsets([p.time for p in group], scale)
        index = {id(p): i for i, p in enumerate(group)}
        for p in shown:
            a, b = self.node_of[p.ends[0]], self.node_of[p.ends[1]]
            if a == b:
                continue
            parts = [f"from: {_quote(a)}", f"to: {_quote(b)}", f"label: {_quote(p.info.label)}", f"protocol: {p.info.protocol}"]
            at = offsets[index[id(p)]]
            if at > 0:
                parts.append(f"at: {at:.3f}")
            lines.append(f"      - send: {{{', '.join(parts)},")
            lines.append(f"          frame: {_folded_hex(p.frame[:MAX_FRAME_BYTES], 12)}}}")
        if lines[-1] == "    actions:":
            lines[-1] = "    actions: []"
        return lines


def _folded_hex(frame: bytes, indent: int) -> str:
    """A double-quoted scalar split over lines: YAML folds the breaks into spaces, which hex values allow."""
    text = frame.hex()
    chunks = [text[i : i + HEX_LINE] for i in range(0, len(text), HEX_LINE)] or [""]
    pad = " " * indent
    return '"' + f"\n{pad}".join(chunks) + '"'


def _offsets(times: list[float], scale: float) -> list[float]:
    """Scene offsets for real times: gaps scaled, each capped at IDLE_CAP_S so idle stretches do not stall a step."""
    out = [0.0]
    for a, b in itertools.pairwise(times):
        out.append(out[-1] + min(max(b - a, 0.0) * scale, IDLE_CAP_S))
    return out


def _spread(items: list[Packet], n: int) -> list[Packet]:
    if len(items) <= n:
        return items
    return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)]


def _flow(p: Packet) -> tuple[object, ...]:
    h = p.headers
    return (h.proto, *sorted(((h.src, h.sport), (h.dst, h.dport))))


def _is_bulk(p: Packet) -> bool:
    """Plain data or a bare ACK in the middle of a TCP connection: nothing a caption can say more about."""
    h = p.headers
    if h.proto != PROTO_TCP or h.flags & (SYN | FIN | RST):
        return False
    if h.payload_len == 0:
        return True
    return p.info.protocol in ("tcp", "ssh") or p.info.label == "TLS Application data"


def scene_from_packets(packets: Iterable[Packet], source: str, options: ImportOptions | None = None) -> str:
    """Scene text for packets already in memory (the live view's "save last N seconds")."""
    kept = list(packets)
    builder = _SceneBuilder(Path(source), kept, options or ImportOptions())
    return builder.text("live capture", [1], ImportResult("", packets_read=len(kept), packets_kept=len(kept)))


def make_packet(number: int, time: float, linktype: int, data: bytes, wire_len: int) -> Packet | None:
    """One ``Packet`` from a raw frame, or None for frames without addresses (shared by import and live)."""
    headers = decode(linktype, data)
    if not headers.src:
        return None
    frame = as_ethernet(linktype, data, headers)
    if frame is not data:
        headers = decode(1, frame)
    return Packet(number, time, wire_len, frame, headers, describe(headers, frame))
