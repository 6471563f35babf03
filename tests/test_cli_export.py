"""``export SCENE --pcap OUT``: the file it writes, and every way it refuses bad input without a traceback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from animator import cli
from animator.export.pcap import export_pcap
from animator.packets import build_layers, finalize
from tests.conftest import MINIMAL, REPO
from tests.packets.conftest import layer, tshark_path


@dataclass(frozen=True)
class WireRecord:
    link_id: str
    time: float
    frame: bytes


def fake_timeline(records: list[WireRecord] | None = None) -> SimpleNamespace:
    """What export_pcap reads of the lead's Timeline: scene.links and wire_records()."""
    links = [
        SimpleNamespace(link_id="a--sw", label="Wi-Fi", between=("a", "sw")),
        SimpleNamespace(link_id="sw--b", label=None, between=("sw", "b")),
    ]
    if records is None:
        ether = layer("ether", src="02:00:00:00:00:0a", dst="02:00:00:00:00:0b")
        ip = layer("ip", src="10.0.0.1", dst="10.0.0.2")
        syn = finalize(build_layers([ether, ip, layer("tcp", sport=50123, dport=80)]))
        records = [WireRecord("a--sw", 0.1, syn), WireRecord("sw--b", 0.9, syn)]
    return SimpleNamespace(scene=SimpleNamespace(links=links, title="fake"), wire_records=lambda: iter(records), step_count=1)


@pytest.fixture
def scene(write_scene: Callable[..., Path]) -> Path:
    return write_scene(MINIMAL)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Callable[[SimpleNamespace], None]:
    def use(timeline: SimpleNamespace) -> None:
        from animator.export import registry
        from animator.export.base import Chapter, ExportSource

        def load(path: Path, steps: object) -> ExportSource:
            chapter = Chapter("fake", timeline, 0, 1)  # type: ignore[arg-type]
            return ExportSource("fake", (chapter,), path)

        monkeypatch.setattr(registry, "load_source", load)

    return use


def test_export_writes_one_interface_per_link(
    scene: Path, tmp_path: Path, fake: Callable[[SimpleNamespace], None], capsys: pytest.CaptureFixture[str]
) -> None:
    fake(fake_timeline())
    out = tmp_path / "out.pcapng"
    assert cli.main(["export", str(scene), "--pcap", str(out)]) == 0
    assert f"wrote 2 packet(s) on 2 link(s) to {out}" in capsys.readouterr().err
    data = out.read_bytes()
    assert data[:4] == b"\x0a\x0d\x0d\x0a" and b"a--sw" in data and b"Wi-Fi (a - sw)" in data and b"sw--b" in data


def test_tshark_shows_the_link_names_and_scene_times(tmp_path: Path) -> None:
    out = tmp_path / "out.pcapng"
    export_pcap(fake_timeline(), out)
    done = subprocess.run([tshark_path(), "-r", str(out), "-T", "fields", "-e", "frame.interface_name", "-e", "frame.time_epoch"],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    rows = [line.split("\t") for line in done.stdout.split("\n") if line]
    assert rows == [["a--sw", "0.100000000"], ["sw--b", "0.900000000"]]


@pytest.mark.parametrize(
    ("name", "message"),
    [("out.png", "the output must end in .pcapng or .pcap"), ("nodir/out.pcapng", "folder"), ("", "is not a file")],
)
def test_export_refuses_bad_outputs(
    scene: Path,
    tmp_path: Path,
    fake: Callable[[SimpleNamespace], None],
    capsys: pytest.CaptureFixture[str],
    name: str,
    message: str,
) -> None:
    fake(fake_timeline())
    target = tmp_path / name if name else tmp_path
    if not name:
        target = tmp_path / "dir.pcapng"
        target.mkdir()
    assert cli.main(["export", str(scene), "--pcap", str(target)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_export_never_overwrites_without_force_nor_the_scene_itself(
    tmp_path: Path, write_scene: Callable[..., Path], fake: Callable[[SimpleNamespace], None], capsys: pytest.CaptureFixture[str]
) -> None:
    fake(fake_timeline())
    out = tmp_path / "old.pcapng"
    out.write_bytes(b"keep me")
    scene = write_scene(MINIMAL)
    assert cli.main(["export", str(scene), "--pcap", str(out)]) == 2
    assert "the file exists; add --force to overwrite it" in capsys.readouterr().err
    assert out.read_bytes() == b"keep me"
    assert cli.main(["export", str(scene), "--pcap", str(out), "--force"]) == 0
    assert out.read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"
    itself = write_scene(MINIMAL, "lesson.pcap")  # a scene saved under a capture name
    assert cli.main(["export", str(itself), "--pcap", str(itself), "--force"]) == 2
    assert "that is the scene file itself" in capsys.readouterr().err
    assert itself.read_text(encoding="utf-8") == MINIMAL


def test_export_of_a_scene_without_packets_is_an_error_and_writes_nothing(
    scene: Path, tmp_path: Path, fake: Callable[[SimpleNamespace], None], capsys: pytest.CaptureFixture[str]
) -> None:
    fake(fake_timeline(records=[]))
    out = tmp_path / "out.pcapng"
    assert cli.main(["export", str(scene), "--pcap", str(out)]) == 1
    assert "no real packets to export" in capsys.readouterr().err
    assert not out.exists()


def test_export_of_an_invalid_scene_prints_its_errors(
    tmp_path: Path, write_scene: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write_scene(MINIMAL.replace("kind: switch", "kind: swtich"))
    assert cli.main(["export", str(bad), "--pcap", str(tmp_path / "x.pcapng")]) == 1
    assert f"{bad}:6:20: nodes.2.kind: unknown value 'swtich'" in capsys.readouterr().err
    assert cli.main(["export", str(tmp_path / "missing.yaml"), "--pcap", str(tmp_path / "x.pcapng")]) == 1


def test_export_classic_pcap(tmp_path: Path) -> None:
    out = tmp_path / "x.pcap"
    assert export_pcap(fake_timeline(), out) == 2
    assert out.read_bytes()[:4] == bytes.fromhex("d4c3b2a1")


def test_export_usage_errors_exit_2_in_a_real_process(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "export", "scenes/http-get.yaml"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert done.returncode == 2 and "--pcap" in done.stderr and "Traceback" not in done.stderr


def test_export_of_a_bundled_scene_dissects_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "http-get.pcapng"
    done = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "export", "scenes/http-get.yaml", "--pcap", str(out)],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    tshark = tshark_path()
    fields = subprocess.run(
        [tshark, "-r", str(out), "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE", "-T", "fields",
         "-e", "frame.interface_name", "-e", "_ws.malformed", "-e", "_ws.expert.severity"],
        capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    rows = [line.split("\t") for line in fields.splitlines()]
    assert rows and all(r[0] for r in rows)
    assert not [r for r in rows if r[1] or "8388608" in r[2]], "malformed packets or bad checksums"
