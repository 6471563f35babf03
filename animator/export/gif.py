"""``export --gif OUT.gif``: a looping animated GIF for slides and chat (default 960x540 at 15 fps).

One palette for the whole clip, made from every frame (FFmpeg's ``palettegen``), so the protocol
colours stay the same colours from the first frame to the last; a palette per frame would make
flat areas shimmer. No dithering: the stage is flat colour and anti-aliased text, which 256
well-chosen colours show cleanly, and noise from dithering would defeat the GIF encoder's
frame-to-frame differencing (each frame stores only the rectangle that changed, the rest
transparent), which is what keeps a 10-step scene at 960 px well under the 8 MB that chat apps
and slide tools accept.

Holds cost one frame each: a GIF frame carries its own delay, so a 2-second pause point is one
frame shown for 200 centiseconds. Two passes over the shots, drawing each twice: the palette must
be known before the first frame is written, and keeping every frame until then would take
~2 MB a frame (a gigabyte for a long scene), while drawing one at 960x540 takes a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from animator.export.base import MOTION_OPTIONS, Exporter, ExportError, ExportOptions, ExportSource, Progress
from animator.export.motion import Motion, bgra_frame, clock, draw_shots, plan_motion
from animator.files import atomic_path

if TYPE_CHECKING:
    from av import VideoFrame
    from av.filter.context import FilterContext

#: GIF delays are in centiseconds, and browsers show a delay under 2 as 10: faster than 50 frames a
#: second a GIF plays slower, not smoother.
MAX_FPS = 50
_CENTISECOND = Fraction(1, 100)


def _centiseconds(frame: int, fps: int) -> int:
    """When output frame ``frame`` starts, rounded to the GIF's clock: rounding each start rather
    than each delay keeps the clip's length exact (15 fps alternates delays of 7, 7 and 6)."""
    return round(frame * 100 / fps)


def _pulled(sink: FilterContext) -> Iterator[VideoFrame]:
    """Whatever ``sink`` has ready. Pulling is also what runs a filter graph: a pushed frame waits
    in the graph (holding its drawing) until something pulls, so both passes pull after every push."""
    import av

    while True:
        try:
            frame = sink.pull()
        except (av.BlockingIOError, av.EOFError):
            return
        assert isinstance(frame, av.VideoFrame)
        yield frame


def _what(source: ExportSource, pass_name: str, chapter: int, step: int) -> str:
    return f"{pass_name}: {source.chapters[chapter].title}: step {step}"


def _palette(source: ExportSource, motion: Motion, options: ExportOptions, progress: Progress) -> VideoFrame:
    """The clip's one 256-colour palette, from every distinct frame (first pass)."""
    import av

    width, height = options.size
    graph = av.filter.Graph()
    frames = graph.add_buffer(width=width, height=height, format=av.VideoFormat("bgra"), time_base=_CENTISECOND)
    # stats_mode=full: colours weighted by how much of the clip shows them, so the background and
    # the text get exact entries; reserve_transparent leaves one index for the encoder's differencing.
    palettegen = graph.add("palettegen", "max_colors=256:reserve_transparent=1:stats_mode=full")
    sink = graph.add("buffersink")
    graph.link_nodes(frames, palettegen, sink)
    graph.configure()
    total = 2 * len(motion.shots)
    with draw_shots(source, motion, options) as shots:
        for done, (shot, image) in enumerate(shots):
            progress(done, total, _what(source, "colours", shot.chapter, shot.step))
            frame = bgra_frame(image)
            frame.pts = _centiseconds(shot.first, motion.fps)
            frames.push(frame)
            # Runs the graph: palettegen adds the frame's colours to its counts and lets it go.
            _ = list(_pulled(sink))
    frames.push(None)
    for palette in _pulled(sink):
        return palette
    raise ExportError("no palette came out of palettegen")


def _write(
    tmp: Path, source: ExportSource, motion: Motion, options: ExportOptions, palette: VideoFrame, progress: Progress
) -> int:
    """Second pass: map every frame to the palette and write the GIF; returns the GIF frames written."""
    import av

    width, height = options.size
    last = motion.shots[-1]
    final_delay = _centiseconds(last.end, motion.fps) - _centiseconds(last.first, motion.fps)
    # loop=0: loop forever. final_delay: the last frame (the end state, held) has no next frame
    # to take its delay from.
    container = av.open(str(tmp), mode="w", format="gif", options={"loop": "0", "final_delay": str(max(final_delay, 1))})
    written = 0
    try:
        stream = container.add_stream("gif")
        stream.width, stream.height, stream.pix_fmt = width, height, "pal8"
        stream.codec_context.time_base = _CENTISECOND
        graph = av.filter.Graph()
        frames = graph.add_buffer(width=width, height=height, format=av.VideoFormat("bgra"), time_base=_CENTISECOND)
        colours = graph.add_buffer(width=palette.width, height=palette.height, format=palette.format, time_base=_CENTISECOND)
        # diff_mode=rectangle: only the part that changed is re-mapped, so the rest of the frame
        # stays identical and the encoder stores just the changed rectangle.
        paletteuse = graph.add("paletteuse", "dither=none:diff_mode=rectangle")
        sink = graph.add("buffersink")
        frames.link_to(paletteuse, 0, 0)
        colours.link_to(paletteuse, 0, 1)
        paletteuse.link_to(sink)
        graph.configure()
        colours.push(palette)
        colours.push(None)

        def drain() -> None:
            nonlocal written
            for mapped in _pulled(sink):
                mapped.time_base = _CENTISECOND
                container.mux(stream.encode(mapped))
                written += 1

        total = 2 * len(motion.shots)
        with draw_shots(source, motion, options) as shots:
            for done, (shot, image) in enumerate(shots, start=len(motion.shots)):
                progress(done, total, _what(source, "frames", shot.chapter, shot.step))
                frame = bgra_frame(image)
                frame.pts = _centiseconds(shot.first, motion.fps)
                frames.push(frame)
                drain()
        frames.push(None)
        drain()
        container.mux(stream.encode(None))
    finally:
        container.close()
    return written


def export_gif(source: ExportSource, out: Path, options: ExportOptions, progress: Progress) -> str:
    """Write ``out`` and return the summary line; see the module's docstring."""
    import av

    if options.fps > MAX_FPS:
        raise ExportError(
            f"--fps {options.fps}: a GIF plays at most {MAX_FPS} frames per second (browsers slow faster ones down)"
        )
    motion = plan_motion(source, options.fps, options.pause)
    try:
        palette = _palette(source, motion, options, progress)
        with atomic_path(out) as tmp:
            written = _write(tmp, source, motion, options, palette, progress)
    except av.FFmpegError as exc:
        if isinstance(exc, OSError):  # a full disk, a folder gone: the CLI names the output and the reason
            raise
        raise ExportError(f"the GIF encoder failed: {exc}") from None
    total = 2 * len(motion.shots)
    progress(total, total, "done")
    width, height = options.size
    size = out.stat().st_size / 2**20
    return f"wrote {clock(motion.duration)} of looping GIF ({written:,} frames, {width}x{height}, {size:.1f} MB) to {out}"


EXPORTER = Exporter(
    key="gif",
    label="Animated GIF…",
    help="a looping GIF for slides and chat",
    suffixes=(".gif",),
    export=export_gif,
    options=MOTION_OPTIONS,
    default_size=(960, 540),
)
