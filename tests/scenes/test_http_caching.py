"""The caching scene (issue 16, item 6): every MISS, HIT, Age, variant, revalidation and purge its
captions and quizzes name is what the simulated edge decided, not something the scene wrote."""

from __future__ import annotations

import re

from scapy.layers.inet import TCP
from scapy.layers.l2 import Ether

from animator.engine.timeline import MessageTrack
from tests.conftest import REPO
from tests.scenekit import timeline, tracks

SCENE = "http-caching"
DECK = REPO / "scenes" / "backend-fundamentals.deck.yaml"


def payload(track: MessageTrack) -> bytes:
    frame = track.frames[-1]
    assert frame is not None
    return bytes(Ether(frame)[TCP].payload)


def http(step: int) -> list[tuple[str, str, bytes]]:
    """(from, to, payload) of every message carrying data in the step."""
    return [(m.path[0], m.path[-1], payload(m)) for m in tracks(SCENE, step) if payload(m)]


def cache(step: int) -> list[tuple[str, ...]]:
    """The edge's Cache table when ``step`` ends: path, variant, stored, age, TTL left, ETag."""
    state = timeline(SCENE).state_at(timeline(SCENE).boundary(step))
    return [tuple(str(c) for c in row) for t in state.device_tables.get("edge", ()) if t.title == "Cache" for row in t.rows]


def asks_origin(step: int) -> bool:
    return ("edge", "origin") in [(a, b) for a, b, _ in http(step)]


def test_the_first_request_misses_and_is_stored_with_its_lifetime_and_validators() -> None:
    assert asks_origin(2)
    (_, onwards) = http(2)
    assert b"If-None-Match" not in onwards[2]
    (_, (_, to, relayed)) = http(3)
    assert to == "ada" and b"X-Cache: MISS" in relayed and b"max-age=20" in relayed
    assert cache(3) == [("/static/app.css", "gzip, br", "9 s", "0", "20", '"v1"')]


def test_bob_gets_a_hit_whose_age_the_table_counts_too() -> None:
    assert not asks_origin(4)
    (_, to, hit) = http(4)[-1]
    assert to == "bob" and b"X-Cache: HIT" in hit
    (age,) = re.findall(rb"\r\nAge: (\d+)\r\n", hit)
    ((_, _, _, shown, left, _),) = cache(4)
    assert shown == age.decode() and int(left) == 20 - int(age) > 0


def test_carols_request_without_accept_encoding_is_a_second_variant() -> None:
    assert asks_origin(5)
    assert sorted(row[1] for row in cache(6)) == ["gzip, br", "—"]


def test_no_store_is_relayed_and_not_kept() -> None:
    before = [(row[0], row[1]) for row in cache(7)]
    (_, (_, to, page)) = http(8)
    assert to == "ada" and b"Cache-Control: no-store" in page and b"X-Cache: MISS" in page
    assert [(row[0], row[1]) for row in cache(8)] == before and all(row[0] != "/account" for row in cache(8))


def test_bobs_stale_copy_is_revalidated_and_the_304_makes_it_fresh_again() -> None:
    bobs = next(row for row in cache(8) if row[1] == "gzip, br")
    assert bobs[4] == "stale" and int(bobs[3]) > 20
    (_, onwards) = http(9)
    assert onwards[:2] == ("edge", "origin") and b'If-None-Match: "v1"' in onwards[2] and b"If-Modified-Since" in onwards[2]
    ((_, _, not_modified), (_, to, served)) = http(10)
    assert not_modified.startswith(b"HTTP/1.1 304 Not Modified\r\n") and not_modified.endswith(b"\r\n\r\n")
    assert to == "bob" and b"X-Cache: REVALIDATED" in served and served.endswith(b"body{color:#222}\n")
    bobs = next(row for row in cache(10) if row[1] == "gzip, br")
    assert (bobs[3], bobs[4]) == ("0", "20")


def test_after_the_deploy_the_edge_still_serves_the_old_file() -> None:
    assert not asks_origin(12)
    (_, to, old) = http(12)[-1]
    assert to == "ada" and b"X-Cache: HIT" in old and b'ETag: "v1"' in old and old.endswith(b"body{color:#222}\n")


def test_the_purge_drops_both_variants_and_the_next_request_fetches_v2() -> None:
    (_, to, purged) = http(13)[-1]
    assert to == "origin" and purged.startswith(b"HTTP/1.1 200 Purged\r\n")
    assert cache(13) == []
    assert asks_origin(14)
    (_, (_, to, new)) = http(15)
    assert to == "ada" and new.endswith(b"body{color:#c00}\n") and b"X-Cache: MISS" in new
    assert cache(15) == [("/static/app.css", "gzip, br", "58 s", "0", "20", '"v2"')]


def test_the_caching_scene_follows_the_cdn_scene_in_the_course() -> None:
    from animator.model.deck import load_deck

    files = [entry.file for entry in load_deck(DECK).scenes]
    assert files.index("cdn-and-proxies.yaml") < files.index("http-caching.yaml")
