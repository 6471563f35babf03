"""Flow and congestion control (issue 16, item 5): the windows a receiver advertises as its buffer
fills, Linux's zero-window probe, the congestion window at every ACK (slow start, the cut on three
duplicate ACKs, congestion avoidance), the Samples the TCP graph plots, and the one-line error
for a scene that sends beyond min(cwnd, rwnd)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scapy.layers.inet import TCP
from scapy.layers.l2 import Ether

from animator.engine.check import simulated
from animator.engine.sim.journey import Journey, Sample
from animator.model import load_scene, load_scene_text
from animator.model.errors import SceneLoadError
from tests.conftest import REPO

FLOW = REPO / "scenes" / "tcp-flow-control.yaml"
CONGESTION = REPO / "scenes" / "tcp-congestion-control.yaml"


def journey_of(path: Path, text: str | None = None) -> Journey:
    scene = load_scene(path) if text is None else load_scene_text(text)
    journey = simulated(scene)
    assert journey is not None
    return journey


def segments(journey: Journey, sender: str) -> list[TCP]:
    """Every TCP segment ``sender`` put on the wire, in step and time order."""
    found = []
    for step in journey.steps:
        for leg in sorted(step.legs, key=lambda leg: leg.hops[0].start if leg.hops else 0):
            if leg.hops and leg.hops[0].a == sender and leg.hops[0].frame is not None:
                packet = Ether(leg.hops[0].frame)
                if TCP in packet:
                    found.append(packet[TCP])
    return found


def samples(journey: Journey, series: str) -> list[Sample]:
    return [s for step in journey.steps for s in step.samples if s.series == series]


def test_the_receiver_advertises_what_is_left_of_its_buffer() -> None:
    windows = [int(s.window) for s in segments(journey_of(FLOW), "server")]
    # SYN-ACK, two ACKs, window full, three zero-window answers, the update after the read, two ACKs.
    assert windows == [4000, 3000, 2000, 1000, 0, 0, 0, 4000, 3000, 2000]


def test_the_server_offers_window_scale_0_so_its_window_is_in_bytes() -> None:
    synack = segments(journey_of(FLOW), "server")[0]
    assert dict(synack.options)["WScale"] == 0 and dict(synack.options)["MSS"] == 1000


def test_the_zero_window_probe_is_linuxs_no_data_at_snd_una_minus_1() -> None:
    client = segments(journey_of(FLOW), "client")
    probes = [s for s in client if not s.payload and s.seq == 5000]
    assert len(probes) == 2
    assert all(str(p.flags) == "A" and p.ack == 5001 for p in probes)
    # SND.UNA is 5001 then: everything sent (1001..5000) was acknowledged by the zero-window ACK.
    data = [s for s in client if s.payload]
    assert [s.seq for s in data] == [1001, 2001, 3001, 4001, 5001, 6001]


def test_the_receiver_samples_its_advertised_window() -> None:
    rwnd = samples(journey_of(FLOW), "rwnd")
    assert [s.value for s in rwnd] == [4000, 3000, 2000, 1000, 0, 4000, 3000, 2000]
    assert {(s.node, s.conn) for s in rwnd} == {("server", "10.0.0.20:9000>10.0.0.10:50400")}
    assert not samples(journey_of(FLOW), "cwnd")  # the client has no congestion: model


def test_cwnd_at_every_ack_slow_start_then_the_reno_cut_then_avoidance() -> None:
    journey = journey_of(CONGESTION)
    cwnd = [int(s.value) // 1000 for s in samples(journey, "cwnd")]
    assert cwnd == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 6, 7]
    assert [s.value for s in samples(journey, "ssthresh")] == [6000]
    assert {(s.node, s.conn) for s in samples(journey, "cwnd")} == {("client", "10.0.1.10:50500>10.0.2.20:9000")}
    # The cut happens when the third duplicate ACK reaches the client (step 5), not before.
    steps_with_cut = [n for n, step in enumerate(journey.steps, 1) for s in step.samples if s.series == "ssthresh"]
    assert steps_with_cut == [5]


def test_cubic_cuts_to_717_1024() -> None:
    text = CONGESTION.read_text().replace("congestion: reno", "congestion: cubic")
    journey = journey_of(CONGESTION, text)
    cwnd = [int(s.value) // 1000 for s in samples(journey, "cwnd")]
    # 12 x 717 >> 10 = 8; six ACKs in avoidance do not reach 8, so no +1 yet.
    assert cwnd == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 8]
    assert [s.value for s in samples(journey, "ssthresh")] == [8000]


def test_the_sockets_table_reads_like_ss_ti() -> None:
    journey = journey_of(CONGESTION)
    rows = [c.rows for c in journey.steps[4].tables if c.node == "client" and c.rows]
    assert rows and rows[-1][0][3] == "cwnd:6 ssthresh:6"
    flow = journey_of(FLOW)
    full = [c.rows for c in flow.steps[2].tables if c.node == "server" and c.rows]
    assert full[-1][0][3] == "4000"  # Recv-Q: what the application has not read
    client = [c.rows for c in flow.steps[2].tables if c.node == "client" and c.rows]
    assert client[-1][0][3] == "snd_wnd:0"  # what the sender may still send
    columns = {c.node: c.columns for c in flow.steps[2].tables}
    assert columns == {"server": ("Local", "Remote", "State", "Recv-Q"), "client": ("Local", "Remote", "State", "ss -ti")}


def _error_of(tmp_path: Path, text: str) -> str:
    path = tmp_path / "scene.yaml"
    path.write_text(text)
    with pytest.raises(SceneLoadError) as raised:
        simulated(load_scene(path))
    said = str(raised.value)
    assert "Traceback" not in said and said.count("\n") == 0
    return said


def test_a_send_beyond_cwnd_is_an_error_at_its_line(tmp_path: Path) -> None:
    text = CONGESTION.read_text()
    extra = '      - send: {from: client, to: server, at: 0.3, label: "too soon", layers: [tcp: {flags: PA}, raw: {load: *kb}]}\n'
    anchor = '      - send: {from: client, to: server, at: 0.15, label: "seq=3001"'
    text = text.replace(anchor, extra + anchor, 1)
    line = text.splitlines().index(extra.rstrip("\n")) + 1
    said = _error_of(tmp_path, text)
    assert f"scene.yaml:{line}:15: step 3:" in said  # the send's own mapping, after the seq=3001 one at 0.15 s
    assert "seq=4001 len=1000, which ends 3000 B past SND.UNA=2001" in said and "(cwnd 2 × 1000 B = 2000 B)" in said


def test_a_send_into_a_zero_window_is_an_error(tmp_path: Path) -> None:
    text = FLOW.read_text()
    extra = '      - send: {from: client, to: server, at: 0.1, label: "pushy", layers: [tcp: {flags: PA}, raw: {load: *kb}]}\n'
    anchor = '      - note: {node: client, text: "window 0: persist timer"}\n'
    text = text.replace(anchor, anchor + extra, 1)
    said = _error_of(tmp_path, text)
    assert "the receiver's window 0 B" in said and "seq=5001" in said


def test_read_needs_a_receive_buffer() -> None:
    text = FLOW.read_text().replace("tcp: {mss: 1000, rcvbuf: 4000}", "tcp: {mss: 1000}")
    with pytest.raises(SceneLoadError) as raised:
        load_scene_text(text)
    assert "'read' on 'server', which keeps no receive buffer" in str(raised.value)
