"""The lecture's table of contents: parts, scenes, their chapters, their steps; click to go there.

A scene item goes to the scene's start, a chapter to the pause point before its first step
(so the next click plays it), and a step plays that step, as the step list does.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

from animator.model.schema import Scene
from animator.render.theme import font

#: Item data: (scene index, pause point or step number, whether to play).
ROLE = Qt.ItemDataRole.UserRole


class DeckNavigator(QTreeWidget):
    """Scenes → chapters → steps. Emits ``jump(scene, step, play)``."""

    jump = Signal(int, int, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWordWrap(True)
        self.setIndentation(14)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.itemClicked.connect(self._clicked)
        #: (scene, step number) → its item, to follow playback.
        self._steps: dict[tuple[int, int], QTreeWidgetItem] = {}
        self._scenes: list[QTreeWidgetItem] = []
        #: The heading of the part a scene starts, by scene index.
        self._parts: dict[int, QTreeWidgetItem] = {}

    def set_lecture(self, titles: Sequence[str], scenes: Sequence[Scene | None], parts: Sequence[tuple[str, int]] = ()) -> None:
        """One top-level item per scene; a scene that failed to load shows as such, with no steps.

        A deck's parts (title, first scene) head their scenes, numbered as a course's parts are;
        clicking one goes to its first scene.
        """
        self.clear()
        self._steps.clear()
        self._scenes = []
        self._parts = {}
        starts = {first: title for title, first in parts}
        for index, (title, scene) in enumerate(zip(titles, scenes, strict=True)):
            if index in starts:
                number = sorted(starts).index(index) + 1
                part = QTreeWidgetItem([f"Part {number}: {starts[index]}"])
                part.setFont(0, font(14, bold=True))
                part.setForeground(0, self.palette().brush(QPalette.ColorRole.Link))
                part.setData(0, ROLE, (index, 0, False))
                part.setToolTip(0, f"Part {number} of the course, from scene {index + 1}")
                self.addTopLevelItem(part)
                self._parts[index] = part
            top = QTreeWidgetItem([f"{index + 1}. {title}" if len(titles) > 1 else title])
            top.setFont(0, font(13, bold=True))
            top.setData(0, ROLE, (index, 0, False))
            self.addTopLevelItem(top)
            self._scenes.append(top)
            if scene is None:
                top.setText(0, top.text(0) + "  (cannot be loaded)")
                continue
            titles_by_id = {ch.id: ch.title for ch in scene.chapters}
            parent = top
            for number, step in enumerate(scene.steps, start=1):
                if step.chapter:
                    parent = QTreeWidgetItem([titles_by_id.get(step.chapter, step.chapter)])
                    parent.setFont(0, font(12, bold=True))
                    parent.setData(0, ROLE, (index, number - 1, False))
                    top.addChild(parent)
                # Words, not an emoji: the bundled DejaVu has no ❓ and drew an empty box.
                mark = "  (quiz)" if step.quiz is not None else ""
                item = QTreeWidgetItem([f"{number}. {_headline(step.caption)}{mark}"])
                item.setData(0, ROLE, (index, number, True))
                item.setToolTip(0, step.caption)
                parent.addChild(item)
                self._steps[(index, number)] = item
        if len(self._scenes) == 1:
            self.expandAll()

    def show_position(self, scene: int, step: int) -> None:
        """Select the step shown (none at a scene's start) and open its scene's branch."""
        item = self._steps.get((scene, step))
        if item is None:
            item = self._scenes[scene] if 0 <= scene < len(self._scenes) else None
        if item is None:
            return
        top = self._scenes[scene]
        if not top.isExpanded():
            for other in self._scenes:
                other.setExpanded(other is top)
            self.expandItem(top)
            for i in range(top.childCount()):
                child = top.child(i)
                if child is not None:
                    child.setExpanded(True)
        self.setCurrentItem(item)
        part = self._parts.get(scene)
        if part is not None:  # a part's first scene: its heading stays in view above it
            self.scrollToItem(part, QAbstractItemView.ScrollHint.PositionAtTop)
        self.scrollToItem(item)

    def _clicked(self, item: QTreeWidgetItem) -> None:
        data = item.data(0, ROLE)
        if data:
            scene, step, play = data
            self.jump.emit(int(scene), int(step), bool(play))


def _headline(caption: str, limit: int = 48) -> str:
    """A caption's first sentence, cut at a word: a contents line, with the full caption as tooltip."""
    first = caption.split(". ")[0].strip()
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0] + "…"
