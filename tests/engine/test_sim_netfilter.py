"""iptables' five hooks with the filter and nat tables, conntrack as `conntrack -L` shows it, and the
rules the simulator would not play refused at their line."""

from __future__ import annotations

from pathlib import Path

import pytest
from scapy.layers.inet import ICMP, IP, TCP, UDP, IPerror, UDPerror
from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.engine.check import check_file
from animator.engine.timeline import Timeline
from animator.model import load_scene_text
from tests.scenekit import frame_on

#: The issue's own example: an iptables box with a PREROUTING DNAT and a POSTROUTING MASQUERADE.
GATEWAY = """\
format: 1
title: DNAT and MASQUERADE
nodes:
  - {id: client, kind: host, ipv4: 203.0.113.50/24, gateway: 203.0.113.1}
  - id: gw
    kind: firewall
    ipv4: [10.0.0.1/24, 203.0.113.1/24]
    show_tables: [Firewall, Conntrack]
    firewall:
      rules:
        - {chain: PREROUTING, action: DNAT, proto: tcp, dst: 203.0.113.1, dport: 8080, to: "10.0.0.80:80"}
        - {chain: POSTROUTING, action: MASQUERADE, src: 10.0.0.0/24, dst: 203.0.113.0/24}
        - {chain: FORWARD, action: DROP, proto: udp, dport: 161}
  - {id: web, kind: server, ipv4: 10.0.0.80/24, gateway: 10.0.0.1, listen: 80}
links:
  - between: [client, gw]
  - between: [gw, web]
steps:
  - caption: SYN to the gateway's port 8080
    actions:
      - send: {from: client, to: gw, layers: [{tcp: {sport: 40000, dport: 8080, flags: S, seq: 100}}]}
  - caption: SYN-ACK
    actions:
      - send: {from: web, to: client, layers: [{ip: {dst: 203.0.113.50}}, {tcp: {flags: SA}}]}
  - caption: ACK
    actions:
      - send: {from: client, to: gw, layers: [{tcp: {sport: 40000, dport: 8080, flags: A}}]}
  - caption: the server asks the client something over UDP
    actions:
      - send: {from: web, to: client, layers: [{ip: {dst: 203.0.113.50}}, {udp: {sport: 5353, dport: 9999}}]}
  - caption: SNMP to the server, dropped in FORWARD
    actions:
      - send: {from: client, to: web, layers: [{ip: {dst: 10.0.0.80}}, {udp: {sport: 40001, dport: 161}}]}
"""


def _timeline(text: str = GATEWAY) -> Timeline:
    return build_timeline(load_scene_text(text, "t.yaml"))


def _table(timeline: Timeline, step: int, title: str) -> list[tuple[str, ...]]:
    tables = timeline.state_at(timeline.boundary(step)).device_tables["gw"]
    return [tuple(row) for row in next(t for t in tables if t.title == title).rows]


def test_prerouting_dnat_sends_the_syn_inside_and_the_reply_is_translated_back() -> None:
    timeline = _timeline()
    syn = next(m for m in timeline.messages if m.id == "s1.1")
    inside = frame_on(syn, "gw", "web")
    assert (inside[IP].dst, inside[TCP].dport, inside[IP].src, inside[IP].ttl) == ("10.0.0.80", 80, "203.0.113.50", 63)
    synack = next(m for m in timeline.messages if m.id == "s2.1")
    outside = frame_on(synack, "gw", "client")
    assert (outside[IP].src, outside[TCP].sport, outside[TCP].ack) == ("203.0.113.1", 8080, 101)
    assert any("DNAT" in change for change in syn.changes[1])


def test_conntrack_shows_what_conntrack_l_shows_at_each_step() -> None:
    timeline = _timeline()
    tcp = "203.0.113.50:40000 → 203.0.113.1:8080", "10.0.0.80:80 → 203.0.113.50:40000"
    assert _table(timeline, 1, "Conntrack") == [("tcp", "SYN_SENT", *tcp, "[UNREPLIED]")]
    assert _table(timeline, 2, "Conntrack") == [("tcp", "SYN_RECV", *tcp, "")]
    assert _table(timeline, 3, "Conntrack") == [("tcp", "ESTABLISHED", *tcp, "[ASSURED]")]
    udp = ("udp", "", "10.0.0.80:5353 → 203.0.113.50:9999", "203.0.113.50:9999 → 203.0.113.1:5353", "[UNREPLIED]")
    assert _table(timeline, 4, "Conntrack")[1] == udp  # MASQUERADE kept the source port


def test_the_nat_table_sees_only_a_flows_first_packet_and_counts_packets_and_bytes() -> None:
    rows = _table(_timeline(), 5, "Firewall")
    by_name = {row[0].removeprefix("▶ "): row[1:4] for row in rows}
    assert by_name["FORWARD 1"] == ("1", "28", "DROP")  # the SNMP datagram: 20 + 8 bytes
    assert by_name["nat PREROUTING 1"] == ("1", "52", "DNAT")  # the SYN only, not the ACK
    assert by_name["nat POSTROUTING 1"] == ("1", "28", "MASQUERADE")
    assert by_name["nat POSTROUTING"][2] == "policy ACCEPT"
    masqueraded = next(m for m in _timeline().messages if m.id == "s4.1")
    assert frame_on(masqueraded, "gw", "client")[IP].src == "203.0.113.1"
    dropped = next(m for m in _timeline().messages if m.id == "s5.1")
    assert dropped.dropped and dropped.path == ("client", "gw")


def test_a_dropped_syn_leaves_no_conntrack_entry() -> None:
    text = GATEWAY.replace(
        "proto: udp, dport: 161}", "proto: udp, dport: 161}\n        - {chain: FORWARD, action: DROP, proto: tcp}"
    )
    assert not [t for t in _timeline(text).state_at(0.5).device_tables.get("gw", ()) if t.title == "Conntrack" and t.rows]


def test_reject_answers_icmp_port_unreachable_by_default_and_a_reset_when_asked() -> None:
    text = GATEWAY.replace("action: DROP, proto: udp", "action: REJECT, proto: udp")
    error = next(m for m in _timeline(text).messages if m.id == "s5.1.icmp")
    frame = frame_on(error, "gw", "client")
    assert (frame[ICMP].type, frame[ICMP].code, frame[IP].src) == (3, 3, "203.0.113.1")
    assert UDP not in frame


def test_output_chain_drops_what_the_node_itself_sends() -> None:
    text = GATEWAY.replace(
        "        - {chain: FORWARD, action: DROP, proto: udp, dport: 161}",
        "        - {chain: OUTPUT, action: DROP, proto: tcp}",
    ).replace("from: web, to: client, layers: [{ip: {dst: 203.0.113.50}}, {udp", "from: gw, to: client, layers: [{tcp")
    timeline = _timeline(text)
    assert not [m for m in timeline.messages if m.id == "s4.1"]  # it never reached the wire
    by_name = {row[0].removeprefix("▶ "): row[1:4] for row in _table(timeline, 4, "Firewall")}
    assert by_name["OUTPUT 1"] == ("1", "52", "DROP")  # the SYN its stack opened the connection with


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("{chain: PREROUTING, action: DROP}", "PREROUTING rule 1: DROP in PREROUTING: the filter table has no such chain"),
        ("{chain: FORWARD, table: nat, action: DROP}", "the nat table has PREROUTING, OUTPUT, POSTROUTING"),
        ("{chain: POSTROUTING, action: DNAT, to: 10.0.0.80}", "DNAT here: nat POSTROUTING takes ACCEPT, SNAT, MASQUERADE"),
        ("{chain: PREROUTING, action: DNAT}", "DNAT needs 'to'"),
        ("{chain: FORWARD, action: ACCEPT, dport: 80}", "'dport' needs proto tcp or udp"),
        ("{chain: FORWARD, action: REJECT, reject_with: tcp-reset}", "tcp-reset answers TCP only"),
        ("{chain: POSTROUTING, action: MASQUERADE, to: 1.2.3.4}", "'to' is for DNAT and SNAT only"),
        ("{chain: INPUT, action: SNAT, to: 1.2.3.4}", "SNAT in the nat table's INPUT chain is not simulated"),
    ],
)
def test_validate_refuses_what_iptables_refuses_or_the_simulator_does_not_play(tmp_path: Path, rule: str, words: str) -> None:
    path = tmp_path / "fw.yaml"
    text = GATEWAY.replace("        - {chain: FORWARD, action: DROP, proto: udp, dport: 161}\n", f"        - {rule}\n")
    path.write_text(text)
    errors = [str(e) for e in check_file(path)]
    assert len(errors) == 1 and errors[0].startswith(f"{path}:13:") and words in errors[0], errors


def test_the_issue_example_prerouting_drop_is_refused_not_delivered(tmp_path: Path) -> None:
    path = tmp_path / "drop.yaml"
    path.write_text(
        GATEWAY.replace("{chain: FORWARD, action: DROP, proto: udp, dport: 161}", "{chain: PREROUTING, action: DROP, proto: udp}")
    )
    assert check_file(path)


def test_every_frame_the_gateway_sends_has_true_checksums() -> None:
    for message in _timeline().messages:
        for frame in message.frames:
            if frame is None:
                continue
            packet = Ether(frame)
            rebuilt = Ether(bytes(packet))
            for layer in (IP, TCP, UDP):
                if layer in packet:
                    copy = packet[layer].copy()
                    del copy.chksum
                    assert packet[layer].chksum == layer(bytes(copy))[layer].chksum, message.id
            assert bytes(rebuilt) == frame


def test_an_icmp_error_about_a_dnatted_flow_is_related_and_translated_back_with_its_quote() -> None:
    """The server's port is closed: its ICMP error leaves the gateway as if from 203.0.113.1,
    quoting the datagram the client sent (to 203.0.113.1:8080), as nf_nat_icmp_reply_translation does."""
    rule = '        - {chain: PREROUTING, action: DNAT, proto: udp, dport: 5000, to: "10.0.0.80:5001"}\n'
    text = GATEWAY.replace("        - {chain: POSTROUTING", rule + "        - {chain: POSTROUTING")
    text = text.replace(
        "      - send: {from: client, to: gw, layers: [{tcp: {sport: 40000, dport: 8080, flags: A}}]}",
        "      - send: {from: client, to: gw, layers: [{udp: {sport: 40002, dport: 5000}}, {raw: {hex: '68656c6c6f'}}]}",
    )
    timeline = _timeline(text)
    error = next(m for m in timeline.messages if m.id == "s3.1.icmp")
    inside, outside = frame_on(error, "web", "gw"), frame_on(error, "gw", "client")
    assert (inside[IP].src, inside[IPerror].dst, inside[UDPerror].dport) == ("10.0.0.80", "10.0.0.80", 5001)
    assert (outside[IP].src, outside[IPerror].dst, outside[UDPerror].dport) == ("203.0.113.1", "203.0.113.1", 5000)
    sent = frame_on(next(m for m in timeline.messages if m.id == "s3.1"), "client", "gw")
    quoted = outside[IPerror]
    assert (quoted.src, quoted.ttl, outside[UDPerror].sport) == (sent[IP].src, 63, sent[UDP].sport)  # as web received it
    assert _checksum_ok(bytes(quoted)[:20])  # the quoted header's checksum mended for the new address
    assert outside[UDPerror].chksum == sent[UDP].chksum  # the quoted checksum is the one the client sent


def _checksum_ok(header: bytes) -> bool:
    total = sum(int.from_bytes(header[i : i + 2], "big") for i in range(0, len(header), 2))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total == 0xFFFF
