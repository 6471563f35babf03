"""Sharding through a router (issue 16, item 14): a postgres_fdw coordinator sends a query with the
shard key to one shard only and fans a query without it out to both, in turn. The messages are
copied from a PostgreSQL 15 capture (docs/scenes/checks.md, "sharding-router"); these tests hold
the frames to what the captions say and to that capture's bytes."""

from __future__ import annotations

from scapy.layers.inet import TCP
from scapy.layers.l2 import Ether

from animator.engine.timeline import MessageTrack
from animator.model.deck import load_deck
from tests.conftest import REPO
from tests.scenekit import timeline, tracks

SCENE = "sharding-router"

#: Three segments as PostgreSQL 15.18 and postgres_fdw sent them in the check (tshark, loopback):
#: the routed query's DECLARE (Parse/Bind/Describe/Execute/Sync), the coordinator's answer to the
#: application, and the fan-out's DECLARE on shard2 (cursor c2).
CAPTURED = {
    (2, "Parse/Bind/Execute: DECLARE c1 CURSOR"): "5000000062004445434c41524520633120435552534f5220464f520a53454c454354"
    "20736561742c2070617373656e6765722046524f4d207075626c69632e626f6f6b696e6773205748455245202828666c696768745f69"
    "64203d2034322929000000420000000e0000000000000001000044000000065000450000000900000000005300000004",
    (3, "12A alice · 12B carol · SELECT 2"): "5400000039000273656174000000400c000200000019ffffffffffff000070617373"
    "656e676572000000400c000300000019ffffffffffff0000440000001600020000000331324100000005616c69636544000000160002"
    "00000003313242000000056361726f6c430000000d53454c4543542032005a0000000549",
    (5, "Parse/Bind/Execute: DECLARE c2 CURSOR"): "5000000067004445434c41524520633220435552534f5220464f520a53454c454354"
    "20666c696768745f69642c20736561742046524f4d207075626c69632e626f6f6b696e677320574845524520282870617373656e6765"
    "72203d2027616c696365272929000000420000000e0000000000000001000044000000065000450000000900000000005300000004",
}


def payload(track: MessageTrack) -> bytes:
    frame = track.frames[0]
    assert frame is not None
    return bytes(Ether(frame)[TCP].payload)


def between(steps: range) -> list[tuple[str, str]]:
    return [(m.path[0], m.path[-1]) for step in steps for m in tracks(SCENE, step)]


def test_the_routed_query_reaches_shard1_alone() -> None:
    pairs = between(range(2, 4))
    assert len(pairs) == 15
    assert not any("shard2" in pair for pair in pairs)
    assert sum(1 for pair in pairs if set(pair) == {"coord", "shard1"}) == 12


def test_the_fan_out_asks_both_shards_one_after_the_other() -> None:
    """postgres_fdw's default (async_capable off): both transactions first, then shard1's cursor is
    declared and fetched to the end before shard2's is declared."""
    order = [(m.path[-1], payload(m)[5:40]) for step in (4, 5) for m in tracks(SCENE, step) if m.path[0] == "coord"]
    sent = [(to, text) for to, text in order if text]
    assert [to for to, _ in sent] == ["shard1", "shard2", "shard1", "shard1", "shard2", "shard2"]
    assert [b"START TRANSACTION" in t for _, t in sent][:2] == [True, True]
    assert [m.label for m in tracks(SCENE, 5)].index("Parse/Bind/Execute: DECLARE c2 CURSOR") > [
        m.label for m in tracks(SCENE, 5)
    ].index("42 12A · 99 9F · FETCH 2")
    assert len(between(range(4, 7))) == 27


def test_messages_are_the_captured_bytes() -> None:
    for (step, label), hexa in CAPTURED.items():
        track = next(m for m in tracks(SCENE, step) if m.label == label)
        assert payload(track) == bytes.fromhex(hexa), label


def test_the_application_gets_one_merged_answer_from_the_coordinators_table() -> None:
    answer = payload(next(m for m in tracks(SCENE, 6) if m.path == ("coord", "app")))
    first_column = answer[7:].split(b"\0", 1)[0]
    table_oid = answer[7 + len(first_column) + 1 :][:4]
    assert answer[:1] == b"T" and int.from_bytes(table_oid, "big") == 16396  # the partitioned table's OID
    assert answer.count(b"D\x00\x00\x00") == 3 and b"SELECT 3\x00" in answer


def test_the_connections_are_open_from_the_start_and_pg_stat_activity_follows_the_remote_transactions() -> None:
    line = timeline(SCENE)

    def state(step: int, node: str) -> str:
        rows = {t.title: t.rows for t in line.state_at(line.boundary(step)).device_tables[node]}["pg_stat_activity"]
        return rows[0][3]

    assert [state(0, n) for n in ("coord", "shard1", "shard2")] == ["idle", "idle", "idle"]
    assert (state(2, "shard1"), state(2, "shard2")) == ("idle in transaction", "idle")
    assert (state(5, "shard1"), state(5, "shard2")) == ("idle in transaction", "idle in transaction")
    assert (state(6, "shard1"), state(6, "shard2")) == ("idle", "idle")
    first = tracks(SCENE, 2)[0]
    assert first.path == ("app", "coord") and int(Ether(first.frames[0])[TCP].flags) == 0x18  # no handshake: PSH, ACK


def test_the_course_places_it_after_application_routed_sharding() -> None:
    entries = load_deck(REPO / "scenes" / "backend-fundamentals.deck.yaml").scenes
    files = [entry.file for entry in entries]
    assert files.index("sharding.yaml") + 1 == files.index("sharding-router.yaml")
    assert entries[files.index("sharding-router.yaml")].title == "6.6 Sharding through a router: postgres_fdw"
