"""The inspector splits a PostgreSQL segment into its messages, with the fields a student looks for."""

from __future__ import annotations

from animator.packets import build_layers, finalize
from animator.packets.pgsql_fields import message_nodes, split
from tests.packets.conftest import layer


def payload(sport: int, dport: int, *messages: dict[str, object]) -> bytes:
    from scapy.layers.inet import IP, TCP

    stack = [layer("ip", src="10.0.0.1", dst="10.0.0.2"), layer("tcp", sport=sport, dport=dport, flags="PA")]
    return bytes(IP(finalize(build_layers([*stack, *(layer("pgsql", **m) for m in messages)])))[TCP].payload)


def test_a_servers_answer_shows_each_message_and_the_ready_for_query_status() -> None:
    data = payload(5432, 40000, {"msg": "command_complete", "tag": "UPDATE 1"}, {"msg": "ready", "status": "T"})
    nodes = message_nodes(data, 54, backend=True, text=repr)
    assert [n[1] for n in nodes] == ["PostgreSQL Command completion", "PostgreSQL Ready for query"]
    status = next(f for f in nodes[1][6] if f[0] == "status")
    assert (status[2], status[3]) == ("T", "in a transaction block")
    assert (nodes[0][4], nodes[1][5]) == (54, 54 + len(data))  # byte ranges in the frame


def test_an_error_lists_its_sqlstate_and_a_startup_its_user() -> None:
    error = payload(5432, 40000, {"msg": "error", "code": "23514", "message": "violates check"})
    fields = {f[1]: f[2] for f in message_nodes(error, 0, backend=True, text=repr)[0][6]}
    assert fields["Code (SQLSTATE)"] == "23514" and fields["Severity"] == "ERROR"
    startup = payload(40000, 5432, {"msg": "startup", "user": "app", "database": "bank"})
    node = message_nodes(startup, 0, backend=False, text=repr)[0]
    assert node[1] == "PostgreSQL StartupMessage" and ("user", "user", "app", "", 8, 17, ()) in node[6]


def test_bytes_that_are_not_whole_messages_are_not_read_as_postgresql() -> None:
    assert split(b"GET / HTTP/1.1\r\n\r\n", backend=False) is None
    assert split(b"Z\x00\x00\x00\x05", backend=True) is None  # cut short


def test_the_inspector_shows_a_database_scenes_segment_as_its_postgresql_messages() -> None:
    from animator.packets.dissect import dissect
    from tests.scenekit import timeline

    commit = next(m for m in timeline("sql-transaction").messages if m.label == "COMMIT · Z(I)")
    nodes = dissect(commit.frames[0])
    assert [n.label for n in nodes][-2:] == ["PostgreSQL Command completion", "PostgreSQL Ready for query"]
    assert nodes[-1].value == "Ready for query (I)" and nodes[-1].end == len(commit.frames[0])
