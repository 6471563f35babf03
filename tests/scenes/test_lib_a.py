"""The layering scenes (OSI, TCP/IP vs OSI, IPv4 vs IPv6, the journey of an HTTP request) teach with numbers.

Each test checks something a lecturer would be caught out by if it were wrong: a byte count in an
on-stage table that is not the packet's, a quiz whose revealed answer the packets contradict, a
MAC that does not change at a router or an IP address that does.
"""

from __future__ import annotations

from scapy.layers.dns import DNS
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import ARP, Ether

from animator.engine.timeline import MessageTrack
from tests.scenekit import timeline


def step_number(name: str, step_id: str) -> int:
    return next(i for i, step in enumerate(timeline(name).scene.steps, start=1) if step.id == step_id)


def tracks(name: str, step_id: str) -> list[MessageTrack]:
    number = step_number(name, step_id)
    return [m for m in timeline(name).messages if m.step == number]


def frames(track: MessageTrack) -> list[Ether]:
    return [Ether(f) for f in track.frames if f is not None]


def table(name: str, step_id: str, node: str, title: str) -> list[tuple[str, ...]]:
    """The rows of an on-stage table at the pause after ``step_id``."""
    tl = timeline(name)
    views = tl.state_at(tl.boundary(step_number(name, step_id))).tables.get(node, ())
    (view,) = (v for v in views if v.title == title)
    return [tuple(str(cell) for cell in row) for row in view.rows]


def quiz_answer(name: str, step_id: str) -> str:
    quiz = timeline(name).scene.steps[step_number(name, step_id) - 1].quiz
    assert quiz is not None
    answer = quiz.answer
    return quiz.choices[int(answer) - 1] if answer.isdigit() and answer not in quiz.choices else answer


# -- osi-model ------------------------------------------------------------------------------------
def test_osi_encapsulation_table_gives_the_real_sizes_of_the_get() -> None:
    (get,) = tracks("osi-model", "wire")
    frame = frames(get)[0]
    rows = table("osi-model", "l1", "laptop", "Encapsulation")
    assert [row[0] for row in rows] == [
        "7 Application", "6 Presentation", "5 Session", "4 Transport", "3 Network", "2 Data link", "1 Physical",
    ]  # fmt: skip
    sizes = [row[2] for row in rows]
    assert sizes[:5] == [str(len(frame[TCP].payload))] * 3 + [str(len(frame[TCP])), str(len(frame[IP]))]
    assert sizes[5] == f"{len(frame)} (+4)" and sizes[6] == f"{len(frame) + 4 + 8} = {(len(frame) + 12) * 8} bits"
    assert (len(frame[TCP].payload), len(frame)) == (78, 132)


def test_osi_switch_changes_nothing_and_the_router_only_the_link_header_and_ttl() -> None:
    (get,) = tracks("osi-model", "wire")
    assert get.path == ("laptop", "switch", "router", "server")
    to_switch, to_router, to_server = get.frames
    assert to_switch == to_router  # the switch forwards the frame byte for byte
    before, after = Ether(to_router), Ether(to_server)
    assert (before[IP].ttl, after[IP].ttl) == (64, 63) and before[IP].chksum != after[IP].chksum
    assert (before.src, before.dst) == ("02:00:5e:0a:00:17", "02:00:5e:0a:00:01")
    assert (after.src, after.dst) == ("02:00:5e:0a:00:01", "02:00:5e:14:00:50")
    assert bytes(before[TCP]) == bytes(after[TCP]) and (before[IP].src, before[IP].dst) == (after[IP].src, after[IP].dst)
    assert quiz_answer("osi-model", "wire").startswith("The Ethernet header, and the IP header's TTL")


def test_osi_decapsulation_climbs_from_1_to_7_and_quotes_the_ttl_the_server_saw() -> None:
    rows = table("osi-model", "d5-7", "server", "Decapsulation")
    assert [row[0][0] for row in rows] == list("1234567")
    (get,) = tracks("osi-model", "wire")
    assert f"TTL {frames(get)[-1][IP].ttl}" in rows[2][1]


# -- tcpip-vs-osi ---------------------------------------------------------------------------------
def test_tcpip_table_maps_osi_5_to_7_onto_application_and_1_2_onto_link_at_every_step() -> None:
    expected = ["Application"] * 3 + ["Transport", "Internet", "Link", "Link"]
    for step in timeline("tcpip-vs-osi").scene.steps:
        assert step.id is not None
        assert [row[1] for row in table("tcpip-vs-osi", step.id, "laptop", "OSI ↔ TCP/IP")] == expected


def test_tcpip_dns_goes_over_udp_53_and_the_answer_is_the_zone_address() -> None:
    query = next(m for m in tracks("tcpip-vs-osi", "dns-query") if m.path[-1] == "dns")
    (answer,) = tracks("tcpip-vs-osi", "dns-answer")
    q, a = frames(query)[0], frames(answer)[0]
    assert (q[UDP].dport, len(q[UDP]) - 8, len(q)) == (53, 33, 75)
    assert a[UDP].sport == 53 and a[DNS].an[0].rdata == "192.168.20.80" and a[DNS].id == q[DNS].id


def test_tcpip_router_reads_up_to_ip_only_as_the_quiz_reveals() -> None:
    assert quiz_answer("tcpip-vs-osi", "syn") == "Internet (OSI 3)"
    syn = next(m for m in tracks("tcpip-vs-osi", "syn") if m.path[-1] == "web")
    hops = frames(syn)
    router = syn.path.index("router")
    before, after = hops[router - 1], hops[router]
    assert bytes(before[TCP]) == bytes(after[TCP])
    assert (before[IP].ttl, after[IP].ttl) == (64, 63)


# -- ipv4-vs-ipv6 ---------------------------------------------------------------------------------
def test_every_ipv6_frame_is_20_bytes_longer_than_its_ipv4_twin_and_the_table_says_so() -> None:
    def first_frames(step_id: str) -> list[Ether]:
        return [frames(m)[0] for m in tracks("ipv4-vs-ipv6", step_id)]

    v4 = first_frames("v4-connect") + first_frames("v4-get") + first_frames("v4-response")
    v6 = first_frames("v6-connect") + first_frames("v6-get") + first_frames("v6-response")
    assert all(IP in f and IPv6 not in f for f in v4) and all(IPv6 in f and IP not in f for f in v6)
    assert [len(b) - len(a) for a, b in zip(v4, v6, strict=True)] == [20] * 5
    assert all(f.type == 0x86DD and len(f[IPv6]) - f[IPv6].plen == 40 for f in v6)
    rows = table("ipv4-vs-ipv6", "v6-response", "router", "Frame sizes")
    syn4, get4, ok4, syn6, get6, ok6 = v4[0], v4[3], v4[4], v6[0], v6[3], v6[4]
    assert rows == [
        ("SYN", str(len(syn4)), str(len(syn6))),
        ("GET", str(len(get4)), str(len(get6))),
        ("200 OK", str(len(ok4)), str(len(ok6))),
    ]
    assert quiz_answer("ipv4-vs-ipv6", "v6-connect") == f"{len(syn6)} bytes"
    assert dict(syn6[TCP].options)["MSS"] == 1440 and dict(syn4[TCP].options)["MSS"] == 1460


def test_the_ipv6_router_lowers_the_hop_limit_and_no_checksum_changes() -> None:
    (get,) = tracks("ipv4-vs-ipv6", "v6-get")
    before, after = frames(get)
    assert (before[IPv6].hlim, after[IPv6].hlim) == (64, 63)
    assert bytes(before[TCP]) == bytes(after[TCP])  # same TCP checksum: the hop limit is not in its pseudo-header
    assert "chksum" not in {f.name for f in IPv6.fields_desc}
    head_before, head_after = bytes(before[IPv6])[:40], bytes(after[IPv6])[:40]
    assert head_before[:7] + head_before[8:] == head_after[:7] + head_after[8:]  # only byte 7, the hop limit, differs
    assert quiz_answer("ipv4-vs-ipv6", "v6-get") == "None"
    (get4,) = tracks("ipv4-vs-ipv6", "v4-get")
    a, b = frames(get4)
    assert (a[IP].ttl, b[IP].ttl) == (64, 63) and a[IP].chksum != b[IP].chksum


# -- http-request-journey -------------------------------------------------------------------------
def test_the_syn_waits_for_one_arp_exchange_per_link_and_the_answers_need_none() -> None:
    arps = [m for m in tracks("http-request-journey", "syn") if ARP in frames(m)[0]]
    requests = [m for m in arps if frames(m)[0][ARP].op == 1]
    assert [frames(m)[0][ARP].pdst for m in requests] == ["192.168.1.1", "10.0.12.2", "192.168.2.80"]
    assert all(frames(m)[0].dst == "ff:ff:ff:ff:ff:ff" for m in requests)
    assert len(arps) == 6
    syn = next(m for m in tracks("http-request-journey", "syn") if TCP in frames(m)[0])
    first_reply = next(m for m in arps if frames(m)[0][ARP].op == 2)
    assert syn.hop_starts[0] >= first_reply.hop_ends[-1]  # the SYN waited for the gateway's MAC
    later = [m for m in timeline("http-request-journey").messages if m.step > step_number("http-request-journey", "syn")]
    assert later and not any(ARP in frames(m)[0] for m in later)
    assert quiz_answer("http-request-journey", "syn-ack") == "None"


def test_the_get_keeps_its_ip_addresses_and_gets_new_macs_and_a_lower_ttl_on_every_link() -> None:
    (get,) = tracks("http-request-journey", "get")
    hops = frames(get)
    links = [(a, b) for a, b in zip(get.path, get.path[1:], strict=False) if b != "sw1"]
    assert [(a, b) for a, b in links] == [("sw1", "r1"), ("r1", "r2"), ("r2", "server")]
    on_links = [hops[1], hops[2], hops[3]]  # after the switch (unchanged), after R1, after R2
    assert {(f[IP].src, f[IP].dst) for f in on_links} == {("192.168.1.23", "192.168.2.80")}
    assert [f[IP].ttl for f in on_links] == [64, 63, 62]
    assert len({(f.src, f.dst) for f in on_links}) == 3
    rows = table("http-request-journey", "get", "server", "The GET, link by link")
    for row, f in zip(rows, on_links, strict=True):
        src, dst = row[1].split(" → ")
        assert f.src.endswith(src.lstrip("…")) and f.dst.endswith(dst.lstrip("…")) and row[3] == str(f[IP].ttl)
    assert quiz_answer("http-request-journey", "get").startswith("IP 192.168.1.23 → 192.168.2.80, MAC R1 → R2")


def test_the_journey_request_and_response_sizes_match_the_notes() -> None:
    (get,) = tracks("http-request-journey", "get")
    (ok,) = tracks("http-request-journey", "response")
    g, r = frames(get)[0], frames(ok)[0]
    assert (len(g[TCP].payload), len(g[TCP]), len(g[IP]), len(g)) == (78, 98, 118, 132)
    assert (len(r[TCP].payload), len(r)) == (135, 189) and r[TCP].ack - g[TCP].seq == 78
    rows = table("http-request-journey", "encapsulate", "laptop", "Encapsulation")
    assert [row[2] for row in rows] == ["78", "98", "118", "132"]
