"""The replication and sharding scenes put real PostgreSQL conversations on every link.

The replica streams WAL over a pgsql connection as a PostgreSQL 15 standby did in the check
(docs/scenes/checks.md, "Replication"): tshark reads the replication startup, the two replication
commands and the CopyData that follows; the standby never reports more WAL than it was sent; a
login to the promoted server says ``in_hot_standby = off`` where the standby's said ``on``. The
sharding scene's router sends a query that names the shard key to one shard and one that does not
to both (docs/scenes/checks.md, "Sharding").
"""

from __future__ import annotations

import struct
from pathlib import Path

from scapy.layers.inet import TCP
from scapy.layers.l2 import Ether

from animator.engine.sim.devices.database import split_messages
from animator.packets.pgsql_replication import lsn
from tests.engine.test_sim_pgsql import pgsql_rows
from tests.scenekit import timeline


def _payloads(name: str, sender: str, receiver: str) -> list[tuple[str, bytes]]:
    """(step id, TCP payload) of every message ``sender`` sent ``receiver``, in sending order."""
    tl = timeline(name)
    steps = [s.id for s in tl.scene.steps]
    out = []
    for message in sorted(tl.messages, key=lambda m: m.hop_starts[0] if m.hop_starts else 0.0):
        if message.path[:1] == (sender,) and message.path[-1:] == (receiver,) and message.frames and message.frames[0]:
            out.append((str(steps[message.step - 1]), bytes(Ether(message.frames[0])[TCP].payload)))
    return out


def test_the_standby_logs_in_for_replication_and_the_primary_switches_to_copy_both(tmp_path: Path) -> None:
    rows = pgsql_rows("replication-failover", tmp_path, 2, "pgsql.type", "pgsql.query", "pgsql.parameter_value")
    types = [t for row in rows for t in row.split("|")[0].split(",")]
    queries = [row.split("|")[1] for row in rows if row.split("|")[1]]
    assert "true" in rows[0].split("|")[2].split(",")  # replication=true in the StartupMessage
    assert queries == ["IDENTIFY_SYSTEM", 'START_REPLICATION SLOT "replica1" 0/3000000 TIMELINE 1']
    start = types.index("Simple query", types.index("Simple query") + 1)
    assert types[start + 1] == "Unknown"  # CopyBothResponse: Wireshark 4.0 names no 'W'
    assert set(types[start + 2 :]) == {"Copy data"}


def test_the_standby_never_reports_more_wal_than_it_was_sent_and_replays_last() -> None:
    sent = 0
    reports = []
    for _step, data in _payloads("replication-failover", "primary", "replica"):
        for kind, body in split_messages(data, untyped_first=False):
            if kind == b"d" and body[:1] == b"w":
                start, _end = struct.unpack("!QQ", body[1:17])
                sent = max(sent, start + len(body) - 25)
    # the status updates in the order the standby sent them
    for _step, data in _payloads("replication-failover", "replica", "primary"):
        for kind, body in split_messages(data, untyped_first=False):
            if kind == b"d" and body[:1] == b"r":
                reports.append(struct.unpack("!QQQ", body[1:25]))
    assert all(write <= sent and write >= flush >= apply for write, flush, apply in reports)
    # the stale read happens while apply is behind: write/flush at the UPDATE's end, apply before it
    assert reports == [
        (lsn("0/3000148", ""),) * 3,
        (lsn("0/30001B8", ""), lsn("0/30001B8", ""), lsn("0/3000148", "")),
        (lsn("0/30001B8", ""),) * 3,
    ]


def test_the_stale_read_returns_null_while_the_replica_has_the_write_on_disk() -> None:
    answers = [data for step, data in _payloads("replication-failover", "replica", "app") if step == "stale-read"]
    rows = [body for data in answers for kind, body in split_messages(data, untyped_first=False) if kind == b"D"]
    assert rows == [struct.pack("!Hi", 1, -1)]  # booked_by NULL: the old row


def test_the_replica_says_in_hot_standby_on_before_promotion_and_off_after() -> None:
    logins = {
        step: data for step, data in _payloads("replication-failover", "replica", "app") if step in ("app-login", "reconnect")
    }
    assert b"in_hot_standby\x00on\x00" in logins["app-login"]
    assert b"in_hot_standby\x00off\x00" in logins["reconnect"]


def test_the_walsender_is_a_session_on_the_primary() -> None:
    tl = timeline("replication-failover")
    steps = [s.id for s in tl.scene.steps]
    state = tl.state_at(tl.boundary(steps.index("start-replication") + 1))
    activity = {t.title: t.rows for t in state.device_tables["primary"]}["pg_stat_activity"]
    assert activity[0][:4] == ("6201", "replicator", "replication", "active")


def test_a_routed_query_reaches_one_shard_and_a_fanned_out_one_both(tmp_path: Path) -> None:
    def queries(link: int) -> list[str]:
        return [row for row in pgsql_rows("sharding", tmp_path, link, "pgsql.query") if row]

    shard1, shard2 = queries(0), queries(1)
    assert shard1 == [
        "SELECT seat, passenger FROM bookings WHERE flight_id = 42;",
        "SELECT flight_id, seat FROM bookings WHERE passenger = 'alice';",
    ]
    assert shard2 == [
        "INSERT INTO bookings VALUES (7, '4D', 'alice');",
        "SELECT seat, passenger FROM bookings WHERE flight_id = 7;",
        "SELECT flight_id, seat FROM bookings WHERE passenger = 'alice';",
    ]
    tags = [row for link in (0, 1) for row in pgsql_rows("sharding", tmp_path, link, "pgsql.tag") if row]
    assert tags == ["SELECT 2", "SELECT 1", "INSERT 0 1", "SELECT 2", "SELECT 2"]  # as psql got them from the two shards
