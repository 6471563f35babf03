"""The self-paced sidebar: where you are, the step's explanation, its quiz and the score.

A student alone has no lecturer to explain a step, so each step may carry ``explain:``
(Markdown) written for them. It is shown with ``QTextBrowser.setMarkdown``: no web engine, no
new dependency, and no network access (remote images are not fetched). Links open in the
system browser, and only when clicked.
"""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from animator.render.theme import font
from animator.ui.lecture.quiz import QuizPanel

#: Only these schemes leave the app; a scene file must not be able to launch anything else.
EXTERNAL_SCHEMES = ("http", "https", "mailto")


class LessonSidebar(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.position = QLabel(self)
        self.position.setWordWrap(True)
        self.position.setFont(font(12, bold=True))
        layout.addWidget(self.position)
        self.score = QLabel(self)
        self.score.setFont(font(12))
        layout.addWidget(self.score)
        self.quiz = QuizPanel(self)
        layout.addWidget(self.quiz)
        self.explain = QTextBrowser(self)
        self.explain.setOpenLinks(False)  # never navigate inside the panel, never fetch
        self.explain.anchorClicked.connect(self.open_link)
        self.explain.setMinimumHeight(120)
        layout.addWidget(self.explain, 1)
        #: Whether the step shown has an explanation of its own (tests and the empty state read it).
        self.has_explanation = False
        self.opened_links: list[str] = []

    def show_step(self, caption: str, explain: str | None, notes: str) -> None:
        """The step's explanation, or (empty state) its caption and notes with a word on why."""
        self.has_explanation = bool(explain and explain.strip())
        if self.has_explanation:
            assert explain is not None
            self.explain.setMarkdown(explain)
            return
        parts = [f"**{caption}**" if caption else ""]
        if notes:
            parts.append(notes)
        parts.append("*This step has no explanation of its own; the caption and notes are shown instead.*")
        self.explain.setMarkdown("\n\n".join(p for p in parts if p))

    def set_position(self, text: str) -> None:
        self.position.setText(text)

    def set_score(self, right: int, total: int) -> None:
        self.score.setText(f"Quiz score: {right} / {total} correct" if total else "")
        self.score.setVisible(total > 0)

    def open_link(self, url: QUrl) -> None:
        if url.scheme().lower() in EXTERNAL_SCHEMES:
            self.opened_links.append(url.toString())
            QDesktopServices.openUrl(url)
