"""Export as PDF handout: not written yet (a placeholder so the registry lists every format)."""

from __future__ import annotations

from pathlib import Path

from animator.export.base import Exporter, ExportError, ExportOptions, ExportSource, Progress


def _export(source: ExportSource, out: Path, options: ExportOptions, progress: Progress) -> str:
    raise ExportError("this export format is not written yet")


EXPORTER = Exporter(
    key="pdf",
    label="PDF handout…",
    help="a vector handout: one page per step with the caption, the explanation and the quizzes",
    suffixes=(".pdf",),
    export=_export,
    options=(
        "theme",
        "palette",
        "scale",
        "per_page",
        "notes",
    ),
)
