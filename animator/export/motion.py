"""Which scene time each frame of a video or GIF shows: the one timing plan both exporters share.

A scene plays in the app as animation between pause points, stopping at each. An exported clip
does the same without a lecturer pressing →: it runs at the timeline's real speed from pause point
to pause point and holds each one for ``pause`` seconds (the first and the last included, so the
title can be read before anything moves and the end state stays up). A deck's scenes follow one
another in lecture order, each a chapter.

The plan is a list of *shots*: runs of consecutive output frames that show the same scene time.
While packets move a shot is one frame long; a hold is one shot of ``pause × fps`` frames. That is
what lets the exporters draw a hold once: the video encodes the same picture again for every frame
of the shot, the GIF writes it once with a long delay. The plan is Qt-free and pure, so its timing
is tested without drawing anything; ``draw_shots`` and ``bgra_frame`` (Qt, PyAV and numpy imported
when called) are the drawing half both exporters share.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from animator.export.base import ExportOptions, ExportSource

if TYPE_CHECKING:
    from av import VideoFrame
    from PySide6.QtGui import QImage

#: Output times within this of a segment's end belong to the next segment: ``i / fps`` summed from
#: float step lengths must not drop the first frame of a hold into the end of the animation before it.
_EPSILON = 1e-9


@dataclass(frozen=True)
class Shot:
    """Output frames ``first`` .. ``first + count - 1`` all show ``chapter``'s scene at ``time``."""

    #: Index into ``ExportSource.chapters``.
    chapter: int
    #: Scene time to draw (a pause point's time exactly, during a hold).
    time: float
    #: The step playing or paused at (for progress messages).
    step: int
    first: int
    count: int

    @property
    def end(self) -> int:
        """The output frame after the shot's last."""
        return self.first + self.count


@dataclass(frozen=True)
class Motion:
    """Every output frame of a clip at ``fps`` frames per second, grouped into shots."""

    fps: int
    shots: tuple[Shot, ...]
    frame_count: int
    #: Output frame at which each chapter starts (a deck's chapter marks).
    chapter_starts: tuple[int, ...]

    @property
    def duration(self) -> float:
        """Seconds of output: ``frame_count / fps``."""
        return self.frame_count / self.fps

    def chapter_frames(self, index: int) -> tuple[int, int]:
        """Output frames ``[start, end)`` of chapter ``index``."""
        start = self.chapter_starts[index]
        end = self.chapter_starts[index + 1] if index + 1 < len(self.chapter_starts) else self.frame_count
        return start, end


@dataclass(frozen=True)
class _Segment:
    """A stretch of output time: a hold of one scene time, or the scene playing from ``scene_start``."""

    chapter: int
    step: int
    out_start: float
    out_end: float
    scene_start: float
    moving: bool

    def scene_time(self, out_time: float) -> float:
        return self.scene_start + (out_time - self.out_start) if self.moving else self.scene_start


def _segments(source: ExportSource, fps: int, pause: float) -> tuple[list[_Segment], list[float]]:
    """The clip as holds and moves in output seconds, and the output second each chapter starts."""
    segments: list[_Segment] = []
    chapter_starts: list[float] = []
    out = 0.0
    for index, chapter in enumerate(source.chapters):
        chapter_starts.append(out)
        timeline = chapter.timeline
        for step in chapter.steps():
            if step > chapter.first_step:
                start, end = timeline.boundary(step - 1), timeline.boundary(step)
                if end > start:
                    segments.append(_Segment(index, step, out, out + (end - start), start, True))
                    out += end - start
            if pause > 0:
                segments.append(_Segment(index, step, out, out + pause, timeline.boundary(step), False))
                out += pause
    if pause <= 0 or not segments:
        # Without holds the last frame would fall just short of the final pause point: show it for
        # one frame, so a clip always ends on the scene's end state.
        last = source.chapters[-1]
        segments.append(_Segment(len(source.chapters) - 1, last.last_step, out, out + 1 / fps, last.end_time, False))
    return segments, chapter_starts


def plan_motion(source: ExportSource, fps: int, pause: float) -> Motion:
    """The shots of ``source`` played at ``fps`` with a ``pause``-second hold at every pause point.

    Output frame ``i`` shows the scene at output time ``i / fps`` (the frame's start): during a
    move the timeline's own time, during a hold the pause point's time exactly, so a held frame is
    the very picture ``render --step N`` draws. Frames that land on the same scene time are one shot.
    """
    if fps <= 0:
        raise ValueError("frames per second must be positive")
    if not source.chapters:
        raise ValueError("nothing to export: no scenes")
    segments, starts = _segments(source, fps, pause)
    frame_count = max(1, round(segments[-1].out_end * fps))
    shots: list[Shot] = []
    current = 0
    for frame in range(frame_count):
        out_time = frame / fps
        while current + 1 < len(segments) and out_time >= segments[current].out_end - _EPSILON:
            current += 1
        segment = segments[current]
        time = segment.scene_time(out_time)
        last = shots[-1] if shots else None
        if last is not None and last.chapter == segment.chapter and last.time == time:
            shots[-1] = Shot(last.chapter, last.time, last.step, last.first, last.count + 1)
        else:
            shots.append(Shot(segment.chapter, time, segment.step, frame, 1))
    chapter_starts = tuple(min(frame_count, round(start * fps)) for start in starts)
    return Motion(fps, tuple(shots), frame_count, chapter_starts)


def clock(seconds: float) -> str:
    """``1:23`` (or ``1:02:03``) for a summary line: how long the clip plays."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@contextlib.contextmanager
def draw_shots(source: ExportSource, motion: Motion, options: ExportOptions) -> Iterator[Iterator[tuple[Shot, QImage]]]:
    """Each shot with the stage drawn at its time, as the app draws it (caption included).

    A context manager, so the offscreen stage is closed even when the caller stops early (a
    cancel, an encoder error). One ``StageRenderer`` per chapter: a deck's scenes differ.
    """
    from animator.export.png import StageRenderer

    renderers: list[StageRenderer] = []

    def shots() -> Iterator[tuple[Shot, QImage]]:
        chapter = -1
        for shot in motion.shots:
            if shot.chapter != chapter:
                while renderers:
                    renderers.pop().close()
                chapter = shot.chapter
                timeline = source.chapters[chapter].timeline
                renderers.append(StageRenderer(timeline, options.size, options.theme, options.palette, options.scale))
            yield shot, renderers[0].image(shot.time)

    try:
        yield shots()
    finally:
        while renderers:
            renderers.pop().close()


#: How Qt lays out a ``Format_ARGB32_Premultiplied`` pixel in memory (a native-endian 0xAARRGGBB word).
_QT_ARGB32 = "bgra" if sys.byteorder == "little" else "argb"


@functools.cache
def _pinning_array() -> type:
    """An ndarray type that carries the QImage it views (numpy is imported only when drawing)."""
    import numpy as np

    class PinnedPixels(np.ndarray):
        image: object

    return PinnedPixels


def bgra_frame(image: QImage) -> VideoFrame:
    """A PyAV frame over the image's own pixels, without copying them.

    The frame keeps the image alive, however long FFmpeg holds the frame: a filter graph queues
    frames until it is run, and ``QImage.constBits()`` alone does not keep the pixels from being
    freed. The stage fills the background opaquely, so premultiplied and straight alpha are the
    same pixels.
    """
    import av
    import numpy as np

    width, height = image.width(), image.height()
    pixels = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    rows: Any = pixels.reshape(height, image.bytesPerLine() // 4, 4)[:, :width].view(_pinning_array())
    rows.image = image
    return av.VideoFrame.from_numpy_buffer(rows, format=_QT_ARGB32, width=width)
