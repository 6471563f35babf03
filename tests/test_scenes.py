"""The shipped scenes are lessons for network engineers: their packets must be right.

Every scene validates, builds, and exports a capture that tshark dissects without a malformed
packet or a bad checksum; chip labels that quote seq/ack numbers agree with the packets; and
each scene's point (the flood, TTL 63, the silent DROP, the untouched tunnel...) is really in
its packets. Rendering every step is tests/ui/test_render.py's job.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import ARP, Ether

from animator.export.pcap import export_pcap
from tests.conftest import REPO
from tests.scenekit import frame_on, timeline, tracks

SCENES = sorted(p for p in (REPO / "scenes").glob("*.yaml") if not p.name.endswith(".deck.yaml"))
NEW_SCENES = ("switch-learning", "router-hop", "iptables", "load-balancing-l4-vs-l7", "connect-tunnel")


# -- every scene --------------------------------------------------------------------------
def test_the_issue_scenes_are_shipped() -> None:
    names = {p.stem for p in SCENES}
    assert {"tcp-handshake", "http-get", "home-nat", *NEW_SCENES} <= names


def test_the_cli_validates_every_scene() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "validate", *map(str, SCENES)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(SCENES)} of {len(SCENES)} scene(s) valid" in done.stdout + done.stderr


@pytest.mark.parametrize("path", SCENES, ids=lambda p: p.stem)
def test_every_step_has_a_caption_and_speaker_notes_and_real_packets(path: Path) -> None:
    scene = timeline(path.stem).scene
    assert scene.title and scene.summary
    for number, step in enumerate(scene.steps, start=1):
        assert step.caption.strip(), f"step {number}"
        assert step.notes and step.notes.strip(), f"step {number} has no speaker notes"
    assert any(node.show_tables for node in scene.nodes), "no device table is drawn on the stage"
    messages = timeline(path.stem).messages
    assert messages and all(m.frames and all(f is not None for f in m.frames) for m in messages)


@pytest.mark.parametrize("path", SCENES, ids=lambda p: p.stem)
def test_labels_quoting_seq_and_ack_match_the_packets(path: Path) -> None:
    """A label may give absolute numbers or Wireshark's relative ones; either must be exact."""
    messages = timeline(path.stem).messages
    isn: dict[tuple[str, int, str, int], int] = {}
    for m in messages:
        for frame in (m.frames[0], m.frames[-1]):
            packet = Ether(frame)
            if TCP in packet and packet[TCP].flags.S:
                ip = packet[IP] if IP in packet else packet[IPv6]
                isn[ip.src, packet[TCP].sport, ip.dst, packet[TCP].dport] = packet[TCP].seq
    for m in messages:
        quoted = dict(re.findall(r"\b(seq|ack)=(\d+)", m.label))
        packet = Ether(m.frames[0])
        if not quoted or TCP not in packet:  # "echo request seq=1" is ICMP's own sequence number
            continue
        ip, tcp = packet[IP] if IP in packet else packet[IPv6], packet[TCP]
        mine = isn.get((ip.src, tcp.sport, ip.dst, tcp.dport), 0)
        theirs = isn.get((ip.dst, tcp.dport, ip.src, tcp.sport), 0)
        if "seq" in quoted:
            assert int(quoted["seq"]) in (tcp.seq, (tcp.seq - mine) % 2**32), f"{m.id} {m.label!r}: seq is {tcp.seq}"
        if "ack" in quoted:
            assert int(quoted["ack"]) in (tcp.ack, (tcp.ack - theirs) % 2**32), f"{m.id} {m.label!r}: ack is {tcp.ack}"


TSHARK = shutil.which("tshark")


@pytest.mark.skipif(TSHARK is None and os.environ.get("CI") != "true", reason="tshark is not installed (apt-get install tshark)")
@pytest.mark.parametrize("path", SCENES, ids=lambda p: p.stem)
def test_the_exported_capture_dissects_cleanly_in_tshark(path: Path, tmp_path: Path) -> None:
    assert TSHARK is not None, "CI must have tshark (scripts/system-deps.sh installs it)"
    out = tmp_path / f"{path.stem}.pcapng"
    count = export_pcap(timeline(path.stem), out)
    assert count == sum(len(m.frames) for m in timeline(path.stem).messages)
    checks = ["-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"]
    bad = subprocess.run(
        [TSHARK, "-n", "-r", str(out), *checks, "-Y", "_ws.malformed || _ws.expert.severity >= error"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert bad.stdout.strip() == "", f"tshark flags these packets:\n{bad.stdout}"
    every = subprocess.run([TSHARK, "-n", "-r", str(out)], capture_output=True, text=True, check=True)
    assert len(every.stdout.strip().splitlines()) == count


# -- what each lesson is about --------------------------------------------------------------
def test_tcp_handshake_numbers_follow_the_rfc_arithmetic() -> None:
    flags_seq_ack = [
        (str(Ether(m.frames[0])[TCP].flags), Ether(m.frames[0])[TCP].seq, Ether(m.frames[0])[TCP].ack)
        for m in timeline("tcp-handshake").messages
    ]
    assert flags_seq_ack == [
        ("S", 1000, 0), ("SA", 5000, 1001), ("A", 1001, 5001), ("PA", 1001, 5001), ("A", 5001, 1006),
        ("FA", 1006, 5001), ("A", 5001, 1007), ("FA", 5001, 1007), ("A", 1007, 5002),
    ]  # fmt: skip
    lengths = [len(m.frames[0]) for m in timeline("tcp-handshake").messages]
    assert (lengths[0], lengths[3]) == (66, 59)  # the sizes the notes quote: SYN with options, "hello"
    end = timeline("tcp-handshake").state_at(timeline("tcp-handshake").boundary(10))
    assert (end.badges["client"], end.badges["server"]) == ("TIME_WAIT", "CLOSED")


def test_http_get_reaches_the_server_natted_with_ttl_62_and_the_response_is_215_bytes() -> None:
    (syn,) = tracks("http-get", 4)
    at_server = frame_on(syn, "internet", "server")
    assert (at_server[IP].src, at_server[TCP].sport, at_server[IP].ttl) == ("203.0.113.7", 50123, 62)
    (response,) = tracks("http-get", 8)
    assert len(Ether(response.frames[0])[TCP].payload) == 215
    (request,) = tracks("http-get", 7)
    assert len(Ether(request.frames[0])[TCP].payload) == 78
    (arp,) = tracks("http-get", 2)
    assert Ether(arp.frames[0]).dst == "ff:ff:ff:ff:ff:ff" and Ether(arp.frames[0])[ARP].pdst == "192.168.1.1"


def test_home_nat_gives_the_two_laptops_outside_ports_40001_and_40002_and_drops_the_scanner() -> None:
    (a,) = tracks("home-nat", 2)
    (b,) = tracks("home-nat", 6)
    for track, port in ((a, 40001), (b, 40002)):
        outside = frame_on(track, "nat", "internet")
        assert (outside[IP].src, outside[TCP].sport) == ("203.0.113.7", port)
        assert Ether(track.frames[0])[TCP].sport == 51000
    reply = next(t for t in tracks("home-nat", 8) if t.parent is None)  # then laptop B's kernel ACKs it
    assert reply.path[-1] == "laptopB" and Ether(reply.frames[-1])[TCP].dport == 51000
    (scan,) = tracks("home-nat", 9)
    assert scan.dropped and scan.path[-1] == "nat"


def test_switch_learning_floods_the_broadcast_to_every_port_then_forwards_to_one() -> None:
    arp = tracks("switch-learning", 2)
    assert {m.path[-1] for m in arp} == {"pcB", "pcC", "pcD"}  # every port but the one it came in on
    ping = tracks("switch-learning", 4)
    assert [m.path for m in ping] == [("pcA", "sw", "pcC")]
    unknown = tracks("switch-learning", 6)
    assert {m.path[-1] for m in unknown} == {"pcA", "pcC", "pcD"}
    table = timeline("switch-learning").state_at(timeline("switch-learning").duration).tables["sw"]
    (mac_table,) = [t for t in table if t.title == "MAC table"]
    assert len(mac_table.rows) == 4


def test_router_hop_lowers_ttl_rewrites_macs_and_fixes_the_checksum() -> None:
    (ping,) = tracks("router-hop", 2)
    before, after = frame_on(ping, "pc", "r1"), frame_on(ping, "r1", "r2")
    assert (before[IP].ttl, after[IP].ttl) == (64, 63)
    assert after.src == "02:00:5e:01:00:01" and after.dst == "02:00:5e:02:00:01"
    assert (before[IP].src, before[IP].dst) == (after[IP].src, after[IP].dst)
    rebuilt = after[IP].copy()
    del rebuilt.chksum
    assert IP(bytes(rebuilt)).chksum == after[IP].chksum
    assert after[IP].chksum == (before[IP].chksum + 0x100) % 0xFFFF
    # The speaker notes quote these numbers.
    assert (before[IP].id, before[IP].chksum, after[IP].chksum, before[ICMP].chksum) == (0xE5D3, 0xD066, 0xD166, 0xF600)
    probe, error = tracks("router-hop", 5)
    assert probe.dropped and probe.path == ("pc", "r1")
    icmp = Ether(error.frames[-1])
    assert (icmp[IP].src, icmp[ICMP].type, icmp[ICMP].code) == ("192.168.1.1", 11, 0)


def test_iptables_drop_is_silent_and_reject_answers() -> None:
    for step in (4, 5):  # the ssh SYN and its retransmission
        (syn,) = tracks("iptables", step)
        assert syn.dropped and syn.path == ("laptop", "fw") and "DROP" in syn.fate
    first, again = tracks("iptables", 4)[0], tracks("iptables", 5)[0]
    assert Ether(first.frames[0])[TCP].seq == Ether(again.frames[0])[TCP].seq  # a retransmission
    syn, rst = tracks("iptables", 6)
    reset = Ether(rst.frames[0])
    assert rst.parent == syn.id and rst.path == ("fw", "laptop")
    assert (reset[IP].src, str(reset[TCP].flags), reset[TCP].ack) == ("10.0.1.5", "RA", Ether(syn.frames[0])[TCP].seq + 1)
    udp, unreachable = tracks("iptables", 7)
    assert UDP in Ether(udp.frames[0])
    icmp = Ether(unreachable.frames[0])
    assert (icmp[IP].src, icmp[ICMP].type, icmp[ICMP].code) == ("192.168.10.1", 3, 3)
    (accepted,) = tracks("iptables", 2)
    assert accepted.path[-1] == "web" and not accepted.dropped


def test_l4_keeps_the_clients_connection_and_l7_opens_its_own() -> None:
    (syn,) = tracks("load-balancing-l4-vs-l7", 2)
    outside, inside = frame_on(syn, "internet", "l4"), frame_on(syn, "l4", "web1")
    assert (outside[IP].dst, inside[IP].dst) == ("203.0.113.10", "10.0.1.11")
    assert (outside[IP].src, outside[TCP].sport, outside[TCP].seq) == (inside[IP].src, inside[TCP].sport, inside[TCP].seq)
    second, answer, ack = tracks("load-balancing-l4-vs-l7", 6)
    assert second.path[-1] == "web2"  # round robin, per connection
    assert (answer.label, answer.path[0], ack.label, ack.path[-1]) == (
        "SYN, ACK",
        "web2",
        "ACK",
        "web2",
    )  # their kernels finish it
    request, proxied = tracks("load-balancing-l4-vs-l7", 8)
    upstream = Ether(proxied.frames[0])
    assert proxied.path == ("l7", "api1")
    assert (upstream[IP].src, upstream[TCP].dport) == ("10.0.2.1", 8080)
    assert upstream[TCP].seq != Ether(request.frames[0])[TCP].seq
    assert b"X-Forwarded-For: 198.51.100.23\r\n" in bytes(upstream[TCP].payload)
    _, static = tracks("load-balancing-l4-vs-l7", 10)
    assert static.path == ("l7", "static1")


def test_connect_tunnel_relays_tls_records_byte_for_byte() -> None:
    labels = [m.label for m in tracks("connect-tunnel", 3)]
    assert labels.index("200 Connection established") > labels.index("SYN, ACK")
    for step in (4, 5, 6, 7):
        heard, relayed = tracks("connect-tunnel", step)
        assert relayed.parent == heard.id
        a, b = Ether(heard.frames[0])[TCP], Ether(relayed.frames[0])[TCP]
        assert bytes(a.payload) == bytes(b.payload) and (a.sport, a.dport) != (b.sport, b.dport)
    syn = next(m for m in tracks("connect-tunnel", 3) if m.label.startswith("SYN to"))
    assert Ether(syn.frames[0])[IP].src == "203.0.113.3"
