"""The player's capture entry points: File → Import capture… and the Live menu.

Kept out of ``main_window.py`` so the player only gains one call, and the capture modules are
imported only when these menus are used (start-up stays as it was). The dialogs here turn a
capture into a scene file beside it (or wherever the user saves it) and open that scene, so
the result is an ordinary scene the lecturer can edit, reload and present.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QWidget,
)

if TYPE_CHECKING:
    from animator.capture.importer import ImportOptions
    from animator.player import PlayerState
    from animator.ui.services import Services

CAPTURE_FILTER = "Captures (*.pcap *.pcapng *.cap);;All files (*)"


class ImportOptionsDialog(QDialog):
    """Filter, packet range and grouping: the options that make a large capture into a lesson."""

    def __init__(self, parent: QWidget | None, capture: Path) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Import {capture.name}")
        self.setMinimumWidth(480)
        form = QFormLayout(self)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("e.g. tcp port 80 or host 10.0.0.1 (tcpdump syntax)")
        self.range_edit = QLineEdit()
        self.range_edit.setPlaceholderText("e.g. 1-200 (all packets if empty)")
        self.limit_spin = QSpinBox()
        self.limit_spin.setRange(1, 100_000)
        self.limit_spin.setValue(1000)
        self.group_check = QCheckBox("One step per burst of bulk TCP data")
        self.group_check.setChecked(True)
        form.addRow("Filter:", self.filter_edit)
        form.addRow("Packets:", self.range_edit)
        form.addRow("At most:", self.limit_spin)
        form.addRow("", self.group_check)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def options(self, title: str | None = None) -> ImportOptions:
        """The options as entered; a malformed range raises ValueError with the message to show."""
        from animator.capture.importer import ImportOptions

        first, last = 1, None
        text = self.range_edit.text().strip()
        if text:
            from animator.capture.ranges import packet_range

            first, last = packet_range(text)  # a ValueError carries the one-line message to show
        return ImportOptions(
            filter=self.filter_edit.text().strip() or None,
            first=first,
            last=last,
            limit=self.limit_spin.value(),
            group_bulk=self.group_check.isChecked(),
            title=title,
        )


def import_to_scene(services: Services, capture: Path, scene: Path, options: ImportOptions) -> bool:
    """Import ``capture`` into ``scene`` (overwriting it: the save dialog asked) and open it; False after showing why not."""
    from animator.capture.filters import FilterError
    from animator.capture.importer import import_capture
    from animator.capture.reader import CaptureError, describe_problems

    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        result = import_capture(capture, options)
        scene.write_text(result.text, encoding="utf-8")
    except (CaptureError, FilterError) as exc:
        QGuiApplication.restoreOverrideCursor()
        QMessageBox.warning(services.dialog_parent(), "Import failed", str(exc))
        return False
    except OSError as exc:
        QGuiApplication.restoreOverrideCursor()
        QMessageBox.warning(services.dialog_parent(), "Import failed", f"{scene}: {exc.strerror or exc}")
        return False
    QGuiApplication.restoreOverrideCursor()
    services.open_scene(scene)
    remarks = describe_problems(result.problems) + result.notes
    if remarks:
        services.show_status(f"Imported {result.packets_kept} packets; " + "; ".join(remarks), 15_000)
    else:
        services.show_status(f"Imported {result.packets_kept} packets into {result.steps} steps: {scene.name}", 8_000)
    return True


def import_capture_dialog(services: Services, state: PlayerState) -> None:
    parent = services.dialog_parent()
    start = str(state.path.parent) if state.path else str(Path.home())
    name, _ = QFileDialog.getOpenFileName(parent, "Import capture", start, CAPTURE_FILTER)
    if not name:
        return
    capture = Path(name)
    dialog = ImportOptionsDialog(parent, capture)
    while True:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            options = dialog.options()
            break
        except ValueError as exc:
            QMessageBox.warning(parent, "Import", str(exc))
    suggested = str(capture.with_suffix(".yaml"))
    target, _ = QFileDialog.getSaveFileName(parent, "Save the scene as", suggested, "Scenes (*.yaml *.yml)")
    if target:
        import_to_scene(services, capture, Path(target), options)


def open_live_window(services: Services) -> None:
    from animator.ui.live.window import LiveWindow

    live = LiveWindow()
    live.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    live.show()
    live.start_dialog()
    services.keep_open(live)  # the player holds a reference while it is open
