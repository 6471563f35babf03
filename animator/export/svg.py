"""Export as Images (SVG), one per step: not written yet (a placeholder so the registry lists every format)."""

from __future__ import annotations

from pathlib import Path

from animator.export.base import Exporter, ExportError, ExportOptions, ExportSource, Progress


def _export(source: ExportSource, out: Path, options: ExportOptions, progress: Progress) -> str:
    raise ExportError("this export format is not written yet")


EXPORTER = Exporter(
    key="svg",
    label="Images (SVG), one per step…",
    help="a folder of SVG images, one per pause point",
    suffixes=(),
    export=_export,
    options=(
        "size",
        "theme",
        "palette",
        "scale",
    ),
    folder=True,
)
