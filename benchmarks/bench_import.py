"""Read a 200k-packet capture and decode its common headers, against ``tshark -T fields -e ip.src -e ip.dst``.

The capture (Ethernet/IPv4 TCP and UDP, a few IPv6, 54-1514-byte frames, ~70 MB) is built
with ``struct`` (scapy's ``wrpcap`` writes ~1,400 packets/s, so 200k would take minutes) and
cached under /tmp. Each side runs ``--runs`` times and the medians are compared: ours reads
every record and decodes Ethernet/IP/TCP/UDP into a ``Headers`` tuple (the same work the
importer's first pass and the live view do per packet); tshark prints the two address fields
for every packet. Peak memory is the reading process's resident high-water mark growth (VmHWM), which
includes the memory-mapped file's resident pages; the target is twice the file plus 100 MB.
A full import scan (BPF filter through every packet, scene for the 2 matches) is timed too.
"""

from __future__ import annotations

import random
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

import _common
from _common import Result, emit, parser

TARGET_SPEEDUP = 3.0
CACHE = Path("/tmp/packetstage-bench-import-{n}.pcap")


def _checksum(header: bytes) -> int:
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    total = (total & 0xFFFF) + (total >> 16)
    total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def build_capture(path: Path, packets: int) -> None:
    """A plausible mix: many TCP flows, DNS, some IPv6; written with struct in a few seconds."""
    rng = random.Random(200)
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    macs = [bytes([2, 0, 0, 0, i >> 8, i & 255]) for i in range(64)]
    locals_ = [socket.inet_aton(f"192.168.{i // 250}.{i % 250 + 1}") for i in range(500)]
    remotes = [
        socket.inet_aton(f"{rng.randrange(1, 223)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}")
        for _ in range(2000)
    ]
    v6 = [socket.inet_pton(socket.AF_INET6, f"2001:db8::{i:x}") for i in range(1, 50)]
    payload = bytes(range(256)) * 6
    t = 1_700_000_000.0
    for i in range(packets):
        t += rng.expovariate(20_000)
        kind = rng.random()
        size = rng.choice((0, 0, 0, 40, 200, 517, 1460))
        if kind < 0.02:  # IPv6 UDP
            body = struct.pack("!HHHH", rng.randrange(1024, 65535), 443, 8 + size, 0) + payload[:size]
            ip = struct.pack("!IHBB", 6 << 28, len(body), 17, 64) + rng.choice(v6) + rng.choice(v6) + body
            ethertype = 0x86DD
        else:
            src, dst = rng.choice(locals_), rng.choice(remotes)
            if rng.random() < 0.5:
                src, dst = dst, src
            if kind < 0.1:  # DNS
                body = struct.pack("!HHHH", rng.randrange(1024, 65535), 53, 8 + 40, 0) + payload[:40]
                proto = 17
            else:
                flags = rng.choice((0x10, 0x18, 0x10, 0x02, 0x12, 0x11))
                body = (
                    struct.pack("!HHIIBBHHH", rng.randrange(1024, 65535), 443, i, i * 7, 5 << 4, flags, 64240, 0, 0)
                    + payload[:size]
                )
                proto = 6
            header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), i & 0xFFFF, 0x4000, 64, proto, 0, src, dst)
            ip = header[:10] + struct.pack("!H", _checksum(header)) + header[12:] + body
            ethertype = 0x0800
        frame = rng.choice(macs) + rng.choice(macs) + struct.pack("!H", ethertype) + ip
        sec = int(t)
        out += struct.pack("<IIII", sec, int((t - sec) * 1e6), len(frame), len(frame))
        out += frame
    path.write_bytes(out)


def read_and_decode(path: Path) -> tuple[int, int]:
    """What we measure: every record read and its headers decoded; returns (records, IPv4/IPv6 packets)."""
    from animator.capture.headers import decode
    from animator.capture.reader import CaptureReader

    count = with_ip = 0
    with CaptureReader(path) as reader:
        for rec in reader:
            count += 1
            if decode(rec.linktype, rec.data).src:
                with_ip += 1
    return count, with_ip


def _child_peak(path: Path) -> tuple[float, float]:
    """Run the read in a fresh process: (seconds, max RSS growth in bytes) without this process's baggage."""
    # VmHWM (the high-water mark of this process's resident memory) rather than ru_maxrss:
    # Linux keeps ru_maxrss across exec, so a child would inherit its parent's peak.
    code = (
        "import sys, time; sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[2]);"
        "from animator.capture import headers, reader; import bench_import;"
        "hwm = lambda: int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]) * 1024;"
        "base = hwm(); t = time.perf_counter();"
        "bench_import.read_and_decode(sys.argv[3]);"
        "print(time.perf_counter() - t, hwm() - base)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(_common.ROOT), str(_common.BENCH_DIR), str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, peak = done.stdout.split()
    return float(seconds), float(peak)


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--packets", type=int, default=200_000)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args(argv)

    path = Path(str(CACHE).format(n=args.packets))
    if not path.exists():
        t0 = time.perf_counter()
        build_capture(path, args.packets)
        print(f"built {path} in {time.perf_counter() - t0:.1f} s")
    size = path.stat().st_size
    print(f"capture: {args.packets:,} packets, {size / 2**20:.1f} MiB ({path})")
    if args.profile:
        _common.profile(lambda: read_and_decode(path))
        return 0

    count, with_ip = read_and_decode(path)  # warm the page cache like tshark's first run
    print(f"{with_ip:,} of {count:,} packets carry IP addresses")
    assert count == args.packets, (count, args.packets)
    ours = []
    for i in range(args.runs):
        t0 = time.perf_counter()
        read_and_decode(path)
        ours.append(time.perf_counter() - t0)
        print(f"run {i + 1}: PacketStage read + decode {ours[-1]:.2f} s ({count / ours[-1]:,.0f} packets/s)")

    tshark = shutil.which("tshark")
    theirs: list[float] = []
    if tshark:
        for i in range(args.runs):
            t0 = time.perf_counter()
            subprocess.run(
                [tshark, "-r", str(path), "-T", "fields", "-e", "ip.src", "-e", "ip.dst"], stdout=subprocess.DEVNULL, check=True
            )
            theirs.append(time.perf_counter() - t0)
            print(f"run {i + 1}: tshark -T fields -e ip.src -e ip.dst {theirs[-1]:.2f} s")
    else:
        print("tshark not found: the comparison is skipped")

    _seconds, peak = _child_peak(path)
    budget = 2 * size + 100 * 2**20
    print(f"peak memory growth while reading: {peak / 2**20:.1f} MiB (budget 2 x file + 100 MB = {budget / 2**20:.0f} MiB)")

    from animator.capture.importer import ImportOptions, import_capture

    t0 = time.perf_counter()
    result = import_capture(path, ImportOptions(filter="ip6 and udp port 443 and host 2001:db8::7 and host 2001:db8::9"))
    scan = time.perf_counter() - t0
    print(f"import with a BPF filter over all {count:,} packets: {scan:.2f} s, {result.packets_kept} kept, {result.steps} steps")

    ours_s = statistics.median(ours)
    results = [
        Result("read + decode 200k packets (median)", ours_s, "s"),
        Result("packets read + decoded per second", count / ours_s / 1000, "k/s"),
        Result("peak memory / (2 x file + 100 MB)", peak / budget, "x", 1.0),
        Result("filtered import scan of the whole file", scan, "s"),
    ]
    if theirs:
        tshark_s = statistics.median(theirs)
        speedup = tshark_s / ours_s
        print(f"\nPacketStage is {speedup:.1f}x faster than tshark on this file (target >= {TARGET_SPEEDUP:g}x)")
        results.insert(1, Result("tshark -T fields ip.src ip.dst (median)", tshark_s, "s"))
        results.insert(2, Result("our time / tshark's (1/speedup; >= 3x faster)", ours_s / tshark_s, "x", 1 / TARGET_SPEEDUP))
    emit(results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
