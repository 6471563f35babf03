"""The presenter's Class panel while sharing: the join code, how many joined, the live answers, and
(on request) the remote's QR code. It sits on the presenter's screen, never on the projector:
the remote's link holds the presenter token."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from animator.render.theme import font
from animator.ui.classroom.chart import ChartData, TallyChart


class ClassPanel(QWidget):
    stop_clicked = Signal()
    join_screen_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        self.code_label = QLabel(self)
        self.code_label.setFont(font(26, bold=True, mono=True))
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.code_label)
        self.url_label = QLabel(self)
        self.url_label.setFont(font(12, mono=True))
        self.url_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.url_label.setWordWrap(True)
        layout.addWidget(self.url_label)
        self.room_label = QLabel("No students yet", self)
        self.room_label.setFont(font(14, bold=True))
        layout.addWidget(self.room_label)
        self.question_label = QLabel(self)
        self.question_label.setWordWrap(True)
        self.question_label.setFont(font(12))
        layout.addWidget(self.question_label)
        self.chart = TallyChart(self)
        layout.addWidget(self.chart)
        layout.addSpacing(6)
        buttons = QHBoxLayout()
        self.join_button = QPushButton("Join screen on projector", self)
        self.join_button.setCheckable(True)
        self.join_button.toggled.connect(self.join_screen_toggled)
        buttons.addWidget(self.join_button)
        self.remote_button = QPushButton("Phone remote…", self)
        self.remote_button.setCheckable(True)
        self.remote_button.setToolTip("A QR code that turns your phone into a clicker with the notes (keep it off the projector)")
        self.remote_button.toggled.connect(self._show_remote)
        buttons.addWidget(self.remote_button)
        layout.addLayout(buttons)
        self.remote_qr = QLabel(self)
        self.remote_qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.remote_qr.hide()
        layout.addWidget(self.remote_qr)
        self.stop_button = QPushButton("Stop sharing", self)
        self.stop_button.clicked.connect(self.stop_clicked)
        layout.addWidget(self.stop_button)
        layout.addStretch(1)
        self._students = 0
        self._chart: ChartData | None = None

    def show_session(self, code: str, url: str, remote_png: bytes) -> None:
        self.code_label.setText(code)
        self.code_label.setToolTip("The join code students type (the projector shows it with the QR code)")
        self.url_label.setText(url)
        pixmap = QPixmap()
        pixmap.loadFromData(remote_png, "PNG")
        self.remote_qr.setPixmap(pixmap.scaledToWidth(200, Qt.TransformationMode.FastTransformation))

    def _show_remote(self, on: bool) -> None:
        self.remote_qr.setVisible(on)

    def set_join_screen(self, on: bool) -> None:
        if self.join_button.isChecked() != on:
            self.join_button.blockSignals(True)
            self.join_button.setChecked(on)
            self.join_button.blockSignals(False)

    @property
    def students(self) -> int:
        return self._students

    def show_students(self, count: int) -> None:
        self._students = count
        self.room_label.setText(f"{count} student{'s' if count != 1 else ''} following" if count else "No students yet")
        if self._chart is not None:
            self.show_chart(
                self._chart.question, self._chart.choices, self._chart.counts, self._chart.answer, self._chart.revealed
            )

    def show_chart(self, question: str, choices: tuple[str, ...], counts: tuple[int, ...], answer: int, revealed: bool) -> None:
        self._chart = ChartData(question, choices, counts, answer, revealed, self._students)
        self.question_label.setText(question)
        self.chart.show_data(self._chart)

    def clear_chart(self) -> None:
        self._chart = None
        self.question_label.setText("")
        self.chart.show_data(None)
