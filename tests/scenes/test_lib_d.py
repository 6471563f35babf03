"""The push/pull, DNS recursion and WebSocket balancing scenes (issue 16, items 7, 4; the caching
scene is in test_http_caching.py): what each step's caption says about where a request stops and
what crosses the wire must be true of the packets the simulator built."""

from __future__ import annotations

from scapy.layers.dns import DNS
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

from animator.engine.timeline import MessageTrack
from tests.conftest import REPO
from tests.scenekit import frame_on, timeline, tracks

DECK = REPO / "scenes" / "backend-fundamentals.deck.yaml"


def payload(track: MessageTrack) -> bytes:
    """The TCP payload as it reached the track's end."""
    frame = track.frames[-1]
    assert frame is not None
    return bytes(Ether(frame)[TCP].payload)


def http(name: str, step: int) -> list[tuple[str, str, bytes]]:
    """(from, to, payload) of every message carrying data in the step."""
    return [(m.path[0], m.path[-1], payload(m)) for m in tracks(name, step) if payload(m)]


def table(name: str, step: int, node: str, title: str) -> list[tuple[str, ...]]:
    state = timeline(name).state_at(timeline(name).boundary(step))
    return [tuple(str(cell) for cell in row) for t in state.tables.get(node, ()) if t.title == title for row in t.rows]


def cache(name: str, step: int) -> list[tuple[str, ...]]:
    state = timeline(name).state_at(timeline(name).boundary(step))
    found = [t for t in state.tables.get("edge", ()) if t.title == "Cache"]
    return [tuple(str(cell) for cell in row) for t in found for row in t.rows]


# -- push-pull ----------------------------------------------------------------------------------------
BROWSERS = {"short polling": "short", "long polling": "long", "SSE": "sse", "WebSocket": "ws"}


def test_the_cost_table_counts_the_frames_and_bytes_on_each_browsers_wire() -> None:
    state = timeline("push-pull").state_at(timeline("push-pull").boundary(8))
    (cost,) = [t for t in state.tables["isp"] if t.title == "Cost"]
    for row in cost.rows:
        host = BROWSERS[str(row[0])]
        frames = [
            m.frames[i]
            for m in timeline("push-pull").messages
            for i in range(len(m.path) - 1)
            if set(m.path[i : i + 2]) == {host, "isp"}
        ]
        assert (str(row[1]), str(row[2])) == (str(len(frames)), str(sum(len(f or b"") for f in frames))), row


def test_while_nothing_happens_only_the_short_poller_talks_and_it_hears_the_news_last() -> None:
    assert {m.path[0] for m in tracks("push-pull", 3)} <= {"short", "server"}
    assert {m.path[-1] for m in tracks("push-pull", 3)} <= {"short", "server"}
    news = {to: data for _, to, data in http("push-pull", 4)}
    assert "short" not in news
    assert news["long"].startswith(b"HTTP/1.1 200 OK\r\n") and b"Content-Length: 37" in news["long"]
    assert news["sse"] == b'2a\r\nid: 42\ndata: {"from":"Ada","text":"Hi!"}\n\n\r\n'  # as aiohttp chunked it
    assert news["ws"][:2] == b"\x81\x23" and news["ws"][2:] == b'{"id":42,"from":"Ada","text":"Hi!"}'
    assert news["server"].startswith(b"GET /poll?since=42 ")  # the long poller asks again at once
    late = {to: data for _, to, data in http("push-pull", 5)}
    assert b'"id":42' in late["short"]


def test_the_sse_stream_is_opened_with_headers_only_and_chunked() -> None:
    answers = {to: data for _, to, data in http("push-pull", 2) if to != "server"}
    assert answers["sse"].endswith(b"Transfer-Encoding: chunked\r\n\r\n")
    assert answers["ws"].startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
    assert "long" not in answers  # held


def test_only_the_websocket_talks_back_on_the_connection_it_listens_on() -> None:
    (frame,) = [d for a, _, d in http("push-pull", 6) if a == "ws"]
    assert frame[0] == 0x81 and frame[1] & 0x80  # masked, as every client frame
    ports = {m.path[0]: Ether(m.frames[0] or b"")[TCP].sport for m in tracks("push-pull", 7) if payload(m).startswith(b"POST")}
    assert ports == {"long": 50012, "sse": 50013}


def test_push_pull_comes_after_the_websockets_scene() -> None:
    from animator.model.deck import load_deck

    files = [entry.file for entry in load_deck(DECK).scenes]
    assert files.index("websockets.yaml") < files.index("push-pull.yaml")


# -- dns-recursion ------------------------------------------------------------------------------------
def dns(step: int) -> list[tuple[str, str, DNS]]:
    return [(m.path[0], m.path[-1], Ether(m.frames[-1] or b"")[DNS]) for m in tracks("dns-recursion", step)]


def test_the_resolver_walks_root_tld_and_authoritative_with_rd_clear() -> None:
    ((_, _, stub),) = dns(2)
    assert (stub.rd, stub.qd[0].qname) == (1, b"www.example.com.")
    assert len(tracks("dns-recursion", 2)[0].frames[0] or b"") == 75  # dig +noedns's query, byte count
    walk = [dns(step) for step in (3, 4, 5)]
    assert [(q[1], a[0]) for (q, a) in walk] == [("root", "root"), ("tld", "tld"), ("auth", "auth")]
    for (_, _, query), (_, _, answer) in walk:
        assert (query.rd, answer.rd, answer.ra) == (0, 0, 0)
    (_, (_, _, root)), (_, (_, _, tld)), (_, (_, _, auth)) = walk
    assert (root.aa, root.ancount, root.ns[0].rdata, root.ar[0].rdata) == (0, 0, b"a.gtld-servers.net.", "192.5.6.30")
    assert (tld.aa, tld.ns[0].rdata, tld.ar[0].rdata) == (0, b"ns1.example.com.", "199.43.135.53")
    assert (auth.aa, auth.an[0].rdata, auth.an[0].ttl) == (1, "192.0.2.80", 300)
    ((_, to, answer),) = dns(6)
    assert (to, answer.id, answer.ra, answer.aa, answer.an[0].rdata) == ("laptop", 0x1C2B, 1, 0, "192.0.2.80")


def test_the_cache_answers_the_phone_and_the_delegation_skips_root_and_tld() -> None:
    phone = dns(7)
    assert {a for a, _, _ in phone} | {b for _, b, _ in phone} == {"phone", "resolver"}
    (_, _, cached) = phone[-1]
    assert cached.an[0].rdata == "192.0.2.80" and 0 < cached.an[0].ttl < 300
    sibling = dns(8)
    assert [(a, b) for a, b, _ in sibling] == [
        ("laptop", "resolver"),
        ("resolver", "auth"),
        ("auth", "resolver"),
        ("resolver", "laptop"),
    ]
    assert sibling[-1][2].an[0].rdata == "192.0.2.81"
    state = timeline("dns-recursion").state_at(timeline("dns-recursion").boundary(5))
    (table,) = [t for t in state.tables["resolver"] if t.title == "DNS cache"]
    names = {(str(row[0]), str(row[1])) for row in table.rows}
    assert {("com", "NS"), ("example.com", "NS"), ("ns1.example.com", "A"), ("www.example.com", "A")} <= names


def test_dns_comes_before_the_curl_walkthrough_that_uses_it() -> None:
    from animator.model.deck import load_deck

    files = [entry.file for entry in load_deck(DECK).scenes]
    assert files.index("dns-recursion.yaml") < files.index("curl-https.yaml")


# -- websockets-load-balancing ------------------------------------------------------------------------
def test_each_websocket_is_balanced_once_and_stays_on_its_backend() -> None:
    placed = {m.path[0]: m.path[-1] for m in tracks("websockets-load-balancing", 1) if m.label == "SYN"}
    assert placed == {"alice": "web1", "bob": "web2", "carol": "web1"}
    for m in tracks("websockets-load-balancing", 3):
        assert (m.path[0], m.path[-1]) in {("web1", "alice"), ("web2", "bob"), ("web1", "carol")}
        outside = frame_on(m, "lb", "internet")
        assert outside[IP].src == "203.0.113.10" and outside[TCP].sport == 80  # the VIP, not the backend
        assert payload(m)[:1] == b"\x81"  # an unmasked text frame from the server


def test_the_new_backend_gets_nothing_until_the_deploy_sends_everyone_back() -> None:
    assert not tracks("websockets-load-balancing", 4)
    pool = table("websockets-load-balancing", 4, "lb", "Pool")
    assert [(row[0], row[1], row[2]) for row in pool] == [("web1", "up", "2"), ("web2", "up", "1"), ("web3", "up", "0")]
    closes = [payload(m) for m in tracks("websockets-load-balancing", 5) if m.label.startswith("Close")]
    assert closes[:2] == [b"\x88\x02\x03\xe9"] * 2  # status 1001, going away
    assert all(c[:2] == b"\x88\x82" for c in closes[2:]) and len(closes) == 4  # the browsers' masked echo
    fins = [m for m in tracks("websockets-load-balancing", 5) if m.path[0] == "web1" and "FIN" in m.label]
    assert {m.path[-1] for m in fins} == {"alice", "carol"}
    again = {m.path[0]: m.path[-1] for m in tracks("websockets-load-balancing", 6) if m.label.startswith("SYN (")}
    assert again == {"alice": "web3", "carol": "web2"}


def test_the_websocket_balancing_scene_follows_the_scenes_it_builds_on() -> None:
    from animator.model.deck import load_deck

    files = [entry.file for entry in load_deck(DECK).scenes]
    for earlier in ("websockets.yaml", "load-balancing-l4-vs-l7.yaml"):
        assert files.index(earlier) < files.index("websockets-load-balancing.yaml")


# -- active-active ------------------------------------------------------------------------------------
def test_one_name_two_balancers_both_carry_traffic() -> None:
    answers = {m.path[-1]: Ether(m.frames[-1] or b"")[DNS] for m in tracks("active-active", 1) if m.path[0] == "dns"}
    order = {who: [answers[who].an[i].rdata for i in range(answers[who].ancount)] for who in answers}
    assert order == {"alice": ["203.0.113.11", "203.0.113.12"], "bob": ["203.0.113.12", "203.0.113.11"]}
    assert all(a.aa == 1 and a.ra == 0 for a in answers.values())  # ns1 is authoritative, no recursion
    assert len(tracks("active-active", 1)[2].frames[0] or b"") == 107  # BIND's size for Alice's answer
    served = {(m.path[0], m.path[-1]) for m in tracks("active-active", 3)}
    assert {("lb1", "alice"), ("lb2", "bob")} <= served


def test_when_lb1_dies_alice_times_out_and_the_second_address_serves_her() -> None:
    (lost,) = tracks("active-active", 4)
    assert lost.dropped and lost.path[-1] == "lb1"
    assert {m.path[-1] for m in tracks("active-active", 5) if m.path[0] == "alice"} == {"lb2"}
    assert ("lb2", "alice") in {(m.path[0], m.path[-1]) for m in tracks("active-active", 6)}
    assert not any("bob" in m.path for step in (4, 5, 6) for m in tracks("active-active", step))


def test_active_active_follows_the_active_passive_and_dns_scenes() -> None:
    from animator.model.deck import load_deck

    files = [entry.file for entry in load_deck(DECK).scenes]
    for earlier in ("vip-failover.yaml", "dns-recursion.yaml", "forward-vs-reverse-proxy.yaml"):
        assert files.index(earlier) < files.index("active-active.yaml")
