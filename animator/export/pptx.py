"""Export as PowerPoint slides: not written yet (a placeholder so the registry lists every format)."""

from __future__ import annotations

from pathlib import Path

from animator.export.base import Exporter, ExportError, ExportOptions, ExportSource, Progress


def _export(source: ExportSource, out: Path, options: ExportOptions, progress: Progress) -> str:
    raise ExportError("this export format is not written yet")


EXPORTER = Exporter(
    key="pptx",
    label="PowerPoint slides…",
    help="one slide per step: the stage, the caption, the speaker notes in the slide notes",
    suffixes=(".pptx",),
    export=_export,
    options=(
        "size",
        "theme",
        "palette",
        "scale",
    ),
)
