"""Inspector → Wireshark…: the selected packet's wire, one link, written safely and opened.

A capture of every link would make Wireshark report retransmissions that never happened, so
the file must hold exactly the frames that crossed the packet's own link; and a student without
Wireshark must be told where the file is, not shown nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from animator.capture.reader import CaptureReader
from animator.engine import build_timeline
from animator.engine.timeline import Timeline
from animator.model import load_scene
from animator.ui.inspect import wireshark
from animator.ui.main_window import MainWindow
from tests.conftest import REPO

SCENE = REPO / "scenes" / "home-nat.yaml"


@pytest.fixture(scope="module")
def timeline() -> Timeline:
    return build_timeline(load_scene(SCENE))


def _routed(timeline: Timeline) -> tuple[str, tuple[str, ...], tuple[float, ...], tuple[float, ...]]:
    """A packet that crosses at least two links, with its links and hop times."""
    track = next(m for m in timeline.messages if len(m.links) >= 2 and m.frames)
    return track.id, track.links, track.hop_starts, track.hop_ends


def test_the_link_is_the_wire_crossed_or_the_one_it_arrived_by(timeline: Timeline) -> None:
    packet, links, starts, ends = _routed(timeline)
    assert timeline.packet_link(packet, starts[0] - 1.0) == links[0]  # not started: its first wire
    assert timeline.packet_link(packet, (starts[1] + ends[1]) / 2) == links[1]  # on the second wire
    assert timeline.packet_link(packet, ends[-1] + 0.01) == links[-1]  # arrived: the wire it came by
    assert timeline.packet_link("no-such-packet", 0.0) is None


def test_the_capture_holds_exactly_that_links_frames(timeline: Timeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, links, *_ = _routed(timeline)
    monkeypatch.setattr("shutil.which", lambda name: "/usr/bin/wireshark")
    launched: list[tuple[str, list[str]]] = []
    message = wireshark.open_link_capture(
        timeline, links[1], SCENE, folder=tmp_path, launch=lambda p, a: not launched.append((p, a))
    )
    path = tmp_path / f"home-nat-{links[1]}.pcapng"
    assert launched == [("/usr/bin/wireshark", [str(path)])]
    assert message.startswith(f"Opened link {links[1]} in Wireshark")
    expected = [r.frame for r in timeline.wire_records() if r.link_id == links[1]]
    with CaptureReader(path) as reader:
        assert [bytes(record.data) for record in reader] == expected
    assert not list(tmp_path.glob(".*")), "no temporary file is left behind"


def test_without_wireshark_the_desktop_opens_it_or_the_path_is_given(
    timeline: Timeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, links, *_ = _routed(timeline)
    monkeypatch.setattr("shutil.which", lambda name: None)
    opened: list[Path] = []
    message = wireshark.open_link_capture(timeline, links[0], SCENE, folder=tmp_path, open_file=lambda p: not opened.append(p))
    assert opened == [tmp_path / f"home-nat-{links[0]}.pcapng"]
    assert "desktop" in message
    message = wireshark.open_link_capture(timeline, links[0], SCENE, folder=tmp_path, open_file=lambda p: False)
    assert message.startswith("Wireshark is not installed") and str(tmp_path) in message


def test_the_inspector_button_opens_the_selected_packets_wire(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wireshark, "capture_folder", lambda: tmp_path)
    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.setattr(wireshark, "_open_with_desktop", lambda path: False)
    assert window.open_scene(SCENE)
    assert window.timeline is not None
    packet, links, starts, ends = _routed(window.timeline)
    window.clock.seek((starts[1] + ends[1]) / 2)
    window.inspection.select_packet(packet)
    inspector = window.inspection.inspector
    assert inspector.wireshark_button.isVisibleTo(inspector)
    qtbot.mouseClick(inspector.wireshark_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / f"home-nat-{links[1]}.pcapng").is_file()
    assert f"link {links[1]}" in window.statusBar().currentMessage()
