"""The database scenes put real PostgreSQL conversations on the wire, and the device's tables follow them.

tshark dissects every exported link as pgsql with the message order and status bytes of the psql
capture against PostgreSQL 15 (docs/scenes/checks.md); the double-booking race shows the waiter
the way pg_stat_activity did; answering a session still waiting for a row lock is refused.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from animator.engine import build_timeline
from animator.engine.sim.core import SimulationError
from animator.export.pcap import export_pcap
from animator.model import load_scene_text
from tests.conftest import REPO
from tests.scenekit import timeline

TSHARK = shutil.which("tshark")


def pgsql_rows(name: str, tmp_path: Path, link: int, *fields: str) -> list[str]:
    if TSHARK is None:
        pytest.skip("tshark is not installed")
    out = tmp_path / f"{name}.pcapng"
    export_pcap(timeline(name), out)
    where = f"pgsql && frame.interface_id == {link}"
    args = [
        TSHARK,
        "-n",
        "-r",
        str(out),
        "-Y",
        where,
        "-T",
        "fields",
        "-E",
        "separator=|",
        *(x for f in fields for x in ("-e", f)),
    ]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout.splitlines()


def test_the_transaction_scene_dissects_as_pgsql_in_psqls_order_with_i_t_t_i_t_e_e_i(tmp_path: Path) -> None:
    rows = pgsql_rows("sql-transaction", tmp_path, 0, "pgsql.type", "pgsql.status", "pgsql.code")
    types = [row.split("|")[0] for row in rows]
    assert types[:6] == [
        "SSL request", "Startup message", "Authentication request", "SASLInitialResponse message",
        "Authentication request", "SASLResponse message",
    ]  # fmt: skip
    assert types[-1] == "Termination"
    statuses = [s for row in rows for s in row.split("|")[1].split(",") if s]
    assert [chr(int(s)) for s in statuses] == list("ITTTITEEI")
    codes = [row.split("|")[2] for row in rows if row.split("|")[2]]
    assert codes == ["23514", "25P02"]


def test_every_database_scene_link_is_clean_pgsql_in_tshark(tmp_path: Path) -> None:
    if TSHARK is None:
        pytest.skip("tshark is not installed")
    for name in ("sql-transaction", "double-booking"):
        out = tmp_path / f"{name}.pcapng"
        export_pcap(timeline(name), out)
        bad = subprocess.run(
            [TSHARK, "-n", "-r", str(out), "-Y", "_ws.malformed || _ws.expert.severity >= error"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert bad.stdout.strip() == ""
        detail = subprocess.run([TSHARK, "-n", "-r", str(out), "-V", "-O", "pgsql"], capture_output=True, text=True, check=True)
        assert "Type: Ready for query" in detail.stdout


def test_bob_waits_on_alices_row_lock_then_holds_it_after_her_commit() -> None:
    tl = timeline("double-booking")
    steps = [s.id for s in tl.scene.steps]

    def tables(step: str) -> dict[str, tuple[tuple[str, ...], ...]]:
        state = tl.state_at(tl.boundary(steps.index(step) + 1))
        return {t.title: t.rows for t in state.device_tables["db"]}

    waiting = tables("bob-waits")
    assert ("7102", "app", "flights", "active", "", "transactionid") in waiting["pg_stat_activity"]
    assert waiting["Row locks"] == (("id=2", "7101", "For Update", "held"), ("id=2", "7102", "For Update", "waiting"))
    assert ("2", "14C", "") in waiting["Rows"]  # Alice's write is not committed yet
    after = tables("commit")
    assert after["Row locks"] == (("id=2", "7102", "For Update", "held"),)
    assert ("2", "14C", "alice") in after["Rows"]
    assert ("1", "12A", "bob") in tables("both-write")["Rows"]  # the lost update of part one


def test_answering_a_session_that_still_waits_for_a_row_lock_is_a_scene_error() -> None:
    text = (REPO / "scenes" / "double-booking.yaml").read_text()
    # Answer Bob's waiting SELECT in the step he starts waiting, before Alice commits.
    early = text.replace(
        '      - send: {from: bob, to: db, label: "Query: SELECT … FOR UPDATE"',
        '      - send: {from: db, to: bob, at: 1.5, label: "too early", layers: [tcp, pgsql: {msg: ready, status: T}]}\n'
        '      - send: {from: bob, to: db, label: "Query: SELECT … FOR UPDATE"',
    )
    with pytest.raises(Exception) as caught:
        build_timeline(load_scene_text(early))
    assert "still waiting for the lock on row 2" in str(caught.value)
    assert isinstance(caught.value, SimulationError) or "7101" in str(caught.value)
