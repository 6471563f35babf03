"""File → Export: one entry per format of ``animator.export.registry``, a dialog for its options, and a
cancellable progress dialog while it runs.

The exporters draw with Qt (``animator.render``), which must run on the GUI thread, so an export runs
here in the GUI thread and keeps the window responsive by processing events from its progress
callback; Cancel raises ``ExportCancelled`` there, and the exporter's temporary file is removed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QWidget,
)

from animator.export.base import ExportCancelled, Exporter, ExportError, ExportOptions, ExportSource
from animator.files import WriteError, output_exists
from animator.player import PlayerState

if TYPE_CHECKING:
    from animator.ui.services import Services


log = logging.getLogger(__name__)

SIZES = ((1920, 1080), (1280, 720), (960, 540), (3840, 2160))
SCALES = (1.0, 1.25, 1.5, 2.0)


class ExportDialog(QDialog):
    """Where to write, and the options this format reads, starting from what the stage shows now."""

    def __init__(self, parent: QWidget, fmt: Exporter, state: PlayerState, deck_path: Path | None = None) -> None:
        super().__init__(parent)
        self.fmt, self.state, self.deck_path = fmt, state, deck_path
        self.setWindowTitle(f"Export — {fmt.label.rstrip('…')}")
        form = QFormLayout(self)
        self.path = QLineEdit(str(self._suggested_path()))
        # Wide enough that the file name, the part that matters, is seen (the start of the path may scroll).
        self.path.setMinimumWidth(self.fontMetrics().horizontalAdvance("x") * 48)
        self.path.setCursorPosition(len(self.path.text()))
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        holder = QWidget()
        holder.setLayout(row)
        form.addRow("Folder:" if fmt.folder else "File:", holder)
        self.whole_deck = QCheckBox("The whole deck (one chapter per scene)")
        if deck_path is not None and fmt.decks:
            self.whole_deck.setChecked(True)
            form.addRow("", self.whole_deck)
        looks = state.looks
        self.size_box = QComboBox()
        # Sizes are kept as "WxH" text: Qt's item data does not keep a Python tuple as a tuple.
        for w, h in SIZES:
            self.size_box.addItem(f"{w} × {h}", f"{w}x{h}")
        default = fmt.default_size
        if default not in SIZES:
            self.size_box.insertItem(0, f"{default[0]} × {default[1]}", f"{default[0]}x{default[1]}")
        self.size_box.setCurrentIndex(self.size_box.findData(f"{default[0]}x{default[1]}"))
        self.theme_box = QComboBox()
        for name in ("light", "dark", "high-contrast"):
            self.theme_box.addItem(name.replace("-", " ").capitalize(), name)
        self.theme_box.setCurrentIndex(max(0, self.theme_box.findData(looks.theme)))
        self.palette_box = QComboBox()
        self.palette_box.addItem("Standard", "standard")
        self.palette_box.addItem("Okabe–Ito (colour-blind safe)", "okabe-ito")
        self.palette_box.setCurrentIndex(max(0, self.palette_box.findData(looks.palette)))
        self.scale_box = QComboBox()
        for scale in SCALES:
            self.scale_box.addItem(f"{round(scale * 100)} %", scale)
        self.scale_box.setCurrentIndex(max(0, self.scale_box.findData(looks.text_scale)))
        self.pause_box = QDoubleSpinBox()
        self.pause_box.setRange(0, 60)
        self.pause_box.setValue(ExportOptions.pause)
        self.pause_box.setSuffix(" s")
        self.per_page_box = QComboBox()
        for n in (1, 2, 4):
            self.per_page_box.addItem(f"{n} step{'s' if n > 1 else ''} per page", n)
        self.notes_box = QCheckBox("Add the speaker notes")
        fields: dict[str, tuple[str, QWidget]] = {
            "size": ("Size:", self.size_box),
            "theme": ("Theme:", self.theme_box),
            "palette": ("Colours:", self.palette_box),
            "scale": ("Text size:", self.scale_box),
            "pause": ("Hold each step:", self.pause_box),
            "per_page": ("Layout:", self.per_page_box),
            "notes": ("", self.notes_box),
        }
        for name, (label, widget) in fields.items():
            if name in fmt.options:
                form.addRow(label, widget)
        self.capture_box = QComboBox()
        if fmt.key == "pcap":
            self._fill_capture_points()
            form.addRow("Capture on:", self.capture_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _fill_capture_points(self) -> None:
        """Where the capture is taken: one wire (the default, the wire the selected packet is on if
        any), one machine, or every wire at once, which Wireshark misreads as retransmissions."""
        timeline = self.state.timeline
        assert timeline is not None
        scene = timeline.scene
        for link in scene.links:
            a, b = link.between
            self.capture_box.addItem(f"Link {link.link_id} ({a} – {b}): what tcpdump on that wire sees", f"link:{link.link_id}")
        for node in scene.nodes:
            if any(node.id in link.between for link in scene.links):
                self.capture_box.addItem(f"At {node.id}: every link it is on", f"at:{node.id}")
        self.capture_box.addItem(
            "Every link at once (each packet once per link: Wireshark flags the copies as retransmissions)", ""
        )
        selected = self.state.selected
        detail = timeline.packet_detail(selected, self.state.time) if selected is not None else None
        if detail is not None and detail.link_id is not None:
            self.capture_box.setCurrentIndex(max(0, self.capture_box.findData(f"link:{detail.link_id}")))

    def _suggested_path(self) -> Path:
        base = self.deck_path if self.deck_path is not None and self.fmt.decks else self.state.path
        if base is None:
            return Path.home() / "export"
        stem = base.name.split(".")[0]
        if self.fmt.folder:
            return base.parent / f"{stem}-{self.fmt.key}"
        return base.parent / f"{stem}{self.fmt.suffixes[0]}"

    def _browse(self) -> None:
        if self.fmt.folder:
            name = QFileDialog.getExistingDirectory(self, "Export to folder", str(Path(self.path.text()).parent))
        else:
            patterns = " ".join(f"*{s}" for s in self.fmt.suffixes)
            name, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text(), f"{self.fmt.label} ({patterns})")
        if name:
            self.path.setText(name)

    def options(self) -> ExportOptions:
        chosen: dict[str, object] = {
            "size": tuple(int(n) for n in self.size_box.currentData().split("x")),
            "theme": self.theme_box.currentData(),
            "palette": self.palette_box.currentData(),
            "scale": self.scale_box.currentData(),
            "pause": self.pause_box.value(),
            "per_page": self.per_page_box.currentData(),
            "notes": self.notes_box.isChecked(),
        }
        if self.fmt.key == "gif":
            chosen["fps"] = 15
        extra: dict[str, object] = {}
        point = self.capture_box.currentData() if self.fmt.key == "pcap" else None
        if point:  # "link:ID" or "at:NODE" (ids have no colon); Qt keeps no tuple as item data
            where, _, name = str(point).partition(":")
            extra[where] = name
        given = {k: v for k, v in chosen.items() if k in self.fmt.options or k == "size"}
        return ExportOptions(**given, extra=extra)  # type: ignore[arg-type]

    def output(self) -> Path:
        out = Path(self.path.text()).expanduser()
        if not self.fmt.folder and out.suffix.lower() not in self.fmt.suffixes:
            out = out.with_name(out.name + self.fmt.suffixes[0])
        return out

    def problem(self, out: Path) -> str | None:
        """Why ``out`` cannot be written as asked (as the CLI's rules), or None."""
        if not out.parent.is_dir():
            return f"The folder {out.parent} does not exist."
        if self.fmt.folder:
            if output_exists(out) and not out.is_dir():
                return f"{out} is a file; choose a folder."
        elif out.is_dir():
            return f"{out} is a folder; choose a file name."
        return None

    def _accept(self) -> None:
        out = self.output()
        problem = self.problem(out)
        if problem:
            QMessageBox.warning(self, "Export", problem)
            return
        exists = any(out.iterdir()) if self.fmt.folder and out.is_dir() else output_exists(out)
        if exists:
            answer = QMessageBox.question(self, "Export", f"{out.name} exists. Replace it?")
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.accept()


def export_dialog(services: Services, state: PlayerState, fmt: Exporter, deck_path: Path | None = None) -> None:
    if state.timeline is None:
        return
    dialog = ExportDialog(services.dialog_parent(), fmt, state, deck_path)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return
    source = source_for(services, state, deck_path if dialog.whole_deck.isChecked() else None)
    if source is None:
        return
    run_export(services, fmt, source, dialog.output(), dialog.options())


def source_for(services: Services, state: PlayerState, deck: Path | None) -> ExportSource | None:
    """The open scene (as it is on screen), or the whole ``deck`` read from disk; None after showing why not."""
    from animator.export.registry import load_source, scene_source
    from animator.model import SceneLoadError

    if deck is not None:
        try:
            return load_source(deck)
        except SceneLoadError as exc:
            errors = "\n".join(map(str, exc.errors[:6]))
            QMessageBox.warning(services.dialog_parent(), "Export", "A scene of the deck does not load:\n" + errors)
            return None
    assert state.timeline is not None and state.path is not None
    return scene_source(state.timeline, state.path)


def run_export(services: Services, fmt: Exporter, source: ExportSource, out: Path, options: ExportOptions) -> str | None:
    """Run one export with a cancellable progress dialog; returns its summary, or None if it failed or was cancelled."""
    parent = services.dialog_parent()
    dialog = QProgressDialog(f"Exporting {source.title}…", "Cancel", 0, 100, parent)
    dialog.setWindowTitle("Export")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)

    def progress(done: int, total: int, what: str) -> None:
        dialog.setMaximum(max(total, 1))
        dialog.setValue(min(done, max(total, 1)))
        dialog.setLabelText(what)
        QApplication.processEvents()
        if dialog.wasCanceled():
            raise ExportCancelled

    try:
        summary = fmt.export(source, out, options, progress)
    except ExportCancelled:
        services.show_status("Export cancelled; nothing was written", 8000)
        return None
    except (ExportError, WriteError, OSError, ValueError) as exc:
        QMessageBox.warning(parent, "Export failed", str(exc))
        return None
    finally:
        dialog.close()
    services.show_status(summary, 10000)
    log.info("%s", summary)
    return summary
