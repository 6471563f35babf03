"""Packet filters: real BPF (tcpdump syntax) through libpcap when it is installed, else a simple subset.

BPF is compiled and run by libpcap itself through ``ctypes`` (``pcap_compile`` on a "dead"
handle, ``pcap_offline_filter`` per frame), so an import filter means exactly what the same
expression means to tcpdump and Wireshark's capture filter, with no scapy and no BPF
interpreter in Python. Without libpcap the *simple* filter takes over: the same words for the
common cases (``tcp``, ``udp``, ``icmp``, ``arp``, ``ip``, ``ip6``, ``[src|dst] host ADDR``,
``[src|dst] port N``, ``[src|dst] net CIDR``, combined with ``and``/``or``/``not`` and
parentheses), evaluated on the decoded ``Headers``. ``FilterError`` carries a one-line message.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import ipaddress
import re
import threading
from collections.abc import Callable
from functools import cache

from animator.capture.headers import ETH_ARP, ETH_IPV4, ETH_IPV6, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, Headers

SIMPLE_SYNTAX = "tcp, udp, icmp, arp, ip, ip6, [src|dst] host ADDR, [src|dst] port N, [src|dst] net CIDR, with and/or/not and ( )"


class FilterError(Exception):
    """A filter that cannot be used; the message says why and what to do, in one line."""


#: A compiled filter: (link type, frame bytes, length on the wire, decoded headers) -> keep?
Matcher = Callable[[int, bytes, int, Headers], bool]


# -- BPF through libpcap ------------------------------------------------------------------
class _BpfProgram(ctypes.Structure):
    _fields_ = [("bf_len", ctypes.c_uint), ("bf_insns", ctypes.c_void_p)]


class _PktHdr(ctypes.Structure):
    _fields_ = [("ts_sec", ctypes.c_long), ("ts_usec", ctypes.c_long), ("caplen", ctypes.c_uint32), ("len", ctypes.c_uint32)]


_PCAP_NETMASK_UNKNOWN = 0xFFFFFFFF
_compile_lock = threading.Lock()  # pcap_compile is not thread-safe in older libpcaps


@cache
def libpcap() -> ctypes.CDLL | None:
    """The libpcap shared library, or None when it is not installed (Debian: ``libpcap0.8``)."""
    for name in (ctypes.util.find_library("pcap"), "libpcap.so.0.8", "libpcap.so.1", "libpcap.dylib", "wpcap.dll"):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        lib.pcap_open_dead.restype = ctypes.c_void_p
        lib.pcap_open_dead.argtypes = [ctypes.c_int, ctypes.c_int]
        lib.pcap_compile.argtypes = [ctypes.c_void_p, ctypes.POINTER(_BpfProgram), ctypes.c_char_p, ctypes.c_int, ctypes.c_uint32]
        lib.pcap_geterr.restype = ctypes.c_char_p
        lib.pcap_geterr.argtypes = [ctypes.c_void_p]
        lib.pcap_offline_filter.argtypes = [ctypes.POINTER(_BpfProgram), ctypes.POINTER(_PktHdr), ctypes.c_char_p]
        lib.pcap_close.argtypes = [ctypes.c_void_p]
        return lib
    return None


def bpf_available() -> bool:
    return libpcap() is not None


class BpfFilter:
    """One BPF expression, compiled once per link type it meets (the generated code depends on it)."""

    def __init__(self, expression: str) -> None:
        lib = libpcap()
        if lib is None:
            raise FilterError("BPF filters need libpcap, which is not installed (Debian/Ubuntu: sudo apt-get install libpcap0.8)")
        self.expression = expression
        self._lib = lib
        self._programs: dict[int, _BpfProgram] = {}
        self._hdr = _PktHdr()
        self.program(1)  # Ethernet: reject a bad expression up front, not at the first packet

    def program(self, linktype: int) -> _BpfProgram:
        prog = self._programs.get(linktype)
        if prog is None:
            prog = _BpfProgram()
            with _compile_lock:
                handle = self._lib.pcap_open_dead(linktype, 262144)
                try:
                    text = self.expression.encode()
                    status = self._lib.pcap_compile(handle, ctypes.byref(prog), text, 1, _PCAP_NETMASK_UNKNOWN)
                    error = self._lib.pcap_geterr(handle).decode(errors="replace") if status != 0 else ""
                finally:
                    self._lib.pcap_close(handle)
            if error:
                raise FilterError(f"bad filter '{self.expression}': {error}")
            self._programs[linktype] = prog  # the instructions are freed with the process; filters are few
        return prog

    def __call__(self, linktype: int, data: bytes, wire_len: int, headers: Headers | None = None) -> bool:
        prog = self._programs.get(linktype) or self.program(linktype)
        hdr = self._hdr
        hdr.caplen = len(data)
        hdr.len = wire_len
        return bool(self._lib.pcap_offline_filter(ctypes.byref(prog), ctypes.byref(hdr), data) != 0)


# -- the simple filter ----------------------------------------------------------------------
_TOKEN = re.compile(r"\s*(\(|\)|&&|\|\||!|[^\s()!&|]+)")
_PROTOS: dict[str, Callable[[Headers], bool]] = {
    "tcp": lambda h: h.proto == PROTO_TCP,
    "udp": lambda h: h.proto == PROTO_UDP,
    "icmp": lambda h: h.proto == PROTO_ICMP,
    "icmp6": lambda h: h.proto == PROTO_ICMPV6,
    "arp": lambda h: h.ethertype == ETH_ARP,
    "ip": lambda h: h.ethertype == ETH_IPV4,
    "ip6": lambda h: h.ethertype == ETH_IPV6,
}
_Pred = Callable[[Headers], bool]


def _either(a: _Pred, b: _Pred) -> _Pred:
    return lambda h: a(h) or b(h)


def _both(a: _Pred, b: _Pred) -> _Pred:
    return lambda h: a(h) and b(h)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[str] = []
        pos = 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if not match or not match.group(1):
                if text[pos:].strip() == "":
                    break
                raise FilterError(f"bad filter '{text}': cannot read '{text[pos:].strip()}'")
            self.tokens.append(match.group(1).lower())
            pos = match.end()
        self.i = 0

    def fail(self, what: str) -> FilterError:
        where = f"'{self.tokens[self.i]}'" if self.i < len(self.tokens) else "the end"
        return FilterError(f"bad filter '{self.text}': expected {what} at {where} (simple filter syntax: {SIMPLE_SYNTAX})")

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> str:
        if self.i >= len(self.tokens):
            raise self.fail("more")
        self.i += 1
        return self.tokens[self.i - 1]

    def parse(self) -> _Pred:
        if not self.tokens:
            return lambda h: True
        pred = self.expr()
        if self.peek() is not None:
            raise self.fail("'and', 'or' or the end")
        return pred

    def expr(self) -> _Pred:
        pred = self.term()
        while self.peek() in ("or", "||"):
            self.take()
            pred = _either(pred, self.term())
        return pred

    def term(self) -> _Pred:
        pred = self.factor()
        while self.peek() in ("and", "&&"):
            self.take()
            pred = _both(pred, self.factor())
        return pred

    def factor(self) -> _Pred:
        word = self.peek()
        if word in ("not", "!"):
            self.take()
            inner = self.factor()
            return lambda h: not inner(h)
        if word == "(":
            self.take()
            pred = self.expr()
            if self.peek() != ")":
                raise self.fail("')'")
            self.take()
            return pred
        return self.primitive()

    def primitive(self) -> _Pred:
        word = self.take()
        if word in ("tcp", "udp") and self.peek() in ("port", "src", "dst"):  # "tcp port 80", as in tcpdump
            proto, ports = _PROTOS[word], self.primitive()
            return lambda h: proto(h) and ports(h)
        if word in _PROTOS:
            return _PROTOS[word]
        direction = ""
        if word in ("src", "dst"):
            direction, word = word, self.take()
        if word == "host":
            value = self.take()
            try:
                address = str(ipaddress.ip_address(value))
            except ValueError:
                raise FilterError(f"bad filter '{self.text}': '{value}' is not an IP address") from None
            return _by_direction(direction, lambda h: h.src == address, lambda h: h.dst == address)
        if word == "port":
            value = self.take()
            if not value.isdigit() or int(value) > 65535:
                raise FilterError(f"bad filter '{self.text}': '{value}' is not a port number (0-65535)")
            port = int(value)
            tcp_udp = (PROTO_TCP, PROTO_UDP)
            return _by_direction(
                direction, lambda h: h.sport == port and h.proto in tcp_udp, lambda h: h.dport == port and h.proto in tcp_udp
            )
        if word == "net":
            value = self.take()
            try:
                net = ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise FilterError(f"bad filter '{self.text}': '{value}' is not a network like 10.0.0.0/8") from None
            return _by_direction(direction, lambda h: _in(h.src, net), lambda h: _in(h.dst, net))
        self.i -= 1
        raise self.fail("a protocol (tcp, udp, icmp, icmp6, arp, ip, ip6), host, port or net")


def _in(address: str, net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    try:
        return bool(address) and ipaddress.ip_address(address) in net
    except ValueError:
        return False


def _by_direction(direction: str, src: _Pred, dst: _Pred) -> _Pred:
    if direction == "src":
        return src
    if direction == "dst":
        return dst
    return lambda h: src(h) or dst(h)


def simple_filter(expression: str) -> Matcher:
    """Compile the simple filter language; raises FilterError with the syntax on a mistake."""
    pred = _Parser(expression).parse()
    return lambda linktype, data, wire_len, headers: pred(headers)


def make_filter(expression: str, kind: str = "auto") -> tuple[Matcher, str]:
    """A matcher and the kind used ("bpf" or "simple"). ``auto`` is BPF when libpcap is there, else simple.

    Without libpcap an expression outside the simple language is refused with a message that
    says both why (no libpcap) and what works instead.
    """
    if kind == "simple":
        return simple_filter(expression), "simple"
    if kind == "bpf" or bpf_available():
        return BpfFilter(expression), "bpf"
    try:
        return simple_filter(expression), "simple"
    except FilterError as exc:
        raise FilterError(
            f"{exc}; full BPF syntax needs libpcap, which is not installed (Debian/Ubuntu: sudo apt-get install libpcap0.8)"
        ) from None
