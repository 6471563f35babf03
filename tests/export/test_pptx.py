"""``export --pptx``: 16:9 slides a lecturer can drop into PowerPoint or Keynote, read back with python-pptx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pptx import Presentation
from pptx.util import Emu

from animator import cli
from animator.export.base import ExportCancelled, ExportOptions
from animator.export.pptx import caption_fit, plain
from animator.export.registry import exporter, load_source
from tests.export.lesson import CAPTIONS, EXPLANATION, NOTES, QUESTION, write_deck, write_lesson

pytestmark = pytest.mark.gui


def export(scene: Path, out: Path, *args: str) -> Any:
    assert cli.main(["export", str(scene), "--pptx", str(out), "--size", "640x360", *args]) == 0
    return Presentation(str(out))


def test_one_slide_per_pause_point_with_the_caption_as_its_title_and_the_stage_under_it(tmp_path: Path) -> None:
    prs = export(write_lesson(tmp_path), tmp_path / "slides.pptx")
    assert (prs.slide_width, prs.slide_height) == (Emu(12_192_000), Emu(6_858_000)), "16:9"
    slides = list(prs.slides)
    assert [s.shapes.title.text for s in slides] == CAPTIONS
    for slide in slides:
        title = slide.shapes.title
        (picture,) = [s for s in slide.shapes if s.shape_type == 13]  # MSO_SHAPE_TYPE.PICTURE
        assert picture.top >= title.top + title.height, "the caption does not cover the stage"
        assert picture.left >= 0 and picture.left + picture.width <= prs.slide_width
        assert picture.top + picture.height <= prs.slide_height
        assert title.text in picture._element.nvPicPr.cNvPr.get("descr"), "the picture's alt text is its caption"
        assert picture.image.content_type == "image/png" and picture.image.size[0] == 640


def test_the_notes_carry_the_speaker_notes_else_the_explanation_and_the_question(tmp_path: Path) -> None:
    slides = list(export(write_lesson(tmp_path), tmp_path / "slides.pptx").slides)
    notes = [s.notes_slide.notes_text_frame.text if s.has_notes_slide else "" for s in slides]
    assert NOTES in notes[1] and "•" in notes[1] and "-" not in notes[1][:2], "a Markdown list as bullets"
    assert EXPLANATION not in notes[1], "notes come first; the explanation only stands in for missing notes"
    # The quiz is asked at the pause point before its step, with its answer for the lecturer.
    assert QUESTION in notes[1] and "Answer: B. Only the port to a" in notes[1]
    assert "Ask the class which port" in notes[2] and QUESTION not in notes[2]
    assert notes[3] == ""


def test_without_notes_the_explanation_is_in_the_notes(tmp_path: Path) -> None:
    scene = write_lesson(tmp_path)
    scene.write_text(scene.read_text().replace(f"    notes: |\n      - Point at the switch: {NOTES}.\n", ""))
    slides = list(export(scene, tmp_path / "slides.pptx").slides)
    assert "The switch learns which port" in slides[1].notes_slide.notes_text_frame.text, "Markdown emphasis dropped"


def test_a_deck_has_a_title_slide_and_a_section_slide_per_scene(tmp_path: Path) -> None:
    prs = export(write_deck(tmp_path), tmp_path / "course.pptx")
    titles = [s.shapes.title.text for s in prs.slides]
    assert len(titles) == 1 + 2 * (1 + 4)
    assert titles[0] == "Tiny course" and titles[1] == "Part one" and titles[6] == "Part two"
    assert titles[2:6] == CAPTIONS
    # PowerPoint's sections: the deck's title, then one per scene with its slides.
    xml = prs.part._element.xml
    assert xml.count("<p14:section ") == 3 and 'name="Part two"' in xml


def test_each_part_of_a_deck_opens_with_a_divider_slide(tmp_path: Path) -> None:
    prs = export(write_deck(tmp_path, parts=True), tmp_path / "course.pptx")
    slides = list(prs.slides)
    titles = [s.shapes.title.text for s in slides]
    assert len(titles) == 1 + 2 * (1 + 1 + 4)
    assert titles[1] == "Part 1" and titles[2] == "Part one" and titles[7] == "Part 2" and titles[8] == "Part two"
    assert slides[1].placeholders[1].text_frame.text == "Beginnings" and slides[7].placeholders[1].text_frame.text == "Endings"
    # Still one PowerPoint section per scene, the part's divider inside its first scene's.
    assert prs.part._element.xml.count("<p14:section ") == 3


def test_long_captions_get_smaller_type_not_an_overflow() -> None:
    assert caption_fit("A short caption", 11_000_000) == (28, 1)
    size, lines = caption_fit("word " * 80, 11_000_000)
    assert size == 16 and lines >= 3


def test_plain_text_of_markdown_notes() -> None:
    text = plain("- **Ask:** why `seq=1`?\n  It is [RFC 9293](https://www.rfc-editor.org).\n\n```\nGET / HTTP/1.1\nHost: x\n```")
    assert text.splitlines() == [
        "• Ask: why seq=1? It is RFC 9293 (https://www.rfc-editor.org).",
        "",
        "    GET / HTTP/1.1",
        "    Host: x",
    ]


def test_a_failed_or_cancelled_export_leaves_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "slides.pptx"
    out.write_bytes(b"old")

    def cancel(done: int, total: int, what: str) -> None:
        if done == 2:
            raise ExportCancelled

    with pytest.raises(ExportCancelled):
        exporter("pptx").export(load_source(write_lesson(tmp_path)), out, ExportOptions(size=(320, 180)), cancel)
    assert out.read_bytes() == b"old"
