"""The stage: a QGraphicsView that projects engine Frames, plus its title, legend and caption.

The stage never computes anything about time; it receives a Frame and makes its items match
it. The title, legend and caption are drawn in viewport pixels (not scaled with the network),
sized from the window height so they stay legible on a projector, and the network is fitted
into the space between them. ``render_png`` draws this same widget, so a headless render is
exactly what the stage shows.

Two layers keep a busy frame cheap. Everything that only changes at step boundaries or
during short fades (links, devices, tables, bubbles, the caption) is drawn by
``animator.render.stage.StageCompositor`` from cached pixmaps, redrawn only when something
in them changes; each frame then costs a blit plus the moving packets, which are the only
item in the view's own scene (see ``benchmarks/bench_stage.py`` for the figures).

Zoom and pan (``ZoomState``) only change the view's transform; zoomed in, the compositor
blits its layers at the new offset, so following a packet does not redraw the network. The
title, legend and caption stay in viewport pixels.
Pen and laser ink (``AnnotationModel``) is drawn over everything, in scene units. Both
models can be shared with another stage: the audience's stage mirrors the presenter's.
"""

from __future__ import annotations

import typing

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetricsF,
    QHelpEvent,
    QMouseEvent,
    QNativeGestureEvent,
    QPainter,
    QPen,
    QResizeEvent,
    QTabletEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QGestureEvent, QGraphicsScene, QGraphicsView, QPinchGesture, QToolTip, QWidget

from animator.engine.frame import Frame
from animator.engine.timeline import Timeline
from animator.engine.traffic import shown_packets
from animator.layout.boxes import Box
from animator.layout.stage import StageLayout
from animator.render.boxes import qrect
from animator.render.chips import at_pause
from animator.render.quiz_view import QuizView
from animator.render.stage import StageCompositor, StageGeometry, backdrop_changed
from animator.render.theme import LIGHT, PROTOCOL_NAMES, STANDARD, Palette, Theme, font
from animator.ui.stage.annotation import LASER, NONE, PEN, PEN_PIXELS, AnnotationModel
from animator.ui.stage.packets import PacketLayer
from animator.ui.stage.zoom import ZOOM_STEP, ZoomState

#: Overlay sizes (prompt, zoom level, empty hint) are designed at 720 px and scale from there.
DESIGN_HEIGHT = 720.0
#: How many (size, text size) layouts a stage keeps: a window resized back and forth, the
#: fullscreen and windowed sizes, the presenter's and the audience's.
LAYOUT_CACHE = 4


class StageView(QGraphicsView):
    """Shows one Frame of one Timeline. Call ``set_timeline`` then ``show_frame``."""

    #: A click on a packet chip (its id) or on a device (its node id).
    packetClicked = Signal(str)  # noqa: N815 - Qt signal naming
    nodeClicked = Signal(str)  # noqa: N815
    #: A legend entry was clicked: the protocol whose traffic to hide or show.
    legend_clicked = Signal(str)
    #: A choice on the stage's quiz card was clicked (its index).
    quiz_choice_clicked = Signal(int)
    #: The text size the stage could give (the asked-for one times the layout's ``fitted``), when it changes.
    text_fitted = Signal(float)

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
        #: Draws everything but the chips from cached layers (``animator.render.stage``).
        self.compositor: StageCompositor | None = None
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
        #: The layout for the viewport's size and the text size (``animator.layout``): every box drawn.
        self._stage_layout: StageLayout | None = None
        #: The size, text size or scene changed: lay out again before the next paint (or before
        #: anyone asks for the layout or the boxes). A window being shown resizes its stage several
        #: times before it paints; each layout costs ~10 ms at 1080p, and only the last is seen.
        self._layout_due = False
        #: A frame arrived while the layout was due: its boxes are made with the layout.
        self._boxes_due = False
        self._layouts: dict[tuple[int, int, float], StageLayout] = {}
        #: The boxes of the frame shown (layout pixels = scene units at zoom 1).
        self._boxes: list[Box] = []
        self.packets = PacketLayer(theme)
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
        self._cursor_shape: Qt.CursorShape | None = None
        self.viewport().setMouseTracking(True)
        # drawBackground paints every pixel (the backdrop, black when blanked, the empty hint on the
        # background): Qt need not fill the viewport first (half a millisecond a frame at 1080p).
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
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
        if self.timeline is not None:
            frame = self.frame
            self.set_timeline(self.timeline)
            if frame is not None:
                self.show_frame(frame)
        self.viewport().update()

    def set_timeline(self, timeline: Timeline) -> None:
        """Show a (new or reloaded) scene; its layout is made for the viewport's size."""
        self._scene.clear()
        self._layouts.clear()
        self.frame = None
        self._set_boxes([])
        self.timeline = timeline
        selected = self.packets.selected
        self.packets = PacketLayer(self.theme, self.protocol_palette)
        self.packets.selected = selected
        self._scene.addItem(self.packets)
        self._stage_layout = None
        self.compositor = None
        self._relayout()

    @property
    def stage_layout(self) -> StageLayout | None:
        """The layout for the viewport's size and the text size (``animator.layout``): every box drawn."""
        self._ensure_layout()
        return self._stage_layout

    @property
    def boxes(self) -> list[Box]:
        """The boxes of the frame shown (layout pixels = scene units at zoom 1)."""
        self._ensure_layout()
        return self._boxes

    def _relayout(self) -> None:
        """The viewport's size, the text size or the scene changed: lay out before the next paint."""
        if self.timeline is None:
            return
        self._layout_due = True
        self.viewport().update()

    def _ensure_layout(self) -> None:
        if self._layout_due:
            self._layout_due = False
            self._lay_out()

    def _lay_out(self) -> None:
        """Pick (or make) the layout for the viewport's current size and text size."""
        if self.timeline is None:
            return
        size = (max(1, self.viewport().width()), max(1, self.viewport().height()))
        key = (*size, self.text_scale)
        layout = self._layouts.get(key)
        if layout is None:
            if len(self._layouts) >= LAYOUT_CACHE:
                self._layouts.pop(next(iter(self._layouts)))
            layout = self._layouts[key] = StageLayout(self.timeline, size, self.text_scale)
        if layout is not self._stage_layout:
            if self._stage_layout is None or layout.fitted != self._stage_layout.fitted:
                self.text_fitted.emit(layout.fitted * self.text_scale)
            self._stage_layout = layout
            self.packets.set_layout(layout)
            self.compositor = StageCompositor(layout, self.theme, self.protocol_palette, self.renderHints())
            self._boxes_due = True
        if self._boxes_due and self.frame is not None:
            self._set_boxes(layout.boxes(self.frame, chips=False))
            self.packets.set_frame(self.frame, shown_packets(self.frame.packets, self.hidden_traffic))
        self._boxes_due = False
        self._fit()

    # -- showing a frame -------------------------------------------------------------
    def show_frame(self, frame: Frame) -> None:
        previous = self.frame
        if previous is not None and previous.step != frame.step:
            self.annotations.clear()  # ink belongs to the step it was drawn on
        layout = self._stage_layout
        if layout is None or self._layout_due:
            # Laid out (and boxed) before the next paint, for the size the stage has then.
            self.frame, self._boxes_due = frame, True
            self.packets.set_frame(frame, shown_packets(frame.packets, self.hidden_traffic))
            self.viewport().update()
            return
        if self.zoom_state.follow:
            paused = at_pause(layout, frame)
            self.zoom_state.track(frame, self.network_centre(), lambda p: QPointF(*layout.chip_centre(p, frame.step, paused)))
        if previous is None or backdrop_changed(previous, frame):
            self._set_boxes(layout.boxes(frame, chips=False))
        self.frame = frame
        self.packets.set_frame(frame, shown_packets(frame.packets, self.hidden_traffic))
        self.viewport().update()

    def set_hidden_traffic(self, hidden: frozenset[str]) -> None:
        """Stop drawing packets of these classes; the legend dims the hidden protocols."""
        if hidden == self.hidden_traffic:
            return
        self.hidden_traffic = hidden
        if self.frame is not None:
            self.packets.set_frame(self.frame, shown_packets(self.frame.packets, hidden))
        self.viewport().update()

    def set_quiz(self, view: QuizView | None) -> None:
        self.quiz = view
        self.viewport().update()

    def quiz_area(self) -> QRectF:
        """Where the quiz card goes (viewport pixels): over the network, never over the caption."""
        if self.stage_layout is None:
            return QRectF(self.viewport().rect())
        return qrect(self.stage_layout.quiz_area())

    # -- clicks ----------------------------------------------------------------------
    def packet_at(self, view_pos: QPoint) -> str | None:
        """The packet chip under a viewport point, if any."""
        self._ensure_layout()
        if self.timeline is None or self.blanked:
            return None
        return self.packets.packet_at(self.mapToScene(view_pos))

    def node_at(self, view_pos: QPoint) -> str | None:
        """The device under a viewport point (its icon, name or addresses), if any."""
        if self.timeline is None or self.blanked:
            return None
        point = self.mapToScene(view_pos)
        for box in self.boxes:
            if box.kind in ("icon", "name", "address", "badge") and box.rect.contains(point.x(), point.y()):
                return box.node
        return None

    def box_at(self, view_pos: QPoint) -> Box | None:
        """The box under a viewport point (overlays first), for tooltips."""
        point = QPointF(view_pos)
        scene_point = self.mapToScene(view_pos)
        for box in reversed(self.boxes):
            overlay = box.kind in ("title", "subtitle", "legend", "caption")
            p = point if overlay else scene_point
            if box.rect.contains(p.x(), p.y()):
                return box
        return None

    def node_tooltip(self, node_id: str) -> str:
        """What hovering a device says: its name, kind and every address (the stage may show fewer)."""
        assert self.timeline is not None
        node = next(n for n in self.timeline.scene.nodes if n.id == node_id)
        details = [f"<b>{node.display_label}</b> ({node.kind})"]
        if node.mac:
            details.append(f"MAC {node.mac}")
        details += [f"IPv4 {a}" for a in node.ipv4] + [f"IPv6 {a}" for a in node.ipv6]
        return "<br>".join(details)

    def set_selected_packet(self, packet_id: str | None) -> None:
        self.packets.set_selected(packet_id)
        self.viewport().update()

    def packet_point(self, packet_id: str) -> QPoint | None:
        """Where a packet's chip is drawn now, in viewport pixels (for tests and follow)."""
        self._ensure_layout()
        for packet in self.packets.packets:
            if packet.id == packet_id:
                return self.mapFromScene(self.packets.chip_rect(packet).center())
        return None

    # -- geometry --------------------------------------------------------------------
    def ui_scale(self) -> float:
        """Overlay scale: bigger windows (projectors) get bigger prompts, times the text size setting."""
        return max(0.75, min(3.0, self.viewport().height() / DESIGN_HEIGHT)) * self.text_scale

    def _fit(self) -> None:
        """At zoom 1 the layout's pixels are the viewport's; zoomed, scale about the network's centre."""
        layout = self.stage_layout
        if layout is None:
            return
        vw, vh = self.viewport().width(), self.viewport().height()
        zoom = self.zoom_state
        area = qrect(layout.area)
        zoom.bounds = area
        scale = zoom.zoom
        centre = self.network_centre()
        target = area.center()
        self.setTransform(QTransform.fromScale(scale, scale))
        self.setSceneRect(QRectF(centre.x() - target.x() / scale, centre.y() - target.y() / scale, vw / scale, vh / scale))

    def network_centre(self) -> QPointF:
        """The scene point at the centre of the network area (between the title and caption)."""
        centre = self.zoom_state.centre
        if centre is not None:
            return QPointF(centre)
        return qrect(self.stage_layout.area).center() if self.stage_layout is not None else QPointF()

    def _zoom_moved(self) -> None:
        self._fit()
        self._update_cursor()
        self.viewport().update()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._relayout()

    # -- the backdrop ------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:  # noqa: N802
        painter.save()
        painter.resetTransform()
        if self.blanked:
            painter.fillRect(self.viewport().rect(), QColor("black"))
        elif self.compositor is None or self.frame is None:
            painter.fillRect(self.viewport().rect(), self.theme.color("background"))
            self._draw_empty_hint(painter)
        else:
            viewport = self.viewport()
            geometry = StageGeometry.of(
                viewport.width(), viewport.height(), viewport.devicePixelRatioF(), self.viewportTransform(), self.zoom_state.zoom
            )
            self.compositor.paint(painter, geometry, self.frame, self.boxes, self.hidden_traffic)
        painter.restore()

    def _set_boxes(self, boxes: list[Box]) -> None:
        """The frame's boxes changed: the compositor redraws its network and overlays."""
        self._boxes = boxes
        self.legend_hits = self._legend_hits()
        if self.compositor is not None:
            self.compositor.invalidate()

    def set_blanked(self, blanked: bool) -> None:
        """A black screen, as a projector's blank button gives: the class looks at the lecturer."""
        self.blanked = blanked
        self.packets.setVisible(not blanked)
        self.viewport().update()

    def set_prompt(self, text: str) -> None:
        """A small prompt over the stage (e.g. 'Go to step 12'); empty hides it."""
        self.prompt = text
        self.viewport().update()

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:  # noqa: N802
        if (self.annotations.strokes or self.annotations.trail) and not self.blanked:
            self.annotations.paint(painter, self.transform().m11())
        if self.show_zoom_level and self.zoom_state.zoom != 1.0 and not self.blanked:
            self._draw_zoom_level(painter)
        if self.quiz is not None and not self.blanked:
            painter.save()
            painter.resetTransform()
            # Veil the network behind the card (devices peeking round it distract), never the caption.
            veil = self.theme.color("background")
            veil.setAlphaF(0.85)
            painter.fillRect(self.quiz_area(), veil)
            from animator.render.quiz_card import paint_quiz_overlay  # only once a question is on the stage

            paint_quiz_overlay(painter, self.quiz_area(), self.quiz, self.theme, self.ui_scale())
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
        bottom = self.stage_layout.caption_top if self.stage_layout is not None else self.viewport().height()
        box.moveBottomRight(QPointF(self.viewport().width() - 16 * k, bottom - 4 * k))
        fill = self.theme.color("caption_fill")
        fill.setAlphaF(0.9)
        painter.setPen(QPen(self.theme.color("panel_border"), 1))
        painter.setBrush(fill)
        painter.drawRoundedRect(box, box.height() / 2, box.height() / 2)
        painter.setPen(self.theme.color("muted"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def _legend_hits(self) -> list[tuple[QRectF, str]]:
        hits = []
        for box in self._boxes:
            if box.kind == "legend":
                for entry in box.data:
                    hits.append((qrect(entry.swatch.union(entry.label)).adjusted(-4, -4, 4, 4), entry.protocol))
        return hits

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind == QEvent.Type.Paint:
            self._ensure_layout()  # before QGraphicsView paints: the transform must be the new layout's
        elif kind in (QEvent.Type.TabletPress, QEvent.Type.TabletMove, QEvent.Type.TabletRelease):
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
        if kind == QEvent.Type.ToolTip:
            help_event = typing.cast(QHelpEvent, event)
            QToolTip.showText(help_event.globalPos(), self.tooltip_at(help_event.pos()), self)
            return True
        return super().viewportEvent(event)

    def tooltip_at(self, pos: QPoint) -> str:
        """The tooltip for a viewport point: a legend entry's action, a chip's whole summary, a
        device's addresses, or the whole of an elided text."""
        legend = next((p for r, p in self.legend_hits if r.contains(QPointF(pos))), None)
        if legend is not None:
            verb = "show" if legend in self.hidden_traffic else "hide"
            return f"Click to {verb} {PROTOCOL_NAMES.get(legend, legend)} traffic"
        packet_id = self.packet_at(pos)
        if packet_id is not None:
            return next((p.label for p in self.packets.packets if p.id == packet_id), "")
        box = self.box_at(pos)
        if box is None:
            return ""
        if box.kind in ("icon", "name", "address", "badge"):
            return self.node_tooltip(box.node)
        return box.full if box.full and box.full != box.text else ""

    def _draw_empty_hint(self, painter: QPainter) -> None:
        painter.setPen(self.theme.color("muted"))
        painter.setFont(font(18 * self.ui_scale()))
        painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, "Open a scene (Ctrl+O) or drop a .yaml file here")

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
        self._ensure_layout()
        tool = self.annotations.tool
        if self.quiz is not None and not self.blanked and event.button() == Qt.MouseButton.LeftButton and tool == NONE:
            from animator.render.quiz_card import quiz_card_geometry, quiz_choice_at

            geometry = quiz_card_geometry(self.quiz_area(), self.quiz, self.ui_scale())
            if geometry.card.contains(event.position()):
                index = quiz_choice_at(geometry, event.position())
                if index is not None:
                    self.quiz_choice_clicked.emit(index)
                event.accept()  # a click on the card never selects or pans what lies under it
                return
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
        if shape != self._cursor_shape:  # called on every zoom move: following a packet, every frame
            self._cursor_shape = shape
            self.viewport().setCursor(shape)
