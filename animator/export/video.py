"""Export as Video (MP4, WebM): not written yet (a placeholder so the registry lists every format)."""

from __future__ import annotations

from pathlib import Path

from animator.export.base import Exporter, ExportError, ExportOptions, ExportSource, Progress


def _export(source: ExportSource, out: Path, options: ExportOptions, progress: Progress) -> str:
    raise ExportError("this export format is not written yet")


EXPORTER = Exporter(
    key="video",
    label="Video (MP4, WebM)…",
    help="the scene as it plays, a hold at every pause point, captions burnt in",
    suffixes=(
        ".mp4",
        ".webm",
    ),
    export=_export,
    options=(
        "size",
        "theme",
        "palette",
        "scale",
        "pause",
        "fps",
    ),
)
