"""Command line: open the player, or validate / render / list without a window.

This is a contract other tools and people script against: exit codes are 0 for success, 1 for
invalid scenes or bad input files, 2 for bad command-line usage; problems go to stderr as
``FILE:LINE:COL: message``. Qt is imported only by the commands that draw.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from animator import __version__
from animator.files import NotRegularFileError, WriteError, atomic_path, check_regular_file, output_exists, write_atomic

if TYPE_CHECKING:
    from threading import Event

    from animator.engine.timeline import Timeline

COMMANDS = ("validate", "render", "export", "list", "import", "capture", "live", "share")
#: Stage themes, named here so the CLI needs no Qt import to check the argument.
THEMES = ("light", "dark", "high-contrast")
#: Protocol palettes and text sizes (percent), likewise (animator.render.theme holds the colours).
PALETTES = ("standard", "okabe-ito")
TEXT_SCALES = (100, 125, 150, 200)


class UsageError(Exception):
    """A bad argument value: printed as a one-line message, exit status 2."""


def _step(text: str) -> int | str:
    if text == "all":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a step: give a number, or 'all'") from None


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


def scene_path(text: str) -> Path:
    """A scene or deck argument: a path, or the name of a built-in one as ``list`` prints it
    (``home-nat``, ``home-nat.yaml``) when no such file is here."""
    from animator.resources import find_builtin

    path = Path(text)
    if path.exists():
        return path
    return find_builtin(path) or path


def _parser_open() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="packetstage",
        description="Play network scenes as step-by-step animations.",
        epilog=(
            "Other commands: validate FILE..., render SCENE --step N --out FILE.png, export SCENE_OR_DECK --FORMAT OUT "
            "(video, gif, html, pdf, pptx, png, svg, pcap), list, "
            "import CAPTURE -o SCENE.yaml, capture --iface IF -o OUT, live [--iface IF], share SCENE_OR_DECK. "
            "Use 'COMMAND --help' for each."
        ),
    )
    p.add_argument(
        "scene",
        nargs="?",
        type=scene_path,
        help="scene or deck (*.deck.yaml) to open, or a built-in one by name (see 'list'; default: http-get)",
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
    v.add_argument("files", nargs="+", type=scene_path)
    r = sub.add_parser("render", help="render one frame of a scene to PNG, headless")
    r.add_argument("scene", type=scene_path)
    when = r.add_mutually_exclusive_group(required=True)
    when.add_argument(
        "--step", type=_step, metavar="N|all", help="pause point at the end of step N (0: before anything moves), or every one"
    )
    when.add_argument("--time", type=float, metavar="T", help="scene time in seconds")
    r.add_argument("--out", type=Path, required=True, metavar="FILE.png|DIR", help="a .png, or a folder with --step all")
    r.add_argument("--force", action="store_true", help="overwrite FILE.png (or the step images in DIR) if it exists")
    r.add_argument("--boxes", action="store_true", help="with --step all: step-NN.json beside each PNG (every box drawn)")
    r.add_argument("--size", type=_size, default=(1280, 720), metavar="WxH", help="image size (default 1280x720)")
    r.add_argument("--theme", choices=THEMES, default="light", help="stage theme (default light)")
    r.add_argument(
        "--palette", choices=PALETTES, default="standard", help="protocol colours: standard, or okabe-ito (colour-blind safe)"
    )
    r.add_argument(
        "--scale", type=_text_scale, default=1.0, metavar="PERCENT", help="text size: 100, 125, 150 or 200 (default 100)"
    )
    from animator.cli_export import add_export_parser

    add_export_parser(sub)
    from animator.cli_share import add_share_parser

    add_share_parser(sub)
    sub.add_parser("list", help="list the built-in scenes")
    _add_capture_commands(sub)
    return p


def _packet_range(text: str) -> tuple[int, int | None]:
    from animator.capture.ranges import packet_range

    try:
        return packet_range(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of at least 1")
    return int(text)


def _import_limit(text: str) -> int:
    """``import --limit``: at most the real packets a scene may carry, so an import never writes a
    scene its own loader refuses (``animator.model.limits.MAX_REAL_SENDS``)."""
    from animator.model.limits import MAX_REAL_SENDS

    value = _positive_int(text)
    if value > MAX_REAL_SENDS:
        raise argparse.ArgumentTypeError(
            f"--limit {value:,}: a scene holds at most {MAX_REAL_SENDS:,} packets; import a part with --range"
        )
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number greater than 0")
    return value


def _add_capture_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    i = sub.add_parser("import", help="turn a pcap/pcapng capture into a scene file")
    i.add_argument("capture", type=Path, metavar="CAPTURE", help="a .pcap or .pcapng file")
    i.add_argument("-o", "--output", type=Path, required=True, metavar="SCENE.yaml")
    i.add_argument("--force", action="store_true", help="overwrite SCENE.yaml if it exists")
    i.add_argument(
        "--filter", metavar="EXPR", help="keep only matching packets: BPF (tcpdump syntax) via libpcap, or the simple filter"
    )
    i.add_argument("--filter-kind", choices=("auto", "bpf", "simple"), default="auto", help="auto: BPF when libpcap is installed")
    i.add_argument(
        "--range", type=_packet_range, metavar="A-B", help="packet numbers to read, as Wireshark numbers them (A-, -B)"
    )
    i.add_argument(
        "--limit", type=_import_limit, default=1000, metavar="N", help="keep at most N packets (default 1000; at most 5,000)"
    )
    i.add_argument("--no-group", action="store_true", help="one step per packet, even for bulk TCP data")
    i.add_argument("--window", type=_positive_float, metavar="MS", help="packets less than MS milliseconds apart share a step")
    i.add_argument("--max-hosts", type=_positive_int, default=16, metavar="N", help="hosts drawn as their own node (default 16)")
    i.add_argument("--title", help="the scene's title (default: Capture FILE)")
    c = sub.add_parser("capture", help="record live traffic headless into a scene or a pcap (needs capture rights)")
    c.add_argument("--iface", required=True, metavar="IF", help="the interface to sniff, e.g. eth0 or lo")
    c.add_argument("--filter", metavar="BPF", help="a capture filter in tcpdump syntax (needs libpcap)")
    stop = c.add_mutually_exclusive_group(required=True)
    stop.add_argument("--count", type=_positive_int, metavar="N", help="stop after N packets")
    stop.add_argument("--duration", type=_positive_float, metavar="S", help="stop after S seconds")
    c.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.yaml|OUT.pcap")
    c.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    v = sub.add_parser("live", help="open the live view: packets animate as they cross an interface")
    v.add_argument("--iface", metavar="IF", help="the interface to sniff (default: chosen in the window)")
    v.add_argument("--filter", metavar="BPF", help="a capture filter in tcpdump syntax (needs libpcap)")
    v.add_argument("--exit-after", type=int, metavar="MS", help=argparse.SUPPRESS)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["_sniff"]:  # the live view's capture child (animator.capture.live.ProcessCapture), not for people
        from animator.capture.live import sniff_main

        return sniff_main(args[1:])
    try:
        if args and args[0] in COMMANDS:
            ns = _parser_commands().parse_args(args)
            handlers = {"validate": cmd_validate, "render": cmd_render, "export": cmd_export, "list": cmd_list}
            handlers |= {"import": cmd_import, "capture": cmd_capture, "live": cmd_live, "share": cmd_share}
            return handlers[ns.command](ns)
        ns = _parser_open().parse_args(args)
        return cmd_open(ns)
    except UsageError as exc:
        print(f"packetstage: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `packetstage list | head`: the reader left; stop quietly, as Unix tools do, and keep
        # Python from complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def cmd_validate(ns: argparse.Namespace) -> int:
    from animator.engine.check import check_file

    bad = 0
    for path in ns.files:
        # Every stage: the file, the model, the packets' layers, a dry run of the simulation, the
        # schedule; a deck is valid when it and every scene it lists are.
        errors = check_file(path)
        for error in errors:
            print(error)  # stdout, like linters, so editors and scripts can parse it
        bad += bool(errors)
    print(f"{len(ns.files) - bad} of {len(ns.files)} scene(s) valid", file=sys.stderr)
    return 1 if bad else 0


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
    every = ns.step == "all"
    if every:
        if output_exists(out) and not out.is_dir():
            raise UsageError(f"--out {out}: with --step all the output is a folder, and this is a file")
        # The folder itself may be made, but not a tree of them: a typo must not scatter images.
        if not out.parent.is_dir():
            raise UsageError(f"--out {out}: the folder {out.parent} does not exist")
        if out.is_dir() and not ns.force and any(out.glob("step-*.png")):
            raise UsageError(f"--out {out}: the folder holds step images already; add --force to overwrite them")
    else:
        if ns.boxes:
            raise UsageError("--boxes goes with --step all")
        if out.suffix.lower() != ".png":
            raise UsageError(f"--out {out}: the output must be a .png file")
        _check_output(out, ns.force, (".png",), "--out")
    timeline = _load_timeline(ns.scene)
    if timeline is None:
        return 1
    if every:
        from animator.export.png import StageRenderer, render_steps

        renderer = StageRenderer(timeline, ns.size, ns.theme, ns.palette, ns.scale)
        try:
            render_steps(renderer, out, ns.boxes)
        except OSError as exc:
            print(f"packetstage: error: {_write_error(out, exc)}", file=sys.stderr)
            return 1
        finally:
            renderer.close()
        return 0
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
        print(f"packetstage: error: {_write_error(out, exc)}", file=sys.stderr)
        return 1
    return 0


def cmd_export(ns: argparse.Namespace) -> int:
    from animator.cli_export import cmd_export as export

    return export(ns)


def cmd_share(ns: argparse.Namespace) -> int:
    from animator.cli_share import cmd_share as share

    return share(ns)


def cmd_list(ns: argparse.Namespace) -> int:
    from animator.model import SceneLoadError, load_scene
    from animator.model.deck import load_deck
    from animator.resources import builtin_decks, builtin_scenes

    for path in builtin_decks():
        try:
            deck = load_deck(path)
        except SceneLoadError as exc:
            print(f"{path.name:28} (invalid: {exc.errors[0].message})")
            continue
        print(f"{path.name:28} {len(deck.scenes):3} scenes {deck.title}")
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
    try:
        check_regular_file(scene)  # a FIFO would hang the player before its window appears
    except NotRegularFileError as exc:
        print(f"packetstage: error: {exc}", file=sys.stderr)
        return 1
    except OSError:
        pass  # a missing file: the player says so in its own window, as before
    if ns.step is not None and ns.step < 0:
        raise UsageError(f"--step {ns.step}: steps are numbered from 0")
    from animator.ui.app import run

    if ns.screen is not None and (ns.screen < 0 or not ns.present):
        raise UsageError("--screen N goes with --present, and screens are numbered from 0")
    if ns.screenshot is not None and ns.screenshot.suffix.lower() != ".png":
        raise UsageError(f"--screenshot {ns.screenshot}: the output must be a .png file")
    return run(scene, ns.step, exit_after_ms=ns.exit_after, screenshot=ns.screenshot, present=ns.present, screen=ns.screen)


def _check_output(out: Path, force: bool, suffixes: tuple[str, ...], flag: str = "-o") -> None:
    """The rules every command that writes a file shares (import, capture, export, render).

    A symlink, even a dangling one, counts as an existing file: without ``--force`` nothing is
    written, and with it the link itself is replaced (``animator.files.atomic_path``), never
    the file it points to. The folder must exist, so a typo does not create a tree of folders.
    """
    if out.suffix.lower() not in suffixes:
        raise UsageError(f"{flag} {out}: the output must end in {' or '.join(suffixes)}")
    if out.exists() and not out.is_file() and not out.is_symlink():
        raise UsageError(f"{flag} {out}: is not a file")
    if output_exists(out) and not force:
        what = "is a symbolic link" if out.is_symlink() else "the file exists"
        raise UsageError(f"{flag} {out}: {what}; add --force to overwrite it")
    if not out.parent.is_dir():
        raise UsageError(f"{flag} {out}: the folder {out.parent} does not exist")


def _write_scene_text(out: Path, text: str) -> bool:
    """Check that the generated scene loads (a failure is a bug here, not the user's), then write it."""
    from animator.engine import build_timeline
    from animator.model import SceneLoadError, load_scene_text

    try:
        build_timeline(load_scene_text(text, str(out)))
    except SceneLoadError as exc:  # pragma: no cover - the importer's own tests keep this from happening
        print(f"packetstage: error: the generated scene does not load (please report this): {exc.errors[0]}", file=sys.stderr)
        return False
    try:
        write_atomic(out, text)  # a full disk leaves the old scene byte-identical, not cut off
    except OSError as exc:
        print(f"packetstage: error: {_write_error(out, exc)}", file=sys.stderr)
        return False
    return True


def _write_error(out: Path, exc: OSError) -> str:
    """``OUT: reason`` for a failed write, naming the output even when a temporary failed."""
    return str(exc) if isinstance(exc, WriteError) else f"{out}: {exc.strerror or exc}"


def cmd_import(ns: argparse.Namespace) -> int:
    from animator.capture.filters import FilterError
    from animator.capture.importer import ImportOptions, import_capture
    from animator.capture.reader import CaptureError, describe_problems

    _check_output(ns.output, ns.force, (".yaml", ".yml"))
    first, last = ns.range or (1, None)
    options = ImportOptions(
        filter=ns.filter,
        filter_kind=ns.filter_kind,
        first=first,
        last=last,
        limit=ns.limit,
        group_bulk=not ns.no_group,
        window_ms=ns.window or 0.0,
        max_hosts=ns.max_hosts,
        title=ns.title,
    )
    try:
        result = import_capture(ns.capture, options)
    except FilterError as exc:
        raise UsageError(f"--filter: {exc}") from None
    except CaptureError as exc:
        print(f"packetstage: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug of ours must still not greet the user with a traceback
        bug = f"{type(exc).__name__}: {exc}"
        print(f"packetstage: error: importing {ns.capture} failed (please report this): {bug}", file=sys.stderr)
        return 1
    for line in describe_problems(result.problems, limit=20):
        print(f"{ns.capture}: {line}", file=sys.stderr)
    for line in result.notes:
        print(f"{ns.capture}: note: {line}", file=sys.stderr)
    if not _write_scene_text(ns.output, result.text):
        return 1
    how = f", filter: {result.filter_kind}" if result.filter_kind else ""
    print(
        f"wrote {ns.output}: {result.steps} steps, {result.nodes} nodes from {result.packets_kept} of "
        f"{result.packets_read} packets read{how}",
        file=sys.stderr,
    )
    return 0


def cmd_capture(ns: argparse.Namespace) -> int:
    """Capture straight to disk (bounded memory), then print tcpdump's counts; a .yaml output is converted at the end.

    Ctrl+C, SIGTERM and SIGHUP end the capture early like its time running out: what was
    captured is written and renamed into place. A capture of nothing replaces nothing.
    """
    import threading

    from animator.capture.recorder import stop_on_signals
    from animator.capture.sockets import CaptureSetupError

    _check_output(ns.output, ns.force, (".yaml", ".yml", ".pcap", ".pcapng"))
    stop = threading.Event()
    try:
        with stop_on_signals(stop):
            if ns.output.suffix.lower() in (".yaml", ".yml"):
                return _capture_scene(ns, stop)
            return _capture_file(ns, stop)
    except CaptureSetupError as exc:
        print(f"packetstage: error: {exc}", file=sys.stderr)
        return 1


def _capture_into(ns: argparse.Namespace, path: Path, stop: Event) -> tuple[int, str]:
    """Run the capture into ``path``; print the end-of-capture counts; return (packets captured, notice)."""
    from animator.capture.recorder import capture_to_file

    tty = sys.stderr.isatty()

    def progress(n: int) -> None:
        print(f"\rcapturing on {ns.iface}: {n:,} packets (Ctrl+C stops)", end="", file=sys.stderr, flush=True)

    run = capture_to_file(
        ns.iface, ns.filter, path, count=ns.count, duration=ns.duration, stop=stop, progress=progress if tty else None
    )
    if tty:
        print(file=sys.stderr)
    print(run.counts.summary(), file=sys.stderr)  # as tcpdump ends: what the kernel and the queue dropped
    return run.counts.captured, run.notice


def _capture_file(ns: argparse.Namespace, stop: Event) -> int:
    class _NothingCapturedError(Exception):
        """Nothing was captured: the temporary goes, an older file stays."""

    try:
        with atomic_path(ns.output) as partial:  # keeps the suffix, which picks pcap or pcapng
            captured, notice = _capture_into(ns, partial, stop)
            if not captured:
                raise _NothingCapturedError
    except _NothingCapturedError:
        print(f"packetstage: error: no packets were captured on {ns.iface}: {ns.output} not written", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"packetstage: error: {_write_error(ns.output, exc)}", file=sys.stderr)
        return 1
    if notice:
        print(f"packetstage: note: {notice}", file=sys.stderr)
    print(f"wrote {ns.output}: {captured:,} packets from {ns.iface}", file=sys.stderr)
    return 0


def _capture_scene(ns: argparse.Namespace, stop: Event) -> int:
    """Stream to a capture beside the scene (disk, not memory), then import it as ``import`` would."""
    import tempfile

    from animator.capture.importer import ImportOptions, import_capture
    from animator.capture.reader import CaptureError, describe_problems

    options = ImportOptions(title=f"Live capture on {ns.iface}")
    try:
        with tempfile.TemporaryDirectory(prefix=f".{ns.output.name}.", dir=ns.output.parent) as folder:
            path = Path(folder) / f"capture-on-{ns.iface}.pcapng"
            captured, notice = _capture_into(ns, path, stop)
            if not captured:
                print(f"packetstage: error: no packets were captured on {ns.iface}: {ns.output} not written", file=sys.stderr)
                return 1
            result = import_capture(path, options)
    except CaptureError as exc:
        why = str(exc).partition(": nothing to import: ")[2] or str(exc)
        print(f"packetstage: error: nothing to make a scene of: {why} (captured on {ns.iface})", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"packetstage: error: {_write_error(ns.output, exc)}", file=sys.stderr)
        return 1
    for line in describe_problems(result.problems, limit=20):
        print(f"packetstage: note: {line}", file=sys.stderr)
    for line in result.notes:
        if line.startswith("stopped at packet"):
            line = (
                f"the scene shows the first {options.limit:,} packets of {captured:,} captured; capture to a .pcapng "
                "and use 'packetstage import --range' for another part"
            )
        print(f"packetstage: note: {line}", file=sys.stderr)
    if notice:
        print(f"packetstage: note: {notice}", file=sys.stderr)
    if not _write_scene_text(ns.output, result.text):
        return 1
    print(
        f"wrote {ns.output}: {result.steps} steps from {result.packets_kept:,} of {captured:,} packets from {ns.iface}",
        file=sys.stderr,
    )
    return 0


def cmd_live(ns: argparse.Namespace) -> int:
    from animator.ui.live.window import run_live

    return run_live(ns.iface, ns.filter, exit_after_ms=ns.exit_after)
