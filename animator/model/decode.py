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

from animator.model.errors import Mark, SceneError, did_you_mean

INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
STR_TAG = "tag:yaml.org,2002:str"

#: How many YAML values one file may expand to once aliases are followed. Real scenes stay far
#: below; an alias bomb ("billion laughs") would otherwise expand exponentially.
MAX_VALUES = 2_000_000
#: How many values may be decoded a second (third...) time because an alias points at a list or
#: mapping already decoded. Aliases in real scenes (merge-key defaults, a shared row) repeat a
#: few hundred; an alias bomb aimed at the deepest lists of the schema would otherwise take
#: seconds to reach ``MAX_VALUES``.
MAX_REPEATED = 100_000

_constructor = yaml.constructor.SafeConstructor()


class TooLargeError(Exception):
    """Raised to abandon decoding when aliases expand past ``MAX_VALUES`` or ``MAX_REPEATED``."""


def mark_of(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


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


class Decoder:
    """Decodes one file's node tree; errors accumulate in ``errors`` instead of stopping."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.errors: list[SceneError] = []
        self._count = 0
        self._decoded: set[int] = set()  # ids of lists and mappings decoded so far
        self._repeated = 0

    def error(self, node_or_mark: yaml.Node | Mark, message: str) -> None:
        mark = node_or_mark if isinstance(node_or_mark, Mark) else mark_of(node_or_mark)
        self.errors.append(SceneError(self.filename, mark.line, mark.col, message))

    # -- entry point -------------------------------------------------------------------
    def decode(self, node: yaml.Node, hint: Any, where: str) -> Any:
        """Decode ``node`` as type ``hint``.

        ``where`` names the value in messages as a dotted path with 1-based list positions
        (``steps.3.actions.1.send``), matching the step numbers the player shows.
        """
        self._count += 1
        if self._count > MAX_VALUES:
            raise TooLargeError
        origin = get_origin(hint)
        if origin in (Union, types.UnionType):
            return self._union(node, hint, where)
        if origin is Literal:
            return self._literal(node, get_args(hint), where)
        if origin is tuple:
            return self._tuple(node, get_args(hint), where)
        if dataclasses.is_dataclass(hint):
            return self._dataclass(node, hint, where)
        if hint is str:
            return self._scalar_text(node, where)
        if hint is bool:
            return self._typed_scalar(node, (BOOL_TAG,), "true or false", where)
        if hint is int:
            return self._typed_scalar(node, (INT_TAG,), "a whole number", where)
        if hint is float:
            value = self._typed_scalar(node, (INT_TAG, FLOAT_TAG), "a number", where)
            return None if value is None else float(value)
        raise TypeError(f"schema uses unsupported type {hint!r}")  # a bug in schema.py

    # -- scalars -----------------------------------------------------------------------
    def _scalar_text(self, node: yaml.Node, where: str) -> str | None:
        # Labels such as `label: 200` or `label: yes` mean the text the author typed, so any
        # scalar is accepted as its source text rather than as the number or boolean YAML reads.
        if not isinstance(node, yaml.ScalarNode) or node.tag == NULL_TAG:
            self.error(node, f"{_at(where)}expected text, got {describe(node)}")
            return None
        return str(node.value)

    def _typed_scalar(self, node: yaml.Node, tags: tuple[str, ...], expected: str, where: str) -> Any:
        if not isinstance(node, yaml.ScalarNode) or node.tag not in tags:
            self.error(node, f"{_at(where)}expected {expected}, got {describe(node)}")
            return None
        # Call the tag's constructor directly: ``construct_object`` would keep every node in the
        # shared constructor's cache for the life of the process.
        try:
            value = _constructor.yaml_constructors[node.tag](_constructor, node)
        except ValueError:  # an integer of thousands of digits
            self.error(node, f"{_at(where)}expected {expected}, got {describe(node)}, which is too large")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.error(node, f"{_at(where)}expected a finite number, got {describe(node)}")
            return None
        return value

    def _literal(self, node: yaml.Node, choices: tuple[str, ...], where: str) -> str | None:
        value = self._scalar_text(node, where)
        if value is None:
            return None
        if value not in choices:
            listed = ", ".join(choices)
            self.error(
                node,
                f"{_at(where)}unknown value '{value}'{did_you_mean(value, choices)}; expected one of: {listed}",
            )
            return None
        return value

    # -- containers --------------------------------------------------------------------
    def _count_repeat(self, node: yaml.Node) -> None:
        """Charge the values of a list or mapping reached again through an alias."""
        if id(node) in self._decoded:
            self._repeated += len(node.value)
            if self._repeated > MAX_REPEATED:
                raise TooLargeError
        else:
            self._decoded.add(id(node))

    def _tuple(self, node: yaml.Node, args: tuple[Any, ...], where: str) -> tuple[Any, ...] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{_at(where)}expected a list, got {describe(node)}")
            return None
        self._count_repeat(node)
        if len(args) == 2 and args[1] is Ellipsis:
            items = [self.decode(child, args[0], f"{where}.{i + 1}") for i, child in enumerate(node.value)]
        else:
            if len(node.value) != len(args):
                self.error(node, f"{_at(where)}expected a list of {len(args)} values, got {len(node.value)}")
                return None
            items = [self.decode(c, a, f"{where}.{i + 1}") for i, (c, a) in enumerate(zip(node.value, args, strict=True))]
        if any(item is None for item in items):
            return None
        return tuple(items)

    def _union(self, node: yaml.Node, hint: Any, where: str) -> Any:
        args = [a for a in get_args(hint) if a is not type(None)]
        if isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG and len(args) < len(get_args(hint)):
            return None
        if len(args) == 1:
            return self.decode(node, args[0], where)
        if all(dataclasses.is_dataclass(a) for a in args):
            return self._keyed_union(node, args, where)
        # ``str | tuple[str, str]``: the shape the author wrote picks the branch.
        for arg in args:
            if (get_origin(arg) is tuple) == isinstance(node, yaml.SequenceNode):
                return self.decode(node, arg, where)
        raise TypeError(f"schema uses unsupported union {hint!r}")

    def _keyed_union(self, node: yaml.Node, classes: list[Any], where: str) -> Any:
        """A list item such as ``- send: {...}``: exactly one key chooses the class."""
        by_key = {cls.KEY: cls for cls in classes}
        expected = ", ".join(by_key)
        if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
            got = describe(node) if not isinstance(node, yaml.MappingNode) else f"{len(node.value)} keys"
            self.error(node, f"{_at(where)}expected a mapping with exactly one of: {expected}; got {got}")
            return None
        key_node, value_node = node.value[0]
        if not isinstance(key_node, yaml.ScalarNode):  # reported by the loader's tree check
            return None
        key = str(key_node.value)
        if key not in by_key:
            self.error(key_node, f"{_at(where)}unknown action '{key}'{did_you_mean(key, by_key)}; expected one of: {expected}")
            return None
        return self.decode(value_node, by_key[key], _join(where, key))

    def _dataclass(self, node: yaml.Node, cls: Any, where: str) -> Any:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{_at(where)}expected a mapping, got {describe(node)}")
            return None
        self._count_repeat(node)
        try:
            _constructor.flatten_mapping(node)  # YAML merge keys (`<<: *defaults`)
        except yaml.constructor.ConstructorError as exc:
            mark = exc.problem_mark or node.start_mark
            self.error(
                Mark(mark.line + 1, mark.column + 1),
                f"{_at(where)}'<<' must be followed by a mapping or a list of mappings (YAML merge key)",
            )
            return None
        fields = {
            f.metadata.get("key", f.name): f
            for f in dataclasses.fields(cls)
            if f.name not in ("mark", "marks") and not f.metadata.get("internal")
        }
        hints = _type_hints(cls)
        given: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):  # reported by the loader's tree check
                continue
            key = str(key_node.value)
            if key not in fields:
                self.error(
                    key_node,
                    f"{_at(where)}unknown key '{key}'{did_you_mean(key, fields)}; expected one of: {', '.join(fields)}",
                )
                continue
            given[key] = (key_node, value_node)
        kwargs: dict[str, Any] = {}
        marks: dict[str, Mark] = {}
        ok = True
        for key, field in fields.items():
            if key not in given:
                if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                    self.error(node, f"{_at(where)}missing required key '{key}'")
                    ok = False
                continue
            value_node = given[key][1]
            hint = hints[field.name]
            if field.metadata.get("one_or_many") and not isinstance(value_node, yaml.SequenceNode):
                value = self.decode(value_node, get_args(_strip_optional(hint))[0], _join(where, key))
                value = None if value is None else (value,)
            else:
                value = self.decode(value_node, hint, _join(where, key))
            if value is None and not _allows_none(hint):
                ok = False
                continue
            check: Callable[[Any], str | None] | None = field.metadata.get("check")
            if check is not None and value is not None:
                problem = check(value)
                if problem:
                    if field.metadata.get("one_or_many") and isinstance(value_node, yaml.SequenceNode):
                        # point at the offending item of the list, not at the list
                        value_node = next((c for c, v in zip(value_node.value, value, strict=True) if check((v,))), value_node)
                    self.error(value_node, f"{_at(_join(where, key))}{problem}")
                    ok = False
                    continue
            kwargs[field.name] = value
            marks[key] = mark_of(value_node)
            if isinstance(value_node, yaml.SequenceNode):
                for i, child in enumerate(value_node.value):
                    marks[f"{key}[{i}]"] = mark_of(child)
        if not ok:
            return None
        return cls(**kwargs, mark=mark_of(node), marks=marks)


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    # Resolving the string annotations is most of the decoding time if done per mapping.
    return typing.get_type_hints(cls)


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
