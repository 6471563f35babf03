"""The nginx-workers scene (issue 16, item 8): which worker accept()s each connection over a shared
socket (the same one again and again) and with reuseport, a full worker's FIN on its idle keep-alive
connection, the new connection closed (and the kernel's RST) when nothing is idle, and the tables
that show it as ``ss -tnp`` and error.log would."""

from __future__ import annotations

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

from animator.engine.timeline import MessageTrack
from animator.model.deck import load_deck
from tests.conftest import REPO
from tests.scenekit import timeline, tracks

SCENE = "nginx-workers"


def segment(track: MessageTrack) -> tuple[IP, TCP]:
    frame = next(f for f in track.frames if f is not None)
    packet = Ether(frame)
    return packet[IP], packet[TCP]


def step_number(step: str) -> int:
    return [s.id for s in timeline(SCENE).scene.steps].index(step) + 1


def device_table(step: str, node: str, title: str) -> tuple[tuple[str, ...], ...]:
    tl = timeline(SCENE)
    state = tl.state_at(tl.boundary(step_number(step)))
    return next(t.rows for t in state.device_tables[node] if t.title == title)


def owners(step: str, node: str = "web") -> dict[int, str]:
    """Client port -> the pid in ``ss -tnp``'s column ('' once nginx has closed the socket)."""
    rows = device_table(step, node, "Sockets")
    return {int(row[1].rsplit(":", 1)[1]): row[3] for row in rows if row[2] != "LISTEN"}


def remarks(step: str) -> list[str]:
    journey = timeline(SCENE).journey
    assert journey is not None
    return [r.text for r in journey.steps[step_number(step) - 1].remarks]


def test_one_listening_socket_is_shared_by_the_master_and_both_workers() -> None:
    listening = [row for row in device_table("processes", "web", "Sockets") if row[2] == "LISTEN"]
    assert listening == [("0.0.0.0:80", "0.0.0.0:*", "LISTEN", "2055,2056,2057")]
    assert device_table("processes", "web", "nginx workers") == (("2056", "none", "2 of 3"), ("2057", "none", "2 of 3"))


def test_the_same_worker_takes_connection_after_connection() -> None:
    assert owners("second") == {40460: "2057", 40472: "2056"}  # each worker's 1st accept moves it back
    assert owners("uneven") == {40460: "", 40472: "2056", 40488: "", 40498: "2057"}
    assert device_table("uneven", "web", "nginx workers") == (
        ("2056", ":40472 idle", "3 of 3"),
        ("2057", ":40498 busy", "3 of 3"),
    )


def test_a_full_worker_closes_its_idle_keep_alive_connection_with_the_servers_fin() -> None:
    sent = [(m.path[0], *segment(m)) for m in tracks(SCENE, step_number("reuse"))]
    fins = [(who, tcp) for who, _, tcp in sent if tcp.flags & 0x01]
    assert [(who, tcp.dport) for who, tcp in fins] == [("web", 40460)]
    fin = fins[0][1]
    answer = next(tcp for who, _, tcp in sent if who == "client" and tcp.sport == 40460)
    assert answer.flags == "A" and answer.ack == fin.seq + 1  # the client only acknowledges it
    assert remarks("reuse") == ["[warn] 3 worker_connections are not enough, reusing connections"]
    assert owners("reuse")[40460] == "" and owners("reuse")[40488] == "2057"


def test_with_nothing_idle_the_new_connection_is_closed_and_its_request_reset() -> None:
    sent = [(m.path[0], segment(m)[1]) for m in tracks(SCENE, step_number("nothing-idle"))]
    assert [(who, str(tcp.flags)) for who, tcp in sent if tcp.dport == 40504 or tcp.sport == 40504] == [
        ("client", "S"), ("web", "SA"), ("client", "A"), ("web", "FA"), ("client", "A"), ("client", "PA"), ("web", "R"),
    ]  # fmt: skip
    get = next(tcp for who, tcp in sent if who == "client" and tcp.flags == "PA")
    rst = next(tcp for who, tcp in sent if tcp.flags == "R")
    assert rst.seq == get.ack  # the kernel's reset of data for a closed socket (no ACK flag)
    assert remarks("nothing-idle") == ["[alert] 3 worker_connections are not enough"]
    assert owners("nothing-idle")[40498] == "2057"  # the busy connection is never reused


def test_reuseport_gives_each_worker_a_listening_socket_and_spreads_connections() -> None:
    listening = [row for row in device_table("reuseport", "webrp", "Sockets") if row[2] == "LISTEN"]
    assert len(listening) == 2
    assert sorted(owners("reuseport", "webrp").values()) == ["2056", "2057"]
    fins = [segment(m)[1].dport for m in tracks(SCENE, step_number("reuseport-full")) if segment(m)[1].flags & 0x01]
    assert sorted(fins) == [38746, 38764]  # each full worker closes its own idle connection


def test_the_reuseport_table_on_stage_is_the_simulators() -> None:
    tl = timeline(SCENE)
    for step in ("reuseport", "reuseport-full"):
        state = tl.state_at(tl.boundary(step_number(step)))
        drawn = next(t.rows for t in state.tables["webrp"] if t.title == "nginx workers (reuseport)")
        assert drawn == device_table(step, "webrp", "nginx workers")


def test_the_course_shows_workers_after_connection_limits() -> None:
    files = [entry.file for entry in load_deck(REPO / "scenes" / "backend-fundamentals.deck.yaml").scenes]
    assert files.index("connection-limits.yaml") + 1 == files.index("nginx-workers.yaml")
