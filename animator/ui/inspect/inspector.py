"""The packet inspector: a packet's layers as a tree and its bytes as hex, linked both ways.

Wireshark's three panes cut to the two a student needs: the tree (what each field means) and
the bytes (what is really on the wire). Selecting a field lights up its bytes; clicking a byte
selects the field that owns it. At a device the packet has two versions, as it came in and
as it goes out (Packet Tracer's In/Out layers, but with the real bytes): an In/Out switch
shows either, with every field and byte the device changed marked in both, under the
device's own list of what it did ("TTL 64 → 63").

The view follows the player, which asks for a new ``PacketDetail`` on every frame; it only
rebuilds when the detail differs, and keeps the selected field and the open branches across
rebuilds, so a student can watch the TTL while the packet moves hop to hop.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QResizeEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from animator.engine.sim import Outcome
from animator.engine.timeline import PacketDetail
from animator.packets.dissect import FieldNode, Path, changed_paths, dissect, node_at, walk
from animator.render.theme import LIGHT, Theme, font
from animator.ui.inspect.hexview import HexView, changed_fill

EMPTY_TEXT = "Click a packet on the stage or an arrow in the sequence diagram"
NO_BYTES = "This scene describes the message without real packet bytes."
NOT_NOW = "Not on the wire at this moment: play or step to when it is sent."
PATH_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class SceneNames:
    """What the inspector calls the scene's devices and links, and where each packet is going.

    ``PacketDetail`` speaks in ids ("server", "internet--server") and, on a wire, names the
    device that *sent* the packet: printed as is, a packet reaching the web server read
    "heading to internet". A student reads names ("Web server"), and wants the direction
    (from where, to where), so the wording is made here from the scene: a link's two ends
    give the next device, the packet's route gives where it is bound.
    """

    nodes: Mapping[str, str] = field(default_factory=dict)
    links: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: Each packet's devices, sender first (``MessageTrack.path``).
    routes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Packets that are lost where their route ends.
    dropped: frozenset[str] = frozenset()

    @classmethod
    def of(cls, timeline: Any) -> SceneNames:
        """The names of ``timeline``'s scene; ids it does not know are shown as they are."""
        scene = timeline.scene
        return cls(
            nodes={node.id: node.display_label for node in scene.nodes},
            links={link.link_id: tuple(link.between) for link in scene.links},
            routes={track.id: tuple(track.path) for track in timeline.messages},
            dropped=frozenset(track.id for track in timeline.messages if track.dropped),
        )

    def node(self, node_id: str) -> str:
        return self.nodes.get(node_id, node_id)

    def link(self, link_id: str) -> str:
        """A link as its two ends ("Internet ↔ Web server"): its id is only the author's handle."""
        ends = self.links.get(link_id)
        return f"{self.node(ends[0])} ↔ {self.node(ends[1])}" if ends else link_id

    def place(self, detail: PacketDetail) -> str:
        """Where the packet is, in words: "On the wire from Internet to Web server", "At Web server (arrived)"."""
        here = self.node(detail.node)
        route = self.routes.get(detail.id, ())
        bound = route[-1] if route else None
        if detail.link_id is not None:  # on a wire: ``detail.node`` is the sender
            towards = self._next(detail.node, detail.link_id, route)
            if towards is None:
                return f"On the link {self.link(detail.link_id)}, sent by {here}"
            text = f"On the wire from {here} to {self.node(towards)}"
            if bound is not None and bound != towards:
                text += f", on its way to {self.node(bound)}"
            return text
        lost = detail.id in self.dropped and bound == detail.node
        if detail.outcome is not None:  # only the end of a packet's run has an outcome
            if detail.outcome is Outcome.DELIVERED:
                return f"At {here} (arrived)"
            return f"{'Lost at' if lost else 'At'} {here}: {self._named(detail.fate, detail.node)}"
        if bound is None:
            return f"At {here}"
        if bound != detail.node:
            return f"At {here}, on its way to {self.node(bound)}"
        return f"Lost at {here}" if lost else f"At {here} (arrived)"

    def _next(self, sender: str, link_id: str, route: tuple[str, ...]) -> str | None:
        """The device at the other end of the wire the packet is on."""
        ends = self.links.get(link_id)
        if ends is not None and sender in ends:
            return ends[1] if ends[0] == sender else ends[0]
        if sender in route and route.index(sender) + 1 < len(route):
            return route[route.index(sender) + 1]
        return None

    def _named(self, fate: str, node_id: str) -> str:
        """A fate in the device's words, its id replaced: "web1 is down" → "it is down", "no route from r1" → "… from R1".

        Only where the simulator writes the device (at the start, after "from"): an id such as
        "host" is also an English word elsewhere in a fate. At the start it is the device the
        sentence already names ("Lost at web1 (active): it is down").
        """
        pattern = re.escape(node_id) + r"(?![\w-])"
        fate = re.sub("^" + pattern, "it", fate)
        return re.sub(r"\bfrom " + pattern, lambda _m: "from " + self.node(node_id), fate)


@lru_cache(maxsize=128)
def _dissected(frame: bytes) -> tuple[FieldNode, ...]:
    """Dissection is ~1 ms a frame; playback asks for the same few frames sixty times a second."""
    return dissect(frame)


class Inspector(QWidget):
    """Tree + hex of the selected packet. ``show_detail`` / ``show_frame`` feed it."""

    #: Emitted with the selected field's path, () when nothing is selected.
    fieldSelected = Signal(tuple)  # noqa: N815
    #: The user asked to open the shown packet's wire in Wireshark.
    captureRequested = Signal()  # noqa: N815

    def __init__(self, parent: QWidget | None = None, theme: Theme = LIGHT) -> None:
        super().__init__(parent)
        self.theme = theme
        self.names = SceneNames()
        self.detail: PacketDetail | None = None
        self.frame = b""
        self.nodes: tuple[FieldNode, ...] = ()
        self.changed: frozenset[Path] = frozenset()
        self.side = "in"
        self._frames: dict[str, bytes] = {}
        self._shown: tuple[object, ...] | None = None
        self._items: dict[Path, QStandardItem] = {}
        self._nodes_by_path: dict[Path, FieldNode] = {}

        self.stack = QStackedWidget(self)
        self.empty = QLabel(EMPTY_TEXT, self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setMargin(24)
        self.stack.addWidget(self.empty)

        page = QWidget(self)
        column = QVBoxLayout(page)
        column.setContentsMargins(8, 6, 8, 6)
        column.setSpacing(6)
        header = QHBoxLayout()
        self.title = QLabel(page)
        self.title.setFont(font(14, bold=True))
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        header.addWidget(self.title, 1)
        self.in_button = QToolButton(page)
        self.in_button.setText("In")
        self.in_button.setToolTip("The frame as it arrived at this device")
        self.out_button = QToolButton(page)
        self.out_button.setText("Out")
        self.out_button.setToolTip("The frame as this device sends it on")
        self.sides = QButtonGroup(self)
        for button in (self.in_button, self.out_button):
            button.setCheckable(True)
            button.setAutoRaise(False)
            button.setMinimumWidth(48)
            self.sides.addButton(button)
            header.addWidget(button)
        self.in_button.setChecked(True)
        self.wireshark_button = QToolButton(page)
        self.wireshark_button.setText("Wireshark…")
        self.wireshark_button.setToolTip(
            "Open the wire this packet is on in Wireshark: a capture of that one link, as tcpdump there would see it"
        )
        self.wireshark_button.clicked.connect(self.captureRequested)
        header.addWidget(self.wireshark_button)
        self.in_button.toggled.connect(lambda on: self._side_toggled("in", on))
        self.out_button.toggled.connect(lambda on: self._side_toggled("out", on))
        column.addLayout(header)
        self.where = QLabel(page)
        self.where.setWordWrap(True)
        column.addWidget(self.where)
        self.changes = QLabel(page)
        self.changes.setWordWrap(True)
        self.changes.setTextFormat(Qt.TextFormat.RichText)
        column.addWidget(self.changes)

        self.model = QStandardItemModel(0, 3, self)
        self.model.setHorizontalHeaderLabels(["Field", "Value", "Meaning"])
        self.tree = QTreeView(page)
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.header().setStretchLastSection(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.setColumnWidth(0, 210)
        self.tree.setColumnWidth(1, 170)
        self.tree.selectionModel().currentRowChanged.connect(self._row_changed)
        self.hex = HexView(page, theme)
        self.hex.byteClicked.connect(self.select_byte)
        splitter = QSplitter(Qt.Orientation.Vertical, page)
        splitter.addWidget(self.tree)
        splitter.addWidget(self.hex)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        column.addWidget(splitter, 1)
        self.stack.addWidget(page)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.set_theme(theme)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        width = self.tree.viewport().width()
        self.tree.setColumnWidth(0, max(150, int(width * 0.42)))
        self.tree.setColumnWidth(1, max(110, int(width * 0.33)))

    # -- public API -------------------------------------------------------------------
    def set_names(self, names: SceneNames) -> None:
        """The scene's names, so places read "Web server", not "server" (set on every scene load)."""
        self.names = names
        self._shown = None

    def show_detail(self, detail: PacketDetail | None) -> None:
        """Show a packet at a moment (None: the empty state). Cheap when nothing changed."""
        key = None if detail is None else ("detail", detail)
        if key == self._shown:
            return
        self._shown = key
        self.detail = detail
        if detail is None:
            self._frames = {}
            self.stack.setCurrentIndex(0)
            return
        frames = {side: f for side, f in (("in", detail.frame_in), ("out", detail.frame_out)) if f}
        self.title.setText(detail.label)
        place = self.names.place(detail)
        self.where.setText(place)
        self.where.setVisible(True)
        self._set_changes(detail.changes, self.names.node(detail.node))
        self._set_frames(frames, both=detail.frame_in is not None and detail.frame_out is not None)
        self.wireshark_button.setVisible(True)
        if not frames:  # a labelled token: no bytes, but where it is still matters
            self.empty.setText(f"{detail.label}\n{place}\n\n{NO_BYTES}")
            self.stack.setCurrentIndex(0)

    def show_frame(self, frame: bytes, title: str) -> None:
        """Show a lone frame (e.g. one row of an imported capture)."""
        key = ("frame", bytes(frame), title)
        if key == self._shown:
            return
        self._shown = key
        self.detail = None
        self.title.setText(title)
        self.where.setVisible(False)
        self.wireshark_button.setVisible(False)  # a lone frame belongs to no scene link
        self._set_changes(())
        self._set_frames({"in": bytes(frame)}, both=False)

    def show_label(self, label: str, note: str = NO_BYTES) -> None:
        """A packet with no bytes to show (none in the scene, or not on the wire now): say why."""
        key = ("label", label, note)
        if key == self._shown:
            return
        self._shown = key
        self.detail = None
        self.empty.setText(f"{label}\n\n{note}")
        self.stack.setCurrentIndex(0)

    def clear(self) -> None:
        self.empty.setText(EMPTY_TEXT)
        self.show_detail(None)

    def _side_toggled(self, side: str, on: bool) -> None:
        if on:
            self.set_side(side)

    def set_side(self, side: str) -> None:
        """Show the frame as it came in ("in") or as it goes out ("out"); remembered across packets."""
        if side not in ("in", "out"):
            raise ValueError(side)
        self.side = side
        button = self.in_button if side == "in" else self.out_button
        if not button.isChecked():
            button.setChecked(True)
        if side in self._frames:
            self._show_nodes(self._frames[side])

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.hex.set_theme(theme)
        self.empty.setStyleSheet(f"color: {theme.muted}; font-size: 15px;")
        self.where.setStyleSheet(f"color: {theme.muted};")
        self.changes.setStyleSheet(
            f"background: {changed_fill(theme).name()}; color: {'#000000' if theme.name != 'dark' else theme.text};"
            "border-radius: 4px; padding: 4px 8px;"
        )
        if self._frames:
            self._show_nodes(self.frame)

    # -- selection, both ways ---------------------------------------------------------
    def selected_path(self) -> Path:
        index = self.tree.currentIndex()
        if not index.isValid():
            return ()
        return tuple(self.model.itemFromIndex(index.siblingAtColumn(0)).data(PATH_ROLE) or ())

    def select_path(self, path: Path) -> bool:
        item = self._items.get(tuple(path))
        if item is None:
            return False
        index = item.index()
        parent = index.parent()
        while parent.isValid():
            self.tree.expand(parent)
            parent = parent.parent()
        self.tree.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.tree.scrollTo(index)
        return True

    def select_byte(self, offset: int) -> None:
        path = node_at(self.nodes, offset)
        if path is not None:
            self.select_path(path)

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        path = self.selected_path()
        node = self._nodes_by_path.get(path)
        if node is None:
            self.hex.set_selection(0, 0)
        else:
            self.hex.set_selection(node.start, node.end)
        self.fieldSelected.emit(path)

    # -- building ---------------------------------------------------------------------
    def _set_changes(self, changes: tuple[str, ...], device: str = "this device") -> None:
        self.changes.setVisible(bool(changes))
        items = "".join(f"<li>{_escape(c)}</li>" for c in changes)
        self.changes.setText(f"<b>What {_escape(device)} changed</b><ul style='margin:2px 0 0 -20px'>{items}</ul>")

    def _set_frames(self, frames: dict[str, bytes], both: bool) -> None:
        self._frames = frames
        self.in_button.setVisible(both)
        self.out_button.setVisible(both)
        if not frames:
            self.changed = frozenset()
            return
        self.changed = (
            changed_paths(_dissected(frames["in"]), _dissected(frames["out"]))
            if both and frames["in"] != frames["out"]
            else frozenset()
        )
        side = self.side if self.side in frames else next(iter(frames))
        self.stack.setCurrentIndex(1)
        self._show_nodes(frames[side])

    def _show_nodes(self, frame: bytes) -> None:
        selected = self.selected_path() if self.nodes else ()
        expanded = {path for path, item in self._items.items() if self.tree.isExpanded(item.index())}
        first_time = not self._items
        self.frame = frame
        self.nodes = _dissected(frame)
        self._nodes_by_path = dict(walk(self.nodes))
        changed_bytes: set[int] = set()
        self.model.removeRows(0, self.model.rowCount())
        self._items = {}
        highlight = QBrush(changed_fill(self.theme))
        changed_text = QBrush(Qt.GlobalColor.black) if self.theme.name != "dark" else QBrush(self.theme.color("text"))
        bold = font(13, bold=True)
        for path, node in walk(self.nodes):
            row = [QStandardItem(node.label), QStandardItem(node.value), QStandardItem(node.meaning)]
            row[0].setData(path, PATH_ROLE)
            row[0].setToolTip(f"{node.key} · bytes {node.start}–{node.end - 1}" if node.end > node.start else node.key)
            row[1].setToolTip(node.value)
            if path in self.changed:
                for cell in row:
                    cell.setBackground(highlight)
                    cell.setForeground(changed_text)
                    cell.setFont(bold)
                if not node.children:
                    changed_bytes.update(range(node.start, node.end))
            parent = self._items.get(path[:-1]) if len(path) > 1 else None
            (parent or self.model.invisibleRootItem()).appendRow(row)
            self._items[path] = row[0]
        self.hex.set_data(frame, frozenset(changed_bytes))
        for path in self.changed:  # open the layers that hold a change, so it is seen at once
            for depth in range(1, len(path)):
                expanded.add(path[:depth])
        if first_time and not expanded:
            expanded = {path[:1] for path, _ in walk(self.nodes[-1:])}  # the top layer is what the label names
        for path in expanded:
            item = self._items.get(path)
            if item is not None:
                self.tree.expand(item.index())
        if selected:
            self.select_path(selected)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
