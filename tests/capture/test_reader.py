"""The fast reader and header decoder agree with scapy on every link type, and survive broken files."""

from __future__ import annotations

import contextlib
import random
import struct
from pathlib import Path

import pytest

from animator.capture.headers import ETH_ARP, ETH_IPV6, PROTO_TCP, PROTO_UDP, SYN, as_ethernet, decode, flag_names
from animator.capture.reader import CaptureError, CaptureReader
from tests.capture.traffic import LAPTOP, ROUTER, WEB, write_web_visit


def pcap_bytes(linktype: int, frames: list[bytes], order: str = "<", nanos: bool = False) -> bytes:
    magic = 0xA1B23C4D if nanos else 0xA1B2C3D4
    out = [struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, 65535, linktype)]
    for i, frame in enumerate(frames):
        out.append(struct.pack(order + "IIII", 1_700_000_000 + i, 500, len(frame), len(frame)) + frame)
    return b"".join(out)


def ip_udp(src: str = "10.0.0.1", dst: str = "10.0.0.2") -> bytes:
    from scapy.layers.inet import IP, UDP

    return bytes(IP(src=src, dst=dst) / UDP(sport=1234, dport=53) / b"hi")


@pytest.fixture(scope="module")
def web_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_web_visit(tmp_path_factory.mktemp("cap") / "web.pcap")


@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
def test_reader_matches_scapy_packet_for_packet(tmp_path: Path, fmt: str) -> None:
    from scapy.utils import rdpcap

    path = write_web_visit(tmp_path / f"web.{fmt}", fmt)
    with CaptureReader(path) as reader:
        records = list(reader)
        assert reader.format == fmt and reader.problems == [] and reader.linktypes == [1]
    expected = rdpcap(str(path))
    assert [r.data for r in records] == [bytes(p) for p in expected]
    assert [r.number for r in records] == list(range(1, len(expected) + 1))
    assert records[2].time == pytest.approx(float(expected[2].time), abs=1e-6)


def test_decode_reads_addresses_ports_and_flags(web_pcap: Path) -> None:
    headers = [decode(r.linktype, r.data) for r in CaptureReader(web_pcap)]
    dns, syn, synack = headers[0], headers[2], headers[3]
    assert (dns.src, dns.dst, dns.proto, dns.sport, dns.dport) == (LAPTOP, ROUTER, PROTO_UDP, 40000, 53)
    assert (syn.src, syn.dst, syn.proto, syn.dport, syn.flags, syn.seq) == (LAPTOP, WEB, PROTO_TCP, 80, SYN, 1000)
    assert flag_names(synack.flags) == "SYN, ACK" and synack.ack == 1001
    get = headers[5]
    frame = next(r.data for r in CaptureReader(web_pcap) if r.number == 6)
    assert frame[get.payload_offset : get.payload_offset + get.payload_len].startswith(b"GET /a.txt HTTP/1.1\r\n")
    arp = headers[-4]
    assert (arp.ethertype, arp.src, arp.dst) == (ETH_ARP, LAPTOP, ROUTER)


@pytest.mark.parametrize(
    ("linktype", "prefix"),
    [
        (113, b"\x00\x00\x00\x01\x00\x06\x02\x00\x00\x00\x00\x01\x00\x00\x08\x00"),  # Linux cooked (SLL)
        (276, b"\x08\x00\x00\x00\x00\x00\x00\x02\x00\x01\x00\x06\x02\x00\x00\x00\x00\x01\x00\x00"),  # SLL2
        (101, b""),  # raw IP
        (228, b""),  # raw IPv4
        (0, struct.pack("<I", 2)),  # BSD loopback, little-endian AF_INET
    ],
)
def test_other_link_types_decode_and_become_ethernet(tmp_path: Path, linktype: int, prefix: bytes) -> None:
    path = tmp_path / "x.pcap"
    path.write_bytes(pcap_bytes(linktype, [prefix + ip_udp()]))
    (rec,) = list(CaptureReader(path))
    headers = decode(rec.linktype, rec.data)
    assert (headers.src, headers.dst, headers.sport, headers.dport, headers.problem) == ("10.0.0.1", "10.0.0.2", 1234, 53, "")
    frame = as_ethernet(rec.linktype, rec.data, headers)
    assert frame[12:14] == b"\x08\x00" and frame[14:] == ip_udp()
    assert decode(1, frame)[:6] == headers[:6]


def test_big_endian_nanosecond_pcap_and_ipv6(tmp_path: Path) -> None:
    from scapy.layers.inet import UDP
    from scapy.layers.inet6 import IPv6, IPv6ExtHdrHopByHop

    packet = bytes(IPv6(src="2001:db8::1", dst="2001:db8::2") / IPv6ExtHdrHopByHop() / UDP(sport=5, dport=7))
    path = tmp_path / "be.pcap"
    path.write_bytes(pcap_bytes(101, [packet], order=">", nanos=True))
    (rec,) = list(CaptureReader(path))
    assert rec.time == pytest.approx(1_700_000_000 + 500e-9)
    headers = decode(rec.linktype, rec.data)
    assert (headers.ethertype, headers.src, headers.proto, headers.sport, headers.dport) == (ETH_IPV6, "2001:db8::1", 17, 5, 7)


def test_truncated_record_is_reported_with_its_number(web_pcap: Path, tmp_path: Path) -> None:
    data = web_pcap.read_bytes()
    sizes = [len(r.data) for r in CaptureReader(web_pcap)]
    cut = 24 + sum(16 + n for n in sizes[:3]) + 16 + 20  # the 4th record's header and 20 of its bytes
    path = tmp_path / "cut.pcap"
    path.write_bytes(data[:cut])
    reader = CaptureReader(path)
    assert len(list(reader)) == 3
    assert reader.problems == [f"packet 4: truncated record (needs {sizes[3]} bytes, file ends after 20)"]


def test_truncated_pcapng_block_is_reported(tmp_path: Path) -> None:
    path = write_web_visit(tmp_path / "web.pcapng", "pcapng")
    data = path.read_bytes()
    path.write_bytes(data[:-30])
    reader = CaptureReader(path)
    records = list(reader)
    assert len(records) == 22
    assert reader.problems and reader.problems[0].startswith("packet 23: truncated block (needs")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty, not a capture"),
        (b"hello world, not a capture", "not a pcap or pcapng capture (starts with 68656c6c)"),
        (b"\xd4\xc3\xb2\xa1\x02\x00", "truncated pcap header (6 of 24 bytes)"),
    ],
)
def test_unreadable_files_are_refused_in_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.pcap"
    path.write_bytes(content)
    with pytest.raises(CaptureError) as info:
        CaptureReader(path)
    assert str(info.value) == f"{path}: {message}"
    with pytest.raises(CaptureError, match="no such file"):
        CaptureReader(tmp_path / "missing.pcap")
    with pytest.raises(CaptureError, match="is a directory"):
        CaptureReader(tmp_path)


def test_short_frames_decode_as_far_as_they_go() -> None:
    frame = bytes(12) + b"\x08\x00" + bytes(10)
    assert decode(1, frame).problem == "truncated IPv4 header (10 of 20 bytes)"
    assert decode(1, b"\x00" * 5).problem == "truncated Ethernet header (5 of 14 bytes)"
    assert decode(147, b"abc").problem == "link type 147 is not decoded"


@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
def test_fuzzed_captures_never_raise(tmp_path: Path, fmt: str) -> None:
    """Random byte flips and truncations (seeded): reading and decoding import what they can, never raise."""
    from animator.capture.importer import ImportOptions, import_capture

    original = write_web_visit(tmp_path / f"web.{fmt}", fmt).read_bytes()
    rng = random.Random(6)
    path = tmp_path / f"fuzz.{fmt}"
    for _ in range(150):
        data = bytearray(original)
        for _ in range(rng.randint(1, 12)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.5:
            del data[rng.randrange(4, len(data)) :]
        path.write_bytes(bytes(data))
        try:
            reader = CaptureReader(path)
        except CaptureError:
            continue
        for record in reader:
            decode(record.linktype, record.data)
        assert all(p.startswith("packet ") for p in reader.problems)
        reader.close()
        with contextlib.suppress(CaptureError):
            import_capture(path, ImportOptions(group_bulk=rng.random() < 0.5))


@pytest.mark.parametrize("linktype", [0, 1, 101, 113, 228, 229, 276, 147])
def test_random_frames_decode_without_raising(linktype: int) -> None:
    """Seeded garbage, plus real headers with random tails: every length from 0 up, on every link type."""
    from animator.capture.captions import describe

    rng = random.Random(linktype)
    real = ip_udp()
    for n in range(400):
        if n % 2:
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 120)))
        else:
            head = {0: struct.pack("<I", 2), 1: bytes(12) + b"\x08\x00", 113: bytes(14) + b"\x08\x00"}.get(linktype, b"")
            data = (head + real)[: rng.randrange(0, len(head) + len(real) + 1)]
            data = bytes(b ^ (rng.randrange(256) if rng.random() < 0.05 else 0) for b in data)
        headers = decode(linktype, data)
        assert isinstance(headers.problem, str)
        describe(headers, data)  # a caption for anything, never an exception
