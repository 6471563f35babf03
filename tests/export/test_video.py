"""``export --video``: what a viewer gets (codec, size, length, the right picture at each pause point,
chapters in a deck) and what a user is protected from (overwrites, half-written files, tracebacks)."""

from __future__ import annotations

import contextlib
import errno
import io
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from animator import cli
from animator.export import video
from animator.export.base import ExportCancelled, ExportOptions
from animator.export.registry import load_source
from tests.conftest import MINIMAL, REPO

if TYPE_CHECKING:
    from PySide6.QtGui import QImage

pytestmark = pytest.mark.gui

HTTP_GET = REPO / "scenes" / "http-get.yaml"
SMALL = ["--size", "320x180", "--pause", "0.5"]
FPS = 30


def probe(path: Path) -> dict[str, Any]:
    """ffprobe's view of the file (the Debian tool, independent of the PyAV that wrote it)."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        pytest.skip("ffprobe is not installed (Debian package ffmpeg)")
    command = [ffprobe, "-v", "error", "-show_streams", "-show_format", "-show_chapters", "-of", "json", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    info: dict[str, Any] = json.loads(done.stdout)
    return info


def export(*args: str) -> tuple[int, str]:
    """Run ``packetstage export`` in this process; its exit status and what it printed on stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = cli.main(["export", *args])
    return status, err.getvalue()


def expected_seconds(first: int, last: int, pause: float) -> float:
    """The exported steps' timeline duration plus a hold at each of their pause points."""
    timeline = load_source(HTTP_GET, (first, last)).chapters[0].timeline
    return timeline.boundary(last) - timeline.boundary(first) + (last - first + 1) * pause


def rgb(image: QImage) -> np.ndarray:
    from animator.export.motion import bgra_frame

    return bgra_frame(image).to_ndarray(format="rgb24").astype(np.int16)


@pytest.fixture(scope="module")
def steps_2_to_4(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Pause points 2-4 of the HTTP GET scene at 320x180, holds of half a second."""
    out = tmp_path_factory.mktemp("video") / "talk.mp4"
    status, err = export(str(HTTP_GET), "--video", str(out), "--steps", "2-4", *SMALL)
    assert status == 0, err
    return out, err


def test_mp4_is_h264_yuv420p_at_the_size_and_length_asked(steps_2_to_4: tuple[Path, str]) -> None:
    out, err = steps_2_to_4
    info = probe(out)
    (stream,) = info["streams"]
    assert (stream["codec_name"], stream["width"], stream["height"], stream["pix_fmt"]) == ("h264", 320, 180, "yuv420p")
    assert stream["color_space"] == "bt709" and stream["r_frame_rate"] == "30/1"
    seconds = float(info["format"]["duration"])
    assert abs(seconds - expected_seconds(2, 4, 0.5)) <= 1 / FPS + 1e-3
    # +faststart: the index comes before the frames, so a browser or an LMS plays while downloading.
    head = out.read_bytes()[:4096]
    assert 0 <= head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head
    assert err.strip().startswith("wrote 0:") and f"of H.264 video ({round(seconds * FPS)} frames, 320x180) to {out}" in err


def test_held_frames_are_the_pictures_render_draws(steps_2_to_4: tuple[Path, str]) -> None:
    import av

    from animator.export.png import StageRenderer

    out, _ = steps_2_to_4
    with av.open(str(out)) as container:
        decoded = [frame.to_ndarray(format="rgb24").astype(np.int16) for frame in container.decode(video=0)]
    timeline = load_source(HTTP_GET, (2, 4)).chapters[0].timeline
    renderer = StageRenderer(timeline, (320, 180))
    try:
        rendered = {step: rgb(renderer.image(timeline.boundary(step))) for step in (2, 3, 4)}
    finally:
        renderer.close()
    for step in (2, 3, 4):
        # The middle of step's hold, worked out from the timeline, not from the exporter's plan.
        middle = timeline.boundary(step) - timeline.boundary(2) + (step - 2) * 0.5 + 0.25
        frame = decoded[int(middle * FPS)]
        error = np.abs(frame - rendered[step]).mean()
        assert error < 3.0, f"step {step}: mean difference {error:.2f} levels from the PNG render"
        others = [np.abs(frame - rendered[other]).mean() for other in rendered if other != step]
        assert all(error < other for other in others), "the frame looks more like another step than its own"


def test_webm_is_vp9(tmp_path: Path) -> None:
    out = tmp_path / "talk.webm"
    status, err = export(str(HTTP_GET), "--video", str(out), "--steps", "2-3", *SMALL)
    assert status == 0, err
    info = probe(out)
    (stream,) = info["streams"]
    assert (stream["codec_name"], stream["width"], stream["height"], stream["pix_fmt"]) == ("vp9", 320, 180, "yuv420p")
    assert abs(float(info["format"]["duration"]) - expected_seconds(2, 3, 0.5)) <= 1 / FPS + 1e-3
    assert "of VP9 video" in err


def test_a_deck_is_one_video_with_a_chapter_per_scene(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "two.yaml").write_text(MINIMAL.replace("title: Minimal", "title: Again"), encoding="utf-8")
    deck = tmp_path / "course.deck.yaml"
    entries = "".join(
        f"  - file: {name}.yaml\n    title: {title} scene\n" for name, title in (("one", "First"), ("two", "Second"))
    )
    deck.write_text(f"format: 1\ntitle: A course\nscenes:\n{entries}", encoding="utf-8")
    out = tmp_path / "course.mp4"
    status, err = export(str(deck), "--video", str(out), *SMALL)
    assert status == 0, err
    info = probe(out)
    chapters = info["chapters"]
    assert [c["tags"]["title"] for c in chapters] == ["First scene", "Second scene"]
    one = load_source(tmp_path / "one.yaml").chapters[0].timeline
    first_length = one.duration + (one.step_count + 1) * 0.5
    assert float(chapters[0]["start_time"]) == 0.0
    assert abs(float(chapters[1]["start_time"]) - first_length) <= 1 / FPS + 1e-3
    assert abs(float(info["format"]["duration"]) - 2 * first_length) <= 1 / FPS + 1e-3
    assert info["format"]["tags"]["title"] == "A course"
    assert "2 chapters" in err


def test_an_existing_file_is_kept_without_force_and_replaced_with_it(tmp_path: Path) -> None:
    out = tmp_path / "talk.mp4"
    out.write_bytes(b"a good video")
    status, err = export(str(HTTP_GET), "--video", str(out), "--steps", "1-2", *SMALL)
    assert status == 2 and "add --force" in err and err.count("\n") == 1
    assert out.read_bytes() == b"a good video"
    status, err = export(str(HTTP_GET), "--video", str(out), "--steps", "1-2", *SMALL, "--force")
    assert status == 0, err
    assert probe(out)["streams"][0]["codec_name"] == "h264"


def test_a_cancelled_export_leaves_nothing_and_keeps_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "talk.mp4"
    out.write_bytes(b"a good video")
    seen = []

    def cancel_after_ten_drawings(done: int, total: int, what: str) -> None:
        seen.append(done)
        if len(seen) > 10:
            raise ExportCancelled

    source = load_source(HTTP_GET, (1, 3))
    with pytest.raises(ExportCancelled):
        video.EXPORTER.export(source, out, ExportOptions(size=(320, 180), pause=0.5), cancel_after_ten_drawings)
    assert out.read_bytes() == b"a good video"
    assert [p.name for p in tmp_path.iterdir()] == ["talk.mp4"], "a temporary file was left behind"
    assert not [t for t in threading.enumerate() if t.name == "video-encoder"], "the encoder thread is still running"
    assert seen[:3] == sorted(seen[:3]) and seen[0] == 0


def test_a_full_disk_while_encoding_leaves_nothing_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(self: object, *args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(video._Encoder, "_encode", disk_full)
    out = tmp_path / "talk.mp4"
    status, err = export(str(HTTP_GET), "--video", str(out), "--steps", "1-2", *SMALL)
    assert status == 1 and err == f"packetstage: error: {out}: No space left on device\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["--size", "321x181"], 1, "H.264 video needs an even width and height (try 320x180)"),
        (["--per-page", "2"], 2, "--per-page does not apply to --video"),
        (["--steps", "3-99"], 2, "steps run from 0 to 10"),
        (["--out-name", "talk.mov"], 2, "must end in .mp4 or .webm"),
        (["--out-name", "missing/talk.mp4"], 2, "does not exist"),
    ],
)
def test_bad_requests_get_one_line_and_no_file(tmp_path: Path, args: list[str], status: int, message: str) -> None:
    name = args[1] if args[0] == "--out-name" else "talk.mp4"
    options = [] if args[0] == "--out-name" else args
    out = tmp_path / name
    got, err = export(str(HTTP_GET), "--video", str(out), *options)
    assert (got, err.count("\n")) == (status, 1) and message in err, err
    assert "Traceback" not in err and list(tmp_path.iterdir()) == []


def test_a_bad_size_in_a_real_process_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "t.mp4"
    command = [sys.executable, str(REPO / "main.py"), "export", str(HTTP_GET), "--video", str(out), "--size", "big"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 2 and "'big' is not a size" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []
