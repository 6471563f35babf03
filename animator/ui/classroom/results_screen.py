"""The projector at a reveal while sharing: how the class answered, and the right answer.

Peer instruction turns on this moment: the bars of every choice the class made, the right one in
green, then the explanation. It covers the audience's stage until the lecture moves on (the next
click plays the step), and shows only counts: no student is named, nobody's answer is singled out.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from animator.render.theme import font
from animator.ui.classroom.chart import ChartData, TallyChart


class ResultsScreen(QWidget):
    """Covers ``parent`` (the audience's stage) and follows its size."""

    def __init__(self, parent: QWidget, data: ChartData, explain_html: str) -> None:
        super().__init__(parent)
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor("#ffffff"))
        palette.setColor(QPalette.ColorRole.WindowText, QColor("#111827"))
        self.setPalette(palette)
        height = max(400, parent.height())
        k = height / 1080
        layout = QVBoxLayout(self)
        m = int(60 * k)
        layout.setContentsMargins(int(m * 1.6), m, int(m * 1.6), m)
        layout.setSpacing(int(18 * k))
        heading = QLabel("How the class answered", self)
        heading.setStyleSheet("color:#1d4ed8;")
        heading.setFont(self._font(34 * k, bold=True))
        layout.addWidget(heading)
        question = QLabel(data.question, self)
        question.setWordWrap(True)
        question.setFont(self._font(40 * k, bold=True))
        layout.addWidget(question)
        self.chart = TallyChart(self, scale=2.2 * k, mark_answer=False)
        self.chart.show_data(data)
        layout.addWidget(self.chart)
        answer = QLabel(f"The answer: {chr(65 + data.answer)}. {data.choices[data.answer]}", self)
        answer.setStyleSheet("color:#15803d;")
        answer.setFont(self._font(36 * k, bold=True))
        layout.addWidget(answer)
        if explain_html:
            explain = QLabel(explain_html, self)
            explain.setTextFormat(Qt.TextFormat.RichText)
            explain.setWordWrap(True)
            explain.setFont(self._font(28 * k))
            layout.addWidget(explain)
        layout.addStretch(1)
        parent.installEventFilter(self)
        self.setGeometry(parent.rect())

    @staticmethod
    def _font(px: float, bold: bool = False) -> QFont:
        f = font(12, bold=bold)
        f.setPixelSize(max(10, round(px)))
        return f

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        parent = self.parentWidget()
        if parent is not None and watched is parent and event.type() == QEvent.Type.Resize:
            self.setGeometry(parent.rect())
        return False
