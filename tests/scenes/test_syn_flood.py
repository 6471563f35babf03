"""The syn-flood scene (issue 16, item 5): a full SYN backlog drops SYNs with cookies off, a cookie
SYN-ACK keeps no state, the ACK of cookie + 1 opens the connection and a wrong one gets a RST;
and the ``tcp:`` keys it relies on are refused at their position when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.engine.sim.features.syn_backlog import MSS_TABLE, check_cookie, make_cookie, mss_index
from animator.engine.sim.journey import Outcome
from animator.engine.timeline import MessageTrack
from animator.model import load_scene, load_scene_text
from animator.model.deck import load_deck
from animator.model.errors import SceneLoadError
from tests.conftest import REPO
from tests.scenekit import timeline, tracks

SCENE = "syn-flood"


def segment(track: MessageTrack) -> tuple[IP, TCP]:
    frame = next(f for f in track.frames if f is not None)
    packet = Ether(frame)
    return packet[IP], packet[TCP]


def tables(step: str, node: str) -> dict[str, tuple[tuple[str, ...], ...]]:
    tl = timeline(SCENE)
    steps = [s.id for s in tl.scene.steps]
    state = tl.state_at(tl.boundary(steps.index(step) + 1))
    return {t.title: t.rows for t in state.device_tables[node]}


def step_number(step: str) -> int:
    return [s.id for s in timeline(SCENE).scene.steps].index(step) + 1


def test_the_backlog_holds_four_half_open_entries_and_drops_the_fifth_syn_with_cookies_off() -> None:
    sockets = tables("full-a", "weba")["Sockets"]
    assert sockets[0][:3] == ("0.0.0.0:80", "0.0.0.0:*", "LISTEN")
    half_open = [row[1] for row in sockets if row[2] == "SYN_RCVD"]
    assert half_open == ["203.0.113.11:40001", "203.0.113.12:40002", "203.0.113.13:40003", "203.0.113.14:40004"]
    fifth = tracks(SCENE, step_number("full-a"))
    assert len(fifth) == 1 and fifth[0].outcome is Outcome.DROPPED  # no SYN-ACK, no RST
    assert dict(tables("full-a", "weba")["nstat"]) == {"TcpExtListenDrops": "1", "TcpExtTCPReqQFullDrop": "1"}


def test_the_syn_acks_to_forged_sources_go_out_of_the_picture_unanswered() -> None:
    syn_acks = [m for m in tracks(SCENE, step_number("flood-a")) if m.path[0] == "weba"]
    assert [segment(m)[0].dst for m in syn_acks] == [f"203.0.113.1{n}" for n in range(1, 5)]
    assert all(m.path == ("weba", "internet") and m.outcome is Outcome.STOPPED for m in syn_acks)


def test_the_client_is_locked_out_and_retransmits_the_same_syn() -> None:
    sent = [m for step in ("client-a", "retransmit-a") for m in tracks(SCENE, step_number(step))]
    assert [(segment(m)[1].sport, segment(m)[1].seq, str(segment(m)[1].flags)) for m in sent] == [(50400, 7000, "S")] * 3
    assert all(m.outcome is Outcome.DROPPED for m in sent)
    assert ("198.51.100.10:50400", "192.0.2.80:80", "SYN_SENT") in tables("retransmit-a", "client")["Sockets"]
    assert dict(tables("retransmit-a", "weba")["nstat"])["TcpExtTCPReqQFullDrop"] == "4"


def test_a_cookie_syn_ack_carries_only_the_mss_and_the_server_keeps_no_state() -> None:
    answers = [m for m in tracks(SCENE, step_number("cookie")) if m.path[0] == "webb"]
    assert len(answers) == 1
    ip, tcp = segment(answers[0])
    assert str(tcp.flags) == "SA" and tcp.ack == 9001 and tcp.options == [("MSS", 1460)] and tcp.window == 64240
    assert check_cookie("syncookie-webb", (ip.dst, ip.src, tcp.dport, tcp.sport), 9000, tcp.seq, _minute()) == 1460
    sockets = tables("cookie", "webb")["Sockets"]
    assert not any("198.51.100.10" in row[1] for row in sockets)  # nothing kept for the client
    assert len([row for row in sockets if row[2] == "SYN_RCVD"]) == 4
    assert dict(tables("cookie", "webb")["nstat"])["TcpExtSyncookiesSent"] == "2"


def _minute() -> int:
    from animator.engine.sim.features.syn_backlog import SynBacklog

    backlog = SynBacklog.__new__(SynBacklog)
    backlog.secret = "syncookie-webb"
    return backlog.minute(0.0)


def test_the_ack_of_cookie_plus_one_opens_the_connection_straight_to_established() -> None:
    cookie = segment(next(m for m in tracks(SCENE, step_number("cookie")) if m.path[0] == "webb"))[1].seq
    ack = segment(tracks(SCENE, step_number("connected"))[0])[1]
    assert str(ack.flags) == "A" and ack.ack == cookie + 1
    assert ("192.0.2.81:80", "198.51.100.10:50401", "ESTABLISHED") in {row[:3] for row in tables("connected", "webb")["Sockets"]}
    assert dict(tables("connected", "webb")["nstat"])["TcpExtSyncookiesRecv"] == "1"
    response = next(m for m in tracks(SCENE, step_number("connected")) if m.path[0] == "webb")
    assert bytes(segment(response)[1].payload).startswith(b"HTTP/1.1 200 OK")


def test_a_made_up_cookie_is_answered_with_rst_and_counted_as_failed() -> None:
    guess, rst = tracks(SCENE, step_number("guess"))
    assert segment(guess)[1].ack == 123456789 and guess.outcome is Outcome.ANSWERED
    _, reset = segment(rst)
    assert str(reset.flags) == "R" and reset.seq == 123456789  # Linux: seq = the stray ACK's ack
    # The bubble says why: not "no such connection", which would hide the lesson.
    assert ("webb", "not a SYN cookie of ours: RST") in timeline(SCENE).notes_in_step(step_number("guess"))
    assert dict(tables("guess", "webb")["nstat"])["TcpExtSyncookiesFailed"] == "1"
    assert not any(row[1].startswith("198.51.100.66") for row in tables("guess", "webb")["Sockets"])


def test_the_closing_nstat_comparison_is_what_the_two_servers_counted() -> None:
    tl = timeline(SCENE)
    state = tl.state_at(tl.boundary(step_number("compare")))
    shown = next(t for t in state.tables["internet"] if t.title.startswith("nstat"))
    counted = {node: dict(tables("compare", node)["nstat"]) for node in ("weba", "webb")}
    for name, a, b in shown.rows:
        assert (counted["weba"].get(name, "0"), counted["webb"].get(name, "0")) == (a, b), name


def test_a_cookie_encodes_the_mss_index_and_expires_after_two_minutes() -> None:
    four = ("198.51.100.10", "192.0.2.81", 50401, 80)
    for mss in (536, 1300, 1400, 1460, 9000):
        cookie = make_cookie("k", four, 9000, 17, mss_index(mss))
        assert check_cookie("k", four, 9000, cookie, 17) == max(v for v in MSS_TABLE if v <= max(mss, 536))
        assert check_cookie("k", four, 9000, cookie, 18) is not None  # a minute old: still good
        assert check_cookie("k", four, 9000, cookie, 19) is None  # two minutes: too old
        assert check_cookie("k", (*four[:2], 50402, 80), 9000, cookie, 17) is None  # another 4-tuple
        assert check_cookie("other secret", four, 9000, cookie, 17) is None


SMALL = """\
format: 1
title: t
nodes:
  - {{id: c, kind: host, ipv4: 10.0.0.1/24}}
  - {{id: s, kind: server, ipv4: 10.0.0.2/24, listen: 80, tcp: {{{tcp}}}}}
links:
  - {{between: [c, s]}}
steps:
  - caption: c
    actions:
      - send: {{from: c, to: s, layers: [tcp: {{flags: S, sport: 50000}}]}}
      - send: {{from: c, to: s, at: 0.1, layers: [tcp: {{flags: S, sport: 50001}}]}}
"""


@pytest.mark.parametrize(
    ("tcp", "value", "message"),
    [
        ("syncookies: 3", "3", "nodes.2.tcp.syncookies: unknown value '3'; expected one of: 0, 1, 2"),
        ("syncookies: on", "on", "nodes.2.tcp.syncookies: unknown value 'on'; expected one of: 0, 1, 2"),
        ("syn_backlog: 0", "0", "nodes.2.tcp.syn_backlog"),
    ],
)
def test_bad_values_are_refused_at_file_line_column(tmp_path: Path, tcp: str, value: str, message: str) -> None:
    path = tmp_path / "scene.yaml"
    text = SMALL.format(tcp=tcp)
    path.write_text(text)
    line = text.splitlines()[4]
    column = line.index(f"{tcp.split(':')[0]}: {value}") + len(tcp.split(":")[0]) + 3
    with pytest.raises(SceneLoadError) as raised:
        load_scene(path)
    said = str(raised.value)
    assert f"{path}:5:{column}: {message}" in said and "Traceback" not in said


def test_syncookies_2_answers_every_syn_with_a_cookie_even_with_room() -> None:
    tl = build_timeline(load_scene_text(SMALL.format(tcp="syncookies: 2")))
    answers = [m for m in tl.messages if m.path[0] == "s"]
    assert len(answers) == 2 and all(segment(m)[1].options == [("MSS", 1460)] for m in answers)


def test_without_limits_the_listener_behaves_as_before() -> None:
    tl = build_timeline(load_scene_text(SMALL.format(tcp="syncookies: 0")))
    answers = [segment(m)[1] for m in tl.messages if m.path[0] == "s"]
    assert len(answers) == 2 and all(len(tcp.options) > 1 for tcp in answers)  # ordinary SYN-ACKs


def test_the_course_teaches_the_flood_after_the_tcp_scenes() -> None:
    files = [entry.file for entry in load_deck(REPO / "scenes" / "backend-fundamentals.deck.yaml").scenes]
    assert files.index("tcp-vs-udp.yaml") < files.index("syn-flood.yaml")
