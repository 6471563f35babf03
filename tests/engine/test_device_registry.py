"""Adding a device kind touches one registry entry, one module, one icon and one docs row, and
nothing lets one of them be forgotten: every kind has its class, its icon, its rows in the docs,
and the table titles the validator accepts are exactly the tables kinds publish."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from animator.engine.sim.devices import CLASSES, DEVICES
from animator.engine.sim.devices.router import Internet, Router
from animator.engine.sim.devices.stack import Stack
from animator.model.kinds import DEVICE_KINDS, TABLE_TITLES, Capability, TableKind
from animator.model.schema import NodeKind
from tests.conftest import REPO


def table_rows(doc: Path, heading: str) -> dict[str, list[str]]:
    """The cells of each row of the first table under ``heading``, by each kind its first cell names."""
    text = doc.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines()[1:]:
        if line.startswith("#"):
            break
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in line.strip("|").split(" | ")]
        for kind in re.findall(r"`([a-z-]+)`", cells[0]):
            rows[kind] = cells
    return rows


DEVICE_ROWS = table_rows(REPO / "docs" / "devices.md", "## Device kinds")
FORMAT_ROWS = table_rows(REPO / "docs" / "scene-format.md", "### Node kinds")


@pytest.mark.parametrize("name", DEVICE_KINDS)
def test_every_kind_has_a_class_an_icon_and_its_docs_rows(name: str) -> None:
    kind = DEVICE_KINDS[name]
    assert DEVICES[name].kind is kind and name in DEVICES[name].factory.kinds
    assert (REPO / "assets" / "icons" / f"{kind.icon}.svg").is_file(), f"no icon assets/icons/{kind.icon}.svg for '{name}'"
    assert name in FORMAT_ROWS, f"docs/scene-format.md's node kinds table has no row for '{name}'"
    assert name in DEVICE_ROWS, f"docs/devices.md's device kinds table has no row for '{name}'"
    documented = DEVICE_ROWS[name][-1]
    for table in kind.tables:
        assert table.value in documented, f"docs/devices.md's row for '{name}' does not list its {table.value}"


def test_the_loader_and_the_validator_take_their_lists_from_the_registry() -> None:
    assert typing.get_args(NodeKind) == tuple(DEVICE_KINDS)
    assert set(TABLE_TITLES) == {table.value for table in TableKind}
    published = {table for kind in DEVICE_KINDS.values() for table in kind.tables}
    assert published == set(TableKind), "a table title no kind publishes, or a kind's table with no title"
    assert all(len(table.columns) >= 2 for table in TableKind)


def test_capabilities_say_what_the_classes_do() -> None:
    """Addressing and layout read capabilities; the simulation runs classes: they must agree."""
    for name, entry in DEVICES.items():
        assert issubclass(entry.factory, Stack)
        assert entry.kind.can(Capability.ROUTES) == issubclass(entry.factory, Router), name
        assert entry.kind.can(Capability.INTERNET) == issubclass(entry.factory, Internet), name


def test_each_class_is_registered_once() -> None:
    assert sorted(name for cls in CLASSES for name in cls.kinds) == sorted(DEVICE_KINDS)


def test_a_kinds_reads_name_real_node_settings() -> None:
    from dataclasses import fields

    from animator.model.schema import Node

    settings = {f.name for f in fields(Node)}
    for kind in DEVICE_KINDS.values():
        assert set(kind.reads) <= settings, kind.name
