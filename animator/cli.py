"""Command line: open the player, or validate / render / list without a window.

This is a contract other tools and people script against: exit codes are 0 for success, 1 for
invalid scenes or bad input files, 2 for bad command-line usage; problems go to stderr as
``FILE:LINE:COL: message``. Qt is imported only by the commands that draw.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from animator import __version__

if TYPE_CHECKING:
    from animator.engine.timeline import Timeline
    from animator.model.errors import SceneError

COMMANDS = ("validate", "render", "export", "list")
#: Stage themes, named here so the CLI needs no Qt import to check the argument.
THEMES = ("light", "dark", "high-contrast")
#: Protocol palettes and text sizes (percent), likewise (animator.ui.theme holds the colours).
PALETTES = ("standard", "okabe-ito")
TEXT_SCALES = (100, 125, 150, 200)


class UsageError(Exception):
    """A bad argument value: printed as a one-line message, exit status 2."""


def _text_scale(text: str) -> float:
    value = text.strip().rstrip("%")
    if not value.isdigit() or int(value) not in TEXT_SCALES:
        raise argparse.ArgumentTypeError(f"'{text}' is not a text size: choose {', '.join(map(str, TEXT_SCALES))}")
    return int(value) / 100


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)[xX×](\d+)", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"'{text}' is not a size: expected WIDTHxHEIGHT, e.g. 1920x1080")
    w, h = int(match.group(1)), int(match.group(2))
    if not (64 <= w <= 8192 and 64 <= h <= 8192):
        raise argparse.ArgumentTypeError(f"size {w}x{h} is out of range: each side must be 64 to 8192 pixels")
    return w, h


def _parser_open() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="packetstage",
        description="Play network scenes as step-by-step animations.",
        epilog=(
            "Other commands: validate FILE..., render SCENE --step N --out FILE.png, export SCENE --pcap FILE.pcapng, list. "
            "Use 'COMMAND --help' for each."
        ),
    )
    p.add_argument(
        "scene", nargs="?", type=Path, help="scene or deck (*.deck.yaml) to open (default: the built-in HTTP GET scene)"
    )
    p.add_argument("--step", type=int, metavar="N", help="open at the pause point at the end of step N")
    p.add_argument("--present", action="store_true", help="present: the stage alone, fullscreen, on a second screen")
    p.add_argument("--screen", type=int, metavar="N", help="with --present: the screen for the audience (0 is the first)")
    p.add_argument("--version", action="version", version=f"PacketStage {__version__}")
    # For smoke tests of installed builds: open, paint, quit by itself after MS milliseconds.
    p.add_argument("--exit-after", type=int, metavar="MS", help=argparse.SUPPRESS)
    # For the README and bug reports: save a picture of the whole window, then quit.
    p.add_argument("--screenshot", type=Path, metavar="FILE.png", help="save a screenshot of the window to FILE.png and quit")
    return p


def _parser_commands() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="packetstage")
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="check scene and deck files; print FILE:LINE:COL: message per problem")
    v.add_argument("files", nargs="+", type=Path)
    r = sub.add_parser("render", help="render one frame of a scene to PNG, headless")
    r.add_argument("scene", type=Path)
    when = r.add_mutually_exclusive_group(required=True)
    when.add_argument("--step", type=int, metavar="N", help="pause point at the end of step N (0: before anything moves)")
    when.add_argument("--time", type=float, metavar="T", help="scene time in seconds")
    r.add_argument("--out", type=Path, required=True, metavar="FILE.png")
    r.add_argument("--size", type=_size, default=(1280, 720), metavar="WxH", help="image size (default 1280x720)")
    r.add_argument("--theme", choices=THEMES, default="light", help="stage theme (default light)")
    r.add_argument(
        "--palette", choices=PALETTES, default="standard", help="protocol colours: standard, or okabe-ito (colour-blind safe)"
    )
    r.add_argument(
        "--scale", type=_text_scale, default=1.0, metavar="PERCENT", help="text size: 100, 125, 150 or 200 (default 100)"
    )
    e = sub.add_parser("export", help="write the scene's packets to a capture file, one interface per link")
    e.add_argument("scene", type=Path)
    e.add_argument("--pcap", type=Path, required=True, metavar="FILE.pcapng", help="output (.pcapng; .pcap loses the link names)")
    e.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    sub.add_parser("list", help="list the built-in scenes")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in COMMANDS:
            ns = _parser_commands().parse_args(args)
            return {"validate": cmd_validate, "render": cmd_render, "export": cmd_export, "list": cmd_list}[ns.command](ns)
        ns = _parser_open().parse_args(args)
        return cmd_open(ns)
    except UsageError as exc:
        print(f"packetstage: error: {exc}", file=sys.stderr)
        return 2


def cmd_validate(ns: argparse.Namespace) -> int:
    from animator.model import validate_file
    from animator.model.deck import is_deck_path, validate_deck_file

    bad = 0
    for path in ns.files:
        # A deck is valid when it and every scene it lists are.
        errors = validate_deck_file(path) if is_deck_path(path) else validate_file(path)
        if not errors and not is_deck_path(path):
            errors = _simulation_errors(Path(path))
        for error in errors:
            print(error)  # stdout, like linters, so editors and scripts can parse it
        bad += bool(errors)
    print(f"{len(ns.files) - bad} of {len(ns.files)} scene(s) valid", file=sys.stderr)
    return 1 if bad else 0


def _simulation_errors(path: Path) -> list[SceneError]:
    """What only playing the scene finds: layer fields the packets package refuses, sends no device can carry."""
    from animator.engine import build_timeline
    from animator.model import SceneLoadError, load_scene

    try:
        build_timeline(load_scene(path))
    except SceneLoadError as exc:
        return exc.errors
    return []


def _load_timeline(path: Path) -> Timeline | None:
    """The scheduled scene, or None after printing its errors."""
    from animator.engine import build_timeline
    from animator.model import SceneLoadError, load_scene

    try:
        return build_timeline(load_scene(path))
    except SceneLoadError as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        return None


def cmd_render(ns: argparse.Namespace) -> int:
    from animator.model.deck import is_deck_path

    if is_deck_path(ns.scene):
        raise UsageError(f"{ns.scene} is a deck; render one of the scenes it lists")
    out: Path = ns.out
    if out.suffix.lower() != ".png":
        raise UsageError(f"--out {out}: the output must be a .png file")
    if out.exists() and not out.is_file():
        raise UsageError(f"--out {out}: is not a file")
    timeline = _load_timeline(ns.scene)
    if timeline is None:
        return 1
    if ns.step is not None:
        if not 0 <= ns.step <= timeline.step_count:
            raise UsageError(
                f"--step {ns.step}: this scene has {timeline.step_count} steps, so N must be 0 to {timeline.step_count}"
            )
        t = timeline.boundary(ns.step)
    else:
        if not 0 <= ns.time <= timeline.duration:
            raise UsageError(
                f"--time {ns.time:g}: this scene lasts {timeline.duration:.2f} s, so T must be 0 to {timeline.duration:.2f}"
            )
        t = ns.time
    from animator.export.png import render_png

    try:
        render_png(timeline, t, out, ns.size, ns.theme, ns.palette, ns.scale)
    except OSError as exc:
        print(f"packetstage: error: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_export(ns: argparse.Namespace) -> int:
    out: Path = ns.pcap
    if out.suffix.lower() not in (".pcapng", ".pcap"):
        raise UsageError(f"--pcap {out}: the output must be a .pcapng (or .pcap) file")
    if out.exists() and not out.is_file():
        raise UsageError(f"--pcap {out}: is not a file")
    if out.exists() and ns.scene.exists() and out.resolve() == ns.scene.resolve():
        raise UsageError(f"--pcap {out}: that is the scene file itself")
    if out.exists() and not ns.force:
        raise UsageError(f"--pcap {out}: the file exists; add --force to overwrite it")
    if not out.parent.is_dir():
        raise UsageError(f"--pcap {out}: folder {out.parent} does not exist")
    timeline = _load_timeline(ns.scene)
    if timeline is None:
        return 1
    from animator.export.pcap import export_pcap

    try:
        count = export_pcap(timeline, out)
    except (OSError, ValueError) as exc:
        print(f"packetstage: error: {ns.scene}: {exc}", file=sys.stderr)
        return 1
    links = len(timeline.scene.links)
    note = " (.pcap keeps no link names; use .pcapng for them)" if out.suffix.lower() == ".pcap" else ""
    print(f"wrote {count} packet(s) on {links} link(s) to {out}{note}", file=sys.stderr)
    return 0


def cmd_list(ns: argparse.Namespace) -> int:
    from animator.model import SceneLoadError, load_scene
    from animator.resources import builtin_scenes

    for path in builtin_scenes():
        try:
            scene = load_scene(path)
        except SceneLoadError as exc:
            print(f"{path.name:28} (invalid: {exc.errors[0].message})")
            continue
        print(f"{path.name:28} {len(scene.steps):3} steps  {scene.title}")
    return 0


def cmd_open(ns: argparse.Namespace) -> int:
    from animator.resources import default_scene

    scene = ns.scene if ns.scene is not None else default_scene()
    if ns.step is not None and ns.step < 0:
        raise UsageError(f"--step {ns.step}: steps are numbered from 0")
    from animator.ui.app import run

    if ns.screen is not None and (ns.screen < 0 or not ns.present):
        raise UsageError("--screen N goes with --present, and screens are numbered from 0")
    if ns.screenshot is not None and ns.screenshot.suffix.lower() != ".png":
        raise UsageError(f"--screenshot {ns.screenshot}: the output must be a .png file")
    return run(scene, ns.step, exit_after_ms=ns.exit_after, screenshot=ns.screenshot, present=ns.present, screen=ns.screen)
