"""How large a scene may be, and the checks that refuse a larger one before it costs much.

A real lesson is small: the largest shipped scene is 26 KB, 15 steps, 47 actions, 32 sends and 8
devices. The limits below sit far above that and above every scene the project itself generates
(the benchmarks of ``benchmarks/stress.py``: a 200-device campus with 1,000 packets in flight, a
10,000-step lecture, a 100,000-event scene), and far below where loading stops taking seconds and
starts taking minutes or gigabytes (a 15 MB file of a million plain steps once took 16.5 s and
2 GB; 50,000 real packets took 66 s to validate).

They are enforced in order of cost, each before the work it protects:

1. ``MAX_BYTES`` on the file's size, before a byte is read (``loader.read_file``);
2. ``MAX_YAML_EVENTS`` on the number of YAML values, counted by libyaml's parser in C without
   building a node (``count_yaml_events``): composing the node tree costs about 300 bytes per
   value, so the tree of any accepted file stays under about 600 MB, whatever its shape;
3. the counts an author understands (devices, links, steps, actions, real packets) on the
   composed tree, before anything is decoded or a packet is built (``check_counts``), each
   refused at the first item past the limit with a ``FILE:LINE:COL`` message naming the limit.
"""

from __future__ import annotations

import yaml

from animator.model.errors import SceneError

#: The largest scene or deck file read. Twice the largest scene the project generates (the seek
#: benchmark's 100,000 events, 7.9 MiB), 600 times the largest shipped one; reading it takes
#: milliseconds. What bounds memory is ``MAX_YAML_EVENTS``, not this.
MAX_BYTES = 16 * 1024 * 1024
#: YAML values (libyaml's parse events: every scalar, alias, list or mapping start and end) one
#: file may hold. The 10,000-step lecture holds 240,000, the 100,000-event benchmark 1.55
#: million; at about 300 bytes of node tree per value, 2 million is at most ~600 MB.
MAX_YAML_EVENTS = 2_000_000
#: Devices: five times the 200-device campus the stage benchmark draws (at zoom 0.23 on a
#: 1920x1080 screen); a thousand devices no longer fit on a slide legibly.
MAX_NODES = 1_000
#: Links: five per device at ``MAX_NODES`` (a campus has about one per device, a redundant core
#: two or three). Every send searches a route over them, so they bound validation's cost too.
MAX_LINKS = 5_000
#: Steps: twice the 10,000-step lecture the load and layout benchmarks use (at ten seconds a
#: step, 28 hours of class), 1,300 times the longest shipped scene (15 steps).
MAX_STEPS = 20_000
#: Actions of every kind: the seek benchmark's 100,000-event scene, the largest the player is
#: measured on, loads in a few seconds; 2,000 times the busiest shipped scene (47).
MAX_ACTIONS = 100_000
#: Sends that carry a real packet (``layers`` or ``frame``): building each with scapy takes
#: about 3 ms, so 5,000 validate in about 15 s. 150 times the most packet-heavy shipped scene
#: (32), five times what ``import`` keeps by default (``--limit 1000``).
MAX_REAL_SENDS = 5_000

_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"
_SPLIT = "split it into a deck of several scenes"


def count_yaml_events(text: str, loader: type) -> int:
    """How many YAML values ``text`` holds, counted without building a node.

    With libyaml this is its parser alone, in C (about 15 ms a megabyte); it raises the same
    ``yaml.MarkedYAMLError`` composing would, at the same place. PyYAML's pure-Python parser
    (where libyaml is missing) stops counting just past the limit instead, and returns the count
    so far on a syntax error: composing then builds fewer than ``MAX_YAML_EVENTS`` nodes before
    it meets the same error and reports it in its own words.
    """
    c_parser = getattr(yaml, "_yaml", None)
    if c_parser is not None and issubclass(loader, c_parser.CParser):
        return int(c_parser.CParser(text).raw_parse())
    count = 0
    try:
        for _ in yaml.parse(text, Loader=loader):
            count += 1
            if count > MAX_YAML_EVENTS:
                break
    except yaml.YAMLError:
        pass
    return count


#: Parse events per character of text, at most. Most YAML needs several characters per value; the
#: densest text found (nested "? " keys in block context, empty values) makes 1.5, plus the four
#: events of the stream and document. Four is a wide margin over that.
EVENTS_PER_CHAR = 4


def may_exceed_events(text: str) -> bool:
    """Whether ``text`` is long enough to hold more than ``MAX_YAML_EVENTS`` values.

    Below that length (half a million characters, twenty times the largest lesson) counting is
    skipped: the pure-Python parser, where libyaml is missing, would double the time to read it.
    """
    return EVENTS_PER_CHAR * len(text) + 16 > MAX_YAML_EVENTS


def too_many_events(count: int) -> str:
    """The message for a file over ``MAX_YAML_EVENTS`` (the pure-Python count stops one past it)."""
    holds = f"more than {MAX_YAML_EVENTS:,}" if count == MAX_YAML_EVENTS + 1 else f"{count:,}"
    return (
        f"scenes may hold at most {MAX_YAML_EVENTS:,} YAML values (every key, value and list item counts; "
        f"this file holds {holds}): {_SPLIT}"
    )


class _Tree:
    """Looks keys up in composed mappings as decoding will see them: merge keys (``<<: *base``) included."""

    def __init__(self) -> None:
        #: Lookups that went through merge keys, by (mapping id, key): aliases repeat mappings,
        #: and a chain of merges need not be followed again for each repeat.
        self._merged: dict[tuple[int, str], yaml.Node | None] = {}

    def get(self, node: yaml.Node | None, key: str) -> yaml.Node | None:
        """The value of ``key`` in mapping ``node`` (an explicit key wins over merged ones, the
        first merged mapping over later ones, as in PyYAML); None if absent or not a mapping."""
        if not isinstance(node, yaml.MappingNode):
            return None
        found, merged = _own(node, key)
        if found is not None or not merged:
            return found
        memo = (id(node), key)
        if memo not in self._merged:
            self._merged[memo] = _through_merges(merged, key)
        return self._merged[memo]


def _own(node: yaml.MappingNode, key: str) -> tuple[yaml.Node | None, list[yaml.Node]]:
    """``key``'s value written in ``node`` itself (the last of equal keys, as decoding keeps),
    and the sources its merge keys name, in order."""
    found: yaml.Node | None = None
    merged: list[yaml.Node] = []
    for key_node, value_node in node.value:
        if type(key_node) is not yaml.ScalarNode:
            continue
        if key_node.tag == _MERGE_TAG:
            merged.extend(value_node.value if isinstance(value_node, yaml.SequenceNode) else (value_node,))
        elif key_node.value == key:
            found = value_node
    return found, merged


def _through_merges(sources: list[yaml.Node], key: str) -> yaml.Node | None:
    """Depth first, in order, each mapping once: chains of merges can be long and can loop."""
    stack = list(reversed(sources))
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen or not isinstance(node, yaml.MappingNode):
            continue
        seen.add(id(node))
        found, merged = _own(node, key)
        if found is not None:
            return found
        stack.extend(reversed(merged))
    return None


def _items(node: yaml.Node | None) -> list[yaml.Node]:
    return node.value if isinstance(node, yaml.SequenceNode) else []


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def check_counts(root: yaml.Node, name: str) -> list[SceneError]:
    """Errors for a scene's node tree that has more devices, links, steps, actions or real
    packets than the limits allow; each at the first item past the limit.

    The walk reads only the lists that are counted (never a packet's layers or a table's rows),
    and each step's and each action list's counts once however many aliases repeat them, so it
    costs a few milliseconds even on the largest file ``MAX_YAML_EVENTS`` lets through.
    """
    tree = _Tree()
    errors: list[SceneError] = []

    def refuse(item: yaml.Node, message: str) -> None:
        errors.append(SceneError(name, *_position(item), message))

    for key, limit, what, advice in (
        ("nodes", MAX_NODES, "nodes (devices)", "a diagram of more is unreadable; split the network over several scenes"),
        ("links", MAX_LINKS, "links", "a diagram of more is unreadable; split the network over several scenes"),
        ("steps", MAX_STEPS, "steps", _SPLIT),
    ):
        items = _items(tree.get(root, key))
        if len(items) > limit:
            refuse(items[limit], f"scenes may have at most {limit:,} {what} (this one has {len(items):,}): {advice}")

    actions_seen = real_seen = 0
    over_actions: yaml.Node | None = None
    over_real: yaml.Node | None = None
    real_in: dict[int, int] = {}  # real sends per action list, by id: aliases repeat lists
    for step in _items(tree.get(root, "steps")):
        actions = _items(tree.get(step, "actions"))
        if over_actions is None and actions_seen + len(actions) > MAX_ACTIONS:
            over_actions = actions[MAX_ACTIONS - actions_seen]
        actions_seen += len(actions)
        if not actions:
            continue
        if id(actions) not in real_in:
            real_in[id(actions)] = sum(_is_real_send(tree, action) for action in actions)
        real = real_in[id(actions)]
        if over_real is None and real_seen + real > MAX_REAL_SENDS:
            over_real = _nth_real_send(tree, actions, MAX_REAL_SENDS - real_seen)
        real_seen += real
    if over_actions is not None:
        refuse(over_actions, f"scenes may have at most {MAX_ACTIONS:,} actions (this one has {actions_seen:,}): {_SPLIT}")
    if over_real is not None:
        refuse(
            over_real,
            f"scenes may have at most {MAX_REAL_SENDS:,} sends carrying a real packet ('layers' or 'frame'; this one "
            f"has {real_seen:,}): {_SPLIT}, or import a shorter part of the capture (import --range)",
        )
    return sorted(errors, key=lambda e: (e.line, e.col))


def _nth_real_send(tree: _Tree, actions: list[yaml.Node], n: int) -> yaml.Node:
    """The real send of ``actions`` with ``n`` before it (the one that goes past the limit)."""
    for action in actions:
        if _is_real_send(tree, action):
            if n == 0:
                return action
            n -= 1
    raise ValueError("fewer real sends than counted")  # cannot happen: the caller counted them


def _is_real_send(tree: _Tree, action: yaml.Node) -> bool:
    """``- send: {...}`` with non-empty ``layers`` or a ``frame`` (``Send.is_real``, read off the tree)."""
    if not isinstance(action, yaml.MappingNode) or len(action.value) != 1:
        return False
    key, send = action.value[0]
    if not (isinstance(key, yaml.ScalarNode) and key.value == "send"):
        return False
    frame = tree.get(send, "frame")
    return bool(_items(tree.get(send, "layers"))) or (isinstance(frame, yaml.ScalarNode) and frame.tag != _NULL_TAG)
