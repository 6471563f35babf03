"""PostgreSQL messages are byte for byte what PostgreSQL 15 and libpq send, and tshark reads them as pgsql.

The expected bytes are copied from a capture of psql 15 talking to Debian's postgresql-15 on
127.0.0.1 (docs/scenes/checks.md, "PostgreSQL"); SCRAM is checked against RFC 7677's example.
"""

from __future__ import annotations

import base64

import pytest

from animator.packets import build_layers, check_layers, finalize
from animator.packets.builders_pgsql import scram_exchange
from tests.packets.conftest import Layer, layer

CLIENT = layer("tcp", sport=49682, dport=5432, flags="PA", seq=1, ack=1)
SERVER = layer("tcp", sport=5432, dport=49682, flags="PA", seq=1, ack=1)
IP_C = layer("ip", src="127.0.0.1", dst="127.0.0.1")


def app_bytes(*messages: Layer) -> bytes:
    """The TCP payload the messages make."""
    from scapy.layers.inet import IP, TCP

    return bytes(IP(finalize(build_layers([IP_C, CLIENT, *messages])))[TCP].payload)


def test_the_startup_message_is_psqls_byte_for_byte() -> None:
    got = app_bytes(layer("pgsql", msg="startup", user="app", database="booking", application_name="psql"))
    assert got.hex() == (
        "0000003900030000757365720061707000646174616261736500626f6f6b696e67006170706c69636174696f6e5f6e616d65007073716c0000"
    )


def test_authentication_sasl_offers_scram_sha_256_as_postgresql_15_does() -> None:
    assert app_bytes(layer("pgsql", msg="auth_sasl")).hex() == "52000000170000000a534352414d2d5348412d3235360000"


def test_after_login_the_server_sends_ok_13_parameters_its_pid_and_ready_idle_as_captured() -> None:
    got = app_bytes(
        layer("pgsql", msg="auth_ok"),
        layer("pgsql", msg="parameters", user="app", application_name="psql"),
        layer("pgsql", msg="backend_key", pid=5067, key=592666118),
        layer("pgsql", msg="ready", status="I"),
    )
    captured = (
        "520000000800000000530000001a6170706c69636174696f6e5f6e616d65007073716c005300000019636c69656e745f656e636f64696e6700"
        "55544638005300000017446174655374796c650049534f2c204d445900530000002664656661756c745f7472616e73616374696f6e5f7265"
        "61645f6f6e6c79006f6666005300000017696e5f686f745f7374616e646279006f6666005300000019696e74656765725f6461746574696d"
        "6573006f6e00530000001b496e74657276616c5374796c6500706f73746772657300530000001569735f737570657275736572006f666600"
        "53000000197365727665725f656e636f64696e6700555446380053000000327365727665725f76657273696f6e0031352e31382028446562"
        "69616e2031352e31382d302b646562313275312900530000001e73657373696f6e5f617574686f72697a6174696f6e006170700053000000"
        "237374616e646172645f636f6e666f726d696e675f737472696e6773006f6e00530000001554696d655a6f6e65004574632f555443004b00"
        "00000c000013cb23535e065a0000000549"
    )
    assert got.hex() == captured


def test_begin_is_answered_by_command_complete_and_ready_in_a_transaction() -> None:
    got = app_bytes(layer("pgsql", msg="command_complete", tag="BEGIN"), layer("pgsql", msg="ready", status="T"))
    assert got.hex() == "430000000a424547494e005a0000000554"


def test_the_aborted_transaction_error_carries_sqlstate_25p02_in_postgresqls_field_order() -> None:
    got = app_bytes(
        layer(
            "pgsql", msg="error", code="25P02",
            message="current transaction is aborted, commands ignored until end of transaction block",
            file="postgres.c", line=1081, routine="exec_simple_query",
        )
    )  # fmt: skip
    assert got.hex() == (
        "4500000090534552524f5200564552524f5200433235503032004d63757272656e74207472616e73616374696f6e2069732061626f7274"
        "65642c20636f6d6d616e64732069676e6f72656420756e74696c20656e64206f66207472616e73616374696f6e20626c6f636b004670"
        "6f7374677265732e63004c313038310052657865635f73696d706c655f71756572790000"
    )


def test_a_select_result_is_row_description_data_rows_and_select_n_as_captured() -> None:
    got = app_bytes(
        layer(
            "pgsql", msg="row_description", columns=["id", "owner", "balance"], types=["int4", "text", "int4"], table_oid=16394
        ),
        layer("pgsql", msg="data_row", values=[1, "alice", 300]),
        layer("pgsql", msg="data_row", values=[2, "bob", 300]),
        layer("pgsql", msg="command_complete", tag="SELECT 2"),
        layer("pgsql", msg="ready", status="I"),
    )
    assert got.hex() == (
        "540000004d00036964000000400a0001000000170004ffffffff00006f776e6572000000400a000200000019ffffffffffff000062616c"
        "616e6365000000400a0003000000170004ffffffff0000440000001b0003000000013100000005616c696365000000033330304400000019"
        "0003000000013200000003626f6200000003333030430000000d53454c4543542032005a0000000549"
    )


def test_scram_sha_256_matches_rfc_7677s_worked_example() -> None:
    texts = scram_exchange(
        "pencil", base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096, "rOprNGfwEbeRWgbNEkqO",
        "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", user="user",
    )  # fmt: skip
    assert texts["client_final"].endswith(",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
    assert texts["server_final"] == "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="


def test_a_bad_sqlstate_and_a_missing_tag_are_scene_errors_at_the_field() -> None:
    errors = check_layers([IP_C, SERVER, layer("pgsql", msg="error", code="2351", message="x")], "s.yaml")
    assert any("SQLSTATE" in e.message for e in errors)
    errors = check_layers([IP_C, SERVER, layer("pgsql", msg="command_complete")], "s.yaml")
    assert any("tag" in e.message for e in errors)
    errors = check_layers([IP_C, SERVER, layer("pgsql", msg="ready", status="X")], "s.yaml")
    assert errors and "status" in errors[0].message


@pytest.mark.parametrize("status", ["I", "T", "E"])
def test_ready_for_query_carries_its_status_byte(status: str) -> None:
    assert app_bytes(layer("pgsql", msg="ready", status=status)) == b"Z\x00\x00\x00\x05" + status.encode()


def test_the_extended_query_protocol_is_what_postgresql_15_accepted_and_answered() -> None:
    """Parse/Bind/Describe/Execute/Sync as the builder writes them were sent to a real server
    (a raw socket client, SCRAM against the server's own nonce); it answered with these bytes."""
    sent = app_bytes(
        layer("pgsql", msg="parse", sql="SELECT id, seat, booked_by FROM seats WHERE id = $1"),
        layer("pgsql", msg="bind", params=[1]),
        layer("pgsql", msg="describe"),
        layer("pgsql", msg="execute"),
        layer("pgsql", msg="sync"),
    )
    assert sent.hex() == (
        "500000003b0053454c4543542069642c20736561742c20626f6f6b65645f62792046524f4d207365617473205748455245206964203d20"
        "243100000042000000110000000000010000000131000044000000065000450000000900000000005300000004"
    )
    answer = app_bytes(
        layer("pgsql", msg="parse_complete"),
        layer("pgsql", msg="bind_complete"),
        layer(
            "pgsql", msg="row_description", columns=["id", "seat", "booked_by"], types=["int4", "text", "text"], table_oid=16387
        ),
        layer("pgsql", msg="data_row", values=[1, "12A", "alice"]),
        layer("pgsql", msg="command_complete", tag="SELECT 1"),
        layer("pgsql", msg="ready", status="I"),
    )
    assert answer.hex() == (
        "31000000043200000004540000004e0003696400000040030001000000170004ffffffff0000736561740000004003000200000019ffff"
        "ffffffff0000626f6f6b65645f62790000004003000300000019ffffffffffff0000440000001b0003000000013100000003313241000000"
        "05616c696365430000000d53454c4543542031005a0000000549"
    )
