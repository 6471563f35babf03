"""Property: whatever a scene file holds, PacketStage either plays it or refuses it in FILE:LINE:COL lines.

Hypothesis mutates the shipped scenes, at the YAML-tree level (keys and values deleted, duplicated,
renamed, replaced by other types, extreme numbers, NaN as text, deep nesting, long strings,
unknown kinds, swapped node ids) and at the text level (flipped bytes, truncation, inserted YAML
punctuation), and runs each result through everything that reads a scene without Qt:

    load → check → build_timeline (simulate with scapy) → state_at at every pause point and
    between → the inspector's packet detail and dissection → the ladder's arrows → the stage
    layout (``StageLayout.lay_out``) → pcap export

The only exceptions allowed are the ones a user is shown as a message: ``SceneLoadError`` (each
error one well-formed ``FILE:LINE:COL:`` line) and the exporters' ``ExportError`` (``NoPacketsError``:
a scene whose sends carry no real packet). Anything else is a crash the user would see as a
traceback; a run longer than ``HANG_S`` is a hang. The network is blocked throughout: a scene
must never make PacketStage look a name up or connect (one once sent a DNS query).

The suite runs ``SUITE_EXAMPLES`` examples with a fixed derandomized seed, so CI is reproducible.
``scripts/fuzz.sh`` runs the same properties with ``PACKETSTAGE_FUZZ_EXAMPLES`` (100,000 nightly)
and a random seed it prints, and ``PACKETSTAGE_FUZZ_PROGRESS=1`` prints a line every 1,000 examples.
Crashes it finds are fixed at the root and kept as reproducers in ``test_fuzz_findings.py``.
"""

from __future__ import annotations

import copy
import itertools
import math
import os
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from animator.engine import build_timeline
from animator.engine.sequence import ladder_arrows, lifeline_order
from animator.engine.sim import cache
from animator.export.base import ExportError
from animator.export.pcap import export_pcap
from animator.layout.stage import StageLayout
from animator.model import SceneLoadError
from animator.model.loader import load_scene_bytes
from animator.model.schema import NodeKind, Protocol
from animator.packets.dissect import dissect
from animator.resources import builtin_scenes

#: Examples in the suite, over the three properties below (split by ``SHARE``).
SUITE_EXAMPLES = 2_000
EXAMPLES = int(os.environ.get("PACKETSTAGE_FUZZ_EXAMPLES", SUITE_EXAMPLES))
NIGHTLY = "PACKETSTAGE_FUZZ_EXAMPLES" in os.environ
PROGRESS = os.environ.get("PACKETSTAGE_FUZZ_PROGRESS") == "1"
SHARE = {"tree": 0.5, "text": 0.3, "crossed": 0.2}
#: One scene is played in well under a second; this only turns a hang into a failure.
HANG_S = 30
NAME = "fuzz.yaml"
NODE_KINDS: tuple[str, ...] = get_args(NodeKind)
PROTOCOLS: tuple[str, ...] = get_args(Protocol)


def fuzz_settings(share: str) -> settings:
    """Reproducible in the suite (derandomized); a fresh seed each night (``--hypothesis-seed`` pins one)."""
    return settings(
        max_examples=max(1, round(EXAMPLES * SHARE[share])),
        deadline=None,
        derandomize=not NIGHTLY,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


# -- the shipped scenes, as text and as trees ---------------------------------------------------
SCENES: dict[str, bytes] = {path.name: path.read_bytes() for path in builtin_scenes()}
TREES: dict[str, Any] = {name: yaml.safe_load(text) for name, text in SCENES.items()}


def _keys(tree: Any) -> Iterator[str]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield str(key)
            yield from _keys(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from _keys(item)


def _node_ids(tree: Any) -> list[str]:
    nodes = tree.get("nodes") if isinstance(tree, dict) else None
    return [str(n["id"]) for n in nodes or [] if isinstance(n, dict) and "id" in n]


#: Every key the shipped scenes use, plus a few no scene may: renaming a key to another one makes
#: values land where they were never meant to (a ``backends`` list under ``ipv4``).
KEYS = sorted({*(k for tree in TREES.values() for k in _keys(tree)), "bogus", "id", "<<", ""})
LAYERS = ("ether", "arp", "ip", "ipv6", "icmp", "icmpv6", "tcp", "udp", "dns", "http", "tls", "http2", "websocket", "quic", "raw")
#: Field names the layers of ``animator.packets`` read (some on the wrong layer, on purpose).
LAYER_FIELDS = ("dport", "sport", "flags", "qd", "qname", "load", "method", "status", "ttl", "dst", "src", "seq", "ack",
                "window", "type", "id", "path", "host", "options", "version")  # fmt: skip
NUMBERS = (-1, 0, 1, 2, 53, 255, 256, 1500, 9000, 65535, 65536, 2**31, 2**32, 2**63, -(2**63), 10**20, 10**400)
FLOATS = (1e300, -1e300, 1e-300, 1e8, 3599.999, 3600.0, 3600.001, 86400.0, -0.0, 0.5, math.nan, math.inf, -math.inf)
WORDS = (
    "NaN", "nan", "inf", "-inf", ".inf", "1e300", "-1", "", " ", "None", "null", "~", "0x10", "1_000", "yes",
    "256.256.256.256", "10.0.0.1/33", "10.0.0.1", "0.0.0.0", "255.255.255.255", "::", "::1", "2001:db8::1/129",
    "ff:ff:ff:ff:ff:ff", "02:00:00:00:00:01", "../../etc/passwd", "/dev/zero", "\u202e\u2028", "\x1b[31m", "a: b",
    "- x", "{", "*x", "www.example.com", "localhost", "S", "SA", "FA", "R", "GET", "200", "ab" * 40, "x" * 2000,
)  # fmt: skip


def deep(levels: int) -> Any:
    """A value nested ``levels`` lists deep (the decoder bounds free-form values at 100)."""
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    return value


def values(ids: list[str]) -> st.SearchStrategy[Any]:
    """What a value is replaced with: other types, extremes, near-misses and the scene's own ids."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(NUMBERS),
        st.sampled_from(FLOATS),
        st.sampled_from(WORDS),
        st.text(max_size=12),
        st.sampled_from(ids or ["a"]),
        st.sampled_from((*NODE_KINDS, "toaster")),
        st.sampled_from((*PROTOCOLS, "bogus")),
    )
    layer = st.builds(
        lambda name, fields: {name: fields}, st.sampled_from(LAYERS), st.dictionaries(st.sampled_from(KEYS), scalars, max_size=3)
    )
    return st.one_of(
        scalars,
        st.lists(scalars, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), scalars, max_size=3),
        st.lists(layer, min_size=1, max_size=3),
        st.sampled_from((99, 100, 101, 150)).map(deep),
        st.just("x" * 70_000),  # past the 64 KiB value limit
    )


# -- tree mutations -------------------------------------------------------------------------------
Path_ = tuple[Any, ...]


def pick_path(draw: Callable[[st.SearchStrategy[Any]], Any], tree: Any) -> Path_:
    """A random path from the root to some value: a walk that stops at a leaf or when told to."""
    path: list[Any] = []
    node = tree
    while isinstance(node, (dict, list)) and node and (not path or draw(st.integers(0, 4)) > 0):
        key = draw(st.sampled_from(list(node.keys()))) if isinstance(node, dict) else draw(st.integers(0, len(node) - 1))
        path.append(key)
        node = node[key]
    return tuple(path)


def parent_of(tree: Any, path: Path_) -> Any:
    for key in path[:-1]:
        tree = tree[key]
    return tree


def swap_ids(tree: Any, a: str, b: str) -> Any:
    """Every text equal to ``a`` becomes ``b`` and vice versa (node ids, and references to them)."""
    if isinstance(tree, dict):
        return {swap_ids(k, a, b): swap_ids(v, a, b) for k, v in tree.items()}
    if isinstance(tree, list):
        return [swap_ids(v, a, b) for v in tree]
    if tree == a:
        return b
    if tree == b:
        return a
    return tree


def some_steps(draw: Callable[[st.SearchStrategy[Any]], Any], tree: Any) -> Any:
    """A copy of ``tree``, most often cut to one to three consecutive steps.

    Simulating a whole shipped scene takes a few hundred milliseconds; a slice of it takes tens,
    so the same time budget tries ten times as many mutations, and a slice on its own is itself
    a scene nobody wrote (a reply with no request before it, a packet to a connection never
    opened). Chapters go with the cut: a slice would not begin them all.
    """
    tree = copy.deepcopy(tree)
    steps = tree.get("steps")
    if not isinstance(steps, list) or len(steps) < 2 or draw(st.integers(0, 9)) == 0:
        return tree
    first = draw(st.integers(0, len(steps) - 1))
    tree.pop("chapters", None)
    tree["steps"] = [
        {k: v for k, v in step.items() if k != "chapter"} if isinstance(step, dict) else step
        for step in steps[first : first + draw(st.integers(1, 3))]
    ]
    return tree


@st.composite
def mutated_tree(draw: Callable[[st.SearchStrategy[Any]], Any]) -> bytes:
    name = draw(st.sampled_from(sorted(TREES)))
    tree = some_steps(draw, TREES[name])
    ids = _node_ids(tree)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(("replace", "replace", "delete", "duplicate", "add", "rename", "swap", "repeat")))
        path = pick_path(draw, tree)
        if op == "swap" and len(ids) >= 2:
            a, b = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
            tree = swap_ids(tree, a, b)
            continue
        if not path:
            if op == "replace":
                tree = draw(values(ids))
            continue
        parent, key = parent_of(tree, path), path[-1]
        if op == "replace":
            parent[key] = draw(values(ids))
        elif op == "delete":
            del parent[key]
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        elif op == "duplicate" and isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS))] = copy.deepcopy(parent[key])
        elif op == "add" and isinstance(parent[key], dict):
            parent[key][draw(st.sampled_from(KEYS))] = draw(values(ids))
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS))] = parent.pop(key)
        elif op == "repeat" and isinstance(parent, list):
            parent[key:key] = [copy.deepcopy(parent[key]) for _ in range(draw(st.integers(1, 40)))]
    return dump(tree)


def dump(tree: Any) -> bytes:
    """The tree as YAML text (libyaml's emitter: PyYAML's own took 40 % of the suite's time)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(tree, Dumper=dumper, sort_keys=False, allow_unicode=True, width=200, encoding="utf-8")  # type: ignore[no-any-return]


# -- text mutations -------------------------------------------------------------------------------
SNIPPETS = (
    "*x", "&x ", "<<: *x", "!!python/object/apply:os.system ['true'] ", "!!binary ", "[", "]", "{", "}", ": ", "- ",
    "\t", "\n", "'", '"', "#", "%YAML 1.1\n", "---\n", "...\n", "\x00", "\ufeff", "1e300", "-1", ".nan", "? ",
    "|\n", ">-\n", "\\", "&a [*a]", "\u2028",
)  # fmt: skip


@st.composite
def mutated_text(draw: Callable[[st.SearchStrategy[Any]], Any]) -> bytes:
    name = draw(st.sampled_from(sorted(SCENES)))
    # The file as written (comments, anchors, flow style) one time in four, else a few of its steps
    # (see some_steps): a whole scene that survives its mutations takes ~300 ms to simulate.
    data = bytearray(SCENES[name] if draw(st.integers(0, 3)) == 0 else dump(some_steps(draw, TREES[name])))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(("flip", "truncate", "delete", "insert", "snippet", "line")))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif op == "truncate":
            del data[at:]
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "snippet":
            data[at:at] = draw(st.sampled_from(SNIPPETS)).encode("utf-8")
        elif op == "line":
            lines = data.split(b"\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines.insert(j, lines[i])  # a line repeated elsewhere: duplicate keys, misplaced items
            data = bytearray(b"\n".join(lines))
    return bytes(data)


@st.composite
def crossed_scene(draw: Callable[[st.SearchStrategy[Any]], Any]) -> bytes:
    """Valid-looking scenes whose parts disagree: ids swapped, kinds changed, times and numbers at extremes.

    These get past the loader's shape checks far more often than random mutations, so they reach
    the simulator, the layout and the exporters.
    """
    name = draw(st.sampled_from(sorted(TREES)))
    tree = some_steps(draw, TREES[name])
    ids = _node_ids(tree)
    if len(ids) >= 2 and draw(st.booleans()):
        a, b = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
        tree = swap_ids(tree, a, b)
    nodes = [n for n in tree.get("nodes", []) if isinstance(n, dict)]
    sends = [
        action["send"]
        for step in tree.get("steps", [])
        for action in (step.get("actions") or [])
        if isinstance(action, dict) and isinstance(action.get("send"), dict)
    ]
    for _ in range(draw(st.integers(1, 3))):
        target = draw(st.sampled_from(("kind", "address", "time", "send", "layer")))
        if target == "kind" and nodes:
            draw(st.sampled_from(nodes))["kind"] = draw(st.sampled_from(NODE_KINDS))
        elif target == "address" and nodes:
            node = draw(st.sampled_from(nodes))
            key = draw(st.sampled_from(("ipv4", "ipv6", "mac", "gateway")))
            if draw(st.booleans()):
                node.pop(key, None)
            else:
                node[key] = draw(st.sampled_from(("10.0.0.1/24", "192.168.1.1/32", "0.0.0.0/0", "2001:db8::1/64", "::/0", [])))
        elif target == "time":
            where = draw(st.sampled_from(("hop_time", "at", "duration")))
            number = draw(st.sampled_from((0, 1e-9, 0.001, 59.99, 60, 3599.9, 3600, 1e8, 1e300, -1)))
            if where == "hop_time":
                tree["hop_time"] = number
            elif where == "at" and sends:
                draw(st.sampled_from(sends))["at"] = number
            elif tree.get("steps"):
                draw(st.sampled_from(tree["steps"]))["duration"] = number
        elif target == "send" and sends:
            send = draw(st.sampled_from(sends))
            key = draw(st.sampled_from(("from", "to", "via", "path", "drop_at")))
            send[key] = (
                draw(st.sampled_from(ids))
                if key in ("from", "to", "drop_at")
                else draw(st.lists(st.sampled_from(ids), max_size=4))
            )
        elif target == "layer" and sends:
            send = draw(st.sampled_from(sends))
            layers = send.get("layers") if isinstance(send.get("layers"), list) else []
            layer = draw(st.sampled_from(LAYERS))
            fields = draw(st.dictionaries(st.sampled_from(LAYER_FIELDS), values(ids), max_size=2))
            layers.insert(draw(st.integers(0, len(layers))), {layer: fields} if fields else layer)
            send["layers"] = layers
    return dump(tree)


# -- playing one file -------------------------------------------------------------------------------
class Outcomes:
    """How many examples each property ran and how they ended (printed by ``scripts/fuzz.sh``)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.total = 0
        self.started = time.monotonic()

    def add(self, outcome: str) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1
        self.total += 1
        if PROGRESS and self.total % 1_000 == 0:
            elapsed = time.monotonic() - self.started
            detail = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
            print(f"fuzz: {self.total:,} examples in {elapsed:,.0f} s ({detail})", file=sys.stderr, flush=True)


OUTCOMES = Outcomes()


def check_refusal(exc: SceneLoadError) -> str:
    """A refusal is what the user reads: at least one line, each ``fuzz.yaml:LINE:COL: message``."""
    assert exc.errors, "a refusal with no message"
    for error in exc.errors:
        text = str(error)
        assert text.startswith(f"{NAME}:{error.line}:{error.col}: ") and error.line >= 1 and error.col >= 1, text
        assert len(text.splitlines()) == 1 and error.message.strip(), text
    return "refused"


def play(data: bytes, out: Path) -> str:
    """Everything a scene goes through without Qt; returns how it ended ("refused", "played"...)."""
    try:
        timeline = build_timeline(load_scene_bytes(data, NAME))
    except SceneLoadError as exc:
        return check_refusal(exc)
    # Every pause point, each step's middle, and before the start and after the end (a dragged
    # slider goes there): state_at is a pure function of time, in any order.
    bounds = list(timeline.boundaries)
    times = [*bounds, *((a + b) / 2 for a, b in itertools.pairwise(bounds)), -1.0, timeline.duration + 1.0]
    frames = [timeline.state_at(t) for t in times]
    # The inspector: each packet where it starts, midway and where it ends, dissected as shown.
    for track in timeline.messages[:6]:
        for t in (track.start, (track.start + track.end) / 2, track.end):
            detail = timeline.packet_detail(track.id, t)
            if detail is not None:
                for wire in (detail.frame_in, detail.frame_out):
                    if wire:
                        dissect(wire)
    # The ladder (sequence view): its arrows in both granularities, and its lifelines.
    ladder_arrows(timeline)
    ladder_arrows(timeline, end_to_end=True)
    lifeline_order(timeline)
    # The stage layout at the pause points a lecture stops at (first, last and one between:
    # laying out every one of a long scene would make each example slow, not find more).
    layout = StageLayout(timeline, (1280, 720), 1.0)
    pauses = frames[: len(bounds)]
    for pause in {id(f): f for f in (pauses[0], pauses[len(pauses) // 2], pauses[-1])}.values():
        layout.lay_out(pause)
    try:
        export_pcap(timeline, out / "fuzz.pcapng")
    except ExportError:
        return "played, no packets"
    return "played"


# -- the properties -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sandbox() -> Iterator[Path]:
    """A folder for exports, the network blocked, the journey cache off and a hang turned into a failure.

    Module-scoped by hand (not monkeypatch) because Hypothesis runs every example in one test call.
    """
    saved: dict[tuple[Any, str], Any] = {}

    def blocked(what: str) -> Callable[..., Any]:
        def refuse(*args: object, **kwargs: object) -> Any:
            raise AssertionError(f"a scene made PacketStage use the network: {what}{args!r}")

        return refuse

    targets = [(socket.socket, n) for n in ("connect", "connect_ex", "sendto")] + [
        (socket, n) for n in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "create_connection")
    ]
    for owner, attr in targets:
        saved[owner, attr] = getattr(owner, attr)
        setattr(owner, attr, blocked(attr))
    previous_cache = os.environ.get(cache.DISABLE)
    os.environ[cache.DISABLE] = "1"  # every example simulated for real, and nothing written to disk

    def hang(signum: int, frame: object) -> None:
        raise TimeoutError(f"one scene took more than {HANG_S} s")

    previous_alarm = signal.signal(signal.SIGALRM, hang) if hasattr(signal, "SIGALRM") else None
    try:
        with tempfile.TemporaryDirectory(prefix="packetstage-fuzz-") as tmp:
            yield Path(tmp)
    finally:
        for (owner, attr), value in saved.items():
            setattr(owner, attr, value)
        if previous_cache is None:
            os.environ.pop(cache.DISABLE, None)
        else:
            os.environ[cache.DISABLE] = previous_cache
        if previous_alarm is not None:
            signal.signal(signal.SIGALRM, previous_alarm)


def run_one(data: bytes, out: Path) -> None:
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, HANG_S)
    try:
        OUTCOMES.add(play(data, out))
    finally:
        if hasattr(signal, "setitimer"):
            signal.setitimer(signal.ITIMER_REAL, 0)


@fuzz_settings("tree")
@given(data=mutated_tree())
def test_tree_mutations_are_played_or_refused(sandbox: Path, data: bytes) -> None:
    run_one(data, sandbox)


@fuzz_settings("text")
@given(data=mutated_text())
def test_text_mutations_are_played_or_refused(sandbox: Path, data: bytes) -> None:
    run_one(data, sandbox)


@fuzz_settings("crossed")
@given(data=crossed_scene())
def test_crossed_scenes_are_played_or_refused(sandbox: Path, data: bytes) -> None:
    run_one(data, sandbox)


def test_the_properties_reach_past_the_loader(sandbox: Path) -> None:
    """A fuzzer that only ever hits the first YAML check tests nothing: the shipped scenes play,
    and so does a mildly crossed one, through every stage ``play`` drives."""
    for data in list(SCENES.values())[:3]:
        assert play(data, sandbox) in ("played", "played, no packets")
