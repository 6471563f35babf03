"""File → Export: every format of the registry, a dialog that starts from what the stage shows, and a cancel
that leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QProgressDialog

from animator.export.registry import exporter, exporters, scene_source
from animator.render.theme import PALETTES, THEMES
from animator.ui.exporting.dialog import ExportDialog, run_export
from animator.ui.main_window import MainWindow
from tests.conftest import REPO

HTTP_GET = REPO / "scenes" / "http-get.yaml"


def test_the_menu_lists_every_format(window: MainWindow) -> None:
    file_menu = window.menuBar().actions()[0].menu()
    assert window.export_menu.actions() == []  # listed when the File menu first opens: start-up imports no exporter
    file_menu.aboutToShow.emit()
    labels = [a.text() for a in window.export_menu.actions()]
    assert labels == [f.label for f in exporters()]
    assert not window.export_menu.isEnabled()  # nothing open yet
    assert window.open_scene(HTTP_GET)
    file_menu.aboutToShow.emit()
    assert window.export_menu.isEnabled()
    assert [a.text() for a in window.export_menu.actions()] == labels  # listed once


def test_the_dialog_starts_from_the_stage_and_shows_only_what_the_format_reads(window: MainWindow) -> None:
    assert window.open_scene(HTTP_GET)
    window.set_theme(THEMES["dark"])
    window.stage_controls.set_palette(PALETTES["okabe-ito"])
    window.stage_controls.set_text_scale(1.5)
    assert window.stage.protocol_palette is PALETTES["okabe-ito"] and window.stage.text_scale == 1.5
    dialog = ExportDialog(window, exporter("video"), window.state)
    options = dialog.options()
    assert (options.theme, options.palette, options.scale, options.size) == ("dark", "okabe-ito", 1.5, (1920, 1080))
    assert dialog.output() == HTTP_GET.parent / "http-get.mp4"
    assert dialog.pause_box.isVisibleTo(dialog) and not dialog.per_page_box.isVisibleTo(dialog)
    pdf = ExportDialog(window, exporter("pdf"), window.state)
    assert pdf.per_page_box.isVisibleTo(pdf) and not pdf.pause_box.isVisibleTo(pdf)
    pdf.path.setText(str(HTTP_GET.parent / "handout"))
    assert pdf.output().name == "handout.pdf"  # the suffix is added
    gif = ExportDialog(window, exporter("gif"), window.state)
    assert gif.options().size == (960, 540)


def test_cancel_leaves_no_file(window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert window.open_scene(HTTP_GET)
    out = tmp_path / "images"
    monkeypatch.setattr(QProgressDialog, "wasCanceled", lambda self: True)
    assert window.timeline is not None
    source = scene_source(window.timeline, HTTP_GET, (0, 2))
    fmt = exporter("png")
    assert run_export(window, fmt, source, out, fmt_options(window)) is None
    assert not out.exists()
    assert "cancelled" in window.statusBar().currentMessage()


def test_an_export_from_the_window_writes_and_says_so(window: MainWindow, tmp_path: Path) -> None:
    assert window.open_scene(HTTP_GET)
    assert window.timeline is not None
    out = tmp_path / "images"
    source = scene_source(window.timeline, HTTP_GET, (0, 1))
    summary = run_export(window, exporter("png"), source, out, fmt_options(window))
    assert summary is not None and sorted(p.name for p in out.iterdir()) == ["step-00.png", "step-01.png"]
    assert "wrote 2 image(s)" in window.statusBar().currentMessage()


def fmt_options(window: MainWindow) -> object:
    from animator.export.base import ExportOptions

    return ExportOptions(size=(320, 180))


def test_the_pcap_dialog_captures_on_one_wire_by_default(window: MainWindow, tmp_path: Path) -> None:
    """Every link in one file shows each packet once per link, which Wireshark reads as retransmissions:
    the app's capture defaults to one wire (the selected packet's, if it is on one) and writes only it."""
    assert window.open_scene(HTTP_GET)
    assert window.timeline is not None
    scene = window.timeline.scene
    dialog = ExportDialog(window, exporter("pcap"), window.state)
    assert dialog.capture_box.isVisibleTo(dialog)
    first = scene.links[0].link_id
    assert dialog.options().extra == {"link": first}
    track = window.timeline.messages[-1]
    window.state.select(track.id)
    window.clock.seek((track.hop_starts[-1] + track.hop_ends[-1]) / 2)  # mid-way along its last link
    dialog = ExportDialog(window, exporter("pcap"), window.state)
    assert dialog.options().extra == {"link": track.links[-1]}
    out = tmp_path / "wire.pcapng"
    summary = run_export(window, exporter("pcap"), scene_source(window.timeline, HTTP_GET), out, dialog.options())
    assert summary is not None and f"seen on link {track.links[-1]} to" in summary
    dialog.capture_box.setCurrentIndex(dialog.capture_box.count() - 1)
    assert dialog.options().extra == {}  # every link, with its warning in the list
    assert not ExportDialog(window, exporter("pdf"), window.state).capture_box.isVisibleTo(window)
