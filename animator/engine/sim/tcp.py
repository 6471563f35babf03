"""A TCP endpoint's bookkeeping: the RFC 9293 states and the sequence space, nothing more.

The simulator fills in what an author leaves out of a segment (flags, seq, ack) from here, so the
numbers on screen are the ones a real stack would send: SYN and FIN each take one sequence
number, data takes its length, ACK carries the next byte expected.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10
#: TCP receive window a Linux host opens with (64240 = 44 * 1460).
DEFAULT_WINDOW = 64240
#: The same window once window scaling (shift 7, offered in the SYN) is in force: 502 << 7 = 64256.
SCALED_WINDOW = 502
#: Over IPv6 the header is 20 bytes longer, so on a 1500-byte link Linux advertises MSS 1440 and
#: opens with the largest multiple of it under 65535: 45 * 1440 = 64800.
IPV6_MSS, IPV6_WINDOW = 1440, 64800


def initial_sequence(*parts: object) -> int:
    """A stable ISN per connection: random-looking (as RFC 6528 wants), the same on every run."""
    digest = hashlib.sha1("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big")


@dataclass(slots=True)
class Connection:
    """One end of a TCP connection."""

    local: tuple[str, int]
    remote: tuple[str, int]
    state: str = "CLOSED"
    iss: int = 0
    snd_nxt: int = 0
    snd_una: int = 0
    irs: int = 0
    rcv_nxt: int = 0
    #: The nodes this connection talks to on behalf of: the peer, and whoever asked a proxy to connect.
    peers: set[str] = field(default_factory=set)
    #: The connection a proxy or balancer pairs with this one (the other side of its relay).
    partner: tuple[str, tuple[str, int], tuple[str, int]] | None = None
    #: A CONNECT tunnel is open: relay bytes untouched.
    tunnel: bool = False
    #: The peer speaks TLS to this end (a reverse proxy terminating it): replies go back in records.
    tls: bool = False
    #: Bytes received but not yet consumed (HTTP message boundaries at a proxy).
    received: bytearray = field(default_factory=bytearray)
    #: Segments that arrived beyond a hole, held for reassembly: first sequence number -> the one after.
    #: When the hole is filled RCV.NXT jumps past all of them, as a real receiver's cumulative ACK does.
    out_of_order: dict[int, int] = field(default_factory=dict)
    #: Opened by the scene's own sends (actively, or passively by a SYN to a listening port), not
    #: by a relay: its kernel answers what a kernel answers at once (the handshake's last ACK).
    authored: bool = False
    #: An HTTP message on it said ``Connection: close``: whoever sent the response closes after
    #: it, and the other end closes when that FIN arrives (what nginx and curl do).
    closing: bool = False

    def default_flags(self, payload: int) -> int:
        if self.state in ("CLOSED", "LISTEN"):
            return SYN
        if self.state == "SYN_RCVD" and self.snd_nxt == self.iss:
            return SYN | ACK
        return (PSH | ACK) if payload else ACK

    def sent(self, flags: int, seq: int, payload: int) -> str | None:
        """Account for a segment this end sends; returns the new state if it changed."""
        before = self.state
        if flags & SYN:
            self.iss = seq
            self.snd_una = self.snd_nxt = seq  # an author's explicit ISN replaces the one the stack drew
        self.snd_nxt = max(self.snd_nxt, (seq + payload + bool(flags & SYN) + bool(flags & FIN)) & 0xFFFFFFFF)
        if flags & RST:
            self.state = "CLOSED"
        elif flags & SYN and not flags & ACK:
            self.state = "SYN_SENT"
        elif flags & SYN and flags & ACK:
            self.state = "SYN_RCVD"
        elif flags & FIN:
            self.state = {"ESTABLISHED": "FIN_WAIT_1", "CLOSE_WAIT": "LAST_ACK", "SYN_RCVD": "FIN_WAIT_1"}.get(
                self.state, self.state
            )
        elif flags & ACK and self.state == "SYN_SENT":
            self.state = "ESTABLISHED"
        return self.state if self.state != before else None

    def _reassemble(self) -> None:
        """Move RCV.NXT past every held segment the new in-order data reaches (they may overlap it)."""
        moved = True
        while moved:
            moved = False
            for start, stop in list(self.out_of_order.items()):
                if (self.rcv_nxt - start) & 0xFFFFFFFF < 1 << 31:  # start <= RCV.NXT, in sequence space
                    del self.out_of_order[start]
                    if (stop - self.rcv_nxt) & 0xFFFFFFFF < 1 << 31:
                        self.rcv_nxt = stop
                    moved = True

    def received_segment(self, flags: int, seq: int, ack: int, payload: int) -> str | None:
        """Account for a segment that arrived; returns the new state if it changed."""
        before = self.state
        if flags & RST:
            self.state = "CLOSED"
            return self.state if self.state != before else None
        if flags & SYN:
            self.irs = seq
            self.rcv_nxt = (seq + 1) & 0xFFFFFFFF
            if flags & ACK and self.state == "SYN_SENT":
                self.snd_una = ack
                self.state = "ESTABLISHED"
            elif not flags & ACK:
                self.state = "SYN_RCVD"
            return self.state if self.state != before else None
        end = (seq + payload + bool(flags & FIN)) & 0xFFFFFFFF
        if seq == self.rcv_nxt:
            self.rcv_nxt = end
            self._reassemble()
        elif end != seq and 0 < (seq - self.rcv_nxt) & 0xFFFFFFFF < 1 << 31:
            self.out_of_order[seq] = end  # beyond a hole: kept, not yet acknowledged
        if flags & ACK:
            self.snd_una = ack
            acked_all = ack == self.snd_nxt
            if self.state == "SYN_RCVD" and acked_all:
                self.state = "ESTABLISHED"
            elif self.state == "FIN_WAIT_1" and acked_all:
                self.state = "FIN_WAIT_2"
            elif self.state == "CLOSING" and acked_all:
                self.state = "TIME_WAIT"
            elif self.state == "LAST_ACK" and acked_all:
                self.state = "CLOSED"
        if flags & FIN:
            self.state = {
                "ESTABLISHED": "CLOSE_WAIT",
                "FIN_WAIT_1": "CLOSING",
                "FIN_WAIT_2": "TIME_WAIT",
                "SYN_RCVD": "CLOSE_WAIT",
            }.get(self.state, self.state)
        return self.state if self.state != before else None


def says_close(payload: bytes) -> bool:
    """Whether an HTTP/1.x message's header block carries ``Connection: close``."""
    if not payload.startswith(b"HTTP/1.") and b" HTTP/1." not in payload[:200]:
        return False
    head = payload.split(b"\r\n\r\n", 1)[0].lower()
    return any(line.replace(b" ", b"") == b"connection:close" for line in head.split(b"\r\n"))


def flag_value(flags: object) -> int | None:
    """``"SA"``, ``"S"``, ``18`` or scapy's FlagValue as an int; None for letters TCP has not."""
    if isinstance(flags, int):
        return flags
    text = str(flags)
    bits = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10, "U": 0x20, "E": 0x40, "C": 0x80}
    value = 0
    for letter in text.upper():
        if letter not in bits:
            return None
        value |= bits[letter]
    return value


def flag_names(flags: int) -> str:
    names = [("SYN", SYN), ("FIN", FIN), ("RST", RST), ("PSH", PSH), ("ACK", ACK)]
    return ", ".join(name for name, bit in names if flags & bit)
