"""Streaming replication's messages are byte for byte what PostgreSQL 15's walreceiver and walsender
send, and tshark reads them as pgsql.

The expected bytes are copied from a capture of Debian's PostgreSQL 15.18: a primary on
127.0.0.1:55432 and a standby made with ``pg_basebackup -R -S replica1`` (docs/scenes/checks.md,
"Replication"). Only the clock fields are the capture's; the WAL bytes are opaque filler here.
"""

from __future__ import annotations

import struct

import pytest

from animator.packets import build_layers, finalize
from animator.packets.pgsql_replication import format_lsn, lsn
from animator.packets.problems import FieldError
from tests.packets.conftest import layer
from tests.packets.test_pgsql import app_bytes

# The capture's clocks (microseconds since 2000-01-01): the standby's two status updates.
CLOCK_WRITE = 0x000304F9D87B2703
CLOCK_FLUSH = 0x000304F9D87B309E


def test_the_walreceivers_startup_asks_for_replication_as_captured() -> None:
    got = app_bytes(
        layer("pgsql", msg="startup", user="postgres", database="replication", replication=True, application_name="walreceiver")
    )
    assert got.hex() == (
        "0000005a000300007573657200706f737467726573006461746162617365007265706c69636174696f6e00"
        "7265706c69636174696f6e0074727565006170706c69636174696f6e5f6e616d650077616c726563656976657200"
        "00"
    )


def test_start_replication_is_answered_with_copy_both_response_as_captured() -> None:
    assert app_bytes(layer("pgsql", msg="copy_both")).hex() == "5700000007000000"


def test_standby_status_updates_carry_write_flush_apply_as_captured() -> None:
    written = app_bytes(
        layer("pgsql", msg="standby_status", write="0/30248D8", flush="0/3024868", apply="0/3024868", clock=CLOCK_WRITE)
    )
    assert written.hex() == "64000000267200000000030248d800000000030248680000000003024868000304f9d87b270300"
    flushed = app_bytes(
        layer("pgsql", msg="standby_status", write="0/30248D8", flush="0/30248D8", apply="0/3024868", clock=CLOCK_FLUSH)
    )
    assert flushed.hex() == "64000000267200000000030248d800000000030248d80000000003024868000304f9d87b309e00"


def test_xlog_data_has_the_captured_header_and_as_many_wal_bytes_as_the_positions_say() -> None:
    clock = 0x000304F9D87B26A9
    got = app_bytes(layer("pgsql", msg="xlog_data", start="0/3024868", end="0/30248D8", clock=clock))
    # d, length 141, w, start, server WAL end, clock: the capture's first 30 bytes
    assert got[:30].hex() == "640000008d77000000000302486800000000030248d8000304f9d87b26a9"
    assert len(got) == 1 + 141 and len(got) - 30 == 0x30248D8 - 0x3024868


def test_a_standby_cannot_replay_what_it_has_not_flushed() -> None:
    with pytest.raises(FieldError, match="write ≥ flush ≥ apply"):
        finalize(build_layers([layer("pgsql", msg="standby_status", write="0/3000000", flush="0/3000000", apply="0/3000010")]))


def test_wal_positions_read_and_print_as_postgresql_writes_them() -> None:
    assert lsn("0/3024868", "start") == 0x3024868
    assert format_lsn(0x1_0000_00A0) == "1/A0"
    with pytest.raises(FieldError, match="not a WAL position"):
        lsn("3024868", "start")
    assert struct.calcsize("!QQQq?") == 33


def test_a_standby_tells_its_clients_in_hot_standby_on_as_captured() -> None:
    got = app_bytes(layer("pgsql", msg="parameters", user="app", hot_standby=True))
    assert b"in_hot_standby\x00on\x00" in got
    assert b"in_hot_standby\x00off\x00" in app_bytes(layer("pgsql", msg="parameters", user="app"))


def test_postgres_fdws_bind_names_one_result_format_as_captured() -> None:
    """postgres_fdw's DECLARE … CURSOR goes through PQsendQueryParams: its Bind carries one result
    format code (text), 14 bytes long in the sharding capture (docs/scenes/checks.md, "Sharding")."""
    assert app_bytes(layer("pgsql", msg="bind", result_format="text")).hex() == "420000000e00000000000000010000"


def test_a_row_description_carries_each_columns_attribute_number_as_captured() -> None:
    got = app_bytes(layer("pgsql", msg="row_description", columns=["seat", "passenger"], table_oid=16384, attnums=[2, 3]))
    assert got.hex() == (
        "54000000390002736561740000004000000200000019ffffffffffff000070617373656e6765720000004000000300000019ffffffffffff0000"
    )


def test_postgres_fdws_startup_names_its_encoding_as_captured() -> None:
    got = app_bytes(
        layer(
            "pgsql", msg="startup", user="postgres", database="postgres", application_name="postgres_fdw", client_encoding="UTF8"
        )
    )
    assert got.hex() == (
        "0000005c000300007573657200706f73746772657300646174616261736500706f737467726573006170706c69636174696f6e5f6e616d65"
        "00706f7374677265735f66647700636c69656e745f656e636f64696e6700555446380000"
    )


def test_the_inspector_names_a_status_updates_positions_as_pg_stat_replication_does() -> None:
    from animator.packets.pgsql_fields import message_nodes

    data = app_bytes(layer("pgsql", msg="standby_status", write="0/30001B8", flush="0/30001B8", apply="0/3000148"))
    (node,) = message_nodes(data, 0, backend=False, text=repr)
    fields = {f[1]: f[2] for f in node[6]}
    assert node[1] == "PostgreSQL Copy data" and fields["Replication message"] == "r"
    assert (fields["Flushed (flush_lsn)"], fields["Applied (replay_lsn)"]) == ("0/30001B8", "0/3000148")
    wal = app_bytes(layer("pgsql", msg="xlog_data", start="0/3000148", end="0/30001B8"))
    (xlog,) = message_nodes(wal, 0, backend=True, text=repr)
    assert {f[1]: f[2] for f in xlog[6]}["WAL data"] == "112 bytes"
