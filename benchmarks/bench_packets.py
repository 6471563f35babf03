"""Real packets: build + finalize per packet, summary per packet, and what ``import animator.packets`` costs.

The simulator builds every packet of a scene when it loads (a 1000-packet lecture builds 1000+
frames, one per hop), and the inspector and ladder summarise them; both must stay well below
what a reload can afford. Importing the package must cost next to nothing: scapy loads only
when a scene uses real packets. Stacks are the common mix: a SYN, an HTTP GET, a DNS query, a
TLS ClientHello, HTTP/2 frames and a WebSocket frame, each over Ether/IPv4. Every figure is
the median over ``--rounds`` rounds after one warm-up round (which pays scapy's imports).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import _common
from _common import ROOT, Result, emit, parser

from animator.model.errors import NO_MARK, Mark

# 1000 hop frames per scene load in under 2 s. scapy alone needs about 1 ms for bytes(Ether()/IP()/TCP())
# on the 2-core development machine (printed below as a reference), so this is scapy's floor plus little.
TARGET_BUILD_US = 2000.0
TARGET_SUMMARY_US = 200.0  # a ladder of 500 arrows labelled in 0.1 s
TARGET_IMPORT_MS = 5.0


@dataclass(frozen=True)
class Layer:
    name: str
    fields: dict[str, Any] = field(default_factory=dict)
    mark: Mark = NO_MARK
    marks: dict[str, Mark] = field(default_factory=dict)


BASE = [
    Layer("ether", {"src": "02:00:00:00:00:17", "dst": "02:00:00:00:00:01"}),
    Layer("ip", {"src": "192.168.1.23", "dst": "93.184.216.34"}),
]
STACKS = {
    "tcp syn": [Layer("tcp", {"dport": 80})],
    "http get": [Layer("tcp", {"dport": 80}), Layer("http", {"path": "/", "headers": {"Host": "example.com", "Accept": "*/*"}})],
    "dns query": [Layer("udp"), Layer("dns", {"qname": "www.example.com"})],
    "tls client hello": [Layer("tcp"), Layer("tls", {"sni": "example.com", "alpn": ["h2", "http/1.1"]})],
    "http2 frames": [
        Layer("tcp"),
        Layer("http2", {"frame": "preface"}),
        Layer("http2", {"frame": "settings", "settings": {"max_concurrent_streams": 100}}),
        Layer("http2", {"frame": "headers", "headers": {":method": "GET", ":path": "/", ":scheme": "https"}}),
    ],
    "websocket": [Layer("tcp"), Layer("websocket", {"payload": "Hello", "key": "37fa213d"})],
}


def import_cost_ms(runs: int = 7) -> float:
    """Median extra time of ``import animator.packets`` in fresh interpreters (after animator.model)."""
    code = (
        "import time, animator.model.errors; t = time.perf_counter(); import animator.packets; "
        "print((time.perf_counter() - t) * 1000)"
    )
    samples = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
        samples.append(float(done.stdout))
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=200, help="measured rounds per stack (default 200)")
    args = p.parse_args(argv)
    from animator.packets import build_layers, finalize, summary

    t0 = time.perf_counter()
    packets = {name: finalize(build_layers(BASE + stack)) for name, stack in STACKS.items()}
    print(f"first build of each stack (loads scapy's layer modules): {(time.perf_counter() - t0) * 1000:.0f} ms")
    for name, data in packets.items():
        print(f"  {name:18} {len(data):4} bytes  {summary(data)}")

    hop: list[float] = []

    def one_round() -> tuple[dict[str, float], dict[str, float]]:
        build, summ = {}, {}
        for i, (name, stack) in enumerate(STACKS.items()):
            t = time.perf_counter()
            pkt = build_layers(BASE + stack, seed=i)
            finalize(pkt)
            build[name] = (time.perf_counter() - t) * 1e6
            pkt["IP"].ttl -= 1  # the next hop: a router's rewrite, then the bytes again
            t = time.perf_counter()
            finalize(pkt)
            hop.append((time.perf_counter() - t) * 1e6)
            t = time.perf_counter()
            summary(pkt)
            summ[name] = (time.perf_counter() - t) * 1e6
        return build, summ

    one_round()
    hop.clear()
    if args.profile:
        _common.profile(lambda: [one_round() for _ in range(50)])
        return 0
    rounds = [one_round() for _ in range(args.rounds)]
    build_all = [v for b, _ in rounds for v in b.values()]
    summary_all = [v for _, s in rounds for v in s.values()]
    print(f"\nmedian µs over {args.rounds} rounds:   build+finalize   summary")
    for name in STACKS:
        b = statistics.median(r[0][name] for r in rounds)
        s = statistics.median(r[1][name] for r in rounds)
        print(f"  {name:18} {b:14.0f} {s:10.0f}")
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether

    plain = []
    for _ in range(args.rounds):
        t = time.perf_counter()
        bytes(Ether(src="02:00:00:00:00:17", dst="02:00:00:00:00:01") / IP(src="192.0.2.1", dst="192.0.2.2") / TCP(dport=80))
        plain.append((time.perf_counter() - t) * 1e6)
    plain_us = statistics.median(plain)
    print(f"reference: scapy alone, bytes(Ether()/IP()/TCP()): median {plain_us:.0f} µs")
    t = time.perf_counter()
    bytes_summaries = [summary(data) for data in packets.values() for _ in range(20)]
    from_bytes_us = (time.perf_counter() - t) * 1e6 / len(bytes_summaries)
    print(f"summary from wire bytes (dissects first): mean {from_bytes_us:.0f} µs")
    imp = import_cost_ms()
    print(f"import animator.packets: {imp:.2f} ms (median of 7 fresh processes)")
    emit(
        [
            Result("build + finalize per packet, median", statistics.median(build_all), "us", TARGET_BUILD_US),
            Result("  finalize again after a TTL rewrite, median", statistics.median(hop), "us"),
            Result("  scapy alone: bytes(Ether/IP/TCP), median", plain_us, "us"),
            Result("summary per packet, median", statistics.median(summary_all), "us", TARGET_SUMMARY_US),
            Result("  summary from wire bytes, mean", from_bytes_us, "us"),
            Result("import animator.packets", imp, "ms", TARGET_IMPORT_MS),
        ],
        args.json,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
