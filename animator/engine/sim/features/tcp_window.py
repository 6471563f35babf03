"""A TCP end's windows, for a node with ``tcp:`` settings: what it may send and what it advertises.

Two windows limit a sender (RFC 9293 3.8.6, RFC 5681): the receiver's advertised window (flow
control: how much the receiving application has left unread, out of ``rcvbuf``) and its own
congestion window (congestion control: ``congestion: reno|cubic``, slow start from ``initcwnd``
segments, halved, or cut to 0.7 with CUBIC, on three duplicate ACKs). This module keeps both,
fills in what Linux would put in a segment (the window field, the SYN's options, a zero-window
probe's sequence number), and refuses an authored data segment that goes beyond
``min(cwnd, rwnd)`` past SND.UNA: a scene may not show a sender doing what no stack would.

Numbers follow Linux (net/ipv4/tcp_input.c, tcp_cong.c, tcp_cubic.c): cwnd counts segments and
grows by the segments an ACK newly covers (tcp_slow_start, no RFC 3465 limit), by one per window
in congestion avoidance (tcp_cong_avoid_ai); the cut is ``max(cwnd >> 1, 2)`` (tcp_reno_ssthresh)
or ``max(cwnd * 717 >> 10, 2)`` (cubic's beta). What is simplified is said where it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from animator.engine.sim.core import SimulationError
from animator.engine.sim.journey import Sample
from animator.engine.sim.tcp import ACK, FIN, RST, SYN, Connection

if TYPE_CHECKING:
    from animator.engine.sim.devices.stack import Stack
    from animator.model.schema import TcpSettings

#: The MSS a Linux host announces on a 1500-byte Ethernet link over IPv4 (1500 - 20 - 20).
ETHERNET_MSS = 1460
#: The MSS RFC 9293 3.7.1 assumes when a SYN announces none.
DEFAULT_PEER_MSS = 536
#: CUBIC's multiplicative decrease, in 1/1024ths (tcp_cubic.c: beta = 717, about 0.7).
CUBIC_BETA = 717
#: A window field has 16 bits; with no scaling in force that is the most a receiver can advertise.
MAX_UNSCALED = 65535
#: The shift Linux offers when its receive buffer may grow to the default tcp_rmem maximum (6 MB).
DEFAULT_SHIFT = 7
#: The window a stack with no ``rcvbuf`` advertises once scaling is in force (502 << 7, see tcp.py).
SCALED_FIELD = 502
#: Duplicate ACKs that trigger fast retransmit (RFC 5681 3.2; Linux's tcp_reordering default).
DUPACK_THRESHOLD = 3


#: How ``ss`` names the RFC 9293 states in its State column (iproute2's sstate_name).
SS_STATES = {
    "ESTABLISHED": "ESTAB",
    "SYN_SENT": "SYN-SENT",
    "SYN_RCVD": "SYN-RECV",
    "FIN_WAIT_1": "FIN-WAIT-1",
    "FIN_WAIT_2": "FIN-WAIT-2",
    "TIME_WAIT": "TIME-WAIT",
    "CLOSE_WAIT": "CLOSE-WAIT",
    "LAST_ACK": "LAST-ACK",
    "LISTEN": "LISTEN",
    "CLOSING": "CLOSING",
}


def _before(a: int, b: int) -> bool:
    """``a`` comes before ``b`` in 32-bit sequence space (Linux's ``before()``)."""
    return 0 < (b - a) & 0xFFFFFFFF < 1 << 31


@dataclass(slots=True)
class Window:
    """One connection end's windows, beyond the sequence space ``Connection`` keeps."""

    #: What the peer's SYN announced (None: not seen yet), and its window scale (None: not offered).
    peer_mss: int | None = None
    peer_shift: int | None = None
    #: Whether the peer's SYN offered SACK (a SYN-ACK offers it back only then).
    peer_sack: bool = True
    #: The window scale this end's own SYN offered (None: none, or no SYN sent yet).
    own_shift: int | None = None
    #: Bytes the peer last advertised it can take (its window field, scaled), None before any.
    peer_window: int | None = None
    #: Bytes received in order and not yet read by the application (``ss``'s Recv-Q).
    unread: int = 0
    #: Congestion window and slow-start threshold in segments (None: no model / infinite).
    cwnd: int | None = None
    ssthresh: int | None = None
    #: ACKed segments counted towards the next +1 in congestion avoidance (tcp_cong_avoid_ai's snd_cwnd_cnt).
    cwnd_cnt: int = 0
    dupacks: int = 0
    #: SND.NXT when fast recovery began (RFC 6582's "recover"); None: not in recovery.
    recover: int | None = None
    #: The window field of the last segment received from the peer (a duplicate ACK repeats it).
    last_peer_field: int | None = None
    #: The ACK number and window this end last put on the wire, and the last rwnd sampled.
    last_ack_sent: int | None = None
    last_rwnd_sample: int | None = None

    @property
    def scaled(self) -> bool:
        """Window scaling is in force only when both SYNs offered it (RFC 7323 2.2)."""
        return self.peer_shift is not None and self.own_shift is not None


class TcpWindows:
    """The windows of every connection of one node that has ``tcp:`` settings."""

    def __init__(self, stack: Stack, settings: TcpSettings) -> None:
        self.stack = stack
        self.settings = settings
        self.windows: dict[tuple[tuple[str, int], tuple[str, int]], Window] = {}

    @classmethod
    def for_node(cls, stack: Stack, settings: TcpSettings | None) -> TcpWindows | None:
        """The windows of a node whose ``tcp:`` sets one of the keys they read, else None."""
        if settings is None or (settings.congestion is None and settings.mss is None and settings.rcvbuf is None):
            return None
        return cls(stack, settings)

    # -- what this node announces ------------------------------------------------------------------
    @property
    def advmss(self) -> int:
        return self.settings.mss or ETHERNET_MSS

    def window_of(self, conn: Connection) -> Window:
        return self.windows.setdefault((conn.local, conn.remote), Window())

    def send_mss(self, window: Window) -> int:
        """The segment size this end sends with: the smaller of the peer's MSS and its own."""
        return min(window.peer_mss or DEFAULT_PEER_MSS, self.advmss)

    def offered_shift(self) -> int:
        """The window scale Linux offers (tcp_select_initial_window): the smallest shift that lets
        the largest receive buffer it may use fit 16 bits. A set ``SO_RCVBUF`` that fits needs 0."""
        rcvbuf = self.settings.rcvbuf
        if rcvbuf is None:
            return DEFAULT_SHIFT
        shift = 0
        while rcvbuf >> shift > MAX_UNSCALED and shift < 14:
            shift += 1
        return shift

    def syn_options(self, peer_syn: Window | None) -> list[tuple[str, Any]]:
        """A SYN's (or, answering ``peer_syn``, a SYN-ACK's) options as Linux lays them out without
        timestamps: MSS, NOP NOP SAckOK, NOP WScale; a SYN-ACK only echoes what the SYN offered."""
        options: list[tuple[str, Any]] = [("MSS", self.advmss)]
        sack = peer_syn is None or peer_syn.peer_sack
        if sack:
            options += [("NOP", None), ("NOP", None), ("SAckOK", b"")]
        if peer_syn is None or peer_syn.peer_shift is not None:
            options += [("NOP", None), ("WScale", self.offered_shift())]
        return options

    def free_space(self, window: Window) -> int | None:
        """Receive buffer left for the peer to fill (None: no ``rcvbuf``, the stack's default)."""
        rcvbuf = self.settings.rcvbuf
        return None if rcvbuf is None else max(rcvbuf - window.unread, 0)

    def window_field(self, conn: Connection, flags: int) -> int:
        """The window field of a segment this end sends: the free buffer, scaled down by this end's
        shift once scaling is in force (a SYN's is never scaled), as Linux's tcp_select_window."""
        window = self.window_of(conn)
        free = self.free_space(window)
        if flags & SYN:
            space = min(free if free is not None else MAX_UNSCALED, MAX_UNSCALED)
            return space // self.advmss * self.advmss if free is None else space
        if free is None:
            return (
                SCALED_FIELD if window.scaled and window.own_shift == DEFAULT_SHIFT else MAX_UNSCALED // self.advmss * self.advmss
            )
        return free >> window.own_shift if window.scaled and window.own_shift else min(free, MAX_UNSCALED)

    # -- an authored segment, before it is built -------------------------------------------------------
    def fill(self, conn: Connection, tcp: Any, given: dict[str, Any], flags: int, payload: int) -> None:
        """Window, SYN options and a zero-window probe's seq for a segment the scene sends; then the
        check that a data segment fits the send window."""
        window = self.window_of(conn)
        if "window" not in given:
            tcp.window = self.window_field(conn, flags)
        if "options" not in given and flags & SYN:
            tcp.options = self.syn_options(window if flags & ACK else None)
        probe = (
            flags == ACK
            and not payload
            and window.peer_window == 0
            and conn.rcv_nxt == window.last_ack_sent
            and "seq" not in given
        )
        if probe:
            # Linux's persist timer (tcp_send_probe0 -> tcp_xmit_probe_skb): no data, seq one below
            # SND.UNA, so the receiver must answer with an ACK carrying its current window.
            tcp.seq = (conn.snd_una - 1) & 0xFFFFFFFF
        if payload and not flags & (SYN | RST):
            self.check_send(conn, window, int(tcp.seq), payload)

    def check_send(self, conn: Connection, window: Window, seq: int, payload: int) -> None:
        """Refuse data beyond SND.UNA + min(cwnd, rwnd): no stack would send it."""
        mss = self.send_mss(window)
        limits: list[tuple[int, str]] = []
        if window.cwnd is not None:
            limits.append((window.cwnd * mss, f"cwnd {window.cwnd} × {mss} B = {window.cwnd * mss} B"))
        if window.peer_window is not None:
            limits.append((window.peer_window, f"the receiver's window {window.peer_window} B"))
        if not limits:
            return
        allowed, name = min(limits)
        end = (seq + payload - conn.snd_una) & 0xFFFFFFFF
        if end > allowed:
            raise SimulationError(
                f"'{self.stack.id}' sends seq={seq} len={payload}, which ends {end} B past SND.UNA={conn.snd_una}:"
                f" beyond the send window ({name}); send it after an ACK opens the window"
            )

    # -- segments on the wire ------------------------------------------------------------------------
    def leaving(self, time: float, conn: Connection, tcp: Any, payload: int) -> None:
        """A segment of this end leaves: note what its SYN offered and what it acknowledged, and
        sample the window it advertises."""
        window = self.window_of(conn)
        flags = int(tcp.flags)
        if flags & SYN:
            window.own_shift = _option(tcp, "WScale")
        if flags & ACK:
            window.last_ack_sent = int(tcp.ack)
        if self.settings.rcvbuf is not None and not flags & RST:
            shift = (window.own_shift or 0) if window.scaled and not flags & SYN else 0
            advertised = int(tcp.window) << shift
            if advertised != window.last_rwnd_sample:
                window.last_rwnd_sample = advertised
                self.sample(time, conn, "rwnd", advertised)

    def arrived(self, time: float, conn: Connection, tcp: Any, payload: int, una: int, rcv_nxt: int, state: str) -> None:
        """A segment from the peer was taken in (``una``/``rcv_nxt``/``state``: as they were before):
        learn its window, queue its in-order data for the application, and run congestion control."""
        window = self.window_of(conn)
        flags = int(tcp.flags)
        if flags & RST:
            return
        if flags & SYN:
            window.peer_mss = _option(tcp, "MSS") or DEFAULT_PEER_MSS
            window.peer_shift = _option(tcp, "WScale")
            window.peer_sack = any(name == "SAckOK" for name, _ in tcp.options)
            window.peer_window = int(tcp.window)
        else:
            shift = (window.peer_shift or 0) if window.scaled else 0
            window.peer_window = int(tcp.window) << shift
        delivered = (conn.rcv_nxt - rcv_nxt) & 0xFFFFFFFF
        if delivered and not flags & SYN:
            window.unread += delivered - (1 if flags & FIN and conn.rcv_nxt == (tcp.seq + payload + 1) & 0xFFFFFFFF else 0)
            self.stack.publish_sockets(time)
        if self.settings.congestion is None:
            window.last_peer_field = int(tcp.window)
            self.stack.publish_sockets(time)
            return
        if conn.state == "ESTABLISHED" and state != "ESTABLISHED" and window.cwnd is None:
            window.cwnd = self.settings.initcwnd
            self.sample(time, conn, "cwnd", window.cwnd * self.send_mss(window))
            self.stack.publish_sockets(time)
        elif window.cwnd is not None and flags & ACK and not flags & SYN:
            self.acknowledged(time, conn, window, tcp, payload, una)
        window.last_peer_field = int(tcp.window)
        self.stack.publish_sockets(time)

    def acknowledged(self, time: float, conn: Connection, window: Window, tcp: Any, payload: int, una: int) -> None:
        """Congestion control on an ACK: growth for new data acknowledged, fast retransmit on the
        third duplicate, and the end of fast recovery once everything sent before it is ACKed."""
        assert window.cwnd is not None
        mss = self.send_mss(window)
        ack = int(tcp.ack)
        flags = int(tcp.flags)
        before = (window.cwnd, window.ssthresh)
        if _before(una, ack):
            window.dupacks = 0
            segments = -(-((ack - una) & 0xFFFFFFFF) // mss)
            if window.recover is not None:
                if not _before(ack, window.recover):
                    # A full ACK ends recovery at cwnd = ssthresh (RFC 6582; Linux's tcp_end_cwnd_reduction).
                    window.recover = None
                    window.cwnd = window.ssthresh or window.cwnd
                    self.stack.remark(time, f"recovery over: cwnd {window.cwnd}")
            else:
                self.grow(window, segments)
        elif (
            ack == una
            and not payload
            and not flags & (SYN | FIN)
            and conn.snd_nxt != una
            and int(tcp.window) == window.last_peer_field
        ):
            window.dupacks += 1
            if window.dupacks == DUPACK_THRESHOLD and window.recover is None:
                old = window.cwnd
                cut = old >> 1 if self.settings.congestion == "reno" else old * CUBIC_BETA >> 10
                window.ssthresh = window.cwnd = max(cut, 2)
                window.recover = conn.snd_nxt
                self.stack.remark(time, f"3 dup ACKs: cwnd {old} → {window.cwnd}")
        if (window.cwnd, window.ssthresh) != before:
            self.sample(time, conn, "cwnd", window.cwnd * mss)
            if window.ssthresh is not None and window.ssthresh != before[1]:
                self.sample(time, conn, "ssthresh", window.ssthresh * mss)
            self.stack.publish_sockets(time)

    @staticmethod
    def grow(window: Window, segments: int) -> None:
        """Slow start below ssthresh (+1 per segment ACKed, tcp_slow_start), then congestion avoidance
        (+1 per cwnd segments ACKed, tcp_cong_avoid_ai). CUBIC grows by a cubic function of the time
        since the loss instead; the simulator has no wall clock, so both grow as Reno does."""
        assert window.cwnd is not None
        if window.ssthresh is None or window.cwnd < window.ssthresh:
            limit = window.ssthresh if window.ssthresh is not None else window.cwnd + segments
            grown = min(window.cwnd + segments, limit)
            segments -= grown - window.cwnd
            window.cwnd = grown
        if segments <= 0:
            return
        if window.cwnd_cnt >= window.cwnd:
            window.cwnd_cnt = 0
            window.cwnd += 1
        window.cwnd_cnt += segments
        if window.cwnd_cnt >= window.cwnd:
            delta = window.cwnd_cnt // window.cwnd
            window.cwnd_cnt -= delta * window.cwnd
            window.cwnd += delta

    # -- the application ------------------------------------------------------------------------------
    def read(self, time: float, nbytes: int | None) -> int:
        """The application reads ``nbytes`` (None: all) from its connections' buffers; bytes read."""
        taken = 0
        for key, window in self.windows.items():
            conn = self.stack.conns.get(key)
            if conn is None or not window.unread:
                continue
            amount = window.unread if nbytes is None else min(window.unread, nbytes - taken)
            window.unread -= amount
            taken += amount
            if nbytes is not None and taken >= nbytes:
                break
        if taken:
            self.stack.remark(time, f"app reads {taken} B")
            self.stack.publish_sockets(time)
        return taken

    # -- what the views show ------------------------------------------------------------------------
    def sample(self, time: float, conn: Connection, series: str, value: int) -> None:
        local = f"{conn.local[0]}:{conn.local[1]}"
        remote = f"{conn.remote[0]}:{conn.remote[1]}"
        self.stack.sim.step.samples.append(Sample(time, self.stack.id, f"{local}>{remote}", series, float(value)))

    @property
    def columns(self) -> tuple[str, ...]:
        """The Sockets table's extra columns: ``Recv-Q`` where a receive buffer is kept, ``ss -ti``'s
        words where there is something to say (a sender's cwnd or the peer's window). Fewer
        columns keep the table whole on a stage that shares the screen with the TCP graph."""
        extra: tuple[str, ...] = ("Recv-Q",) if self.settings.rcvbuf is not None else ()
        if self.settings.congestion is not None or self.settings.rcvbuf is None:
            extra += ("ss -ti",)
        return extra

    def socket_row(self, row: tuple[str, ...]) -> tuple[str, ...]:
        """A Sockets row as ``ss -tin`` prints it: its state names (``ESTAB``, ``SYN-SENT``), then
        the extra cells (a listening socket's are empty)."""
        conn = next((c for c in self.stack.conns.values() if _text(*c.local) == row[0] and _text(*c.remote) == row[1]), None)
        state = SS_STATES.get(row[2], row[2])
        if conn is None or conn.state == "LISTEN":
            return (*row[:2], state, *row[3:], *("",) * len(self.columns))
        unread, info = self.socket_info(conn)
        return (*row[:2], state, *row[3:], *(unread if column == "Recv-Q" else info for column in self.columns))

    def socket_info(self, conn: Connection) -> tuple[str, str]:
        """``ss -tin``'s Recv-Q and the words of its info line this lesson reads, as ss names them:
        a congestion-controlled sender's ``cwnd:6 ssthresh:6``, another sender's ``snd_wnd:``
        (the peer's window); a node that has sent no data has nothing there worth a column."""
        window = self.window_of(conn)
        words: list[str] = []
        if window.cwnd is not None:
            words.append(f"cwnd:{window.cwnd}")  # ss puts the algorithm first; the scene's tcp: says it
            if window.ssthresh is not None:
                words.append(f"ssthresh:{window.ssthresh}")
        elif window.peer_window is not None and (conn.snd_nxt - conn.iss) & 0xFFFFFFFF > 1:
            words.append(f"snd_wnd:{window.peer_window}")
        return str(window.unread), " ".join(words)


def _text(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _option(tcp: Any, name: str) -> int | None:
    for kind, value in tcp.options:
        if kind == name:
            return int(value)
    return None
