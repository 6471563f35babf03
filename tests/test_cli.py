"""The command-line contract: exit codes, FILE:LINE:COL output, and no Qt where none is needed."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from animator.cli import main
from tests.conftest import MINIMAL, REPO


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "main.py"), *args], capture_output=True, text=True, timeout=120, cwd=REPO)


def test_validate_good_and_bad_files(write_scene: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    good = write_scene(MINIMAL, "good.yaml")
    bad = write_scene(MINIMAL.replace("kind: switch", "kind: swtich"), "bad.yaml")
    assert main(["validate", str(good)]) == 0
    assert main(["validate", str(good), str(bad)]) == 1
    out, err = capsys.readouterr()
    assert out.strip() == f"{bad}:6:20: nodes.2.kind: unknown value 'swtich' (did you mean 'switch'?); " + (
        "expected one of: host, server, switch, router, nat, firewall, proxy, reverse-proxy, tcp-proxy, load-balancer, "
        "dns, database, pooler, internet, cloud"
    )
    assert "1 of 2 scene(s) valid" in err


def test_validate_does_not_import_qt_or_scapy(write_scene: Callable[..., Path]) -> None:
    path = write_scene(MINIMAL)
    code = (
        "import sys; from animator.cli import main; rc = main(['validate', sys.argv[1]]); "
        "bad = [m for m in ('PySide6', 'scapy', 'pyqtgraph') if m in sys.modules]; print(bad); sys.exit(rc)"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_render_writes_png(tmp_path: Path) -> None:
    out = tmp_path / "frame.png"
    done = run("render", "scenes/tcp-handshake.yaml", "--step", "2", "--out", str(out), "--size", "800x450")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--step", "99"], "--step 99: this scene has"),
        (["--time", "-1"], "--time -1: this scene lasts"),
        (["--step", "1", "--size", "huge"], "'huge' is not a size"),
        (["--step", "1", "--size", "10x10"], "out of range"),
    ],
)
def test_render_rejects_bad_arguments_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    done = run("render", "scenes/tcp-handshake.yaml", "--out", str(tmp_path / "x.png"), *args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.png").exists()


def test_render_refuses_to_overwrite_a_non_png(write_scene: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    scene = write_scene(MINIMAL)
    before = scene.read_bytes()
    assert main(["render", str(scene), "--step", "1", "--out", str(scene)]) == 2
    assert scene.read_bytes() == before
    assert "must be a .png file" in capsys.readouterr().err


def test_render_of_invalid_scene_prints_errors(
    write_scene: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scene = write_scene(MINIMAL.replace("format: 1", "format: 7"))
    assert main(["render", str(scene), "--step", "0", "--out", str(tmp_path / "x.png")]) == 1
    assert f"{scene}:1:9: unsupported format version 7" in capsys.readouterr().err


def test_list_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "tcp-handshake.yaml" in out and "steps" in out and "invalid" not in out
    in_deck = (REPO / "scenes" / "backend-fundamentals.deck.yaml").read_text().count("- {file:")
    assert out.splitlines()[0].startswith("backend-fundamentals.deck.yaml") and f"{in_deck} scenes" in out.splitlines()[0]
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("PacketStage ")


def test_missing_file_is_a_clean_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 1
    assert capsys.readouterr().out.strip() == f"{tmp_path / 'nope.yaml'}:1:1: no such file"


def test_list_piped_into_a_reader_that_stops_early_ends_quietly() -> None:
    """`packetstage list | head`: no BrokenPipeError traceback when the reader goes away.

    `true` exits without reading, long before Python has started, so every write meets a closed pipe.
    """
    done = subprocess.run(
        f"{sys.executable} {REPO / 'main.py'} list | true", shell=True, capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert "Traceback" not in done.stderr and "Error" not in done.stderr, done.stderr


def test_a_listed_name_opens_from_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``list`` prints built-in scenes by name; ``validate``, ``render``, ``export`` and the player take that
    name from any folder (outside a checkout they answered "no such file")."""
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "home-nat", "home-nat.yaml", "backend-fundamentals"]) == 0
    capsys.readouterr()
    assert main(["render", "home-nat", "--step", "2", "--out", "x.txt"]) == 2  # reaches the output check: the scene was found
    assert "must be a .png" in capsys.readouterr().err
    assert main(["validate", "no-such-scene"]) == 1
    assert "no-such-scene:1:1: no such file" in capsys.readouterr().out


def test_import_limit_stays_within_what_a_scene_may_hold(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """An importer never writes a scene its own loader refuses: --limit is capped at the real-packet limit."""
    from animator.model.limits import MAX_REAL_SENDS

    capture = tmp_path / "x.pcap"
    capture.write_bytes(b"")
    with pytest.raises(SystemExit) as exit_info:
        main(["import", str(capture), "-o", str(tmp_path / "x.yaml"), "--limit", str(MAX_REAL_SENDS + 1)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "at most 5,000 packets" in err and "--range" in err and "Traceback" not in err
    assert not (tmp_path / "x.yaml").exists()
