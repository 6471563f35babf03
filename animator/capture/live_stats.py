"""What the live view knows about the traffic so far: rates, talkers, TCP sequence tracks, recent frames.

Qt-free so it can be tested and benchmarked alone; the window only draws it. Memory is
bounded by construction however long a capture runs: rates live in fixed numpy ring buffers
(one bucket per second), the sequence tracks and the "last N seconds" history are bounded
deques, and the per-host and per-connection tables are capped, least-recent first out.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass

import numpy as np

from animator.capture.headers import ETH_ARP, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, Headers
from animator.capture.reader import RawRecord

#: Protocol classes the charts draw one line for, in legend order.
CLASSES = ("TCP", "UDP", "ICMP", "ARP", "other")
WINDOW_S = 120  # seconds of per-second rates kept
MAX_HOSTS = 2000
MAX_CONNECTIONS = 500
TRACK_POINTS = 20_000


def traffic_class(h: Headers) -> int:
    if h.proto == PROTO_TCP:
        return 0
    if h.proto == PROTO_UDP:
        return 1
    if h.proto in (PROTO_ICMP, PROTO_ICMPV6):
        return 2
    if h.ethertype == ETH_ARP:
        return 3
    return 4


@dataclass
class Talker:
    address: str
    packets: int = 0
    bytes: int = 0


class LiveStats:
    """Feed it decoded frames in time order (``add``); read rates, talkers and tracks at any time."""

    def __init__(self, history_s: float = 60.0, history_max: int = 200_000) -> None:
        self.packets = np.zeros((len(CLASSES), WINDOW_S), dtype=np.float64)
        self.bytes = np.zeros((len(CLASSES), WINDOW_S), dtype=np.float64)
        self._second = -1  # the absolute second the newest bucket holds
        self._now_packets = [0] * len(CLASSES)  # the current second's counts, written to the buffers when it ends
        self._now_bytes = [0] * len(CLASSES)
        self.total_packets = 0
        self.total_bytes = 0
        self.talkers: OrderedDict[str, Talker] = OrderedDict()
        #: (client, cport, server, sport) -> deque of (time, relative seq, relative seq + len) for the sender's direction
        self.connections: OrderedDict[tuple[str, int, str, int], deque[tuple[float, int, int]]] = OrderedDict()
        self._isn: dict[tuple[str, int, str, int], int] = {}
        # Plain tuples, not RawRecords: the collector untracks tuples of atoms, so a full history
        # of 200k frames adds nothing to each garbage collection (RawRecord instances would).
        self.history: deque[tuple[int, float, int, bytes, int]] = deque(maxlen=history_max)
        self.history_s = history_s
        self._number = 0

    # -- feeding ------------------------------------------------------------------------
    def add(self, time: float, data: bytes, linktype: int, h: Headers) -> None:
        self._number += 1
        size = len(data)
        self.total_packets += 1
        self.total_bytes += size
        second = int(time)
        if second != self._second:
            self._advance(second)
        cls = traffic_class(h)
        self._now_packets[cls] += 1  # plain ints: a numpy scalar update per packet costs more than the rest of add()
        self._now_bytes[cls] += size
        history = self.history
        history.append((self._number, time, linktype, data, size))
        horizon = time - self.history_s
        while history[0][1] < horizon:
            history.popleft()
        if h.src:
            self._talk(h.src, size)
        if h.proto == PROTO_TCP and h.sport:
            self._track(time, h)

    def _flush(self) -> None:
        if self._second >= 0:
            column = self._second % WINDOW_S
            self.packets[:, column] = self._now_packets
            self.bytes[:, column] = self._now_bytes

    def _advance(self, second: int) -> None:
        """Close the current second; zero the buckets of seconds skipped since the last packet (a rate of 0)."""
        if second < self._second:
            return  # a clock step back: count it in the current second
        self._flush()
        self._now_packets = [0] * len(CLASSES)
        self._now_bytes = [0] * len(CLASSES)
        if self._second >= 0 and second > self._second:
            for s in range(self._second + 1, min(second, self._second + WINDOW_S) + 1):
                self.packets[:, s % WINDOW_S] = 0
                self.bytes[:, s % WINDOW_S] = 0
        self._second = max(second, self._second)

    def _talk(self, address: str, size: int) -> None:
        talker = self.talkers.get(address)
        if talker is None:
            talker = self.talkers[address] = Talker(address)
            if len(self.talkers) > MAX_HOSTS:
                self.talkers.popitem(last=False)
        else:
            self.talkers.move_to_end(address)
        talker.packets += 1
        talker.bytes += size

    def _track(self, time: float, h: Headers) -> None:
        key = (h.src, h.sport, h.dst, h.dport)
        track = self.connections.get(key)
        if track is None:
            track = self.connections[key] = deque(maxlen=TRACK_POINTS)
            self._isn[key] = h.seq
            if len(self.connections) > MAX_CONNECTIONS:
                old, _ = self.connections.popitem(last=False)
                self._isn.pop(old, None)
        else:
            self.connections.move_to_end(key)
        relative = (h.seq - self._isn[key]) & 0xFFFFFFFF
        track.append((time, relative, relative + h.payload_len))

    # -- reading ------------------------------------------------------------------------
    def rates(self, seconds: int = 60) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x: seconds ago, packets/s per class, bytes/s per class) for the last ``seconds`` whole seconds."""
        seconds = min(seconds, WINDOW_S - 1)
        self._flush()
        if self._second < 0:
            zeros = np.zeros((len(CLASSES), seconds))
            return np.arange(-seconds, 0, dtype=np.float64), zeros, zeros
        columns = (np.arange(self._second - seconds, self._second) % WINDOW_S).astype(np.intp)
        return np.arange(-seconds, 0, dtype=np.float64), self.packets[:, columns], self.bytes[:, columns]

    def top_talkers(self, n: int = 5) -> list[Talker]:
        return sorted(self.talkers.values(), key=lambda t: t.bytes, reverse=True)[:n]

    def busiest_connections(self, n: int = 10) -> list[tuple[str, int, str, int]]:
        """Directions of TCP connections with the most data points, most first (Stevens graph choices)."""
        return sorted(self.connections, key=lambda k: len(self.connections[k]), reverse=True)[:n]

    def stevens(self, key: tuple[str, int, str, int]) -> tuple[np.ndarray, np.ndarray]:
        """(time since the connection's first packet, relative sequence number) of every segment seen."""
        track = self.connections.get(key)
        if not track:
            return np.zeros(0), np.zeros(0)
        points = np.asarray(track, dtype=np.float64)
        return points[:, 0] - points[0, 0], points[:, 1]

    def last_seconds(self, seconds: float) -> list[RawRecord]:
        if not self.history:
            return []
        horizon = self.history[-1][1] - seconds
        return [RawRecord(*r) for r in self.history if r[1] >= horizon]
