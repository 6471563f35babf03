"""Turn composed YAML nodes into the frozen dataclasses of ``schema``, collecting every error.

Why not pydantic: it costs 60-100 ms of import and model-building at start-up (measured here),
a large share of the cold-start budget, and its error locations would still have to be mapped
back to YAML marks. Decoding straight from the node tree keeps each value's line and column at
hand, so an error can point at the exact token an author has to change.

The decoder is driven by the dataclasses' type hints, so the schema stays declarative:
``str``, ``int``, ``float``, ``bool``, ``Literal[...]``, ``X | None``, ``tuple[T, ...]``,
fixed ``tuple[A, B]``, nested dataclasses, and unions of dataclasses chosen by a single key
(``ClassVar KEY``). Field metadata adds ``key`` (the YAML spelling), ``check`` (a function
returning an error message or None) and ``one_or_many`` (a scalar stands for a one-item list).

A 10,000-step lecture holds about 120,000 values, so the type hints are compiled once into a
``_Type`` per hint and a ``_Plan`` per dataclass; decoding a value then costs a lookup and a
call, not a fresh inspection of its type.

The same walk also makes the plain-data checks of ``check_tree`` (tags, duplicate keys, giant
scalars) on every node it reads. Only when it sees something off, or cannot vouch for the whole
tree (a decoding error skipped a subtree; a merge key is about to rewrite the tree), does
``check_tree`` itself walk the file, so its messages stay exactly what they always were.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from collections.abc import Callable
from typing import Any, Literal, Union, get_args, get_origin

import yaml

from animator.model.errors import Mark, Marks, SceneError, did_you_mean

INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
MERGE_TAG = "tag:yaml.org,2002:merge"

#: YAML's core schema. Anything else (``!!python/object``, ``!custom``) is code or a type
#: this format never uses, and is refused: no node carrying it is ever constructed.
PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq", "merge", "timestamp")
)
#: One caption or note longer than this is a pasted file, not prose.
MAX_SCALAR = 64 * 1024
#: How many YAML values one file may expand to once aliases are followed. Real scenes stay far
#: below; an alias bomb ("billion laughs") would otherwise expand exponentially.
MAX_VALUES = 2_000_000
#: How many values may be decoded a second (third...) time because an alias points at a list or
#: mapping already decoded. Aliases in real scenes (merge-key defaults, a shared row) repeat a
#: few hundred; an alias bomb aimed at the deepest lists of the schema would otherwise take
#: seconds to reach ``MAX_VALUES``.
MAX_REPEATED = 100_000
#: How deeply a free-form value (a layer field such as ``raw: {load: ...}``) may nest lists and
#: mappings. Packets need two or three levels; the decoder and everything after it (the packet
#: builder, the cache's pickle) recurse per level, and Python's stack gives out near 1000.
MAX_DEPTH = 100

_constructor = yaml.constructor.SafeConstructor()


class TooLargeError(Exception):
    """Raised to abandon decoding when aliases expand past ``MAX_VALUES`` or ``MAX_REPEATED``."""


class _TooDeepError(Exception):
    """Raised to abandon one free-form value nested past ``MAX_DEPTH`` (already reported)."""


def mark_of(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def _position(node: yaml.Node) -> tuple[int, int]:
    """``mark_of`` as a plain tuple, the form ``Marks`` stores."""
    return node.start_mark.line + 1, node.start_mark.column + 1


def describe(node: yaml.Node) -> str:
    """Name what the author wrote, for 'expected X, got Y' messages."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == NULL_TAG:
        return "nothing (null)"
    text = node.value if len(node.value) <= 40 else node.value[:37] + "..."
    kind = {INT_TAG: "number", FLOAT_TAG: "number", BOOL_TAG: "boolean"}.get(node.tag, "text")
    return f"{kind} '{text}'"


# -- compiled type hints ------------------------------------------------------------------
Reader = Callable[["Decoder", "_Type", yaml.Node, str], Any]


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class _Type:
    """One type hint, resolved once into the ``Decoder`` method that reads it and what that needs."""

    hint: Any
    read: Reader
    #: Member types: a tuple's items (``(T, ...)`` for a list), an optional's or a choice's branches.
    args: tuple[_Type, ...] = ()
    #: ``Literal`` choices, or the keys of a keyed union in declaration order.
    choices: tuple[str, ...] = ()
    #: Keyed union: the class each key chooses.
    classes: dict[str, _Type] = dataclasses.field(default_factory=dict)
    #: Unions: whether null stands for None.
    nullable: bool = False
    #: Scalar types: the YAML tags accepted and how the expected value is named in messages.
    tags: tuple[str, ...] = ()
    expected: str = ""


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class _Field:
    """How one key of a mapping is decoded, derived once from the dataclass field."""

    key: str
    name: str
    type: _Type
    #: ``one_or_many``: the item type, read when the author wrote one value instead of a list.
    item: _Type | None
    check: Callable[[Any], str | None] | None
    required: bool
    allows_none: bool
    #: A list of plain values (ids, addresses, rows): record each item's mark as ``key[i]`` for
    #: validation. Lists of dataclasses need not: each item carries its own ``mark``.
    item_marks: bool


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class _Plan:
    """A dataclass's fields by YAML key, in declaration order."""

    cls: type
    fields: dict[str, _Field]
    listed: str  # the keys, for "expected one of: ..."


@functools.cache
def _compile(hint: Any) -> _Type:
    """The ``_Type`` for a type hint; cached, so each hint of the schema is inspected once."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return _compile_union(hint)
    if origin is Literal:
        return _Type(hint, Decoder._literal, choices=get_args(hint))
    if origin is tuple:
        args = get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return _Type(hint, Decoder._list, args=(_compile(args[0]),))
        return _Type(hint, Decoder._fixed_tuple, args=tuple(_compile(a) for a in args))
    if dataclasses.is_dataclass(hint) and getattr(hint, "FREE_FORM", False):
        return _Type(hint, Decoder._free_form)
    if dataclasses.is_dataclass(hint):
        return _Type(hint, Decoder._dataclass)  # its _plan is made when first needed
    if hint is str:
        return _Type(hint, Decoder._text)
    if hint is bool:
        return _Type(hint, Decoder._typed_scalar, tags=(BOOL_TAG,), expected="true or false")
    if hint is int:
        return _Type(hint, Decoder._typed_scalar, tags=(INT_TAG,), expected="a whole number")
    if hint is float:
        return _Type(hint, Decoder._float, tags=(INT_TAG, FLOAT_TAG), expected="a number")
    raise TypeError(f"schema uses unsupported type {hint!r}")  # a bug in schema.py


def _compile_union(hint: Any) -> _Type:
    args = [a for a in get_args(hint) if a is not type(None)]
    nullable = len(args) < len(get_args(hint))
    if len(args) == 1:  # ``X | None``
        return _Type(hint, Decoder._optional, args=(_compile(args[0]),), nullable=True)
    if all(dataclasses.is_dataclass(a) for a in args):
        classes = {cls.KEY: _compile(cls) for cls in args}
        return _Type(hint, Decoder._keyed_union, choices=tuple(classes), classes=classes, nullable=nullable)
    # ``str | tuple[str, str]``: the shape the author wrote picks the branch.
    return _Type(hint, Decoder._by_shape, args=tuple(_compile(a) for a in args), nullable=nullable)


@functools.cache
def _plan(cls: type) -> _Plan:
    """The ``_Plan`` of a dataclass: made once, since resolving string annotations is slow."""
    hints = typing.get_type_hints(cls)
    fields: dict[str, _Field] = {}
    for f in dataclasses.fields(cls):
        if f.name in ("mark", "marks") or f.metadata.get("internal"):
            continue
        hint = hints[f.name]
        one_or_many = bool(f.metadata.get("one_or_many"))
        item_hint = get_args(_strip_optional(hint))[0] if get_origin(_strip_optional(hint)) is tuple else None
        key = f.metadata.get("key", f.name)
        fields[key] = _Field(
            key=key,
            name=f.name,
            type=_compile(hint),
            item=_compile(item_hint) if one_or_many else None,
            check=f.metadata.get("check"),
            required=f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
            allows_none=_allows_none(hint),
            item_marks=item_hint is not None and not _is_record(item_hint),
        )
    return _Plan(cls, fields, ", ".join(fields))


def _is_record(hint: Any) -> bool:
    """A dataclass, or a union of them: decoded objects that carry their own marks."""
    members = get_args(hint) if get_origin(hint) in (Union, types.UnionType) else (hint,)
    return all(dataclasses.is_dataclass(m) for m in members)


# -- the plain-data check -----------------------------------------------------------------
def check_tree(root: yaml.Node, name: str) -> list[SceneError]:
    """Reject what plain data never contains: custom tags, duplicate keys, giant scalars.

    PyYAML silently keeps the last of two equal keys; an author who writes ``caption`` twice
    has lost one without noticing, so duplicates are errors. The walk is iterative (nesting
    can reach libyaml's limit of 1000) and visits each node once even when aliases reuse it.
    It must see the tree as written: before merge keys are flattened into their mappings.
    """
    errors: list[SceneError] = []
    seen: set[int] = set()
    stack = [root]
    while stack and len(errors) < 50:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.tag not in PLAIN_TAGS:
            line, col = mark_of(node).line, mark_of(node).col
            errors.append(
                SceneError(
                    name,
                    line,
                    col,
                    f"tag '{node.tag.replace('tag:yaml.org,2002:', '!!')}' is not allowed: scene files hold plain data only",
                )
            )
            continue
        if isinstance(node, yaml.ScalarNode):
            if len(node.value) > MAX_SCALAR:
                m = mark_of(node)
                errors.append(
                    SceneError(
                        name, m.line, m.col, f"value is {len(node.value):,} characters long; at most {MAX_SCALAR:,} are allowed"
                    )
                )
        elif isinstance(node, yaml.MappingNode):
            keys: dict[str, yaml.Node] = {}
            for key_node, value_node in node.value:
                stack.append(key_node)  # keys can carry tags and be huge too
                if isinstance(key_node, yaml.ScalarNode):
                    if key_node.tag == MERGE_TAG:
                        stack.append(value_node)  # what is merged in is checked like the rest
                        continue
                    first = keys.setdefault(key_node.value, key_node)
                    if first is not key_node:
                        m, f = mark_of(key_node), mark_of(first)
                        errors.append(
                            SceneError(name, m.line, m.col, f"duplicate key '{key_node.value}' (first given at line {f.line})")
                        )
                else:
                    m = mark_of(key_node)
                    errors.append(SceneError(name, m.line, m.col, "keys must be plain text, not lists or mappings"))
                stack.append(value_node)
        else:
            stack.extend(node.value)
    return sorted(errors, key=lambda e: (e.line, e.col))


def is_tag_problem(error: SceneError) -> bool:
    """A tag error from ``check_tree``: the file is refused on these alone, without decoding it."""
    return error.message.startswith("tag ")


# -- the decoder ----------------------------------------------------------------------------
class Decoder:
    """Decodes one file's node tree; errors accumulate in ``errors`` instead of stopping.

    ``tree_problems`` then gives what ``check_tree`` reports for the same tree.
    """

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.errors: list[SceneError] = []
        self._root: yaml.Node | None = None
        self._count = 0
        self._decoded: set[int] = set()  # ids of lists and mappings decoded so far
        self._repeated = 0
        #: Set when a node read breaks a plain-data rule or the walk skipped a key.
        self._irregular = False
        self._walked = False
        self._problems: list[SceneError] | None = None
        #: Set when decode_document gave up on an alias bomb (``TooLargeError``).
        self.too_large = False

    def error(self, node_or_mark: yaml.Node | Mark, message: str) -> None:
        mark = node_or_mark if isinstance(node_or_mark, Mark) else mark_of(node_or_mark)
        self.errors.append(SceneError(self.filename, mark.line, mark.col, message))

    # -- entry points ------------------------------------------------------------------
    def decode(self, node: yaml.Node, hint: Any, where: str) -> Any:
        """Decode ``node`` as type ``hint``.

        ``where`` names the value in messages as a dotted path with 1-based list positions
        (``steps.3.actions.1.send``), matching the step numbers the player shows.
        """
        return self._read(_compile(hint), node, where)

    def decode_document(self, root: yaml.Node, hint: Any) -> Any:
        """Decode a whole file's root node; ``tree_problems`` can then check the same tree."""
        self._root = root
        try:
            value = self.decode(root, hint, "")
        except TooLargeError:
            self.too_large = True
            raise
        self._walked = True
        return value

    def tree_problems(self) -> list[SceneError]:
        """``check_tree``'s errors for the root, without walking the tree again when the decoding walk vouches for it.

        It does when it decoded the whole root without an error and saw nothing irregular: it
        then read every node ``check_tree`` visits and applied the same rules to each.
        """
        if self._problems is None:
            clean = self._walked and not self.errors and not self._irregular
            self._problems = [] if clean else check_tree(self._whole_tree(), self.filename)
        self._root = None  # the answer is kept; the node tree (large) need not be
        return self._problems

    def _whole_tree(self) -> yaml.Node:
        if self._root is None:
            raise ValueError("only a Decoder that decode_document() started knows the whole tree")
        return self._root

    # -- every value passes here ---------------------------------------------------------
    def _read(self, t: _Type, node: yaml.Node, where: str) -> Any:
        self._count += 1
        if self._count > MAX_VALUES:
            raise TooLargeError
        # The plain-data rules of check_tree. A node with another tag is read on like the rest
        # (only bool, int and float nodes are ever constructed), then refused by check_tree.
        if node.tag not in PLAIN_TAGS or (type(node) is yaml.ScalarNode and len(node.value) > MAX_SCALAR):
            self._irregular = True
        return t.read(self, t, node, where)

    # -- scalars -----------------------------------------------------------------------
    def _text(self, t: _Type, node: yaml.Node, where: str) -> str | None:
        # Labels such as `label: 200` or `label: yes` mean the text the author typed, so any
        # scalar is accepted as its source text rather than as the number or boolean YAML reads.
        if type(node) is not yaml.ScalarNode or node.tag == NULL_TAG:
            self.error(node, f"{_at(where)}expected text, got {describe(node)}")
            return None
        text: str = node.value
        return text

    def _typed_scalar(self, t: _Type, node: yaml.Node, where: str) -> Any:
        if not isinstance(node, yaml.ScalarNode) or node.tag not in t.tags:
            self.error(node, f"{_at(where)}expected {t.expected}, got {describe(node)}")
            return None
        # Call the tag's constructor directly: ``construct_object`` would keep every node in the
        # shared constructor's cache for the life of the process.
        try:
            value = _constructor.yaml_constructors[node.tag](_constructor, node)
        except ValueError:  # an integer of thousands of digits, or an explicit `!!int abc`
            why = "too large" if node.value.strip().lstrip("+-").isdigit() else "not a valid number"
            self.error(node, f"{_at(where)}expected {t.expected}, got {describe(node)}, which is {why}")
            return None
        except KeyError:  # `!!bool abc`: an explicit tag on text that is not a boolean
            self.error(node, f"{_at(where)}expected {t.expected}, got {describe(node)}")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.error(node, f"{_at(where)}expected a finite number, got {describe(node)}")
            return None
        return value

    def _float(self, t: _Type, node: yaml.Node, where: str) -> float | None:
        value = self._typed_scalar(t, node, where)
        if value is None:
            return None
        try:
            return float(value)
        except OverflowError:  # a whole number of hundreds of digits: no float holds it
            self.error(node, f"{_at(where)}expected {t.expected}, got {describe(node)}, which is too large")
            return None

    def _literal(self, t: _Type, node: yaml.Node, where: str) -> Any:
        # Choices are compared as the text the author typed and returned as declared, so a
        # ``Literal[0, 1, 2]`` (``syncookies: 1``) reads the number, as ``Literal["a"]`` reads text.
        value = self._text(t, node, where)
        if value is None:
            return None
        by_text = {str(choice): choice for choice in t.choices}
        if value not in by_text:
            listed = ", ".join(by_text)
            self.error(
                node,
                f"{_at(where)}unknown value '{value}'{did_you_mean(value, tuple(by_text))}; expected one of: {listed}",
            )
            return None
        return by_text[value]

    # -- unions --------------------------------------------------------------------------
    def _optional(self, t: _Type, node: yaml.Node, where: str) -> Any:
        if _is_null(node):
            return None
        return self._read(t.args[0], node, where)

    def _by_shape(self, t: _Type, node: yaml.Node, where: str) -> Any:
        if t.nullable and _is_null(node):
            return None
        is_list = isinstance(node, yaml.SequenceNode)
        for branch in t.args:
            if (get_origin(branch.hint) is tuple) == is_list:
                return self._read(branch, node, where)
        raise TypeError(f"schema uses unsupported union {t.hint!r}")

    def _keyed_union(self, t: _Type, node: yaml.Node, where: str) -> Any:
        """A list item such as ``- send: {...}``: exactly one key chooses the class."""
        if t.nullable and _is_null(node):
            return None
        if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
            got = describe(node) if not isinstance(node, yaml.MappingNode) else f"{len(node.value)} keys"
            self.error(node, f"{_at(where)}expected a mapping with exactly one of: {', '.join(t.choices)}; got {got}")
            return None
        key_node, value_node = node.value[0]
        if not self._plain_key(key_node):  # reported by check_tree
            return None
        key = key_node.value
        if key not in t.classes:
            self.error(
                key_node,
                f"{_at(where)}unknown action '{key}'{did_you_mean(key, t.choices)}; expected one of: {', '.join(t.choices)}",
            )
            return None
        return self._read(t.classes[key], value_node, _join(where, key))

    # -- free-form items -----------------------------------------------------------------
    def _free_form(self, t: _Type, node: yaml.Node, where: str) -> Any:
        """``- name`` or ``- name: {field: value, ...}`` into ``t.hint(name, fields, mark, marks)``.

        The field values stay plain data (text, numbers, booleans, lists, mappings): which names
        and values are valid is checked later by whoever knows them (the packets package).
        """
        if type(node) is yaml.ScalarNode and node.tag != NULL_TAG:
            return t.hint(name=node.value, fields={}, mark=mark_of(node), marks=Marks({}))
        if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
            got = describe(node) if not isinstance(node, yaml.MappingNode) else f"{len(node.value)} keys"
            self.error(node, f"{_at(where)}expected a layer name, or 'name: {{field: value}}' with one name; got {got}")
            return None
        key_node, value_node = node.value[0]
        if not self._plain_key(key_node):
            return None
        fields: dict[str, Any] = {}
        positions: dict[str, tuple[int, int]] = {}
        if not _is_null(value_node):
            if not isinstance(value_node, yaml.MappingNode):
                self.error(
                    value_node, f"{_at(_join(where, key_node.value))}expected a mapping of fields, got {describe(value_node)}"
                )
                return None
            self._count_repeat(value_node)
            for field_key, field_value in value_node.value:
                if not self._plain_key(field_key):
                    continue
                if field_key.value in fields:
                    self._irregular = True  # a duplicate key: check_tree reports it
                try:
                    fields[field_key.value] = self._plain(field_value, _join(where, field_key.value), 1)
                except _TooDeepError:
                    return None
                positions[field_key.value] = _position(field_value)
        return t.hint(name=key_node.value, fields=fields, mark=mark_of(key_node), marks=Marks(positions))

    def _plain(self, node: yaml.Node, where: str, depth: int) -> Any:
        """A value as plain Python data, counted like every other value against alias bombs.

        ``depth`` counts the lists and mappings around ``node``: past ``MAX_DEPTH`` the value is
        refused with one error instead of recursing into a ``RecursionError``.
        """
        self._count += 1
        if self._count > MAX_VALUES:
            raise TooLargeError
        if node.tag not in PLAIN_TAGS or (type(node) is yaml.ScalarNode and len(node.value) > MAX_SCALAR):
            self._irregular = True
        if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)) and depth > MAX_DEPTH:
            self.error(node, f"{_at(where)}lists and mappings are nested more than {MAX_DEPTH} levels deep")
            raise _TooDeepError
        if isinstance(node, yaml.SequenceNode):
            self._count_repeat(node)
            return [self._plain(child, where, depth + 1) for child in node.value]
        if isinstance(node, yaml.MappingNode):
            self._count_repeat(node)
            return {k.value: self._plain(v, where, depth + 1) for k, v in node.value if self._plain_key(k)}
        if node.tag in (INT_TAG, FLOAT_TAG, BOOL_TAG, NULL_TAG):
            try:
                return _constructor.yaml_constructors[node.tag](_constructor, node)
            except (ValueError, KeyError):
                return node.value
        return node.value

    # -- containers --------------------------------------------------------------------
    def _count_repeat(self, node: yaml.Node) -> None:
        """Charge the values of a list or mapping reached again through an alias."""
        if id(node) in self._decoded:
            self._repeated += len(node.value)
            if self._repeated > MAX_REPEATED:
                raise TooLargeError
        else:
            self._decoded.add(id(node))

    def _list(self, t: _Type, node: yaml.Node, where: str) -> tuple[Any, ...] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{_at(where)}expected a list, got {describe(node)}")
            return None
        self._count_repeat(node)
        item_type = t.args[0]
        items = [self._read(item_type, child, f"{where}.{i}") for i, child in enumerate(node.value, start=1)]
        if any(item is None for item in items):
            return None
        return tuple(items)

    def _fixed_tuple(self, t: _Type, node: yaml.Node, where: str) -> tuple[Any, ...] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{_at(where)}expected a list, got {describe(node)}")
            return None
        self._count_repeat(node)
        if len(node.value) != len(t.args):
            self.error(node, f"{_at(where)}expected a list of {len(t.args)} values, got {len(node.value)}")
            return None
        items = [self._read(a, c, f"{where}.{i}") for i, (c, a) in enumerate(zip(node.value, t.args, strict=True), start=1)]
        if any(item is None for item in items):
            return None
        return tuple(items)

    def _dataclass(self, t: _Type, node: yaml.Node, where: str) -> Any:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{_at(where)}expected a mapping, got {describe(node)}")
            return None
        self._count_repeat(node)
        plan = _plan(t.hint)
        given = self._given(node, plan, where)
        if given is None:  # merge keys: the keys given are those after merging
            if not self._merge(node, where):
                return None
            given = self._given(node, plan, where)
            assert given is not None, "merging leaves no merge key behind"
        kwargs: dict[str, Any] = {}
        positions: dict[str, tuple[int, int]] = {}
        ok = True
        for key, field in plan.fields.items():  # in declaration order, as errors have always come
            value_node = given.get(key)
            if value_node is None:
                if field.required:
                    self.error(node, f"{_at(where)}missing required key '{key}'")
                    ok = False
                continue
            single = field.item is not None and not isinstance(value_node, yaml.SequenceNode)
            if single:
                assert field.item is not None
                value = self._read(field.item, value_node, _join(where, key))  # one value for a list of one
                value = None if value is None else (value,)
            else:
                value = self._read(field.type, value_node, _join(where, key))
            if value is None and not field.allows_none:
                ok = False
                continue
            if field.check is not None and value is not None and not self._passes(field, value, value_node, where):
                ok = False
                continue
            kwargs[field.name] = value
            positions[key] = _position(value_node)
            if field.item_marks and type(value_node) is yaml.SequenceNode:
                for i, child in enumerate(value_node.value):
                    positions[f"{key}[{i}]"] = _position(child)
            elif field.item_marks and single:
                # ``backends: web`` stands for ``[web]``: validation looks its item up as ``backends[0]``.
                positions[f"{key}[0]"] = _position(value_node)
        if not ok:
            return None
        return plan.cls(**kwargs, mark=mark_of(node), marks=Marks(positions))

    def _given(self, node: yaml.MappingNode, plan: _Plan, where: str) -> dict[str, yaml.Node] | None:
        """The value node of each known key, or None if the mapping has a merge key to apply first.

        Unknown keys are reported (once the mapping is known to need no merging); of two equal
        keys the last wins, as in PyYAML.
        """
        given: dict[str, yaml.Node] = {}
        unknown: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:  # usually ``<<``; PyYAML merges whatever carries the tag
                return None
            if not self._plain_key(key_node):  # reported by check_tree
                continue
            key = key_node.value
            if key in plan.fields:
                if key in given:
                    self._irregular = True  # a duplicate key, or one a merge key supplied too
                given[key] = value_node
            else:
                unknown.append(key_node)
        for key_node in unknown:
            key = key_node.value
            self.error(
                key_node, f"{_at(where)}unknown key '{key}'{did_you_mean(key, plan.fields)}; expected one of: {plan.listed}"
            )
        return given

    def _plain_key(self, key_node: yaml.Node) -> bool:
        """Whether a key is text; also notes any plain-data rule it breaks (its tag, its length)."""
        if type(key_node) is not yaml.ScalarNode:
            self._irregular = True
            return False
        if key_node.tag not in PLAIN_TAGS or len(key_node.value) > MAX_SCALAR:
            self._irregular = True
        return True

    def _merge(self, node: yaml.MappingNode, where: str) -> bool:
        """Apply YAML merge keys (``<<: *defaults``) in place, as PyYAML does; False if one is malformed.

        Merging rewrites the tree, so the plain-data check first walks the tree as written.
        """
        if self._problems is None and self._root is not None:
            self._problems = check_tree(self._root, self.filename)
        try:
            _constructor.flatten_mapping(node)
        except yaml.constructor.ConstructorError as exc:
            mark = exc.problem_mark or node.start_mark
            self.error(
                Mark(mark.line + 1, mark.column + 1),
                f"{_at(where)}'<<' must be followed by a mapping or a list of mappings (YAML merge key)",
            )
            return False
        return True

    def _passes(self, field: _Field, value: Any, value_node: yaml.Node, where: str) -> bool:
        """Run the field's ``check``; report a failure at the value (or at the failing item of a list)."""
        assert field.check is not None
        problem = field.check(value)
        if not problem:
            return True
        if field.item is not None and isinstance(value_node, yaml.SequenceNode):
            # point at the offending item of the list, not at the list
            value_node = next((c for c, v in zip(value_node.value, value, strict=True) if field.check((v,))), value_node)
        self.error(value_node, f"{_at(_join(where, field.key))}{problem}")
        return False


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG


def _at(where: str) -> str:
    return f"{where}: " if where else ""


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _allows_none(hint: Any) -> bool:
    return get_origin(hint) in (Union, types.UnionType) and type(None) in get_args(hint)


def _strip_optional(hint: Any) -> Any:
    if _allows_none(hint):
        return next(a for a in get_args(hint) if a is not type(None))
    return hint
