"""A CDN edge's cache decides as nginx's proxy_cache did (docs/scenes/checks.md, "http-caching"):
what it stores, for how long, which variant a request gets, when it asks the origin again, and
what a PURGE removes. Each test plays a short scene and reads the bytes that reached the client."""

from __future__ import annotations

import re

from scapy.layers.inet import TCP
from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.engine.timeline import MessageTrack, Timeline
from animator.model import load_scene_text

HEAD = """\
format: 1
title: An edge cache decides
nodes:
  - {id: c, kind: host, ipv4: 198.51.100.23/24}
  - {id: d, kind: host, ipv4: 198.51.100.24/24}
  - {id: net, kind: internet}
  - id: edge
    kind: reverse-proxy
    ipv4: [203.0.113.50/24, 192.0.2.50/24]
    balancer: {vip: 203.0.113.50, port: 80, backends: [origin], cache: true}
  - {id: origin, kind: server, ipv4: 192.0.2.80/24, listen: 80}
links:
  - between: [c, net]
  - between: [d, net]
  - between: [net, edge]
  - {between: [edge, origin], latency: 80ms}
steps:
  - caption: c connects
    actions:
      - send: {from: c, to: edge, layers: [tcp: {sport: 50001, dport: 80, flags: S}]}
      - send: {from: c, to: edge, at: 4.0, layers: [tcp: {flags: A}]}
"""


def get(path: str = "/app.css", client: str = "c", **headers: str) -> str:
    fields = ", ".join(f"{k.replace('_', '-')}: '{v}'" for k, v in {"Host": "www.example.com", **headers}.items())
    http = f"{{http: {{method: GET, path: {path}, headers: {{{fields}}}}}}}"
    return f"""\
  - caption: {client} asks for {path}
    actions:
      - send: {{from: {client}, to: edge, layers: [{{tcp: {{flags: PA}}}}, {http}]}}
"""


def answer(status: int = 200, /, **headers: str) -> str:
    fields = ", ".join(f"{k.replace('_', '-')}: '{v}'" for k, v in headers.items())
    body = ", body: 'body{color:#222}'" if status == 200 else ""
    http = f"{{http: {{status: {status}, headers: {{{fields}}}{body}}}}}"
    return f"""\
  - caption: the origin answers {status}
    actions:
      - send: {{from: origin, to: edge, layers: [{{tcp: {{flags: PA}}}}, {http}]}}
"""


def connect(client: str = "d", sport: int = 50002) -> str:
    return f"""\
  - caption: {client} connects
    actions:
      - send: {{from: {client}, to: edge, layers: [tcp: {{sport: {sport}, dport: 80, flags: S}}]}}
      - send: {{from: {client}, to: edge, at: 4.0, layers: [tcp: {{flags: A}}]}}
"""


def play(*steps: str) -> Timeline:
    return build_timeline(load_scene_text(HEAD + "".join(steps)))


def payload(track: MessageTrack) -> bytes:
    frame = track.frames[-1]
    assert frame is not None
    return bytes(Ether(frame)[TCP].payload)


def said(tl: Timeline, step: int) -> list[tuple[str, str, bytes]]:
    """(from, to, HTTP bytes) of every message carrying data in ``step`` (1-based)."""
    return [(m.path[0], m.path[-1], payload(m)) for m in tl.messages if m.step == step and payload(m)]


def cache_rows(tl: Timeline, step: int) -> list[tuple[str, ...]]:
    state = tl.state_at(tl.boundary(step))
    return [tuple(str(cell) for cell in row) for t in state.device_tables.get("edge", ()) if t.title == "Cache" for row in t.rows]


FRESH: dict[str, str] = {"Cache_Control": "public, max-age=60", "ETag": '"v1"'}


def test_a_fresh_copy_is_a_hit_with_its_age_and_the_origin_is_not_asked() -> None:
    tl = play(get(), answer(**FRESH), get())
    (_, to, hit) = said(tl, 4)[-1]
    assert len(said(tl, 4)) == 2 and to == "c"  # the request and the edge's own answer: nothing to the origin
    assert b"X-Cache: HIT" in hit and hit.endswith(b"body{color:#222}")
    (age,) = re.findall(rb"\r\nAge: (\d+)\r\n", hit)
    ((path, variant, _, shown_age, left, etag),) = cache_rows(tl, 4)
    assert (path, variant, etag, shown_age) == ("/app.css", "—", '"v1"', age.decode())
    assert int(left) == 60 - int(age) > 0  # the table counts down as Age counts up


def test_s_maxage_wins_over_max_age_for_a_shared_cache() -> None:
    tl = play(get(), answer(Cache_Control="max-age=1, s-maxage=300"), get("/other"), answer(404), get())
    assert b"X-Cache: HIT" in said(tl, 6)[-1][2]  # older than max-age=1, younger than s-maxage
    assert cache_rows(tl, 3)[0][4] == "300"


def test_expires_gives_the_lifetime_counted_from_date() -> None:
    dated = {"Date": "Sun, 06 Dec 2026 20:00:00 GMT", "Expires": "Sun, 06 Dec 2026 20:02:00 GMT"}
    tl = play(get(), answer(**dated), get())
    assert b"X-Cache: HIT" in said(tl, 4)[-1][2]
    assert int(cache_rows(tl, 4)[0][3]) + int(cache_rows(tl, 4)[0][4]) == 120


def test_a_stale_copy_is_revalidated_with_its_validators_and_a_304_makes_it_fresh_again() -> None:
    validators = {"Cache_Control": "max-age=5", "ETag": '"v1"', "Last-Modified": "Sun, 06 Dec 2026 19:00:00 GMT"}
    revalidated = answer(304, ETag='"v1"', Cache_Control="max-age=5")
    tl = play(get(), answer(**validators), get("/other"), answer(404), get(), revalidated)
    (_, onwards) = said(tl, 6)
    assert onwards[:2] == ("edge", "origin")
    assert b'\r\nIf-Modified-Since: Sun, 06 Dec 2026 19:00:00 GMT\r\nIf-None-Match: "v1"\r\n' in onwards[2]
    assert cache_rows(tl, 5)[0][4] == "stale"
    (_, to, served) = said(tl, 7)[-1]
    assert to == "c" and served.startswith(b"HTTP/1.1 200 OK\r\n") and served.endswith(b"body{color:#222}")
    assert b"X-Cache: REVALIDATED" in served and b"\r\nAge:" not in served
    ((_, _, _, age, left, _),) = cache_rows(tl, 7)
    assert age == "0" and left == "5"


def test_a_stale_copy_the_origin_changed_is_replaced_and_marked_expired() -> None:
    tl = play(
        get(),
        answer(Cache_Control="max-age=5", ETag='"v1"'),
        get("/other"),
        answer(404),
        get(),
        answer(Cache_Control="max-age=5", ETag='"v2"'),
    )
    assert b"X-Cache: EXPIRED" in said(tl, 7)[-1][2]
    assert [row[5] for row in cache_rows(tl, 7)] == ['"v2"']


def test_no_store_private_and_no_cache_are_not_kept_by_the_shared_cache() -> None:
    for control in ("no-store", "private, max-age=60", "no-cache"):
        tl = play(get(), answer(Cache_Control=control, ETag='"v1"'), get())
        assert b"X-Cache: MISS" in said(tl, 3)[-1][2]
        assert cache_rows(tl, 3) == [], control
        assert ("edge", "origin") in [(a, b) for a, b, _ in said(tl, 4)], control  # asked again
        assert any(r.text == f"not stored: {control.split(',')[0]}" for r in tl.journey.steps[2].remarks)  # type: ignore[union-attr]


def test_a_response_without_a_lifetime_is_not_stored() -> None:
    tl = play(get(), answer(ETag='"v1"'), get())
    assert cache_rows(tl, 3) == [] and ("edge", "origin") in [(a, b) for a, b, _ in said(tl, 4)]


def test_vary_keeps_one_copy_per_accept_encoding_and_a_gzip_client_never_gets_the_plain_one() -> None:
    tl = play(
        get(Accept_Encoding="gzip"),
        answer(Vary="Accept-Encoding", **FRESH),
        connect(),
        get(client="d"),
        answer(Vary="Accept-Encoding", **FRESH),
        get(Accept_Encoding="gzip"),
    )
    assert ("edge", "origin") in [(a, b) for a, b, _ in said(tl, 5)]  # another variant: a miss
    assert sorted(row[1] for row in cache_rows(tl, 6)) == ["gzip", "—"]
    assert b"X-Cache: HIT" in said(tl, 7)[-1][2]


def test_the_clients_own_if_none_match_is_answered_304_by_the_edge_from_a_fresh_copy() -> None:
    tl = play(get(), answer(**FRESH), get(If_None_Match='"v1"'))
    (_, _, reply) = said(tl, 4)[-1]
    assert reply.startswith(b"HTTP/1.1 304 Not Modified\r\n") and reply.endswith(b"X-Cache: HIT\r\n\r\n")
    assert b'ETag: "v1"' in reply and b"Content-Length" not in reply


def test_on_a_miss_the_clients_conditional_headers_are_not_passed_on() -> None:
    tl = play(get(If_None_Match='"p7"'))
    (_, onwards) = said(tl, 2)
    assert b"If-None-Match" not in onwards[2]


PURGE = """\
  - caption: the origin's deploy purges /app.css
    actions:
      - send: {from: origin, to: edge, layers: [{ip: {dst: 192.0.2.50}}, tcp: {sport: 40000, dport: 80, flags: S}]}
      - send: {from: origin, to: edge, at: 4.0, layers: [{ip: {dst: 192.0.2.50}}, tcp: {flags: A}]}
      - send:
          from: origin
          to: edge
          at: 5.0
          layers:
            - ip: {dst: 192.0.2.50}
            - tcp: {flags: PA}
            - http: {method: PURGE, path: /app.css, headers: {Host: www.example.com}}
"""


def test_a_purge_from_the_origin_removes_every_variant_and_the_next_request_misses() -> None:
    tl = play(get(Accept_Encoding="gzip"), answer(Vary="Accept-Encoding", **FRESH), PURGE, get(Accept_Encoding="gzip"))
    (_, to, purged) = said(tl, 4)[-1]
    assert to == "origin" and purged.startswith(b"HTTP/1.1 200 Purged\r\n") and b"<h1>Error 200 Purged</h1>" in purged
    assert cache_rows(tl, 4) == []
    assert ("edge", "origin") in [(a, b) for a, b, _ in said(tl, 5)]


def test_a_purge_from_a_client_is_refused() -> None:
    purge = get().replace("GET", "PURGE").replace("c asks for", "c tries to purge")
    tl = play(get(), answer(**FRESH), purge)
    assert said(tl, 4)[-1][2].startswith(b"HTTP/1.1 405 Not allowed\r\n")
    assert len(cache_rows(tl, 4)) == 1


def test_a_fresh_copy_is_served_while_the_origin_is_down_and_a_stale_one_is_not() -> None:
    down = "  - caption: the origin stops\n    actions:\n      - device: {node: origin, down: refused}\n"
    tl = play(get(), answer(Cache_Control="max-age=12", ETag='"v1"'), down, get())
    assert [(a, b) for a, b, _ in said(tl, 5)] == [("c", "edge"), ("edge", "c")]  # not even a SYN upstream
    assert b"X-Cache: HIT" in said(tl, 5)[-1][2]
    tl = play(get(), answer(Cache_Control="max-age=12", ETag='"v1"'), down, get(), connect(), get(client="d"))
    # d asks some 10 s later than c did: the copy is past max-age=12, and a stale copy is not
    # served in the origin's place.
    assert said(tl, 7)[-1][2].startswith(b"HTTP/1.1 502 Bad Gateway\r\n")
