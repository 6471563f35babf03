"""The pooler lends its server connection as PgBouncer does: per transaction, or per session; a full
pool makes a client wait, and PgBouncer's FATAL error ends that client."""

from __future__ import annotations

from animator.engine import build_timeline
from animator.model import load_scene_text
from tests.conftest import REPO
from tests.scenekit import timeline

SCENE = REPO / "scenes" / "connection-pooling.yaml"


def pool_tables(tl: object, step: str) -> dict[str, tuple[tuple[str, ...], ...]]:
    steps = [s.id for s in tl.scene.steps]  # type: ignore[attr-defined]
    state = tl.state_at(tl.boundary(steps.index(step) + 1))  # type: ignore[attr-defined]
    return {t.title: t.rows for t in state.device_tables["pgbouncer"]}


def test_transaction_pooling_takes_the_connection_back_at_ready_for_query_idle() -> None:
    tl = timeline("connection-pooling")
    assert pool_tables(tl, "first-query")["SHOW SERVERS"] == (("48672", "idle", ""),)
    assert pool_tables(tl, "leak")["SHOW SERVERS"] == (("48672", "active", "40002"),)  # Z(T): still lent
    waiting = pool_tables(tl, "request-3-waits")
    assert waiting["SHOW POOLS"] == (("1", "1", "1", "0", "0", "transaction"),)  # cl_waiting 1, sv_idle 0
    assert ("40003", "waiting", "") in waiting["SHOW CLIENTS"]
    assert all(row[0] != "40003" for row in pool_tables(tl, "timeout")["SHOW CLIENTS"])  # FATAL: gone


def test_session_pooling_keeps_the_connection_until_the_client_leaves() -> None:
    text = SCENE.read_text().replace("pooler: {mode: transaction, pool_size: 1}", "pooler: {mode: session, pool_size: 1}")
    tl = build_timeline(load_scene_text(text))
    assert pool_tables(tl, "first-query")["SHOW SERVERS"] == (("48672", "active", "40001"),)
    assert pool_tables(tl, "request-2-login")["SHOW SERVERS"] == (("48672", "idle", ""),)  # Terminate gave it back


def test_the_timeout_is_pgbouncers_fatal_08p01_without_a_v_field() -> None:
    from scapy.layers.inet import TCP
    from scapy.layers.l2 import Ether

    error = next(m for m in timeline("connection-pooling").messages if "query_wait_timeout" in m.label)
    data = bytes(Ether(error.frames[0])[TCP].payload)
    assert data == b"E\x00\x00\x00\x27SFATAL\x00C08P01\x00Mquery_wait_timeout\x00\x00"  # 39 bytes, as captured


def test_both_links_dissect_as_pgsql_when_tshark_is_told_6432_is_postgresql(tmp_path: object) -> None:
    import shutil
    import subprocess
    from pathlib import Path

    import pytest

    from animator.export.pcap import export_pcap

    tshark = shutil.which("tshark")
    if tshark is None:
        pytest.skip("tshark is not installed")
    out = Path(str(tmp_path)) / "pool.pcapng"
    export_pcap(timeline("connection-pooling"), out)
    decode = ["-d", "tcp.port==6432,pgsql"]
    bad = subprocess.run([tshark, "-n", "-r", str(out), *decode, "-Y", "_ws.malformed || _ws.expert.severity >= error"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    assert bad.stdout.strip() == ""
    fields = [
        tshark,
        "-n",
        "-r",
        str(out),
        *decode,
        "-Y",
        "pgsql",
        "-T",
        "fields",
        "-e",
        "frame.interface_id",
        "-e",
        "pgsql.type",
    ]
    rows = subprocess.run(fields, capture_output=True, text=True, check=True).stdout.splitlines()
    client_side = [r.split("\t")[1] for r in rows if r.startswith("0\t")]
    server_side = [r.split("\t")[1] for r in rows if r.startswith("1\t")]
    assert "Error" in client_side and "Termination" in client_side
    assert server_side[0] == "Startup message" and "Termination" not in server_side  # PgBouncer keeps it open
