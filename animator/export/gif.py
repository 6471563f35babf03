"""Export as Animated GIF: not written yet (a placeholder so the registry lists every format)."""

from __future__ import annotations

from pathlib import Path

from animator.export.base import Exporter, ExportError, ExportOptions, ExportSource, Progress


def _export(source: ExportSource, out: Path, options: ExportOptions, progress: Progress) -> str:
    raise ExportError("this export format is not written yet")


EXPORTER = Exporter(
    key="gif",
    label="Animated GIF…",
    help="a looping GIF for slides and chat",
    suffixes=(".gif",),
    export=_export,
    # Small enough for chat and slides (the 10-step budget is 8 MB at 960 px wide).
    default_size=(960, 540),
    options=(
        "size",
        "theme",
        "palette",
        "scale",
        "pause",
        "fps",
    ),
)
