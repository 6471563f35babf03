"""Hostile files around the commands: pipes given as input, files cut while read, full disks, symlinked outputs.

Each test is the smallest reproducer of one finding: what the user saw (a hang, SIGBUS, a cut-off
file, a file created through a link) must now be one clear line and an untouched old file.
"""

from __future__ import annotations

import errno
import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import BinaryIO

import pytest

import animator.files
from animator.capture.reader import CaptureError, CaptureReader
from animator.cli import main
from animator.model import SceneLoadError, load_scene
from animator.model.deck import load_deck
from tests.capture.traffic import write_web_visit
from tests.conftest import MINIMAL, REPO

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes (POSIX)")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI in a child with a timeout: a regression shows up as a failed test, not a hung suite."""
    return subprocess.run([sys.executable, str(REPO / "main.py"), *args], capture_output=True, text=True, timeout=60, cwd=REPO)


def fifo(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    os.mkfifo(path)
    return path


def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every atomic write gets half its bytes onto the disk, then ENOSPC, as on a full disk."""

    def write_half(file: BinaryIO, data: bytes) -> None:
        file.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(animator.files, "_write_all", write_half)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# -- 1. a FIFO as a scene, a deck or a capture is refused before it is opened ----------------
def test_fifo_scene_deck_and_capture_are_refused_not_waited_on(tmp_path: Path) -> None:
    with pytest.raises(SceneLoadError) as scene:
        load_scene(fifo(tmp_path, "scene.yaml"))
    assert str(scene.value.errors[0]).endswith("scene.yaml:1:1: not a regular file (named pipe (FIFO))")
    with pytest.raises(SceneLoadError) as deck:
        load_deck(fifo(tmp_path, "talk.deck.yaml"))
    assert "not a regular file" in deck.value.errors[0].message
    with pytest.raises(CaptureError, match=r"capture\.pcap: not a regular file$"):
        CaptureReader(fifo(tmp_path, "capture.pcap"))


@pytest.mark.parametrize(
    ("command", "name"),
    [
        (["validate"], "scene.yaml"),
        (["validate"], "talk.deck.yaml"),
        (["render", "--step", "0", "--out", "{tmp}/x.png"], "scene.yaml"),
        (["export", "--pcap", "{tmp}/x.pcapng"], "scene.yaml"),
        (["import", "-o", "{tmp}/x.yaml"], "capture.pcap"),
        ([], "scene.yaml"),  # the player
    ],
    ids=["validate", "validate-deck", "render", "export", "import", "player"],
)
def test_fifo_given_to_a_command_is_one_line_and_exit_1(tmp_path: Path, command: list[str], name: str) -> None:
    path = fifo(tmp_path, name)
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    done = run(*args[:1], str(path), *args[1:])
    assert done.returncode == 1
    assert "not a regular file" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


# -- 2. a capture cut while it is read is a reported truncation, not SIGBUS --------------------
def test_capture_truncated_while_read_is_reported_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "growing.pcap"
    frame = b"\x00" * 986
    with path.open("wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for n in range(1000):
            out.write(struct.pack("<IIII", n, 0, len(frame), len(frame)) + frame)
    # A child process: with the old memory map, reading past the new end killed it with SIGBUS.
    script = textwrap.dedent(
        f"""
        import os, animator.capture.reader as r
        r._CHUNK = 4096  # so the reader has not read the file in one go when it is cut
        reader = r.CaptureReader({str(path)!r})
        os.truncate({str(path)!r}, 400_000)
        print(sum(1 for _ in reader), reader.problems)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 0, f"killed by signal {-done.returncode}" if done.returncode < 0 else done.stderr
    count, problems = done.stdout.split(" ", 1)
    assert int(count) == (400_000 - 24) // 1002
    assert "truncated record" in problems


def test_capture_read_in_pieces_gives_the_same_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import animator.capture.reader as reader

    for fmt in ("pcap", "pcapng"):
        path = write_web_visit(tmp_path / f"web.{fmt}", fmt)
        whole = list(CaptureReader(path))
        monkeypatch.setattr(reader, "_CHUNK", 64)
        with CaptureReader(path) as pieces:
            assert list(pieces) == whole and pieces.problems == []
        monkeypatch.undo()


# -- 3. a full disk leaves the old file byte-identical, with one line naming the output ------
def test_import_force_on_a_full_disk_keeps_the_old_scene(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = write_web_visit(tmp_path / "web.pcap")
    out = tmp_path / "scene.yaml"
    out.write_text(MINIMAL, encoding="utf-8")
    full_disk(monkeypatch)
    assert main(["import", str(capture), "-o", str(out), "--force"]) == 1
    assert out.read_text(encoding="utf-8") == MINIMAL
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert errors == [f"packetstage: error: {out}: No space left on device"]
    assert leftovers(tmp_path) == []


def test_render_force_on_a_full_disk_keeps_the_old_png(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "frame.png"
    out.write_bytes(b"\x89PNG old picture")
    full_disk(monkeypatch)
    assert main(["render", str(REPO / "scenes/tcp-handshake.yaml"), "--step", "1", "--out", str(out), "--force"]) == 1
    assert out.read_bytes() == b"\x89PNG old picture"
    assert capsys.readouterr().err.strip() == f"packetstage: error: {out}: No space left on device"
    assert leftovers(tmp_path) == []


def test_capture_force_on_a_full_disk_keeps_the_old_capture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import animator.capture.recorder as recorder

    out = write_web_visit(tmp_path / "old.pcap")
    before = out.read_bytes()

    def capture_to_file(iface: str, capture_filter: str | None, path: Path, **options: object) -> None:
        path.write_bytes(before[:100])  # the disk fills up part way through the capture
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(recorder, "capture_to_file", capture_to_file)
    assert main(["capture", "--iface", "lo", "--count", "1", "-o", str(out), "--force"]) == 1
    assert out.read_bytes() == before
    assert capsys.readouterr().err.strip() == f"packetstage: error: {out}: No space left on device"
    assert leftovers(tmp_path) == []


def test_render_needs_force_and_an_existing_folder_like_the_other_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scene = str(REPO / "scenes/tcp-handshake.yaml")
    out = tmp_path / "frame.png"
    out.write_bytes(b"keep me")
    assert main(["render", scene, "--step", "1", "--out", str(out)]) == 2
    assert out.read_bytes() == b"keep me"
    assert "the file exists; add --force to overwrite it" in capsys.readouterr().err
    missing = tmp_path / "no-such-folder" / "frame.png"
    assert main(["render", scene, "--step", "1", "--out", str(missing)]) == 2
    assert main(["render", scene, "--step", "all", "--out", str(missing.parent / "steps")]) == 2
    assert "no-such-folder does not exist" in capsys.readouterr().err
    assert not missing.parent.exists()


# -- 4. a symlink at the output is an existing file, replaced, never written through --------
def test_import_through_a_dangling_symlink_needs_force_and_replaces_only_the_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = write_web_visit(tmp_path / "web.pcap")
    target = tmp_path / "elsewhere.yaml"
    link = tmp_path / "scene.yaml"
    link.symlink_to(target)
    assert main(["import", str(capture), "-o", str(link)]) == 2
    assert "is a symbolic link; add --force to overwrite it" in capsys.readouterr().err
    assert not target.exists()
    assert main(["import", str(capture), "-o", str(link), "--force"]) == 0
    assert not target.exists() and not link.is_symlink()
    assert load_scene(link).steps


def test_render_does_not_write_through_a_symlink(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "precious.png"
    target.write_bytes(b"precious")
    link = tmp_path / "frame.png"
    link.symlink_to(target)
    scene = str(REPO / "scenes/tcp-handshake.yaml")
    assert main(["render", scene, "--step", "1", "--out", str(link)]) == 2
    assert main(["render", scene, "--step", "1", "--out", str(link), "--force"]) == 0
    assert target.read_bytes() == b"precious"
    assert not link.is_symlink() and link.read_bytes().startswith(b"\x89PNG")
