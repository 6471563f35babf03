"""A hex + ASCII view of one frame that highlights byte ranges and reports clicked bytes.

Painted by hand rather than built from a text widget: every byte must map to one rectangle
both ways (a field's range lights up; a click names a byte), changed bytes need their own
background, and a frame of 1500 bytes is only ~95 rows, so painting the visible rows is cheap.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetricsF, QMouseEvent, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from animator.render.theme import LIGHT, Theme, font

BYTES_PER_ROW = 16
#: Background of bytes a device changed, per theme (amber: "look here", readable under text).
CHANGED_FILL = {"light": "#fde68a", "dark": "#6b5314", "high-contrast": "#f0e442"}


def changed_fill(theme: Theme) -> QColor:
    return QColor(CHANGED_FILL.get(theme.name, CHANGED_FILL["light"]))


class HexView(QAbstractScrollArea):
    """Offset | 16 hex bytes (two groups of 8) | ASCII. ``byteClicked(offset)`` on a click."""

    byteClicked = Signal(int)  # noqa: N815 - Qt signal naming

    def __init__(self, parent: QWidget | None = None, theme: Theme = LIGHT) -> None:
        super().__init__(parent)
        self.theme = theme
        self.data = b""
        #: The selected field's bytes, half-open; empty when start == end.
        self.selection = (0, 0)
        self.changed: frozenset[int] = frozenset()
        #: 16 bytes a row as in every hex dump; 8 when the dock is too narrow for 16.
        self.per_row = BYTES_PER_ROW
        self._font = font(12, mono=True)
        metrics = QFontMetricsF(self._font)
        self._char = metrics.horizontalAdvance("0")
        self._line = metrics.height() + 3
        self._pad = 8.0
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.viewport().setCursor(Qt.CursorShape.IBeamCursor)
        self.setMinimumHeight(int(self._line * 4 + 2 * self._pad))

    # -- data -------------------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.viewport().update()

    def set_data(self, data: bytes, changed: frozenset[int] = frozenset()) -> None:
        self.data = bytes(data)
        self.changed = changed
        self.selection = (0, 0)
        self._update_scrollbars()
        self.viewport().update()

    def set_selection(self, start: int, end: int) -> None:
        """Highlight ``[start, end)`` and scroll it into view."""
        start, end = max(0, start), min(len(self.data), end)
        self.selection = (start, max(start, end))
        if end > start:
            row = start // self.per_row
            bar = self.verticalScrollBar()
            visible = max(1, int((self.viewport().height() - 2 * self._pad) // self._line))
            if row < bar.value() or row >= bar.value() + visible:
                bar.setValue(max(0, row - 1))
        self.viewport().update()

    # -- geometry ---------------------------------------------------------------------
    def _columns(self) -> tuple[float, float, float]:
        """x of the hex block, of the ASCII block, and the total width."""
        hex_x = self._pad + self._char * 5.5
        ascii_x = hex_x + self._char * (self.per_row * 3 + 1.5)
        return hex_x, ascii_x, ascii_x + self._char * self.per_row + self._pad

    def _hex_x(self, column: int) -> float:
        hex_x, _, _ = self._columns()
        return hex_x + self._char * (column * 3 + (1 if column >= 8 and self.per_row == 16 else 0))

    def byte_rect(self, offset: int) -> QRectF:
        """Where byte ``offset``'s hex digits are drawn, in viewport coordinates."""
        row, column = divmod(offset, self.per_row)
        y = self._pad + (row - self.verticalScrollBar().value()) * self._line
        x = self._hex_x(column) - self.horizontalScrollBar().value()
        return QRectF(x - self._char * 0.5, y, self._char * 3, self._line)

    def byte_at(self, pos: QPoint) -> int | None:
        """The byte under a viewport point (hex or ASCII column), or None."""
        x = pos.x() + self.horizontalScrollBar().value()
        row = int((pos.y() - self._pad) // self._line) + self.verticalScrollBar().value()
        if pos.y() < self._pad or row < 0:
            return None
        hex_x, ascii_x, _ = self._columns()
        column: int | None = None
        if hex_x - self._char * 0.5 <= x < ascii_x - self._char:
            for c in range(self.per_row):
                if x < self._hex_x(c) + self._char * 2.5:
                    column = c
                    break
        elif ascii_x <= x < ascii_x + self._char * self.per_row:
            column = int((x - ascii_x) // self._char)
        if column is None:
            return None
        offset = row * self.per_row + column
        return offset if offset < len(self.data) else None

    def sizeHint(self) -> QSize:  # noqa: N802
        _, _, width = self._columns()
        return QSize(int(width + 24), int(self._line * 8 + 2 * self._pad))

    def _update_scrollbars(self) -> None:
        rows = (len(self.data) + self.per_row - 1) // self.per_row
        visible = max(1, int((self.viewport().height() - 2 * self._pad) // self._line))
        self.verticalScrollBar().setRange(0, max(0, rows - visible))
        self.verticalScrollBar().setPageStep(visible)
        _, _, width = self._columns()
        self.horizontalScrollBar().setRange(0, max(0, int(width - self.viewport().width())))
        self.horizontalScrollBar().setPageStep(self.viewport().width())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.per_row = BYTES_PER_ROW
        if self._columns()[2] > self.viewport().width():
            self.per_row = BYTES_PER_ROW // 2
        self._update_scrollbars()

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802
        self.viewport().update()

    # -- events -----------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        offset = self.byte_at(event.position().toPoint())
        if offset is not None and event.button() == Qt.MouseButton.LeftButton:
            self.byteClicked.emit(offset)
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        theme = self.theme
        painter = QPainter(self.viewport())
        painter.fillRect(self.viewport().rect(), theme.color("panel_fill"))
        painter.setFont(self._font)
        painter.translate(-self.horizontalScrollBar().value(), 0)
        _hex_x, ascii_x, _ = self._columns()
        first = self.verticalScrollBar().value()
        visible = int(self.viewport().height() // self._line) + 2
        rows = (len(self.data) + self.per_row - 1) // self.per_row
        selected_fill = theme.color("accent")
        selected_text = QColor("white")
        changed = changed_fill(theme)
        start, end = self.selection
        for row in range(first, min(rows, first + visible)):
            y = self._pad + (row - first) * self._line
            painter.setPen(theme.color("muted"))
            painter.drawText(
                QRectF(self._pad, y, self._char * 5, self._line), Qt.AlignmentFlag.AlignVCenter, f"{row * self.per_row:04x}"
            )
            for column in range(self.per_row):
                offset = row * self.per_row + column
                if offset >= len(self.data):
                    break
                byte = self.data[offset]
                cell = QRectF(self._hex_x(column) - self._char * 0.5, y, self._char * 3, self._line)
                ascii_cell = QRectF(ascii_x + column * self._char, y, self._char, self._line)
                is_selected = start <= offset < end
                if is_selected or offset in self.changed:
                    fill = selected_fill if is_selected else changed
                    painter.fillRect(cell, fill)
                    painter.fillRect(ascii_cell, fill)
                painter.setPen(selected_text if is_selected else theme.color("text"))
                painter.drawText(cell, Qt.AlignmentFlag.AlignCenter, f"{byte:02x}")
                if not is_selected:
                    painter.setPen(theme.color("text") if 32 <= byte < 127 else theme.color("muted"))
                painter.drawText(ascii_cell, Qt.AlignmentFlag.AlignCenter, chr(byte) if 32 <= byte < 127 else "·")
        painter.setPen(theme.color("panel_border"))
        line_x = ascii_x - self._char * 0.75
        painter.drawLine(QRectF(line_x, 0, 0, self.viewport().height()).topLeft(), QRectF(line_x, 0, 0, 10000).bottomLeft())
        painter.end()
