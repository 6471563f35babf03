"""``export --video OUT.mp4|OUT.webm``: the scene as it plays, a hold at every pause point, captions burnt in.

H.264 in MP4 (yuv420p, ``+faststart`` so a browser or an LMS starts playing before the whole file
has arrived) or VP9 in WebM, through PyAV, whose wheels bundle FFmpeg: nothing is needed on the
user's machine beyond the Python packages. A deck is one video with a chapter mark per scene.

Speed (the issue's budget is 1080p30 at twice real time on a 2-core machine): a frame is drawn
once per shot (``animator.export.motion``), so a hold costs one drawing however long it lasts; the
QImage's pixels go to PyAV without a copy (``bgra_frame``) for the one conversion (BGRA → yuv420p,
BT.709); the encoder runs on a worker thread while the main thread draws and converts the next
frame (PyAV releases the GIL while encoding and converting; Qt draws only on the stage's thread).
x264 is what takes longest (``benchmarks/bench_video.py`` prints the split).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from animator.export.base import MOTION_OPTIONS, Exporter, ExportError, ExportOptions, ExportSource, Progress
from animator.export.motion import Motion, bgra_frame, clock, draw_shots, plan_motion
from animator.files import atomic_path

if TYPE_CHECKING:
    from av import VideoFrame
    from av.container import OutputContainer
    from av.video.stream import VideoStream
    from PySide6.QtGui import QImage


@dataclass(frozen=True)
class Codec:
    """One output format: the encoder, its container, and the options that make it fast enough."""

    #: For the summary line ("H.264 video").
    name: str
    encoder: str
    container: str
    options: dict[str, str]
    container_options: dict[str, str]
    #: x264 refuses 4:2:0 frames of odd width or height; libvpx pads them itself.
    even_size: bool


CODECS = {
    # veryfast: the stage is flat colour and text, which x264 compresses well even at this preset
    # (1080p here: ~13 ms a moving frame, ~9 ms a held one; 55 s of video is 1.3 MB). superfast
    # is a quarter faster for files 60 % larger. CRF 20 keeps small text crisp.
    ".mp4": Codec("H.264", "libx264", "mp4", {"preset": "veryfast", "crf": "20"}, {"movflags": "+faststart"}, True),
    # VP9's "good" deadline took 90 ms a 1080p frame here (a third of real time); realtime at
    # cpu-used 8 with row multithreading takes 20 ms. b=0 makes crf a quality target.
    ".webm": Codec(
        "VP9",
        "libvpx-vp9",
        "webm",
        {"crf": "32", "b": "0", "deadline": "realtime", "cpu-used": "8", "row-mt": "1"},
        {},
        False,
    ),
}

#: ITU-R BT.709 (colour primaries, transfer, matrix) and limited ("TV", MPEG) range, as FFmpeg numbers them.
_BT709 = 1
_RANGE_MPEG = 1

#: Frames converted ahead of the encoder, at most, and at most this many bytes of them (an 8K frame is 100 MB).
_AHEAD = 3
_AHEAD_BYTES = 64 << 20


class _Encoder:
    """Encodes frames on a worker thread while the caller draws and converts the next ones.

    ``put`` blocks when the worker is ``ahead`` frames behind, so drawing never runs away with
    memory. An error on the worker is raised by the next ``put`` or by ``finish``; after one, the
    worker keeps taking (and dropping) frames so the caller never blocks on a full queue.
    """

    def __init__(self, container: OutputContainer, stream: VideoStream, fps: int, ahead: int) -> None:
        self.container, self.stream = container, stream
        self.time_base = Fraction(1, fps)
        self.queue: queue.Queue[tuple[VideoFrame, int, bool] | None] = queue.Queue(maxsize=ahead)
        self.error: BaseException | None = None
        self.aborted = False
        self.pts = 0
        self.thread = threading.Thread(target=self._run, name="video-encoder", daemon=True)
        self.thread.start()

    def put(self, yuv: VideoFrame, count: int, keyframe: bool) -> None:
        """Encode ``yuv`` for ``count`` output frames (a keyframe first if ``keyframe``)."""
        if self.error is not None:
            raise self.error
        self.queue.put((yuv, count, keyframe))

    def finish(self) -> None:
        """Encode what is queued, flush the encoder, and raise the worker's error if it had one."""
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def abort(self) -> None:
        """Stop without encoding the rest (a cancel, or an error in the caller)."""
        self.aborted = True
        self.queue.put(None)
        self.thread.join()

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is None and not self.aborted:
                try:
                    self._encode(*item)
                except BaseException as exc:  # handed to the caller's thread
                    self.error = exc
        if self.error is None and not self.aborted:
            try:
                self.container.mux(self.stream.encode(None))
            except BaseException as exc:
                self.error = exc

    def _encode(self, yuv: VideoFrame, count: int, keyframe: bool) -> None:
        from av.video.frame import PictureType

        yuv.time_base = self.time_base
        for index in range(count):
            if self.aborted:  # a cancel during a long hold (up to a minute of frames) stops at once
                return
            # The same picture again for every frame of a hold: the encoders code a repeat as
            # skipped blocks, and the clip keeps one constant frame rate, which editors,
            # PowerPoint and LMS players all handle (a variable one confuses some).
            yuv.pts = self.pts
            yuv.pict_type = PictureType.I if keyframe and index == 0 else PictureType.NONE
            self.pts += 1
            self.container.mux(self.stream.encode(yuv))


class _Converter:
    """BGRA drawings → yuv420p in BT.709 limited range, the colours players assume for HD video.

    On the drawing thread, not the encoder's: x264 keeps the worker busy on its own (it was the
    bottleneck with both there), and the conversion releases the GIL. One thread and no filtering
    ("POINT" takes each 2x2 block's chroma as it is; on the stage's flat colours the decoded error
    is the same as bilinear's): 3 ms a 1080p frame here, against 7-11 ms for the default.
    """

    def __init__(self) -> None:
        from av.video.reformatter import ColorRange, Colorspace, Interpolation, VideoReformatter

        self.reformatter = VideoReformatter()  # keeps its scaler context from frame to frame
        self.colorspace, self.range, self.interpolation = Colorspace.ITU709, ColorRange.MPEG, Interpolation.POINT

    def __call__(self, image: QImage) -> VideoFrame:
        return self.reformatter.reformat(
            bgra_frame(image),
            format="yuv420p",
            dst_colorspace=self.colorspace,
            dst_color_range=self.range,
            interpolation=self.interpolation,
            threads=1,
        )


def _check_size(size: tuple[int, int], codec: Codec) -> None:
    width, height = size
    if codec.even_size and (width % 2 or height % 2):
        even = f"{width - width % 2}x{height - height % 2}"
        raise ExportError(f"--size {width}x{height}: {codec.name} video needs an even width and height (try {even})")


def _open(
    tmp: Path, source: ExportSource, motion: Motion, options: ExportOptions, codec: Codec
) -> tuple[OutputContainer, VideoStream]:
    import av

    container = av.open(str(tmp), mode="w", format=codec.container, options=codec.container_options)
    try:
        stream = container.add_stream(codec.encoder, rate=motion.fps, options=codec.options)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height = options.size
        stream.pix_fmt = "yuv420p"
        context = stream.codec_context
        context.color_primaries = context.color_trc = context.colorspace = _BT709
        context.color_range = _RANGE_MPEG
        container.metadata["title"] = source.title
        if source.is_deck:
            # Set before the first packet: the muxers write chapters into the header (MP4's
            # chapter track is set up there too). Times in frames, so marks fall on frames.
            container.set_chapters(
                [
                    {
                        "id": index + 1,
                        "start": motion.chapter_frames(index)[0],
                        "end": motion.chapter_frames(index)[1],
                        "time_base": Fraction(1, motion.fps),
                        "metadata": {"title": chapter.title},
                    }
                    for index, chapter in enumerate(source.chapters)
                ]
            )
    except BaseException:
        container.close()
        raise
    return container, stream


def _write(tmp: Path, source: ExportSource, motion: Motion, options: ExportOptions, codec: Codec, progress: Progress) -> None:
    """Draw every shot and encode it into ``tmp``; on any failure the worker is stopped first."""
    total = motion.frame_count
    chapter_starts = set(motion.chapter_starts)
    width, height = options.size
    ahead = max(1, min(_AHEAD, _AHEAD_BYTES // (width * height * 3 // 2)))
    convert = _Converter()
    container, stream = _open(tmp, source, motion, options, codec)
    encoder = _Encoder(container, stream, motion.fps, ahead)
    try:
        with draw_shots(source, motion, options) as shots:
            for shot, image in shots:
                progress(shot.first, total, f"{source.chapters[shot.chapter].title}: step {shot.step}")
                encoder.put(convert(image), shot.count, shot.first in chapter_starts)
        encoder.finish()
    except BaseException:
        encoder.abort()
        with contextlib.suppress(Exception):  # the first error is the one to report
            container.close()
        raise
    container.close()  # writes the index (and, for +faststart, moves it to the front)


def export_video(source: ExportSource, out: Path, options: ExportOptions, progress: Progress) -> str:
    """Write ``out`` (.mp4 or .webm) and return the summary line; see the module's docstring."""
    import av

    codec = CODECS.get(out.suffix.lower())
    if codec is None:
        raise ExportError(f"{out.name}: a video must end in {' or '.join(CODECS)}")
    _check_size(options.size, codec)
    motion = plan_motion(source, options.fps, options.pause)
    try:
        with atomic_path(out) as tmp:
            _write(tmp, source, motion, options, codec, progress)
    except av.FFmpegError as exc:
        if isinstance(exc, OSError):  # a full disk, a folder gone: the CLI names the output and the reason
            raise
        raise ExportError(f"the {codec.name} encoder failed: {exc}") from None
    total = motion.frame_count
    progress(total, total, "done")
    width, height = options.size
    chapters = f", {len(source.chapters)} chapters" if source.is_deck else ""
    return f"wrote {clock(motion.duration)} of {codec.name} video ({total:,} frames, {width}x{height}{chapters}) to {out}"


EXPORTER = Exporter(
    key="video",
    label="Video (MP4, WebM)…",
    help="the scene as it plays, a hold at every pause point, captions burnt in",
    suffixes=(
        ".mp4",
        ".webm",
    ),
    export=export_video,
    options=MOTION_OPTIONS,
)
