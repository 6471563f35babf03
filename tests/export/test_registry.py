"""The one list of export formats: the CLI and the Export menu offer every one, and the shared rules hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from animator import cli
from animator.export import registry
from animator.export.base import ExportCancelled, ExportOptions
from animator.export.registry import exporters, load_source, parse_steps
from tests.conftest import REPO

HTTP_GET = REPO / "scenes" / "http-get.yaml"


def test_every_module_defines_an_exporter_and_imports_without_qt() -> None:
    """Listing the formats (for --help or a menu) must not pull in Qt, PyAV or python-pptx."""
    code = (
        "import sys; from animator.export.registry import exporters; keys = [e.key for e in exporters()];"
        "heavy = [m for m in ('PySide6', 'av', 'pptx') if m in sys.modules]; print(keys, heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    keys, heavy = done.stdout.strip().rsplit("] ", 1)
    assert heavy == "[]", f"importing the registry loaded {heavy}"
    for key in ("video", "gif", "html", "pdf", "pptx", "png", "svg", "pcap"):
        assert f"'{key}'" in keys


def test_the_cli_offers_every_format(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["export", "--help"])
    text = capsys.readouterr().out
    for fmt in exporters():
        assert f"--{fmt.key}" in text


@pytest.mark.parametrize(
    ("text", "expected"), [("3", (3, 3)), ("2-5", (2, 5)), ("4-", (4, None)), ("-6", (0, 6)), (" 1 - 2 ", (1, 2))]
)
def test_step_ranges(text: str, expected: tuple[int, int | None]) -> None:
    assert parse_steps(text) == expected


@pytest.mark.parametrize("text", ["", "-", "5-2", "a-b", "1-2-3"])
def test_bad_step_ranges_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="step range"):
        parse_steps(text)


def test_an_option_the_format_does_not_read_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["export", str(HTTP_GET), "--png", str(tmp_path / "out"), "--pause", "3"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--pause does not apply to --png" in err


def test_steps_past_the_end_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["export", str(HTTP_GET), "--png", str(tmp_path / "out"), "--steps", "2-99"]) == 2
    assert "steps run from 0 to" in capsys.readouterr().err


def test_a_deck_loads_as_chapters_in_lecture_order() -> None:
    deck = REPO / "scenes" / "intro.deck.yaml"
    source = load_source(deck)
    assert source.is_deck and len(source.chapters) >= 2
    assert all(ch.first_step == 0 and ch.last_step == ch.timeline.step_count for ch in source.chapters)
    with pytest.raises(registry.ExportError, match="not a deck"):
        load_source(deck, (0, 2))


@pytest.mark.gui
def test_png_export_writes_one_image_per_pause_point(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "images"
    assert cli.main(["export", str(HTTP_GET), "--png", str(out), "--steps", "1-3", "--size", "320x180"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["step-01.png", "step-02.png", "step-03.png"]
    assert "wrote 3 image(s)" in capsys.readouterr().err
    # A non-empty folder is not overwritten without --force.
    assert cli.main(["export", str(HTTP_GET), "--png", str(out), "--steps", "1", "--size", "320x180"]) == 2
    assert "add --force" in capsys.readouterr().err


@pytest.mark.gui
def test_a_cancelled_folder_export_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "images"
    out.mkdir()
    (out / "step-01.png").write_bytes(b"old")
    source = load_source(HTTP_GET, (1, 3))
    calls = []

    def cancel_on_third(done: int, total: int, what: str) -> None:
        calls.append(done)
        if done == 2:
            raise ExportCancelled

    with pytest.raises(ExportCancelled):
        registry.exporter("png").export(source, out, ExportOptions(size=(320, 180)), cancel_on_third)
    assert [p.name for p in out.iterdir()] == ["step-01.png"] and (out / "step-01.png").read_bytes() == b"old"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "the temporary folder was left behind"
