"""The TCP graph's data: the sender's samples beside what Wireshark reads off the same wire.

The wire part is checked against tshark on the scene's own capture (relative sequence numbers,
retransmissions, ACKs, the calculated window), and the samples against the stage's clock: a
sample shows exactly when a device remark made at the same step time does, stretched or squeezed
the same way, and stepping back hides it again.
"""

from __future__ import annotations

import copy
import subprocess
from bisect import bisect_right
from pathlib import Path

import pytest

from animator.engine.check import simulated
from animator.engine.sim.journey import Journey, Remark, Sample
from animator.engine.tcp_graph import parse_conn, read_tcp
from animator.engine.timeline import Timeline
from animator.export.pcap import export_pcap
from animator.model import load_scene, load_scene_text
from animator.model.schema import Scene
from animator.model.topology import topology_of
from tests.conftest import REPO
from tests.packets.conftest import tshark_path
from tests.scenekit import timeline as shipped

SCENE = REPO / "scenes" / "tcp-vs-udp.yaml"
#: The client's view of tcp-vs-udp's connection (the port the scene gives its SYN).
CONN = "192.168.1.10:50312>10.0.0.20:9000"
BACK = "10.0.0.20:9000>192.168.1.10:50312"


def with_samples(scene: Scene, *events: tuple[int, Sample | Remark]) -> Timeline:
    """The scene's timeline with ``events`` added to the journey's steps (1-based), as the simulator would."""
    journey: Journey | None = copy.deepcopy(simulated(scene, topology_of(scene)))  # the cached one stays clean
    assert journey is not None
    for step, event in events:
        target = journey.steps[step - 1]
        (target.samples if isinstance(event, Sample) else target.remarks).append(event)  # type: ignore[arg-type]
    return Timeline(scene, journey)


def test_only_scenes_with_samples_have_a_graph() -> None:
    assert shipped("tcp-congestion-control").tcp_graph() is not None
    assert shipped("home-nat").tcp_graph() is None
    assert shipped("tcp-vs-udp").tcp_graph() is None  # real TCP, but nothing sampled: no panel


def test_sequence_numbers_match_what_wireshark_reads_on_the_senders_link(tmp_path: Path) -> None:
    tl = with_samples(load_scene(SCENE), (1, Sample(0.0, "client", CONN, "cwnd", 14600.0)))
    graph = tl.tcp_graph()
    assert graph is not None
    assert (graph.sender, graph.link, graph.mss) == ("client", "client--router", 1460)
    # The five 100-byte pieces from relative seq 1 (ISN 1000), then piece 2 sent again.
    assert graph.segments.seqs == (1.0, 101.0, 201.0, 301.0, 401.0)
    assert graph.segments.ends == (101.0, 201.0, 301.0, 401.0, 501.0)
    assert graph.retransmissions.seqs == (101.0,)

    # The window's edge (64k) is far above 500 bytes of data: the plot is scaled to the data.
    assert graph.seq_top == pytest.approx(501 * 1.05)
    assert_matches_wireshark(tl, tmp_path)


@pytest.mark.parametrize("name", ["tcp-flow-control", "tcp-congestion-control"])
def test_the_lessons_graphs_match_what_wireshark_reads(name: str, tmp_path: Path) -> None:
    assert_matches_wireshark(shipped(name), tmp_path)


def assert_matches_wireshark(tl: Timeline, tmp_path: Path) -> None:
    """The graph's wire series are what tshark reads from a capture of the graph's link."""
    graph = tl.tcp_graph()
    assert graph is not None and graph.link is not None
    ends = parse_conn(graph.conn)
    assert ends is not None
    sport = str(ends[0][1])
    capture = tmp_path / "sender.pcapng"
    export_pcap(tl, capture, link=graph.link)
    fields = ["frame.time_relative", "tcp.srcport", "tcp.seq", "tcp.len", "tcp.ack", "tcp.window_size",
              "tcp.analysis.retransmission", "tcp.flags.syn"]  # fmt: skip
    wanted = [a for f in fields for a in ("-e", f)]
    done = subprocess.run(
        [tshark_path(), "-r", str(capture), "-T", "fields", "-E", "separator=;", *wanted],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    start = next(r.time for r in tl.wire_records() if r.link_id == graph.link)  # the capture's first frame
    rows = [line.split(";") for line in done.stdout.splitlines()]
    rows = [r for r in rows if r[1] in (sport, str(ends[1][1]))]  # this connection's segments
    data = [(float(r[2]), float(r[2]) + int(r[3]), bool(r[6])) for r in rows if r[1] == sport and int(r[3]) > 0]
    assert [(s, e) for s, e, again in data if not again] == list(zip(graph.segments.seqs, graph.segments.ends, strict=True))
    assert [s for s, _, again in data if again] == list(graph.retransmissions.seqs)
    answers = [(float(r[4]), float(r[4]) + int(r[5])) for r in rows if r[1] != sport and r[4]]
    assert [a for a, _ in answers] == list(graph.acks.values)
    # Wireshark's calculated window (scaled by the shift both SYNs agreed on) is the window line.
    assert [w for _, w in answers] == list(graph.windows.values)
    # And the times are the capture's: the pcap's clock is the scene's.
    times = [float(r[0]) + start for r in rows if r[1] == sport and int(r[3]) > 0 and not r[6]]
    assert times == pytest.approx(graph.segments.times, abs=1e-5)


def test_flow_control_the_window_on_the_wire_is_the_receivers_rwnd() -> None:
    """Each ACK advertises exactly the rwnd the receiver's kernel had just computed."""
    graph = shipped("tcp-flow-control").tcp_graph()
    assert graph is not None and (graph.sender, graph.receiver) == ("client", "server")
    rwnd = graph.sample("rwnd")
    assert rwnd is not None and 0.0 in rwnd.values  # the window closes on the way
    for t, ack, edge in zip(graph.acks.times, graph.acks.values, graph.windows.values, strict=True):
        latest = rwnd.values[bisect_right(rwnd.times, t) - 1]
        assert edge - ack == latest, f"at {t:.3f} s the ACK advertises {edge - ack:.0f}, the receiver's rwnd is {latest:.0f}"


def test_congestion_control_never_has_more_in_flight_than_cwnd() -> None:
    """The lesson's invariant, read off the graph: bytes sent beyond the last ACK never exceed cwnd."""
    graph = shipped("tcp-congestion-control").tcp_graph()
    assert graph is not None
    cwnd = graph.sample("cwnd")
    assert cwnd is not None and graph.mss == 1000
    assert max(cwnd.values) > cwnd.values[0]  # it grows ...
    assert len(graph.retransmissions) == 1  # ... until the loss
    for t, end in zip(graph.segments.times, graph.segments.ends, strict=True):
        acked = graph.acks.values[bisect_right(graph.acks.times, t) - 1]
        allowed = cwnd.values[bisect_right(cwnd.times, t) - 1]
        assert end - acked <= allowed, f"at {t:.3f} s {end - acked:.0f} bytes in flight, cwnd {allowed:.0f}"


def test_the_graph_grows_with_time_and_shrinks_when_stepping_back() -> None:
    tl = with_samples(load_scene(SCENE), (1, Sample(0.0, "client", CONN, "cwnd", 14600.0)))
    graph = tl.tcp_graph()
    assert graph is not None
    first, last = graph.segments.times[0], graph.segments.times[-1]
    assert graph.counts_at(first)["segments"] == 0  # at the instant it is sent: not yet (as on the stage)
    assert graph.counts_at(first + 1e-6)["segments"] == 1
    assert graph.counts_at(last + 1e-6)["segments"] == 5
    assert graph.counts_at(tl.boundary(3))["retransmissions"] == 0  # piece 2 goes again in step 4
    assert graph.counts_at(tl.boundary(4))["retransmissions"] == 1
    # Stepping back shrinks it again: the handshake's pause point shows no data yet.
    assert graph.counts_at(tl.boundary(1))["segments"] == 0
    assert graph.counts_at(0.0) == {"segments": 0, "retransmissions": 0, "acks": 0, "windows": 0, "cwnd": 0}


def test_samples_are_scheduled_like_remarks_even_in_a_squeezed_step() -> None:
    text = SCENE.read_text(encoding="utf-8").replace("  - id: handshake\n", "  - id: handshake\n    duration: 4.0\n")
    scene = load_scene_text(text, str(SCENE))
    tl = with_samples(
        scene,
        (1, Sample(0.2, "client", CONN, "cwnd", 14600.0)),
        (1, Sample(5.0, "client", CONN, "cwnd", 29200.0)),
        (1, Remark(5.0, "client", "cwnd doubles")),
        (3, Sample(1.0, "server", BACK, "rwnd", 64256.0)),
        (3, Sample(1.0, "client", CONN, "ssthresh", float(0x7FFFFFFF))),
    )
    graph = tl.tcp_graph()
    assert graph is not None
    cwnd = graph.sample("cwnd")
    assert cwnd is not None and cwnd.values == (14600.0, 29200.0)
    span = tl.steps[0]
    assert span.end - span.start == pytest.approx(4.0)
    at = cwnd.times[1]
    assert at < 4.0  # 5 s of the handshake's own time (5.6 s long), squeezed into its 4 s
    bubbles = lambda t: [b.text for b in tl.state_at(t).bubbles]  # noqa: E731
    assert "cwnd doubles" not in bubbles(at - 1e-3) and cwnd.count_at(at - 1e-3) == 1
    assert "cwnd doubles" in bubbles(at + 1e-3) and cwnd.count_at(at + 1e-3) == 2
    # The receiver's rwnd belongs to the same connection (seen from its side); Linux's "infinite"
    # initial ssthresh is no point to draw (the series is there, empty until loss sets a threshold).
    assert graph.receiver == "server"
    rwnd = graph.sample("rwnd")
    assert rwnd is not None and rwnd.values == (64256.0,)
    ssthresh = graph.sample("ssthresh")
    assert ssthresh is not None and len(ssthresh) == 0


def test_the_first_sampled_connection_is_the_one_graphed() -> None:
    other = "192.168.1.10:50999>10.0.0.20:9000"
    tl = with_samples(
        load_scene(SCENE),
        (1, Sample(0.5, "client", other, "cwnd", 1.0)),
        (1, Sample(0.1, "client", CONN, "cwnd", 2.0)),
    )
    graph = tl.tcp_graph()
    assert graph is not None and (graph.conn, graph.receiver) == (CONN, "server")  # the receiver from its packets
    cwnd = graph.sample("cwnd")
    assert cwnd is not None and cwnd.values == (2.0,)


def test_a_receivers_first_sample_still_graphs_the_senders_direction() -> None:
    tl = with_samples(
        load_scene(SCENE),
        (1, Sample(0.1, "server", BACK, "rwnd", 64256.0)),
        (1, Sample(0.2, "client", CONN, "cwnd", 14600.0)),
    )
    graph = tl.tcp_graph()
    assert graph is not None and (graph.conn, graph.sender, graph.receiver) == (CONN, "client", "server")
    assert len(graph.segments) == 5


def test_a_scene_that_samples_only_the_receiver_names_the_sender_from_its_packets() -> None:
    tl = with_samples(load_scene(SCENE), (1, Sample(0.1, "server", BACK, "rwnd", 64256.0)))
    graph = tl.tcp_graph()
    assert graph is not None
    assert (graph.conn, graph.sender, graph.receiver, graph.link) == (CONN, "client", "server", "client--router")
    assert [s.name for s in graph.samples] == ["rwnd"]


def test_reading_headers() -> None:
    frame = shipped("tcp-vs-udp").messages[0].frames[0]
    assert frame is not None
    tcp = read_tcp(frame)
    assert tcp is not None
    assert (tcp.sport, tcp.dport, tcp.seq, tcp.flags, tcp.mss, tcp.wscale) == (50312, 9000, 1000, 0x02, 1460, 7)
    assert read_tcp(frame[:30]) is None  # cut short: no header, no exception
    assert read_tcp(b"") is None
    assert parse_conn("2001:db8::1:443>[2001:db8::2]:50000") == (("2001:db8::1", 443), ("2001:db8::2", 50000))
    assert parse_conn("nonsense") is None
