"""Export as Web page (plays anywhere): not written yet (a placeholder so the registry lists every format)."""

from __future__ import annotations

from pathlib import Path

from animator.export.base import Exporter, ExportError, ExportOptions, ExportSource, Progress


def _export(source: ExportSource, out: Path, options: ExportOptions, progress: Progress) -> str:
    raise ExportError("this export format is not written yet")


EXPORTER = Exporter(
    key="html",
    label="Web page (plays anywhere)…",
    help="one self-contained HTML file that plays the scene in any browser, offline",
    suffixes=(".html",),
    export=_export,
    options=(
        "theme",
        "palette",
    ),
)
