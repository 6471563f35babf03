"""The "Device tables" dock: every table of one device (MAC table, ARP cache, NAT table...) now.

The stage shows tables as small cards beside their device; this dock is where a student reads
them in full, for whichever device they clicked. What a step did to a table is the lesson
(a NAT mapping appears, a MAC is learnt), so rows added since the previous step are
highlighted and rows it removed stay for that step, struck through.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from animator.engine.frame import Frame, TableView
from animator.render.theme import LIGHT, Theme, font
from animator.ui.inspect.hexview import changed_fill

NO_TABLES = "This device has no tables at this point of the scene."


class TablesPanel(QWidget):
    """Pick a device (or let the stage pick it); its tables follow the timeline."""

    def __init__(self, parent: QWidget | None = None, theme: Theme = LIGHT) -> None:
        super().__init__(parent)
        self.theme = theme
        self.timeline: Any = None
        self.frame: Frame | None = None
        self.node: str | None = None
        self._shown: tuple[object, ...] | None = None
        #: The table widgets on screen, by title (tests and screenshots read them).
        self.tables: dict[str, QTableWidget] = {}

        self.combo = QComboBox(self)
        # Sized by a fixed number of characters, never by the longest device name: a combo that
        # grows to its contents makes the dock, and so the whole window, wider than a projector.
        # A long name is elided here and shown in full in the drop-down list.
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(8)
        self.combo.currentIndexChanged.connect(self._combo_changed)
        top = QHBoxLayout()
        top.setContentsMargins(8, 6, 8, 2)
        top.addWidget(QLabel("Device:", self))
        top.addWidget(self.combo, 1)

        self.body = QWidget(self)
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(8, 4, 8, 8)
        self.body_layout.setSpacing(10)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.body)
        self.message = QLabel(NO_TABLES, self)
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)
        self.set_theme(theme)

    # -- public API -------------------------------------------------------------------
    def set_timeline(self, timeline: Any) -> None:
        """Offer the scene's devices, those that ever have a table first."""
        self.timeline = timeline
        self.frame = None
        self._shown = None
        with_tables = set(timeline.table_snapshots()) | set(timeline.device_table_snapshots())
        nodes = sorted(timeline.scene.nodes, key=lambda n: n.id not in with_tables)
        self.combo.blockSignals(True)
        self.combo.clear()
        for node in nodes:
            suffix = "" if node.id in with_tables else "  (no tables)"
            self.combo.addItem(f"{node.display_label}{suffix}", node.id)
        self.combo.blockSignals(False)
        keep = self.node if self.node in {n.id for n in nodes} else (nodes[0].id if nodes else None)
        self.node = None
        if keep is not None:
            self.set_node(keep)

    def set_node(self, node: str) -> None:
        """Show ``node``'s tables (what a click on a device on the stage does)."""
        index = self.combo.findData(node)
        if index < 0:
            return
        self.node = node
        if self.combo.currentIndex() != index:
            self.combo.setCurrentIndex(index)
        self._refresh()

    def show_frame(self, frame: Frame) -> None:
        self.frame = frame
        self._refresh()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.message.setStyleSheet(f"color: {theme.muted}; padding: 16px;")
        self._shown = None
        self._refresh()

    # -- building ---------------------------------------------------------------------
    def _combo_changed(self, index: int) -> None:
        node = self.combo.itemData(index)
        if node is not None and node != self.node:
            self.node = node
            self._refresh()

    def _previous_tables(self) -> dict[str, TableView]:
        """The node's tables at the end of the previous step: what "new" is measured against."""
        if self.timeline is None or self.frame is None or self.frame.step <= 0 or self.node is None:
            return {}
        before = self.timeline.state_at(self.timeline.boundary(self.frame.step - 1))
        return {table.title: table for table in _tables_of(before, self.node)}

    def _refresh(self) -> None:
        if self.frame is None or self.node is None:
            tables: tuple[TableView, ...] = ()
            step = -1
        else:
            tables = _tables_of(self.frame, self.node)
            step = self.frame.step
        key = (self.node, step, tables, self.theme.name)
        if key == self._shown:
            return  # most frames: packets moved, tables did not
        self._shown = key
        previous = self._previous_tables() if tables else {}
        while self.body_layout.count():
            taken = self.body_layout.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.hide()  # deleteLater waits for the event loop; a grab before that must not see it
                widget.deleteLater()
        self.tables = {}
        self.message.setVisible(not tables)
        for table in tables:
            title = QLabel(table.title, self.body)
            title.setFont(font(13, bold=True))
            self.body_layout.addWidget(title)
            widget = self._table_widget(
                table, previous.get(table.title), first_step=self.frame is not None and self.frame.step <= 0
            )
            self.body_layout.addWidget(widget)
            self.tables[table.title] = widget
        self.body_layout.addStretch(1)

    def _table_widget(self, table: TableView, before: TableView | None, first_step: bool) -> QTableWidget:
        old_rows = set(before.rows) if before is not None else set()
        removed = [row for row in (before.rows if before is not None else ()) if row not in set(table.rows)]
        rows = list(table.rows) + removed
        columns = max([len(table.columns), *(len(r) for r in rows)])
        widget = QTableWidget(len(rows), columns, self.body)
        widget.setHorizontalHeaderLabels(list(table.columns) + [""] * (columns - len(table.columns)))
        widget.verticalHeader().setVisible(False)
        widget.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        widget.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        widget.setAlternatingRowColors(True)
        widget.setFont(font(12, mono=True))
        widget.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        widget.horizontalHeader().setStretchLastSection(True)
        added = QBrush(changed_fill(self.theme))
        dark_text = QBrush(Qt.GlobalColor.black) if self.theme.name != "dark" else QBrush(self.theme.color("text"))
        muted = QBrush(self.theme.color("muted"))
        for r, row in enumerate(rows):
            is_removed = r >= len(table.rows)
            is_added = not is_removed and not first_step and row not in old_rows
            for c in range(columns):
                item = QTableWidgetItem(row[c] if c < len(row) else "")
                if is_added:
                    item.setBackground(added)
                    item.setForeground(dark_text)
                    item.setToolTip("New in this step")
                elif is_removed:
                    struck = QFont(widget.font())
                    struck.setStrikeOut(True)
                    item.setFont(struck)
                    item.setForeground(muted)
                    item.setToolTip("Removed in this step")
                widget.setItem(r, c, item)
        widget.resizeRowsToContents()
        height = widget.horizontalHeader().height() + sum(widget.rowHeight(r) for r in range(len(rows))) + 2 * widget.frameWidth()
        widget.setFixedHeight(max(height, widget.horizontalHeader().height() + 8))
        widget.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Full width, never a scroll bar inside the table: the dock scrolls instead, so a row
        # of addresses is never cut in half.
        widget.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        widget.resizeColumnsToContents()
        columns_width = sum(widget.columnWidth(c) for c in range(columns)) + 2 * widget.frameWidth() + 4
        widget.setMinimumWidth(columns_width)
        return widget


def _tables_of(frame: Frame, node: str) -> tuple[TableView, ...]:
    """The device's own tables (from the simulator) and the author's tables for it, each title once."""
    merged = {table.title: table for table in frame.device_tables.get(node, ())}
    merged.update({table.title: table for table in frame.tables.get(node, ())})
    return tuple(merged.values())
