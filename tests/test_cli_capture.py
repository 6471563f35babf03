"""The import/capture commands: exit codes, one-line errors, no overwriting by surprise, no tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from animator.cli import main
from animator.model import load_scene
from tests.capture.traffic import write_web_visit
from tests.conftest import REPO


@pytest.fixture
def capture(tmp_path: Path) -> Path:
    return write_web_visit(tmp_path / "web.pcapng", "pcapng")


def test_import_writes_a_scene_that_loads(capture: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "web.yaml"
    assert main(["import", str(capture), "-o", str(out), "--range", "3-7", "--title", "Web visit"]) == 0
    scene = load_scene(out)
    assert scene.title == "Web visit" and len(scene.steps) == 5
    assert f"wrote {out}: 5 steps" in capsys.readouterr().err


def test_import_refuses_to_overwrite_without_force(capture: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "web.yaml"
    out.write_text("my lesson\n")
    assert main(["import", str(capture), "-o", str(out)]) == 2
    assert capsys.readouterr().err.strip() == f"packetstage: error: -o {out}: the file exists; add --force to overwrite it"
    assert out.read_text() == "my lesson\n"
    assert main(["import", str(capture), "-o", str(out), "--force"]) == 0
    assert out.read_text().startswith("# Imported from web.pcapng")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--filter", "tcp prt 80"], 2, "packetstage: error: --filter: bad filter 'tcp prt 80': can't parse filter expression"),
        (["--filter", "port 9"], 1, "nothing to import: none of the 23 packets read matches the filter 'port 9'"),
        (["--range", "9-3"], 2, "'9-3' is not a packet range"),
        (["--limit", "0"], 2, "'0' is not a whole number of at least 1"),
    ],
)
def test_import_bad_options_get_one_line(
    capture: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    out = tmp_path / "x.yaml"
    try:
        rc = main(["import", str(capture), "-o", str(out), *args])
    except SystemExit as exc:  # argparse's own usage errors
        rc = exc.code
    assert rc == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()


def test_import_of_broken_and_missing_files(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a capture")
    cut = write_web_visit(tmp_path / "cut.pcap")
    cut.write_bytes(cut.read_bytes()[:700])
    runs = {
        name: subprocess.run(
            [sys.executable, str(REPO / "main.py"), "import", str(path), "-o", str(tmp_path / f"{name}.yaml")],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=REPO,
        )
        for name, path in (("missing", tmp_path / "missing.pcap"), ("text", text), ("cut", cut))
    }
    assert runs["missing"].returncode == 1 and runs["missing"].stderr.strip().endswith("missing.pcap: no such file")
    assert runs["text"].returncode == 1 and "not a pcap or pcapng capture" in runs["text"].stderr
    assert runs["cut"].returncode == 0, runs["cut"].stderr
    assert "cut.pcap: packet 7: truncated record (needs" in runs["cut"].stderr
    assert all("Traceback" not in r.stderr for r in runs.values())
    assert load_scene(tmp_path / "cut.yaml").steps


def test_capture_command_checks_its_arguments_before_sniffing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.txt"
    assert main(["capture", "--iface", "lo", "--count", "1", "-o", str(out)]) == 2
    assert "the output must end in .yaml or .yml or .pcap or .pcapng" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["capture", "--iface", "lo", "-o", str(tmp_path / "x.pcap")])  # neither --count nor --duration


def test_live_command_reports_a_bad_interface_without_a_traceback() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "live", "--iface", "nope0", "--exit-after", "300"],
        capture_output=True, text=True, timeout=120, cwd=REPO, env=env,
    )  # fmt: skip
    assert done.returncode == 1
    assert "packetstage: error: no interface 'nope0'; this machine has: " in done.stderr
    assert "Traceback" not in done.stderr
