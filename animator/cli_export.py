"""``packetstage export SCENE_OR_DECK --FORMAT OUT [options]``: every format of ``animator.export.registry``.

The options are built from the registry, so a new exporter appears here (and in the app's Export
menu) without touching this file. An option a format does not read is refused rather than ignored:
``--pause`` with ``--pdf`` is a mistake the user should hear about.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from animator.cli import PALETTES, THEMES, UsageError, _check_output, _size, _text_scale, _write_error, scene_path
from animator.export.base import ExportCancelled, Exporter, ExportError, ExportOptions
from animator.files import WriteError, output_exists


def _pause(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not 0 <= value <= 60:
        raise argparse.ArgumentTypeError(f"--pause {text}: hold each pause point 0 to 60 seconds")
    return value


def _fps(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 60:
        raise argparse.ArgumentTypeError(f"'{text}' is not a frame rate: give 1 to 60 frames per second")
    return int(text)


def _steps(text: str) -> tuple[int, int | None]:
    from animator.export.registry import parse_steps

    try:
        return parse_steps(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


#: Command-line flag of each shared option, for messages.
FLAGS = {
    "size": "--size",
    "theme": "--theme",
    "palette": "--palette",
    "scale": "--scale",
    "pause": "--pause",
    "per_page": "--per-page",
    "notes": "--notes",
    "fps": "--fps",
}


def add_export_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from animator.export.registry import exporters

    formats = exporters()
    e = sub.add_parser(
        "export",
        help="export a scene or deck: video, GIF, HTML player, PDF handout, PowerPoint, images, or its packets",
        description="Export a scene or a deck (*.deck.yaml) in one of the formats below. "
        "Nothing is overwritten without --force; a failed or cancelled export leaves no half-written file.",
    )
    e.add_argument("scene", type=scene_path, metavar="SCENE_OR_DECK")
    which = e.add_mutually_exclusive_group(required=True)
    for fmt in formats:
        metavar = "DIR" if fmt.folder else "FILE" + "|FILE".join(fmt.suffixes)
        which.add_argument(f"--{fmt.key}", type=Path, metavar=metavar, help=fmt.help)
    e.add_argument("--steps", type=_steps, metavar="A-B", help="only pause points A to B of a scene (0 is before anything moves)")
    e.add_argument("--size", type=_size, metavar="WxH", help="image size (default 1920x1080; GIF 960x540)")
    e.add_argument("--theme", choices=THEMES, help="stage theme (default light)")
    e.add_argument("--palette", choices=PALETTES, help="protocol colours: standard, or okabe-ito (colour-blind safe)")
    e.add_argument("--scale", type=_text_scale, metavar="PERCENT", help="text size: 100, 125, 150 or 200 (default 100)")
    e.add_argument("--pause", type=_pause, metavar="S", help="video/GIF: seconds to hold each pause point (default 2)")
    e.add_argument("--fps", type=_fps, metavar="N", help="video/GIF: frames per second (default 30; GIF 15)")
    e.add_argument("--per-page", type=int, choices=(1, 2, 4), help="PDF: steps per page (default 1)")
    e.add_argument("--notes", action="store_true", default=None, help="PDF: add the speaker notes")
    e.add_argument(
        "--link",
        metavar="LINK_ID",
        help="pcap: only what crosses this link, each packet once (what tcpdump on that wire sees)",
    )
    e.add_argument(
        "--at", metavar="NODE", help="pcap: what a capture on this node sees (every link it is on, one interface each)"
    )
    e.add_argument("--force", action="store_true", help="overwrite the output if it exists")


def _chosen(ns: argparse.Namespace) -> tuple[Exporter, Path]:
    from animator.export.registry import exporters

    for fmt in exporters():
        out = getattr(ns, fmt.key)
        if out is not None:
            return fmt, out
    raise UsageError("choose a format")  # pragma: no cover - argparse requires one


def options_for(fmt: Exporter, ns: argparse.Namespace) -> ExportOptions:
    """The options given, refusing those this format does not read; defaults for the rest."""
    given = {name: getattr(ns, name) for name in FLAGS if getattr(ns, name, None) is not None}
    ignored = sorted(set(given) - set(fmt.options))
    if ignored:
        flags = ", ".join(FLAGS[name] for name in ignored)
        raise UsageError(f"{flags} does not apply to --{fmt.key}")
    given.setdefault("size", fmt.default_size)
    if fmt.key == "gif":
        given.setdefault("fps", 15)
    where = {name: getattr(ns, name) for name in ("link", "at") if getattr(ns, name, None) is not None}
    if where and fmt.key != "pcap":
        raise UsageError(f"{', '.join('--' + name for name in where)} only goes with --pcap")
    if len(where) > 1:
        raise UsageError("--link and --at: capture on one link or at one node, not both")
    return ExportOptions(**given, extra=dict(where))


def _check_folder(out: Path, force: bool, flag: str) -> None:
    if output_exists(out) and not out.is_dir():
        raise UsageError(f"{flag} {out}: the output is a folder, and this is a file")
    if not out.parent.is_dir():
        raise UsageError(f"{flag} {out}: the folder {out.parent} does not exist")
    if out.is_dir() and not force and any(out.iterdir()):
        raise UsageError(f"{flag} {out}: the folder is not empty; add --force to overwrite the images in it")


class TerminalProgress:
    """A one-line progress bar on stderr when it is a terminal; silent otherwise (CI logs stay short)."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, done: int, total: int, what: str) -> None:
        if not self.live or total <= 0:
            return
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        width = 30
        filled = round(width * done / total)
        bar = "█" * filled + "·" * (width - filled)
        sys.stderr.write(f"\r{bar} {done}/{total} {what[:40]:<40}")
        if done >= total:
            sys.stderr.write("\r" + " " * (width + 50) + "\r")
        sys.stderr.flush()


def cmd_export(ns: argparse.Namespace) -> int:
    from animator.model import SceneLoadError
    from animator.model.deck import is_deck_path

    fmt, out = _chosen(ns)
    flag = f"--{fmt.key}"
    options = options_for(fmt, ns)
    if is_deck_path(ns.scene) and not fmt.decks:
        raise UsageError(f"{flag}: export one scene at a time, not a deck")
    if fmt.folder:
        _check_folder(out, ns.force, flag)
    else:
        if out.exists() and ns.scene.exists() and out.resolve() == ns.scene.resolve():
            raise UsageError(f"{flag} {out}: that is the scene file itself")
        _check_output(out, ns.force, fmt.suffixes, flag)
    from animator.export.registry import load_source

    try:
        source = load_source(ns.scene, ns.steps)
    except SceneLoadError as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        return 1
    except ExportError as exc:
        raise UsageError(str(exc)) from None
    progress = TerminalProgress()
    try:
        summary = fmt.export(source, out, options, progress)
    except (ExportError, ValueError) as exc:
        print(f"packetstage: error: {ns.scene}: {exc}", file=sys.stderr)
        return 1
    except ExportCancelled:
        print("packetstage: export cancelled; nothing was written", file=sys.stderr)
        return 1
    except (OSError, WriteError) as exc:
        print(f"packetstage: error: {_write_error(out, exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\npacketstage: export interrupted; nothing was written", file=sys.stderr)
        return 130
    print(summary, file=sys.stderr)
    return 0
