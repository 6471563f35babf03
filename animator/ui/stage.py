"""The stage: a QGraphicsView that projects engine Frames, plus its title, legend and caption.

The stage never computes anything about time; it receives a Frame and makes its items match
it. The title, legend and caption are drawn in viewport pixels (not scaled with the network),
sized from the window height so they stay legible on a projector, and the network is fitted
into the space between them. ``render_png`` draws this same widget, so a headless render is
exactly what the stage shows.

Two layers keep a busy frame cheap. Everything that only changes at step boundaries or
during short fades (links, devices, tables, bubbles, the caption) lives in a second
QGraphicsScene that is drawn into one cached *backdrop* pixmap, redrawn only when something
in it changes; each frame then costs one blit plus the moving packets, which are the only
item in the view's own scene (see ``benchmarks/bench_stage.py`` for the figures).

Zoom and pan (``ZoomState``) only change the view's transform, so the backdrop is redrawn
when they change and not otherwise; the title, legend and caption stay in viewport pixels.
Pen and laser ink (``AnnotationModel``) is drawn over everything, in scene units. Both
models can be shared with another stage: the audience's stage mirrors the presenter's.
"""

from __future__ import annotations

import typing

from PySide6.QtCore import QEvent, QLineF, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetricsF,
    QHelpEvent,
    QMouseEvent,
    QNativeGestureEvent,
    QPainter,
    QPen,
    QPixmap,
    QResizeEvent,
    QTabletEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QGestureEvent, QGraphicsScene, QGraphicsView, QPinchGesture, QToolTip, QWidget

from animator.engine.frame import Frame
from animator.engine.timeline import Timeline
from animator.engine.traffic import DERIVED_SHORT, shown_packets
from animator.ui.annotation import LASER, NONE, PEN, PEN_PIXELS, AnnotationModel
from animator.ui.placement import candidate_offsets, choose_offset
from animator.ui.quiz import QuizView, paint_quiz_overlay
from animator.ui.stage_items import (
    COLUMN,
    ICON,
    ROW,
    BubbleItem,
    LinkItem,
    NodeItem,
    PacketLayer,
    TableItem,
    to_scene,
)
from animator.ui.theme import LIGHT, PROTOCOL_NAMES, STANDARD, Palette, Theme, font
from animator.ui.zoom import ZOOM_STEP, ZoomState

#: Never magnify the network more than this: a two-node scene should not look like a toy.
MAX_SCALE = 2.2
#: Overlay sizes are designed at 720 px of height and scaled with the window from there.
DESIGN_HEIGHT = 720.0
#: Gap between a node's text (or badge) and its table cards, in scene units.
TABLE_GAP = 10.0
#: Height kept free under a node's text for its state badge, when it ever shows one.
BADGE_ROOM = 26.0


class StageView(QGraphicsView):
    """Shows one Frame of one Timeline. Call ``set_timeline`` then ``show_frame``."""

    #: A click on a packet chip (its id) or on a device (its node id).
    packetClicked = Signal(str)  # noqa: N815 - Qt signal naming
    nodeClicked = Signal(str)  # noqa: N815
    #: A legend entry was clicked: the protocol whose traffic to hide or show.
    legend_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None, theme: Theme = LIGHT) -> None:
        super().__init__(parent)
        self.theme = theme
        self.protocol_palette: Palette = STANDARD
        #: Projector text size (View → Text size): node labels, chips, tables, title, legend, caption.
        self.text_scale = 1.0
        # The view's own scene holds only the packet layer, which moves every frame: an index
        # would cost more than it saves, and one full repaint beats Qt's per-item dirty-region
        # bookkeeping (STACK-NOTES: 6-10x).
        self._scene = QGraphicsScene(self)
        self._scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.setScene(self._scene)
        #: Links, devices, tables and bubbles: drawn into the backdrop, not per frame.
        self.static_scene = QGraphicsScene(self)
        self._backdrop: QPixmap | None = None
        self._backdrop_dirty = True
        self.blanked = False
        self.prompt = ""
        #: Show "Zoom 200%" (and "following") in a corner: the presenter's stage, not the hall's.
        self.show_zoom_level = False
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing | QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(theme.color("background"))
        self.setOptimizationFlags(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setMinimumSize(320, 240)
        self.timeline: Timeline | None = None
        self.frame: Frame | None = None
        self.nodes: dict[str, NodeItem] = {}
        self.links: dict[str, LinkItem] = {}
        self.tables: dict[str, TableItem] = {}
        self.bubbles: dict[tuple[str, str], BubbleItem] = {}
        self.packets = PacketLayer(theme)
        self._content = QRectF()
        #: Top-centre of each node's table cards, relative to the node (see ``_content_rect``).
        self.table_offsets: dict[str, QPointF] = {}
        #: Traffic classes not drawn (``animator.engine.traffic``); their legend entries are dimmed.
        self.hidden_traffic: frozenset[str] = frozenset()
        #: Where each legend entry was last drawn (viewport pixels), for clicks.
        self.legend_hits: list[tuple[QRectF, str]] = []
        #: A question shown large over the stage (the audience's view of a quiz), or None.
        self.quiz: QuizView | None = None
        self.zoom_state = ZoomState(self)
        self.annotations = AnnotationModel(self)
        self._connect_models()
        self._pan_from: QPointF | None = None
        self.viewport().setMouseTracking(True)
        self.viewport().grabGesture(Qt.GestureType.PinchGesture)

    # -- shared interaction models -------------------------------------------------------
    def _connect_models(self) -> None:
        self.zoom_state.changed.connect(self._zoom_moved)
        self.annotations.changed.connect(self.viewport().update)
        self.annotations.tool_changed.connect(self._update_cursor)

    def share_interaction(self, other: StageView) -> None:
        """Show ``other``'s zoom and ink, and draw in its palette and text size (the audience
        stage mirrors the presenter's)."""
        self.zoom_state.changed.disconnect(self._zoom_moved)
        self.annotations.changed.disconnect(self.viewport().update)
        self.annotations.tool_changed.disconnect(self._update_cursor)
        self.zoom_state, self.annotations = other.zoom_state, other.annotations
        self._connect_models()
        self.set_looks(other.protocol_palette, other.text_scale)
        self._zoom_moved()

    def set_looks(self, palette: Palette, text_scale: float) -> None:
        """Protocol palette and projector text size; redraws the scene at the same moment."""
        if (palette, text_scale) == (self.protocol_palette, self.text_scale):
            return
        self.protocol_palette, self.text_scale = palette, text_scale
        self.set_theme(self.theme)

    # -- building ----------------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        """Redraw everything in ``theme``, keeping the scene and the moment shown."""
        self.theme = theme
        self.setBackgroundBrush(theme.color("background"))
        self._backdrop_dirty = True
        if self.timeline is not None:
            frame = self.frame
            self.set_timeline(self.timeline)
            if frame is not None:
                self.show_frame(frame)
        self.viewport().update()

    def set_timeline(self, timeline: Timeline) -> None:
        """Rebuild the items for a (new or reloaded) scene."""
        self._scene.clear()
        self.static_scene.clear()
        self.nodes.clear()
        self.links.clear()
        self.tables.clear()
        self.bubbles.clear()
        self.frame = None
        self.timeline = timeline
        positions = timeline.positions
        for link in timeline.scene.links:
            a, b = link.between
            item = LinkItem(
                link.link_id, to_scene(*positions[a]), to_scene(*positions[b]), link.label or "", self.theme, self.text_scale
            )
            self.static_scene.addItem(item)
            self.links[link.link_id] = item
        node_scale = min([self.text_scale, *(NodeItem.largest_text_scale(n) for n in timeline.scene.nodes)])
        for node in timeline.scene.nodes:
            item = NodeItem(node, self.theme, node_scale)
            item.setPos(to_scene(*positions[node.id]))
            self.static_scene.addItem(item)
            self.nodes[node.id] = item
            table = TableItem(self.theme, self.text_scale)
            table.setVisible(False)
            self.static_scene.addItem(table)
            self.tables[node.id] = table
        selected = self.packets.selected
        self.packets = PacketLayer(self.theme, self.protocol_palette, self.text_scale)
        self.packets.selected = selected
        self.packets.positions = {n: to_scene(*p) for n, p in positions.items()}
        self._scene.addItem(self.packets)
        self._content = self._content_rect(timeline)
        self.packets.set_bounds(self._content.adjusted(-400, -400, 400, 400))
        self._fit()

    def _content_rect(self, timeline: Timeline) -> QRectF:
        """Everything the scene will ever show, so the zoom never jumps mid-lecture.

        Also chooses where each node's table cards go (``self.table_offsets``): the spot,
        sized for the largest tables the timeline will show there, that covers least.
        """
        node_rects = {node_id: item.mapRectToScene(item.boundingRect()) for node_id, item in self.nodes.items()}
        rect = QRectF()
        for node_rect in node_rects.values():
            rect = rect.united(node_rect)
        bubbles: list[QRectF] = []
        for node_id, texts in timeline.note_texts().items():
            anchor = self.nodes[node_id].pos() + QPointF(0, -ICON / 2 - 16)
            bubbles.extend(BubbleItem(text, self.theme, self.text_scale).boundingRect().translated(anchor) for text in texts)
        for bubble in bubbles:
            rect = rect.united(bubble)
        links = [QLineF(item.a, item.b) for item in self.links.values()]
        probe = TableItem(self.theme, self.text_scale)
        placed: list[QRectF] = []
        self.table_offsets = {}
        for node_id, snapshots in timeline.table_snapshots().items():
            node = self.nodes[node_id]
            sizes = [probe.measure(s) for s in snapshots]
            size = QRectF(0, 0, max(r.width() for r in sizes), max(r.height() for r in sizes))
            text_bottom = node.bottom() + (BADGE_ROOM if node_id in timeline.badge_nodes() else 0) + TABLE_GAP
            candidates = candidate_offsets(size, node.boundingRect().width() / 2, text_bottom, ICON / 2)
            obstacles = [r for other, r in node_rects.items() if other != node_id] + bubbles + placed
            offset = choose_offset(node.pos(), size, candidates, obstacles, links)
            self.table_offsets[node_id] = offset
            top_centre = node.pos() + offset
            card = QRectF(top_centre.x() - size.width() / 2, top_centre.y(), size.width(), size.height())
            placed.append(card)
            rect = rect.united(card)
        return rect.adjusted(-30, -30, 30, 30)

    # -- showing a frame -------------------------------------------------------------
    def show_frame(self, frame: Frame) -> None:
        previous = self.frame
        if previous is not None and previous.step != frame.step:
            self.annotations.clear()  # ink belongs to the step it was drawn on
        if self.zoom_state.follow:
            self.zoom_state.track(frame, self.network_centre(), (COLUMN, ROW))
        changed = self._update_static(frame)
        if previous is None or (previous.caption, previous.chapter, previous.step) != (frame.caption, frame.chapter, frame.step):
            changed = True
        if changed:
            self._backdrop_dirty = True
        self.packets.set_packets(shown_packets(frame.packets, self.hidden_traffic))
        self.frame = frame
        self.viewport().update()

    def set_hidden_traffic(self, hidden: frozenset[str]) -> None:
        """Stop drawing packets of these classes; the legend dims the hidden protocols."""
        if hidden == self.hidden_traffic:
            return
        self.hidden_traffic = hidden
        self._backdrop_dirty = True
        if self.frame is not None:
            self.packets.set_packets(shown_packets(self.frame.packets, hidden))
        self.viewport().update()

    def set_quiz(self, view: QuizView | None) -> None:
        self.quiz = view
        self.viewport().update()

    def _update_static(self, frame: Frame) -> bool:
        """Make the backdrop's items match ``frame``; returns whether any of them changed."""
        previous = self.frame
        if previous is not None and (
            previous.node_highlight == frame.node_highlight
            and previous.link_highlight == frame.link_highlight
            and previous.badges == frame.badges
            and previous.tables == frame.tables
            and previous.bubbles == frame.bubbles
        ):
            return False  # most frames: only packets moved
        changed = False
        for node_id, item in self.nodes.items():
            changed |= item.set_state(frame.node_highlight.get(node_id, 0.0), frame.badges.get(node_id, ""))
        for link_id, item in self.links.items():
            changed |= item.set_highlight(frame.link_highlight.get(link_id, 0.0))
        for node_id, table in self.tables.items():
            tables = frame.tables.get(node_id, ())
            if tables or table.tables:
                table.setPos(self.nodes[node_id].pos() + self.table_offsets[node_id])
                changed |= table.set_tables(tables)
        wanted = {(b.node, b.text): b for b in frame.bubbles}
        for key in list(self.bubbles):
            if key not in wanted:
                self.static_scene.removeItem(self.bubbles.pop(key))
                changed = True
        for key, bubble in wanted.items():
            item = self.bubbles.get(key)
            if item is None:
                item = BubbleItem(bubble.text, self.theme, self.text_scale)
                item.setPos(self.nodes[bubble.node].pos() + QPointF(0, -ICON / 2 - 16))
                self.static_scene.addItem(item)
                self.bubbles[key] = item
                changed = True
            if item.opacity() != bubble.opacity:
                item.setOpacity(bubble.opacity)
                changed = True
        return changed

    # -- clicks ----------------------------------------------------------------------
    def packet_at(self, view_pos: QPoint) -> str | None:
        """The packet chip under a viewport point, if any."""
        if self.timeline is None or self.blanked:
            return None
        return self.packets.packet_at(self.mapToScene(view_pos))

    def node_at(self, view_pos: QPoint) -> str | None:
        """The device under a viewport point, if any (devices live in the backdrop's scene)."""
        if self.timeline is None or self.blanked:
            return None
        point = self.mapToScene(view_pos)
        for node_id, item in self.nodes.items():
            if item.mapRectToScene(item.boundingRect()).contains(point):
                return node_id
        return None

    def set_selected_packet(self, packet_id: str | None) -> None:
        self.packets.set_selected(packet_id)
        self.viewport().update()

    # -- geometry --------------------------------------------------------------------
    def ui_scale(self) -> float:
        """Overlay scale: bigger windows (projectors) get bigger captions, times the text size setting."""
        return max(0.75, min(3.0, self.viewport().height() / DESIGN_HEIGHT)) * self.text_scale

    def _bands(self) -> tuple[float, float]:
        k = self.ui_scale()
        return 64 * k, 118 * k

    def _fit(self) -> None:
        """Scale and centre the network between the title band and the caption band."""
        if self._content.isEmpty():
            return
        vw, vh = self.viewport().width(), self.viewport().height()
        top, bottom = self._bands()
        side = 16 * self.ui_scale()
        avail = QRectF(side, top, vw - 2 * side, max(40.0, vh - top - bottom))
        zoom = self.zoom_state
        zoom.bounds = self._content
        fitted = min(avail.width() / self._content.width(), avail.height() / self._content.height(), MAX_SCALE)
        scale = fitted * zoom.zoom
        centre = self.network_centre()
        target = avail.center()
        self.setTransform(QTransform.fromScale(scale, scale))
        self.setSceneRect(QRectF(centre.x() - target.x() / scale, centre.y() - target.y() / scale, vw / scale, vh / scale))
        self._backdrop_dirty = True

    def network_centre(self) -> QPointF:
        """The scene point at the centre of the network area (between the title and caption)."""
        centre = self.zoom_state.centre
        return QPointF(centre) if centre is not None else self._content.center()

    def _zoom_moved(self) -> None:
        self._fit()
        self._update_cursor()
        self.viewport().update()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()
        self._backdrop_dirty = True

    # -- the backdrop ------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        painter.save()
        painter.resetTransform()
        if self.blanked:
            painter.fillRect(self.viewport().rect(), QColor("black"))
        else:
            painter.drawPixmap(0, 0, self._ensure_backdrop())
        painter.restore()

    def set_blanked(self, blanked: bool) -> None:
        """A black screen, as a projector's blank button gives: the class looks at the lecturer."""
        self.blanked = blanked
        self.packets.setVisible(not blanked)
        self.viewport().update()

    def set_prompt(self, text: str) -> None:
        """A small prompt over the stage (e.g. 'Go to step 12'); empty hides it."""
        self.prompt = text
        self.viewport().update()

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        if (self.annotations.strokes or self.annotations.trail) and not self.blanked:
            self.annotations.paint(painter, self.transform().m11())
        if self.show_zoom_level and self.zoom_state.zoom != 1.0 and not self.blanked:
            self._draw_zoom_level(painter)
        if self.quiz is not None and not self.blanked:
            painter.save()
            painter.resetTransform()
            paint_quiz_overlay(painter, QRectF(self.viewport().rect()), self.quiz, self.theme, self.ui_scale())
            painter.restore()
        if not self.prompt:
            return
        painter.save()
        painter.resetTransform()
        k = self.ui_scale()
        painter.setFont(font(20 * k, bold=True))
        metrics = QFontMetricsF(painter.font())
        box = QRectF(0, 0, metrics.horizontalAdvance(self.prompt) + 40 * k, metrics.height() + 20 * k)
        box.moveCenter(QPointF(self.viewport().width() / 2, self.viewport().height() / 2))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.theme.color("accent"))
        painter.drawRoundedRect(box, 12 * k, 12 * k)
        painter.setPen(QColor("white"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.prompt)
        painter.restore()

    def _draw_zoom_level(self, painter: QPainter) -> None:
        painter.save()
        painter.resetTransform()
        k = self.ui_scale()
        text = f"Zoom {self.zoom_state.zoom * 100:.0f}%" + (" · following" if self.zoom_state.follow else "") + "  (Ctrl+0 fits)"
        painter.setFont(font(12 * k))
        metrics = QFontMetricsF(painter.font())
        box = QRectF(0, 0, metrics.horizontalAdvance(text) + 16 * k, metrics.height() + 8 * k)
        box.moveBottomRight(QPointF(self.viewport().width() - 16 * k, self.viewport().height() - self._bands()[1] + 2 * k))
        fill = self.theme.color("caption_fill")
        fill.setAlphaF(0.9)
        painter.setPen(QPen(self.theme.color("panel_border"), 1))
        painter.setBrush(fill)
        painter.drawRoundedRect(box, box.height() / 2, box.height() / 2)
        painter.setPen(self.theme.color("muted"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def _ensure_backdrop(self) -> QPixmap:
        """Redraw the cached backdrop if anything in it changed since the last frame."""
        ratio = self.viewport().devicePixelRatioF()
        size = self.viewport().size() * ratio
        if self._backdrop is not None and not self._backdrop_dirty and self._backdrop.size() == size:
            return self._backdrop
        backdrop = QPixmap(size)
        backdrop.setDevicePixelRatio(ratio)
        backdrop.fill(self.theme.color("background"))
        painter = QPainter(backdrop)
        painter.setRenderHints(self.renderHints())
        if self.timeline is None:
            self._draw_empty_hint(painter)
        else:
            visible = self.sceneRect()
            painter.setTransform(self.viewportTransform())
            self.static_scene.render(painter, visible, visible, Qt.AspectRatioMode.IgnoreAspectRatio)
            painter.resetTransform()
            self._draw_overlays(painter)
        painter.end()
        self._backdrop, self._backdrop_dirty = backdrop, False
        return backdrop

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind in (QEvent.Type.TabletPress, QEvent.Type.TabletMove, QEvent.Type.TabletRelease):
            if self._tablet(typing.cast(QTabletEvent, event)):
                return True
        elif kind == QEvent.Type.Gesture:
            pinch = typing.cast(QGestureEvent, event).gesture(Qt.GestureType.PinchGesture)
            if isinstance(pinch, QPinchGesture):
                centre = self.viewport().mapFromGlobal(pinch.centerPoint().toPoint())
                self.zoom_by(pinch.scaleFactor(), QPointF(centre))
                event.accept()
                return True
        elif kind == QEvent.Type.NativeGesture:
            native = typing.cast(QNativeGestureEvent, event)
            if native.gestureType() == Qt.NativeGestureType.ZoomNativeGesture:
                self.zoom_by(1.0 + native.value(), native.position())
                return True
        # Devices live in the backdrop's scene, so the view cannot find their tooltips itself.
        if kind == QEvent.Type.ToolTip:
            help_event = typing.cast(QHelpEvent, event)
            legend = next((p for r, p in self.legend_hits if r.contains(QPointF(help_event.pos()))), None)
            if legend is not None:
                verb = "show" if legend in self.hidden_traffic else "hide"
                QToolTip.showText(help_event.globalPos(), f"Click to {verb} {PROTOCOL_NAMES.get(legend, legend)} traffic", self)
                return True
            item = self.static_scene.itemAt(self.mapToScene(help_event.pos()), self.transform())
            if item is not None and item.toolTip():
                QToolTip.showText(help_event.globalPos(), item.toolTip(), self)
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    # -- overlays (viewport pixels, drawn into the backdrop) ---------------------------
    def _draw_empty_hint(self, painter: QPainter) -> None:
        painter.setPen(self.theme.color("muted"))
        painter.setFont(font(18 * self.ui_scale()))
        painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, "Open a scene (Ctrl+O) or drop a .yaml file here")

    def _draw_overlays(self, painter: QPainter) -> None:
        k = self.ui_scale()
        vw, vh = self.viewport().width(), self.viewport().height()
        if self.zoom_state.zoom > 1.0:
            # Zoomed in, the network runs under the title and legend: veil it so they stay legible.
            veil = self.theme.color("background")
            veil.setAlphaF(0.88)
            painter.fillRect(QRectF(0, 0, vw, self._bands()[0] - 6 * k), veil)
        legend_left = self._draw_legend(painter, k, vw)
        self._draw_title(painter, k, max(vw * 0.3, legend_left - 18 * k))
        self._draw_caption(painter, k, vw, vh)

    def _draw_title(self, painter: QPainter, k: float, right: float) -> None:
        """Title and chapter, elided before they run into the legend (large text sizes)."""
        assert self.timeline is not None
        painter.setPen(self.theme.color("text"))
        painter.setFont(font(21 * k, bold=True))
        width = right - 18 * k
        title = QFontMetricsF(painter.font()).elidedText(self.timeline.scene.title, Qt.TextElideMode.ElideRight, width)
        painter.drawText(QRectF(18 * k, 12 * k, width, 28 * k), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        chapter = self.frame.chapter if self.frame else None
        if chapter:
            painter.setPen(self.theme.color("muted"))
            painter.setFont(font(14 * k))
            chapter = QFontMetricsF(painter.font()).elidedText(chapter, Qt.TextElideMode.ElideRight, width)
            left_middle = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(QRectF(18 * k, 40 * k, width, 20 * k), left_middle, chapter)

    def _draw_legend(self, painter: QPainter, k: float, vw: float) -> float:
        """The protocol colours, right-aligned on the title line; returns the legend's left edge."""
        assert self.timeline is not None
        painter.setFont(font(13 * k))
        metrics = QFontMetricsF(painter.font())
        x = vw - 18 * k
        y = 18 * k
        swatch = 12 * k
        self.legend_hits = []
        for protocol in reversed(self.timeline.protocols):
            name = PROTOCOL_NAMES.get(protocol, protocol)
            hidden = protocol in self.hidden_traffic
            right = x
            w = metrics.horizontalAdvance(name)
            x -= w
            # A hidden protocol stays in the legend, dimmed, so it can be clicked back on.
            painter.setOpacity(0.35 if hidden else 1.0)
            painter.setPen(self.theme.color("muted"))
            text_rect = QRectF(x, y - 2 * k, w + 2, swatch + 4 * k)
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter, name)
            if hidden:
                painter.drawLine(QPointF(x, text_rect.center().y()), QPointF(x + w, text_rect.center().y()))
            x -= swatch * 1.6 + 6 * k
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self.protocol_palette.color(protocol))
            painter.drawRoundedRect(QRectF(x, y, swatch * 1.6, swatch), swatch / 2, swatch / 2)
            painter.setOpacity(1.0)
            self.legend_hits.append((QRectF(x - 4 * k, y - 6 * k, right - x + 8 * k, swatch + 12 * k), protocol))
            x -= 18 * k
        # Classes that cut across protocols have no legend entry of their own: say they are hidden,
        # so nobody wonders where the SYNs went.
        derived = [name for key, name in DERIVED_SHORT.items() if key in self.hidden_traffic]
        if derived:
            painter.setPen(self.theme.color("muted"))
            painter.setFont(font(12 * k))
            painter.drawText(
                QRectF(vw * 0.4, y + swatch + 6 * k, vw * 0.6 - 18 * k, 18 * k),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                "Hidden: " + ", ".join(derived),
            )
        return x + 18 * k

    def _draw_caption(self, painter: QPainter, k: float, vw: float, vh: float) -> None:
        frame = self.frame
        if frame is None:
            return
        _, band = self._bands()
        box = QRectF(16 * k, vh - band + 8 * k, vw - 32 * k, band - 20 * k)
        painter.setPen(QPen(self.theme.color("panel_border"), 1.2))
        painter.setBrush(self.theme.color("caption_fill"))
        painter.drawRoundedRect(box, 10 * k, 10 * k)
        counter = f"{frame.step} / {frame.step_count}"
        painter.setFont(font(15 * k, bold=True))
        metrics = QFontMetricsF(painter.font())
        pill = QRectF(box.left() + 14 * k, box.top() + 14 * k, metrics.horizontalAdvance(counter) + 22 * k, 30 * k)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.theme.color("accent"))
        painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
        painter.setPen(QColor("white"))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, counter)
        text_rect = box.adjusted(pill.width() + 30 * k, 10 * k, -16 * k, -10 * k)
        painter.setPen(self.theme.color("text"))
        size = 21.0
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap
        # Shrink long captions rather than cut them: every word matters on a slide.
        while size > 12:
            painter.setFont(font(size * k))
            needed = QFontMetricsF(painter.font()).boundingRect(text_rect, int(flags), frame.caption)
            if needed.height() <= text_rect.height():
                break
            size -= 1
        painter.drawText(text_rect, int(flags), frame.caption)

    # -- zoom, pan, pen and laser (mouse, wheel, pinch, tablet) ------------------------
    def zoom_by(self, factor: float, at: QPointF | None = None) -> None:
        """Zoom by ``factor`` keeping the point under ``at`` (viewport pixels) still."""
        anchor = self.mapToScene(at.toPoint()) if at is not None else None
        self.zoom_state.zoom_by(factor, anchor, self.network_centre())

    def pan_pixels(self, dx: float, dy: float) -> None:
        """Move the picture by (dx, dy) viewport pixels."""
        scale = self.transform().m11() or 1.0
        self.zoom_state.pan_by(dx / scale, dy / scale, self.network_centre())

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        """A mouse wheel zooms around the cursor (with or without Ctrl); a touchpad's two-finger
        scroll (pixel deltas, no Ctrl) pans, as in map and drawing applications."""
        pixels = event.pixelDelta()
        if not pixels.isNull() and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.pan_pixels(pixels.x(), pixels.y())
        else:
            notches = event.angleDelta().y() / 120.0
            if notches:
                self.zoom_by(ZOOM_STEP**notches, event.position())
        event.accept()

    def _pen_width(self, pressure: float = 1.0) -> float:
        """Pen width in scene units: PEN_PIXELS on screen now, thinner with a light touch."""
        return PEN_PIXELS * (0.35 + 0.65 * max(0.0, min(1.0, pressure))) / (self.transform().m11() or 1.0)

    def _tablet(self, event: QTabletEvent) -> bool:
        """A pen tablet draws with pressure; returns whether the event was used."""
        if self.annotations.tool != PEN:
            return False
        point = self.mapToScene(event.position().toPoint())
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self.annotations.begin_stroke(point, self._pen_width(event.pressure()))
        elif kind == QEvent.Type.TabletMove and self.annotations.drawing:
            self.annotations.extend_stroke(point, self._pen_width(event.pressure()))
        elif kind == QEvent.Type.TabletRelease:
            self.annotations.end_stroke()
        event.accept()
        return True

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """Drawing tools first; otherwise a click on a legend entry toggles its traffic, on a chip
        selects its packet, on a device its tables; anywhere else a drag pans."""
        tool = self.annotations.tool
        point = self.mapToScene(event.position().toPoint())
        if tool == PEN and event.button() == Qt.MouseButton.LeftButton:
            self.annotations.begin_stroke(point, self._pen_width())
        elif tool == LASER and event.button() == Qt.MouseButton.LeftButton:
            self.annotations.laser_to(point)
        elif tool == NONE and event.button() == Qt.MouseButton.LeftButton and self._clicked_legend(event):
            pass
        elif event.button() == Qt.MouseButton.MiddleButton or (tool == NONE and event.button() == Qt.MouseButton.LeftButton):
            if event.button() == Qt.MouseButton.LeftButton:
                self._select_under(event)  # a click selects; the same press may go on to pan
            self._pan_from = event.position()
            self._update_cursor()
        else:
            super().mousePressEvent(event)
            return
        event.accept()

    def _clicked_legend(self, event: QMouseEvent) -> bool:
        for rect, protocol in self.legend_hits:
            if rect.contains(event.position()):
                self.legend_clicked.emit(protocol)
                return True
        return False

    def _select_under(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        packet = self.packet_at(pos)
        if packet is not None:
            self.packetClicked.emit(packet)
            return
        node = self.node_at(pos)
        if node is not None:
            self.nodeClicked.emit(node)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        point = self.mapToScene(event.position().toPoint())
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.pan_pixels(delta.x(), delta.y())
        elif self.annotations.drawing:
            self.annotations.extend_stroke(point, self._pen_width())
        elif self.annotations.tool == LASER:
            self.annotations.laser_to(point)
        else:
            super().mouseMoveEvent(event)
            return
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._pan_from is not None:
            self._pan_from = None
            self._update_cursor()
        self.annotations.end_stroke()
        event.accept()

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802
        self.annotations.laser_away()
        super().leaveEvent(event)

    def _update_cursor(self) -> None:
        tool = self.annotations.tool
        if tool == PEN:
            shape = Qt.CursorShape.CrossCursor
        elif tool == LASER:
            shape = Qt.CursorShape.BlankCursor  # the red dot is the pointer
        elif self._pan_from is not None and self.zoom_state.zoom > 1.0:
            shape = Qt.CursorShape.ClosedHandCursor
        elif self.zoom_state.zoom > 1.0:
            shape = Qt.CursorShape.OpenHandCursor
        else:
            shape = Qt.CursorShape.ArrowCursor
        self.viewport().setCursor(shape)
