"""A listening socket's SYN backlog and SYN cookies, as Linux keeps them (``tcp: {syn_backlog, syncookies}``).

A SYN to a listening port makes a half-open (SYN_RCVD) entry and a SYN-ACK; the entry waits for
the handshake's last ACK. A SYN flood from spoofed addresses fills those entries with peers that
never answer. What happens when the backlog is full depends on ``net.ipv4.tcp_syncookies``
(Linux's ``tcp_conn_request`` and ``tcp_syn_flood_action``):

- ``0``: the SYN is dropped, a legitimate client's too (it retransmits after its timeout);
  counters ``TcpExtTCPReqQFullDrop`` and ``TcpExtListenDrops``.
- ``1`` (the default): the server answers with a SYN-ACK whose ISN is a *SYN cookie* and keeps no
  state; an ACK acknowledging cookie + 1 rebuilds the connection, straight to ESTABLISHED
  (``TcpExtTCPReqQFullDoCookies``, ``TcpExtSyncookiesSent``, ``TcpExtSyncookiesRecv``); an ACK
  with a wrong number while cookies are in use fails (``TcpExtSyncookiesFailed``) and the
  listener answers it with RST, as any stray ACK.
- ``2``: cookies for every SYN, full or not.

The cookie is laid out as ``secure_tcp_syn_cookie`` in Linux's net/ipv4/syncookies.c:
``hash1(4-tuple) + client ISN + (minute counter << 24) + ((hash2(4-tuple, counter) + MSS index)
mod 2^24)``. Linux's hash is siphash with a boot-time secret; here it is SHA-1 of a per-node
secret (the same on every run), which changes the numbers and nothing else. The check undoes the
sum: the counter must be at most one minute old and the MSS index one of the four in ``MSS_TABLE``.

Without TCP timestamps in the client's SYN (the simulator sends none) a cookie has no room for
window scaling or SACK: Linux clears those options and the cookie SYN-ACK carries the MSS alone,
with an unscaled window (checked on Linux 6.18). With timestamps Linux hides wscale, SACK and ECN
in the low six bits of the SYN-ACK's TSval (``cookie_init_timestamp``), and so does this module.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from animator.engine.sim.core import Arrival
from animator.engine.sim.journey import Outcome
from animator.engine.sim.scapy_layers import layers
from animator.engine.sim.tcp import ACK, DEFAULT_WINDOW, RST, SYN, Connection
from animator.model.kinds import TableKind
from animator.model.schema import TcpSettings

if TYPE_CHECKING:
    from animator.engine.sim.devices.stack import Stack

#: The MSS values a cookie can say, by their 2-bit index (Linux's ``msstab`` for IPv4).
MSS_TABLE = (536, 1300, 1440, 1460)
COOKIE_BITS = 24
COOKIE_MASK = (1 << COOKIE_BITS) - 1
#: A cookie is accepted for up to two minutes of its counter (Linux's ``MAX_SYNCOOKIE_AGE``).
MAX_AGE = 2
#: The counters ``nstat`` shows for this, in the order it prints them.
COUNTERS = (
    "TcpExtSyncookiesSent",
    "TcpExtSyncookiesRecv",
    "TcpExtSyncookiesFailed",
    "TcpExtListenOverflows",
    "TcpExtListenDrops",
    "TcpExtTCPReqQFullDoCookies",
    "TcpExtTCPReqQFullDrop",
)


def _hash(secret: str, which: int, four_tuple: tuple[str, str, int, int], count: int) -> int:
    """One of the cookie's two keyed hashes of the 4-tuple (Linux: siphash with ``syncookie_secret[which]``)."""
    text = f"{secret}|{which}|{'|'.join(map(str, four_tuple))}|{count}"
    return int.from_bytes(hashlib.sha1(text.encode()).digest()[:4], "big")


def make_cookie(secret: str, four_tuple: tuple[str, str, int, int], client_isn: int, count: int, mss_index: int) -> int:
    """The ISN a cookie SYN-ACK carries: everything the server needs later, and no state kept now."""
    first = _hash(secret, 0, four_tuple, 0)
    second = _hash(secret, 1, four_tuple, count)
    return (first + client_isn + ((count << COOKIE_BITS) & 0xFFFFFFFF) + ((second + mss_index) & COOKIE_MASK)) & 0xFFFFFFFF


def check_cookie(secret: str, four_tuple: tuple[str, str, int, int], client_isn: int, cookie: int, count: int) -> int | None:
    """The MSS a returning cookie encodes, or None when it is not one of ours (or too old)."""
    value = (cookie - _hash(secret, 0, four_tuple, 0) - client_isn) & 0xFFFFFFFF
    age = (count - (value >> COOKIE_BITS)) & (0xFFFFFFFF >> COOKIE_BITS)
    if age >= MAX_AGE:
        return None
    index = (value - _hash(secret, 1, four_tuple, count - age)) & COOKIE_MASK
    return MSS_TABLE[index] if index < len(MSS_TABLE) else None


def mss_index(mss: int) -> int:
    """The largest table entry not above the client's MSS (Linux's ``__cookie_v4_init_sequence``)."""
    return max((i for i, value in enumerate(MSS_TABLE) if value <= mss), default=0)


class SynBacklog:
    """One node's listening sockets' half-open entries, its cookie secret and its ``nstat`` counters."""

    def __init__(self, device: Stack, settings: TcpSettings) -> None:
        self.device = device
        self.settings = settings
        self.secret = f"syncookie-{device.id}"
        self.counters = dict.fromkeys(COUNTERS, 0)
        #: Whether the backlog overflowed lately: only then does Linux read a stray ACK as a cookie
        #: (``tcp_synq_no_recent_overflow``), or cookies are always on (``syncookies: 2``).
        self.overflowed = settings.syncookies == 2
        #: The last ACK ``restore`` was given looked like a cookie's and failed the check.
        self.bad_cookie = False

    # -- what the listener holds -------------------------------------------------------------------
    def half_open(self, port: int) -> int:
        """SYN_RCVD entries on listening ``port``: what ``ss -tan state syn-recv`` would list."""
        return sum(1 for c in self.device.conns.values() if c.state == "SYN_RCVD" and c.local[1] == port)

    def listening(self) -> list[tuple[str, str, str]]:
        """The listening sockets, as the first lines of ``ss -tan`` show them (bound to every address)."""
        return [(f"0.0.0.0:{port}", "0.0.0.0:*", "LISTEN") for port in self.device.node.listen]

    def full(self, port: int) -> bool:
        limit = self.settings.syn_backlog
        return limit is not None and self.half_open(port) >= limit

    def minute(self, time: float) -> int:
        """Linux's cookie counter: minutes since boot (``tcp_cookie_time``), from a boot the same on every run."""
        return (int.from_bytes(hashlib.sha1(self.secret.encode()).digest()[:2], "big") + int(time // 60)) & 0xFF

    # -- a SYN for a listening port ----------------------------------------------------------------
    def admit(self, arrival: Arrival, ip: Any, tcp: Any) -> bool:
        """Whether a SYN gets a half-open entry; if not it was dropped or answered with a cookie here."""
        port = int(tcp.dport)
        cookies = self.settings.syncookies
        if cookies != 2 and not self.full(port):
            return True
        t = arrival.time
        if cookies == 0:
            self.count(t, "TcpExtTCPReqQFullDrop", "TcpExtListenDrops")
            why = f"SYN backlog full ({self.settings.syn_backlog} half-open), tcp_syncookies=0: dropped"
            self.device.sim.end_leg(arrival.leg, Outcome.DROPPED, why)
            self.device.remark(t, "SYN backlog full: SYN dropped")
            return False
        self.overflowed = True
        self.count(t, "TcpExtTCPReqQFullDoCookies", "TcpExtSyncookiesSent")
        self.device.sim.end_leg(arrival.leg, Outcome.ANSWERED, "SYN backlog full: answered with a SYN cookie, nothing kept")
        self.device.remark(t, "SYN cookie sent, no state kept")
        self._send_cookie(arrival, ip, tcp)
        return False

    def _send_cookie(self, arrival: Arrival, ip: Any, tcp: Any) -> None:
        sc = layers()
        options = dict((name, value) for name, value in tcp.options if isinstance(name, str))
        index = mss_index(int(options.get("MSS", 536)))
        four = (str(ip.src), str(ip.dst), int(tcp.sport), int(tcp.dport))
        cookie = make_cookie(self.secret, four, int(tcp.seq), self.minute(arrival.time), index)
        syn_ack_options: list[tuple[str, Any]] = [("MSS", MSS_TABLE[index])]
        if "Timestamp" in options:  # wscale (4 bits), SACK and ECN ride in TSval's low six bits
            wscale = 7 if "WScale" in options else 0xF
            tsval = (int(arrival.time * 1000) & ~0x3F) | wscale | (0x10 if "SAckOK" in options else 0)
            syn_ack_options = [
                ("MSS", MSS_TABLE[index]), ("SAckOK", b""), ("Timestamp", (tsval, options["Timestamp"][0])), ("NOP", None),
                *([("WScale", 7)] if "WScale" in options else []),
            ]  # fmt: skip
        reply = sc.IP(src=ip.dst, dst=ip.src, ttl=64, id=0, flags="DF") / sc.TCP(
            sport=tcp.dport, dport=tcp.sport, flags=SYN | ACK, seq=cookie, ack=(int(tcp.seq) + 1) & 0xFFFFFFFF,
            window=DEFAULT_WINDOW, options=syn_ack_options,
        )  # fmt: skip
        leg = self.device.sim.new_leg(f"{arrival.leg.id}.cookie", "cookie", "tcp", arrival.leg, self.device.id)
        self.device.send_reply(leg, reply, arrival.time)

    # -- an ACK no connection is waiting for -------------------------------------------------------
    def restore(self, arrival: Arrival, ip: Any, tcp: Any) -> Connection | None:
        """The connection a returning cookie stands for, created ESTABLISHED; None if it is no cookie
        of ours (the caller answers RST, as Linux's listener does for any stray ACK)."""
        flags = int(tcp.flags)
        listen = self.device.node.listen
        self.bad_cookie = False
        if not self.overflowed or flags & (SYN | RST) or not flags & ACK or (listen and tcp.dport not in listen):
            return None
        four = (str(ip.src), str(ip.dst), int(tcp.sport), int(tcp.dport))
        cookie = (int(tcp.ack) - 1) & 0xFFFFFFFF
        client_isn = (int(tcp.seq) - 1) & 0xFFFFFFFF
        t = arrival.time
        if check_cookie(self.secret, four, client_isn, cookie, self.minute(t)) is None:
            self.count(t, "TcpExtSyncookiesFailed")
            self.bad_cookie = True  # the listener's RST then says why
            return None
        self.count(t, "TcpExtSyncookiesRecv")
        conn = Connection(local=(four[1], four[3]), remote=(four[0], four[2]), state="ESTABLISHED", authored=True)
        conn.iss, conn.snd_una, conn.snd_nxt = cookie, int(tcp.ack), int(tcp.ack)
        conn.irs, conn.rcv_nxt = client_isn, int(tcp.seq)
        self.device.conns[conn.local, conn.remote] = conn
        self.device.badge(t, "ESTABLISHED")
        self.device.publish_sockets(t)
        return conn

    # -- nstat ---------------------------------------------------------------------------------------
    def count(self, time: float, *names: str) -> None:
        for name in names:
            self.counters[name] += 1
        self.publish(time)

    def publish(self, time: float) -> None:
        """The counters as ``nstat`` prints them: only those that are not zero."""
        rows = [(name, str(value)) for name, value in self.counters.items() if value]
        self.device.publish(time, TableKind.NSTAT, rows or None)
