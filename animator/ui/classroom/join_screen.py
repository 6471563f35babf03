"""The projector's join screen: a QR code as tall as the screen allows, the short URL and the code.

It covers the audience's stage at the start of a lecture (and whenever the lecturer shows it
again from the Present menu or the Class panel), and goes as soon as the lecture moves on. It
never shows the presenter's token: only the students' URL, which holds the join code anyway.
Painted from the QR code's modules, so it is sharp on any projector.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from animator.render.theme import font


class JoinScreen(QWidget):
    """Covers ``parent`` (the audience stage's viewport) and follows its size."""

    def __init__(self, parent: QWidget, title: str, url: str, short_url: str, code: str, matrix: list[list[bool]]) -> None:
        super().__init__(parent)
        self.title, self.url, self.short_url, self.code, self.matrix = title, url, short_url, code, matrix
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        parent.installEventFilter(self)
        self.setGeometry(parent.rect())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        parent = self.parentWidget()
        if parent is not None and watched is parent and event.type() == QEvent.Type.Resize:
            self.setGeometry(parent.rect())
        return False

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        w, h = self.width(), self.height()
        p.fillRect(self.rect(), QColor("#ffffff"))
        margin = 0.06 * min(w, h)
        n = len(self.matrix) + 8  # a quiet zone of four modules each side
        side = min(h - 2 * margin, w * 0.5 - margin)
        module = max(1, int(side / n))
        side = module * n
        x0, y0 = margin, (h - side) / 2
        p.fillRect(QRectF(x0, y0, side, side), QColor("#ffffff"))
        dark = QColor("#000000")
        for r, row in enumerate(self.matrix):
            for c, on in enumerate(row):
                if on:
                    p.fillRect(QRectF(x0 + (c + 4) * module, y0 + (r + 4) * module, module, module), dark)
        left = x0 + side + margin
        text_w = w - left - margin
        ink, muted, accent = QColor("#111827"), QColor("#4b5563"), QColor("#1d4ed8")
        px = max(14, int(h * 0.035))
        lines = [
            ("Follow along on your phone", px, accent, True, False, 0.4),
            (self.title, int(px * 1.25), ink, True, False, 1.0),
            ("Scan the code, or open", px, muted, False, False, 0.2),
            (self.short_url, int(px * 1.1), ink, True, True, 0.8),
            ("and type the join code", px, muted, False, False, 0.2),
            (self.code, int(px * 3.2), ink, True, True, 0.6),
            (
                "Answer the questions when they come up. Anonymous: no names, nothing about you is kept.",
                int(px * 0.8),
                muted,
                False,
                False,
                0.0,
            ),
        ]
        # Measure first, then centre the words beside the code.
        blocks = []
        total = 0.0
        for text, size, colour, bold, mono, gap in lines:
            f = font(size, bold=bold, mono=mono)
            f.setPixelSize(size)
            p.setFont(f)
            bound = p.boundingRect(QRectF(left, 0, text_w, h), Qt.TextFlag.TextWordWrap, text)
            blocks.append((text, f, colour, bound.height()))
            total += bound.height() + size * gap
        y = y0 + max(0.0, (side - total) / 2)
        for (text, f, colour, height), (_, size, _, _, _, gap) in zip(blocks, lines, strict=True):
            p.setFont(f)
            p.setPen(colour)
            p.drawText(QRectF(left, y, text_w, height + 2), Qt.TextFlag.TextWordWrap, text)
            y += height + size * gap
