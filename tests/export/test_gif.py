"""``export --gif``: small enough for chat, loops forever, plays at the scene's pace, shows the right steps."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from animator import cli
from animator.export import gif
from animator.export.base import ExportCancelled, ExportOptions
from animator.export.registry import load_source
from tests.conftest import REPO

pytestmark = pytest.mark.gui

HTTP_GET = REPO / "scenes" / "http-get.yaml"


@dataclass
class GifFile:
    width: int
    height: int
    #: The NETSCAPE2.0 loop count (0 = forever), None when the file does not loop.
    loops: int | None
    #: Each frame's delay, in centiseconds.
    delays: list[int]


def read_gif(data: bytes) -> GifFile:
    """Walk the GIF's blocks (header, extensions, images) as a decoder does: the loop extension and
    every frame's delay, without trusting any library's summary of them."""
    assert data[:6] in (b"GIF87a", b"GIF89a")
    width, height, flags = int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little"), data[10]
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)

    def skip_sub_blocks(pos: int) -> int:
        while data[pos]:
            pos += data[pos] + 1
        return pos + 1

    loops, delays, pending = None, [], 0
    while data[pos] != 0x3B:
        if data[pos] == 0x21:  # extension
            label = data[pos + 1]
            if label == 0xF9:
                pending = int.from_bytes(data[pos + 4 : pos + 6], "little")
            elif label == 0xFF and data[pos + 3 : pos + 14] == b"NETSCAPE2.0":
                loops = int.from_bytes(data[pos + 16 : pos + 18], "little")
            pos = skip_sub_blocks(pos + 2)
        elif data[pos] == 0x2C:  # image
            local = data[pos + 9]
            pos += 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0)
            pos = skip_sub_blocks(pos + 1)  # after the LZW minimum code size
            delays.append(pending)
            pending = 0
        else:
            raise AssertionError(f"unexpected GIF block 0x{data[pos]:02x} at {pos}")
    return GifFile(width, height, loops, delays)


def export(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = cli.main(["export", *args])
    return status, err.getvalue()


def test_a_ten_step_scene_at_960_wide_fits_in_8_mb_loops_forever_and_keeps_time(tmp_path: Path) -> None:
    out = tmp_path / "http-get.gif"
    status, err = export(str(HTTP_GET), "--gif", str(out))  # the defaults: 960x540, 15 fps, 2 s holds
    assert status == 0, err
    data = out.read_bytes()
    assert len(data) <= 8 * 2**20, f"{len(data) / 2**20:.1f} MB"
    info = read_gif(data)
    assert (info.width, info.height, info.loops) == (960, 540, 0)
    timeline = load_source(HTTP_GET).chapters[0].timeline
    assert timeline.step_count == 10
    expected = timeline.duration + 11 * 2.0
    assert abs(sum(info.delays) / 100 - expected) <= 1 / 15 + 0.01
    # Holds are one frame each, two seconds long (the first also holds the move's first frame);
    # between them the scene moves at 15 frames a second (delays of 6 or 7 centiseconds).
    holds = [d for d in info.delays if d >= 190]
    assert len(holds) == 11 and all(d <= 207 for d in holds)
    assert all(d in (6, 7) for d in info.delays if d < 190)
    # One frame per 1/15 s of movement and one per hold (a hold absorbs the move's first frame).
    assert abs(len(info.delays) - (timeline.duration * 15 + 11)) <= 11, len(info.delays)
    assert err.startswith("wrote 0:55 of looping GIF") and "960x540" in err


def test_gif_frames_show_the_pause_points(tmp_path: Path) -> None:
    import av

    from animator.export.motion import bgra_frame
    from animator.export.png import StageRenderer

    out = tmp_path / "steps.gif"
    status, err = export(str(HTTP_GET), "--gif", str(out), "--steps", "2-4", "--size", "320x180", "--pause", "1")
    assert status == 0, err
    info = read_gif(out.read_bytes())
    timeline = load_source(HTTP_GET, (2, 4)).chapters[0].timeline
    with av.open(str(out)) as container:
        decoded = [frame.to_ndarray(format="rgb24").astype(np.int16) for frame in container.decode(video=0)]
    assert len(decoded) == len(info.delays)
    starts = np.cumsum([0, *info.delays[:-1]]) / 100
    renderer = StageRenderer(timeline, (320, 180))
    try:
        for step in (2, 3, 4):
            middle = timeline.boundary(step) - timeline.boundary(2) + (step - 2) * 1.0 + 0.5
            shown = decoded[int(np.searchsorted(starts, middle, side="right")) - 1]
            expected = bgra_frame(renderer.image(timeline.boundary(step))).to_ndarray(format="rgb24").astype(np.int16)
            error = np.abs(shown - expected).mean()
            assert error < 2.0, f"step {step}: mean difference {error:.2f} levels from the PNG render"
    finally:
        renderer.close()


def test_more_than_50_fps_is_refused_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "fast.gif"
    status, err = export(str(HTTP_GET), "--gif", str(out), "--fps", "60", "--steps", "1")
    assert status == 1 and err.count("\n") == 1 and "at most 50 frames per second" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("cancel_at", [3, 40], ids=["while-choosing-colours", "while-writing"])
def test_a_cancelled_gif_leaves_nothing_and_keeps_the_old_file(tmp_path: Path, cancel_at: int) -> None:
    out = tmp_path / "steps.gif"
    out.write_bytes(b"a good gif")
    calls = []

    def cancel(done: int, total: int, what: str) -> None:
        calls.append(what)
        if len(calls) == cancel_at:
            raise ExportCancelled

    source = load_source(HTTP_GET, (1, 2))
    options = ExportOptions(size=(320, 180), fps=15, pause=0.5)
    with pytest.raises(ExportCancelled):
        gif.EXPORTER.export(source, out, options, cancel)
    assert out.read_bytes() == b"a good gif"
    assert [p.name for p in tmp_path.iterdir()] == ["steps.gif"], "a temporary file was left behind"
    assert calls[-1].startswith("colours: " if cancel_at == 3 else "frames: ")
