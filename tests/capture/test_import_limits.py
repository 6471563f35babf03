"""An import never writes a scene its own loader refuses: frames too long for one YAML value are stored cut."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from animator.capture.importer import MAX_FRAME_BYTES, import_capture
from animator.cli import main
from animator.model import load_scene, load_scene_text


def write_big_frame_pcap(path: Path, payload: int = 40 * 1024) -> Path:
    """One Ethernet/IPv4/UDP frame with a 40 KiB payload (a TSO/GRO-sized frame as loopback captures show)."""
    udp = struct.pack("!HHHH", 40000, 9, 8 + payload, 0) + b"x" * payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    frame = bytes.fromhex("0200000000020200000000010800") + ip + udp
    header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
    path.write_bytes(header + struct.pack("<IIII", 1, 0, len(frame), len(frame)) + frame)
    return path


def test_a_40_kib_frame_imports_into_a_scene_that_loads(tmp_path: Path) -> None:
    capture = write_big_frame_pcap(tmp_path / "big.pcap")
    result = import_capture(capture)
    scene = load_scene_text(result.text, "big.yaml")
    (send,) = [a for step in scene.steps for a in step.actions if getattr(a, "frame", None)]
    assert len(bytes.fromhex(send.frame.replace(" ", ""))) == MAX_FRAME_BYTES
    assert any("stored cut" in note for note in result.notes)
    assert "# note: 1 frame(s) longer than 32,256 bytes stored cut" in result.text
    assert "41,002 bytes on the wire" in result.text


def test_import_command_with_a_40_kib_frame_writes_a_loadable_scene(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capture = write_big_frame_pcap(tmp_path / "big.pcap")
    out = tmp_path / "big.yaml"
    assert main(["import", str(capture), "-o", str(out)]) == 0
    assert "stored cut to that length" in capsys.readouterr().err
    assert len(load_scene(out).steps) == 1
