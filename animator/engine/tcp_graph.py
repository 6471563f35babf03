"""The TCP graph's data: a sender's congestion window beside what the wire shows of the same connection.

A scene that teaches flow and congestion control has the simulator record numbers a device keeps
and never sends (``Sample``: a sender's ``cwnd`` and ``ssthresh``, a receiver's ``rwnd``). Beside
them the graph plots what Wireshark's Stevens/tcptrace graph reads off a capture of the same
connection: each data segment's sequence numbers (relative to the sender's ISN, as Wireshark
shows them) when it was sent, the receiver's ACKs, and the window it advertised (``ack + window <<
scale``), retransmissions apart. Seen together, the lesson is plain: the sender may only have
``min(cwnd, rwnd)`` bytes beyond the last ACK in flight.

Everything here is decided once, when the graph is first asked for, and is plain data (tuples of
floats): the player's panel and the exporters only draw it. What shows at time ``t`` is each
series' first ``count_at(t)`` points, one bisect per series: an event shows once time has moved
past it, as packets, badges and tables do, so the graph grows while the scene plays and shrinks
when the lecturer steps back. Wire frames are read with ``struct``-free byte slicing (no scapy):
the graph reads hundreds of frames and needs only a few header fields of each.
"""

from __future__ import annotations

import ipaddress
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from animator.engine.sim.journey import Sample
from animator.engine.wire import ip_payload

#: The series a TCP graph plots from the simulator's samples, in legend order.
SAMPLE_SERIES = ("cwnd", "ssthresh", "rwnd")
#: Linux starts ``ssthresh`` at "infinity" (0x7fffffff): a value this large is not drawn.
UNBOUNDED = float(1 << 30)

#: The sequence plot shows the advertised window's edge if it is at most this many times the data's top.
WINDOW_REACH = 4.0

FIN, SYN, RST, ACK = 0x01, 0x02, 0x04, 0x10


@dataclass(frozen=True, slots=True)
class Series:
    """Points (time, value) in time order; ``count_at(t)`` of them show at scene time ``t``."""

    name: str
    times: tuple[float, ...]
    values: tuple[float, ...]

    def count_at(self, t: float) -> int:
        """How many points have happened by ``t`` (strictly before it, as every event on the stage)."""
        return bisect_left(self.times, t)

    def __len__(self) -> int:
        return len(self.times)


@dataclass(frozen=True, slots=True)
class Segments:
    """Data segments as tcptrace draws them: a bar from ``seq`` to ``end`` (relative) at the send time."""

    times: tuple[float, ...]
    seqs: tuple[float, ...]
    ends: tuple[float, ...]

    def count_at(self, t: float) -> int:
        return bisect_left(self.times, t)

    def __len__(self) -> int:
        return len(self.times)


@dataclass(frozen=True, slots=True)
class TcpGraph:
    """One connection's graph: what the sender knew (samples) and what its wire carried."""

    #: ``"address:port>address:port"`` from the sender's side (the data's direction).
    conn: str
    #: The node that sends the data (whose cwnd is plotted) and the one that receives it ("", None: not known).
    sender: str
    receiver: str | None
    #: The link the wire was read on (the sender's own, as a capture on the sender would be).
    link: str | None
    #: The sender's segment size: the smaller MSS of the two SYNs (None: no SYN carried one).
    mss: int | None
    #: Data segments first sent, and those sent again (retransmissions), sequence numbers relative.
    segments: Segments
    retransmissions: Segments
    #: The receiver's cumulative ACK and the edge of the window it advertised (ack + window << scale).
    acks: Series
    windows: Series
    #: The simulator's numbers (cwnd, ssthresh, rwnd) that the scene recorded, in ``SAMPLE_SERIES`` order.
    samples: tuple[Series, ...]
    #: The scene's length: the graph's time axis runs from 0 to here.
    duration: float

    def sample(self, name: str) -> Series | None:
        return next((s for s in self.samples if s.name == name), None)

    def counts_at(self, t: float) -> dict[str, int]:
        """How many points of every series show at ``t`` (what the panel draws, and tests check)."""
        counts = {
            "segments": self.segments.count_at(t),
            "retransmissions": self.retransmissions.count_at(t),
            "acks": self.acks.count_at(t),
            "windows": self.windows.count_at(t),
        }
        for series in self.samples:
            counts[series.name] = series.count_at(t)
        return counts

    @property
    def seq_top(self) -> float:
        """The top of the sequence plot: the highest byte sent or acknowledged, and the window's edge
        too unless it is far above (then it is not what limits the sender, and including it would
        squash the data into a line along the bottom; the window line leaves through the top)."""
        data = max((*self.segments.ends, *self.retransmissions.ends, *self.acks.values, 1.0))
        window = max(self.windows.values, default=0.0)
        return (window if window <= WINDOW_REACH * data else data) * 1.05

    @property
    def window_top(self) -> float:
        """The top of the window plot (samples only; ssthresh's "infinity" is not drawn)."""
        return max((v for s in self.samples for v in s.values), default=1.0) * 1.1


class TcpHeader(NamedTuple):
    """The fields of one TCP segment the graph reads."""

    src: str
    dst: str
    sport: int
    dport: int
    seq: int
    ack: int
    flags: int
    window: int
    payload: int
    #: The MSS and window-scale options (SYNs only carry them), or None.
    mss: int | None
    wscale: int | None


def read_tcp(frame: bytes) -> TcpHeader | None:
    """The TCP header of an Ethernet frame (the IP layer found by ``animator.engine.wire``), or None."""
    ip = ip_payload(frame)
    if ip is None or ip.proto != 6 or len(frame) < ip.start + 20:
        return None
    at, end = ip.start, ip.end
    try:
        src, dst = (str(ipaddress.ip_address(a)) for a in (ip.src, ip.dst))
        header = (frame[at + 12] >> 4) * 4
        mss = wscale = None
        i, options_end = at + 20, at + header
        while i < options_end:
            kind = frame[i]
            if kind == 0:
                break
            if kind == 1:
                i += 1
                continue
            length = frame[i + 1]
            if length < 2:
                break
            if kind == 2 and length == 4:
                mss = int.from_bytes(frame[i + 2 : i + 4], "big")
            elif kind == 3 and length == 3:
                wscale = min(frame[i + 2], 14)  # RFC 7323: a larger shift is taken as 14
            i += length
        return TcpHeader(
            src,
            dst,
            int.from_bytes(frame[at : at + 2], "big"),
            int.from_bytes(frame[at + 2 : at + 4], "big"),
            int.from_bytes(frame[at + 4 : at + 8], "big"),
            int.from_bytes(frame[at + 8 : at + 12], "big"),
            frame[at + 13],
            int.from_bytes(frame[at + 14 : at + 16], "big"),
            max(0, end - at - header),
            mss,
            wscale,
        )
    except (IndexError, ValueError):
        return None


def endpoint(text: str) -> tuple[str, int] | None:
    """``"10.0.0.1:80"`` or ``"2001:db8::1:80"`` (the port after the last colon) as (address, port)."""
    address, _, port = text.rpartition(":")
    address = address.strip("[]")
    return (address, int(port)) if address and port.isdigit() else None


def parse_conn(conn: str) -> tuple[tuple[str, int], tuple[str, int]] | None:
    """``"a:p>b:q"`` as its two endpoints, or None if it is not one."""
    left, sep, right = conn.partition(">")
    a, b = endpoint(left), endpoint(right)
    return (a, b) if sep and a is not None and b is not None else None


class WireFrame(Protocol):
    """A frame on a link at a moment (``Timeline.wire_records`` gives these)."""

    @property
    def link_id(self) -> str: ...
    @property
    def time(self) -> float: ...
    @property
    def frame(self) -> bytes: ...


def build_tcp_graph(
    samples: Sequence[tuple[float, Sample]],
    wire: Iterable[WireFrame],
    duration: float,
    origins: Iterable[tuple[str, bytes]] = (),
) -> TcpGraph | None:
    """The graph of the first connection ``samples`` name (scheduled times), or None without samples.

    ``wire`` is every frame on every link in time order (``Timeline.wire_records``); the graph
    reads the link the sender's first segment of the connection went out on, as a capture on the
    sender would. ``origins`` (each packet's first sender and first frame) names the end that
    sampled nothing: the sender of a scene that records only the receiver's rwnd, say.
    """
    if not samples:
        return None
    ordered = sorted(samples, key=lambda s: s[0])
    sender, key = _sender(ordered)
    ends = parse_conn(key)
    forward = reverse = None
    if ends is not None:
        forward = (*ends[0], *ends[1])
        reverse = (*ends[1], *ends[0])
    mine: dict[str, tuple[list[float], list[float]]] = {}
    backwards = _reverse_conn(key)
    for time, sample in ordered:
        if sample.series not in SAMPLE_SERIES:
            continue
        if (sample.conn == key and sample.node == sender) or sample.conn == backwards:
            times, values = mine.setdefault(sample.series, ([], []))
            if sample.value >= UNBOUNDED:
                continue  # Linux's initial ssthresh: "no threshold yet", nothing to draw
            if times and times[-1] == time:
                values[-1] = sample.value  # same instant: the later value wins
            else:
                times.append(time)
                values.append(sample.value)
    series = tuple(Series(name, tuple(mine[name][0]), tuple(mine[name][1])) for name in SAMPLE_SERIES if name in mine)

    link: str | None = None
    headers: list[tuple[float, TcpHeader]] = []
    if forward is not None:
        for record in wire:
            if link is not None and record.link_id != link:
                continue
            tcp = read_tcp(record.frame)
            if tcp is None:
                continue
            four = (tcp.src, tcp.sport, tcp.dst, tcp.dport)
            if link is None and four == forward:
                link = record.link_id
            if link is not None and four in (forward, reverse):
                headers.append((record.time, tcp))
    receiver = next((s.node for _, s in ordered if s.series == "rwnd" and s.conn == backwards), None)
    if sender is None or receiver is None:
        for node, frame in origins:
            first = read_tcp(frame)
            ends_of = (first.src, first.sport, first.dst, first.dport) if first is not None else None
            if sender is None and ends_of == forward:
                sender = node
            elif receiver is None and ends_of == reverse:
                receiver = node
            if sender is not None and receiver is not None:
                break
    segments, retransmissions, acks, windows, mss = _wire_series(headers, forward)
    return TcpGraph(key, sender or "", receiver, link, mss, segments, retransmissions, acks, windows, series, duration)


def _sender(ordered: Sequence[tuple[float, Sample]]) -> tuple[str | None, str]:
    """The sender's node (None: it sampled nothing) and its view of the connection the first sample names.

    A cwnd or ssthresh sample is the sender's own; a first sample of rwnd is the receiver's, whose
    connection is the sender's turned round (the sender is then the node that keeps a cwnd for it).
    """
    first = ordered[0][1]
    if first.series != "rwnd":
        return first.node, first.conn
    backwards = _reverse_conn(first.conn)
    for _, sample in ordered:
        if sample.series != "rwnd" and sample.conn == backwards:
            return sample.node, sample.conn
    return None, backwards


def _reverse_conn(conn: str) -> str:
    left, _, right = conn.partition(">")
    return f"{right}>{left}"


def _wire_series(
    headers: list[tuple[float, TcpHeader]], forward: tuple[str, int, str, int] | None
) -> tuple[Segments, Segments, Series, Series, int | None]:
    """Sequence bars, retransmissions, the ACK line and the window line, as Wireshark's tcptrace graph.

    Sequence numbers are relative to the sender's ISN (its SYN's sequence number; without a SYN
    the first segment's minus one, so its first byte is 1, as Wireshark counts). The receiver's
    window is scaled by the shift its own SYN announced, only if both SYNs carried the option
    (RFC 7323), and never in a SYN itself.
    """
    isn: int | None = None
    sender_scale: int | None = None
    receiver_scale: int | None = None
    mss: int | None = None
    for _, tcp in headers:
        outgoing = (tcp.src, tcp.sport, tcp.dst, tcp.dport) == forward
        if tcp.flags & SYN:
            if outgoing:
                isn, sender_scale = tcp.seq, tcp.wscale
            else:
                receiver_scale = tcp.wscale
            if tcp.mss is not None:
                mss = tcp.mss if mss is None else min(mss, tcp.mss)  # each end sends at most what the other accepts
    if isn is None:
        first = next((tcp for _, tcp in headers if (tcp.src, tcp.sport, tcp.dst, tcp.dport) == forward), None)
        isn = (first.seq - 1) & 0xFFFFFFFF if first is not None else 0
    shift = receiver_scale if sender_scale is not None and receiver_scale is not None else 0
    seg: tuple[list[float], list[float], list[float]] = ([], [], [])
    again: tuple[list[float], list[float], list[float]] = ([], [], [])
    acks: tuple[list[float], list[float]] = ([], [])
    windows: tuple[list[float], list[float]] = ([], [])
    highest = 0
    for time, tcp in headers:
        if (tcp.src, tcp.sport, tcp.dst, tcp.dport) == forward:
            if tcp.payload == 0 or tcp.flags & (SYN | RST):
                continue
            seq = (tcp.seq - isn) & 0xFFFFFFFF
            end = seq + tcp.payload
            target = again if seq < highest else seg
            highest = max(highest, end)
            for column, value in zip(target, (time, seq, end), strict=True):
                column.append(float(value))
        elif tcp.flags & ACK and not tcp.flags & RST:
            ack = (tcp.ack - isn) & 0xFFFFFFFF
            window = tcp.window if tcp.flags & SYN else tcp.window << shift
            for (times, values), value in ((acks, ack), (windows, ack + window)):
                times.append(time)
                values.append(float(value))
    return (
        Segments(tuple(seg[0]), tuple(seg[1]), tuple(seg[2])),
        Segments(tuple(again[0]), tuple(again[1]), tuple(again[2])),
        Series("ack", tuple(acks[0]), tuple(acks[1])),
        Series("window", tuple(windows[0]), tuple(windows[1])),
        mss,
    )
