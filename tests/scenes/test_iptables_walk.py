"""iptables-walk (issue 16, item 1): what each step says about the hooks, the rewrites, the
counters and conntrack must be true of the packets and tables the simulator built, and the packet
counts must be the ones a real gateway with the same rules showed (docs/scenes/checks.md)."""

from __future__ import annotations

from scapy.layers.inet import IP, TCP

from animator.model import load_scene
from animator.model.deck import load_deck
from animator.model.schema import Quiz
from tests.conftest import REPO
from tests.scenekit import frame_on, timeline, tracks

NAME = "iptables-walk"


def table(step: int, title: str) -> list[tuple[str, ...]]:
    tl = timeline(NAME)
    state = tl.state_at(tl.boundary(step))
    return [tuple(str(c) for c in row) for t in state.tables.get("gw", ()) if t.title == title for row in t.rows]


def packets(step: int) -> dict[str, int]:
    """Packets per chain line of the Firewall table (the ▶ marker dropped), as iptables -L -v counts."""
    return {row[0].removeprefix("▶ "): int(row[1]) for row in table(step, "Firewall")}


def test_dnat_rewrites_the_destination_before_routing_and_the_reply_source_back() -> None:
    (syn,) = tracks(NAME, 2)
    outside, inside = frame_on(syn, "internet", "gw"), frame_on(syn, "gw", "web")
    assert (outside[IP].dst, outside[TCP].dport) == ("203.0.113.7", 8080)
    assert (inside[IP].dst, inside[TCP].dport, inside[IP].src, inside[TCP].sport) == ("192.168.2.10", 80, "198.51.100.23", 50200)
    assert inside[IP].ttl == 62
    synack, _ack = tracks(NAME, 3)
    back = frame_on(synack, "gw", "internet")
    assert (back[IP].src, back[TCP].sport, str(back[TCP].flags)) == ("203.0.113.7", 8080, "SA")


def test_the_forwarded_syn_is_decided_by_forward_not_input() -> None:
    after = packets(2)
    assert after["FORWARD 2"] == 1 and after["INPUT 1"] == 0 and after["INPUT"] == 0
    assert after["nat PREROUTING 1"] == 1 and after["nat POSTROUTING"] == 1  # passed POSTROUTING, no MASQUERADE


def test_the_nat_table_counts_only_a_flows_first_packet() -> None:
    nat = {k: v for k, v in packets(2).items() if k.startswith("nat")}
    assert {k: v for k, v in packets(3).items() if k.startswith("nat")} == nat  # the quiz: still 1
    assert packets(3)["FORWARD 1"] == 2


def test_masquerade_rewrites_the_source_after_routing_keeping_the_port() -> None:
    (syn,) = tracks(NAME, 4)
    lan, wan = frame_on(syn, "laptop", "gw"), frame_on(syn, "gw", "internet")
    assert (lan[IP].src, lan[TCP].sport) == ("192.168.1.50", 41000)
    assert (wan[IP].src, wan[TCP].sport, wan[IP].dst) == ("203.0.113.7", 41000, "93.184.215.14")
    synack, _ack = tracks(NAME, 5)
    assert (frame_on(synack, "gw", "laptop")[IP].dst, frame_on(synack, "gw", "laptop")[TCP].dport) == ("192.168.1.50", 41000)


def test_the_gateways_own_connection_goes_input_then_output() -> None:
    (syn,) = tracks(NAME, 6)
    assert syn.path == ("laptop", "gw") and packets(6)["INPUT 1"] == 1 and packets(6)["FORWARD 3"] == 1
    synack, _ack = tracks(NAME, 7)
    assert synack.path == ("gw", "laptop") and packets(7)["OUTPUT 1"] == 1
    assert packets(7)["nat POSTROUTING"] == packets(6)["nat POSTROUTING"] == 1


def test_the_counters_at_the_end_are_the_real_gateways() -> None:
    # iptables -L -v -n -x and -t nat on the namespace gateway after the three handshakes.
    real = {
        "INPUT": 0, "INPUT 1": 2,
        "FORWARD": 0, "FORWARD 1": 4, "FORWARD 2": 1, "FORWARD 3": 1,
        "OUTPUT": 0, "OUTPUT 1": 1,
        "nat PREROUTING": 2, "nat PREROUTING 1": 1,
        "nat POSTROUTING": 1, "nat POSTROUTING 1": 1,
    }  # fmt: skip
    assert packets(8) == real


def test_conntrack_holds_the_three_flows_as_conntrack_l_printed_them() -> None:
    rows = {(r[1], r[2], r[3], r[4]) for r in table(8, "Conntrack")}
    assert rows == {
        ("ESTABLISHED", "198.51.100.23:50200 → 203.0.113.7:8080", "192.168.2.10:80 → 198.51.100.23:50200", "[ASSURED]"),
        ("ESTABLISHED", "192.168.1.50:41000 → 93.184.215.14:80", "93.184.215.14:80 → 203.0.113.7:41000", "[ASSURED]"),
        ("ESTABLISHED", "192.168.1.50:41002 → 192.168.1.1:22", "192.168.1.1:22 → 192.168.1.50:41002", "[ASSURED]"),
    }


def right(quiz: Quiz | None) -> str:
    assert quiz is not None
    index = quiz.correct_index()
    assert index is not None
    return quiz.choices[index]


def test_the_quizzes_answers_are_what_the_step_shows() -> None:
    scene = load_scene(REPO / "scenes" / f"{NAME}.yaml")
    quizzes = {s.id: s.quiz for s in scene.steps if s.quiz is not None}
    assert set(quizzes) == {"dnat-syn", "dnat-reply", "input"}
    assert "FORWARD" in right(quizzes["dnat-syn"])
    assert right(quizzes["dnat-reply"]) == str(packets(3)["nat PREROUTING 1"])
    assert right(quizzes["input"]) == "PREROUTING, then INPUT"
    assert "How this was checked" in (scene.steps[0].notes or "")


def test_it_follows_the_lessons_it_builds_on() -> None:
    files = [e.file for e in load_deck(REPO / "scenes" / "backend-fundamentals.deck.yaml").scenes]
    for earlier in ("home-nat.yaml", "nat-dnat.yaml", "iptables.yaml"):
        assert files.index(earlier) < files.index(f"{NAME}.yaml")
