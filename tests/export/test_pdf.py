"""``export --pdf``: a vector handout a student can read, search and print (checked with poppler's tools)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from animator import cli
from animator.export.base import ExportCancelled, ExportOptions
from animator.export.registry import exporter, load_source
from tests.conftest import REPO
from tests.export.lesson import CAPTIONS, EXPLANATION, NOTES, QUESTION, flat, write_deck, write_lesson

pytestmark = pytest.mark.gui


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert match is not None
    return int(match.group(1))


def text(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    """The PDF's text as a reader's search sees it (whitespace collapsed)."""
    command = ["pdftotext", "-enc", "UTF-8"]
    if first is not None:
        command += ["-f", str(first), "-l", str(last or first)]
    return flat(subprocess.run([*command, str(pdf), "-"], capture_output=True, text=True, check=True).stdout)


def images(pdf: Path) -> list[tuple[int, int]]:
    """(width, height) of every raster image in the PDF."""
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    return [(int(row[3]), int(row[4])) for row in rows]


def export(scene: Path, out: Path, *args: str) -> str:
    assert cli.main(["export", str(scene), "--pdf", str(out), *args]) == 0
    return out.read_bytes()[:5].decode()


@pytest.mark.parametrize(("per_page", "expected"), [("1", 4 + 1), ("2", 2 + 1), ("4", 1 + 1)])
def test_one_two_or_four_steps_a_page_and_the_answers_last(tmp_path: Path, per_page: str, expected: int) -> None:
    """Four pause points (0-3) on 4, 2 or 1 pages, then a page with the answers."""
    out = tmp_path / "handout.pdf"
    assert export(write_lesson(tmp_path), out, "--per-page", per_page) == "%PDF-"
    assert pages(out) == expected


def test_every_caption_is_text_a_reader_can_find_and_the_answers_are_on_the_last_page(tmp_path: Path) -> None:
    out = tmp_path / "handout.pdf"
    export(write_lesson(tmp_path), out)
    whole = text(out)
    for caption in CAPTIONS:
        assert caption in whole
    assert EXPLANATION in whole, "the step's explanation is printed"
    # The question comes at the pause point before its step (page 2: step 1), the answer at the end.
    assert QUESTION in text(out, 2) and "Only the port to a" in text(out, 2)
    last = text(out, pages(out))
    assert "Answers" in last and "Answer: B. Only the port to a" in last and "learned a's port" in last
    assert "Answer:" not in text(out, 1, pages(out) - 1), "no answer is given away before the last page"


def test_notes_only_with_notes(tmp_path: Path) -> None:
    scene = write_lesson(tmp_path)
    without, with_notes = tmp_path / "plain.pdf", tmp_path / "notes.pdf"
    export(scene, without)
    export(scene, with_notes, "--notes")
    assert NOTES not in text(without)
    assert NOTES in text(with_notes) and "Speaker notes" in text(with_notes, 2)


def test_vector_nothing_raster_and_the_fonts_embedded(tmp_path: Path) -> None:
    """The stage is paths and text: no image at all (the issue allows none wider than 600 px), so
    a page stays sharp at any zoom; the bundled DejaVu is embedded, so the text looks the same anywhere."""
    out = tmp_path / "handout.pdf"
    export(REPO / "scenes" / "http-get.yaml", out, "--steps", "2-4", "--per-page", "2", "--notes")
    assert pages(out) == 2 + 1
    assert not [size for size in images(out) if size[0] > 600]
    assert images(out) == []
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all("DejaVu" in row for row in rows)
    assert all(row.split()[-5] == "yes" for row in rows), "every font is embedded"


def test_a_deck_has_a_title_page_chapters_in_the_outline_and_each_scene_on_new_pages(tmp_path: Path) -> None:
    out = tmp_path / "course.pdf"
    export(write_deck(tmp_path), out, "--per-page", "4")
    # Title page, one page per chapter (4 pause points each), the answers.
    assert pages(out) == 1 + 1 + 1 + 1
    first = text(out, 1)
    assert "Tiny course" in first and "Part one" in first and "Part two" in first
    assert "Part two" in text(out, 3) and "Part one" not in text(out, 3)
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", str(out)], capture_output=True, text=True, check=True).stdout
    outline = re.findall(r'<item page="(\d+)">([^<]*)</item>', xml)
    assert ("2", "Part one") in outline and ("3", "Part two") in outline and ("4", "Answers to the questions") in outline
    assert "Question 2" in text(out, 4), "questions are numbered through the deck"


def test_a_decks_parts_head_its_scenes_in_the_contents_and_the_outline(tmp_path: Path) -> None:
    out = tmp_path / "course.pdf"
    export(write_deck(tmp_path, parts=True), out, "--per-page", "4")
    assert "Contents Beginnings Part one Endings Part two Answers to the questions 2 2 3 3 4" in text(out, 1)
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", str(out)], capture_output=True, text=True, check=True).stdout
    # Parts at the top of the bookmarks, their scenes inside them, the steps inside those.
    outline = xml[xml.index("<outline>") :]
    assert re.search(r'<item page="2">Beginnings</item>\s*<outline>\s*<item page="2">Part one</item>\s*<outline>', outline)
    assert re.search(r'<item page="3">Endings</item>\s*<outline>\s*<item page="3">Part two</item>', outline)


def test_a_cancel_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "handout.pdf"
    out.write_bytes(b"old")
    source = load_source(write_lesson(tmp_path))

    def cancel(done: int, total: int, what: str) -> None:
        if done == 2:
            raise ExportCancelled

    with pytest.raises(ExportCancelled):
        exporter("pdf").export(source, out, ExportOptions(), cancel)
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handout.pdf", "lesson.yaml"], "no temporary file is left"
