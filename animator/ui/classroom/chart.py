"""The presenter's live answer chart: one bar per choice, growing as the answers come in.

Painted, not built from labels: it redraws at every tally (at most ten a second) without
laying anything out again, and reads from the back of a lecture hall's lectern laptop.
The right answer is marked green from the start: this is the presenter's screen only.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from animator.render.theme import font

ACCENT = QColor("#2563eb")
RIGHT = QColor("#15803d")


@dataclass(frozen=True)
class ChartData:
    question: str
    choices: tuple[str, ...]
    counts: tuple[int, ...]
    answer: int
    revealed: bool
    students: int


class TallyChart(QWidget):
    """Bars of ``ChartData``; empty (a hint) while no question is on screen. ``scale`` makes it the
    projector's: the same chart, bigger, after the reveal."""

    def __init__(self, parent: QWidget | None = None, scale: float = 1.0, mark_answer: bool = True) -> None:
        super().__init__(parent)
        self.data: ChartData | None = None
        self.scale = scale
        #: Mark the right answer before the reveal (the presenter's screen only; never the projector's).
        self.mark_answer = mark_answer
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumHeight(self._height(1))

    def _row(self) -> float:
        return 46 * self.scale

    def _height(self, rows: int) -> int:
        return int(30 * self.scale + rows * self._row())

    def show_data(self, data: ChartData | None) -> None:
        if data != self.data:
            self.data = data
            self.setMinimumHeight(self._height(len(data.choices) if data else 1))
            self.updateGeometry()
            self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(int(320 * self.scale), self._height(len(self.data.choices) if self.data else 1))

    def _font(self, size: float, bold: bool = False, mono: bool = False) -> QFont:
        f = font(12, bold=bold, mono=mono)
        f.setPixelSize(max(8, round(size * self.scale)))
        return f

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().windowText().color()
        muted = QColor(text)
        muted.setAlphaF(0.65)
        w = float(self.width())
        data = self.data
        if data is None:
            p.setFont(self._font(14))
            p.setPen(muted)
            p.drawText(
                self.rect().adjusted(4, 4, -4, -4),
                Qt.TextFlag.TextWordWrap,
                "The answers appear here when a question is on screen.",
            )
            return
        k = self.scale
        total = sum(data.counts)
        p.setFont(self._font(15, bold=True))
        p.setPen(text)
        who = f"{total} of {data.students} answered" if data.students >= total else f"{total} answered"
        p.drawText(
            QRectF(0, 0, w, 24 * k),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            who + (" · revealed" if data.revealed and self.mark_answer else ""),
        )
        most = max(1, *data.counts)
        row_h, label_h, bar_h = self._row(), 20 * k, 14 * k
        number_w = 92 * k
        y = 30 * k
        for i, (choice, count) in enumerate(zip(data.choices, data.counts, strict=True)):
            right = i == data.answer and (data.revealed or self.mark_answer)
            colour = RIGHT if right else ACCENT
            # The choice on one line, its bar under it, the count at the right.
            p.setPen(QPen(colour if right else text))
            p.setFont(self._font(15, bold=True))
            label = f"{chr(65 + i)}  " + ("✔ " if right else "") + choice
            label = p.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight, int(w - number_w - 4))
            p.drawText(QRectF(0, y, w - number_w, label_h), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
            p.setFont(self._font(15, bold=True))
            p.setPen(text)
            share = f"{round(100 * count / total)}%" if total else "–"
            p.drawText(
                QRectF(w - number_w, y, number_w, label_h),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{count} · {share}",
            )
            track = QRectF(0, y + label_h + 3 * k, w, bar_h)
            p.setPen(Qt.PenStyle.NoPen)
            back = QColor(colour)
            back.setAlphaF(0.12)
            p.setBrush(back)
            p.drawRoundedRect(track, bar_h / 2, bar_h / 2)
            if count:
                bar = QColor(colour)
                bar.setAlphaF(1.0 if right or not data.revealed else 0.55)
                p.setBrush(bar)
                p.drawRoundedRect(QRectF(0, track.y(), max(bar_h, w * count / most), bar_h), bar_h / 2, bar_h / 2)
            y += row_h
