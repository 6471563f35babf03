"""The presenter's live answer chart: one bar per choice, growing as the answers come in.

Painted, not built from labels: it redraws at every tally (at most ten a second) without
laying anything out again, and reads from the back of a lecture hall's lectern laptop.
The right answer is marked green from the start: this is the presenter's screen only.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
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
    """Bars of ``ChartData``; empty (a hint) while no question is on screen."""

    ROW = 44

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: ChartData | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumHeight(80)

    def show_data(self, data: ChartData | None) -> None:
        if data != self.data:
            self.data = data
            self.updateGeometry()
            self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        rows = len(self.data.choices) if self.data else 1
        return QSize(320, 70 + rows * self.ROW)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().windowText().color()
        muted = QColor(text)
        muted.setAlphaF(0.6)
        w = self.width()
        data = self.data
        if data is None:
            p.setFont(font(12))
            p.setPen(muted)
            p.drawText(
                self.rect().adjusted(4, 4, -4, -4),
                Qt.TextFlag.TextWordWrap,
                "The answers appear here when a question is on screen.",
            )
            return
        total = sum(data.counts)
        p.setFont(font(12, bold=True))
        p.setPen(text)
        state = "revealed" if data.revealed else "answering"
        p.drawText(
            QRectF(0, 0, w, 24),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            f"{total} of {data.students} answered · {state}",
        )
        most = max(1, *data.counts)
        y = 30.0
        label_w = 30.0
        number_w = 76.0
        for i, (choice, count) in enumerate(zip(data.choices, data.counts, strict=True)):
            right = i == data.answer
            colour = RIGHT if right else ACCENT
            row = QRectF(0, y, w, self.ROW - 8)
            track = QRectF(label_w, y, w - label_w - number_w, row.height())
            p.setPen(Qt.PenStyle.NoPen)
            back = QColor(colour)
            back.setAlphaF(0.10)
            p.setBrush(back)
            p.drawRoundedRect(track, 6, 6)
            bar = QColor(colour)
            bar.setAlphaF(0.85 if right or not data.revealed else 0.45)
            p.setBrush(bar)
            p.drawRoundedRect(QRectF(track.x(), y, track.width() * count / most, row.height()), 6, 6)
            p.setPen(QPen(colour if right else text))
            p.setFont(font(13, bold=True))
            p.drawText(QRectF(0, y, label_w, row.height()), Qt.AlignmentFlag.AlignCenter, chr(65 + i))
            p.setFont(font(12, bold=right))
            p.setPen(text)
            label = p.fontMetrics().elidedText(
                ("✔ " if right else "") + choice, Qt.TextElideMode.ElideRight, int(track.width() - 12)
            )
            p.drawText(track.adjusted(8, 0, -4, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
            p.setFont(font(12, bold=True, mono=True))
            share = f"{round(100 * count / total)}%" if total else "–"
            p.drawText(
                QRectF(w - number_w, y, number_w, row.height()),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{count} · {share}",
            )
            y += self.ROW
