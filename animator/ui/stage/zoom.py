"""Zoom, pan and "follow the packet" for the stage, as one small shared state.

The stage fits the whole network between its title and caption bands; zooming multiplies
that fit and moves the centre of the picture (in scene units). Keeping the state in scene
units rather than in pixels is what lets the presenter's stage and the audience's stage
share one ``ZoomState``: the two windows have different sizes, yet both show the same
part of the network, so the lecturer zooms to show the hall a detail.

Follow eases the centre towards the packet being followed with a time constant measured
in scene time, so it is the same when playing, stepping or reversing, and a seek (a large
jump in time) recentres at once instead of sweeping across the network.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QObject, QPointF, QRectF, Signal

from animator.engine.frame import Frame, PacketView

MIN_ZOOM = 0.5
MAX_ZOOM = 8.0
#: One wheel notch or key press: four presses double the magnification.
ZOOM_STEP = 2**0.25
#: Follow's time constant (scene seconds): short enough to keep a packet in view at 8x,
#: long enough that the picture glides instead of jerking at each hop.
FOLLOW_TAU = 0.12
#: The magnification follow picks when it is turned on at "fit".
FOLLOW_ZOOM = 2.0
#: A jump in scene time larger than this is a seek: recentre at once.
FOLLOW_SNAP = 0.5


def followed_packet(frame: Frame) -> PacketView | None:
    """The packet to follow: the most recently started one still in flight.

    ``state_at`` lists a step's packets in order of their start, so that is the last one
    that has not arrived; with every packet delivered, the last one to arrive.
    """
    for packet in reversed(frame.packets):
        if not packet.arrived:
            return packet
    return frame.packets[-1] if frame.packets else None


class ZoomState(QObject):
    """Magnification (1 = fit) and the scene point at the centre of the network area.

    ``centre`` is None while at the fitted centre, so a resized or reloaded scene keeps
    fitting until the user actually pans.
    """

    changed = Signal()
    follow_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.zoom = 1.0
        self.centre: QPointF | None = None
        self.follow = False
        self.bounds = QRectF()
        self._follow_time: float | None = None
        self._followed: str | None = None

    # -- commands ----------------------------------------------------------------------
    def reset(self) -> None:
        if self.zoom == 1.0 and self.centre is None:
            return
        self.zoom, self.centre = 1.0, None
        self.changed.emit()

    def set_view(self, zoom: float, centre: QPointF | None) -> None:
        zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
        centre = self._clamped(centre) if centre is not None else None
        if zoom == self.zoom and centre == self.centre:
            return
        self.zoom, self.centre = zoom, centre
        self.changed.emit()

    def zoom_by(self, factor: float, anchor: QPointF | None = None, current_centre: QPointF | None = None) -> None:
        """Multiply the zoom by ``factor``, keeping the scene point ``anchor`` where it is on screen.

        ``current_centre`` is the scene point now at the centre of the network area (the
        stage knows it even while ``centre`` is None).
        """
        new_zoom = min(max(self.zoom * factor, MIN_ZOOM), MAX_ZOOM)
        if new_zoom == self.zoom:
            return
        centre = current_centre if current_centre is not None else self.centre
        if new_zoom <= 1.0:
            new_centre = None  # zoomed out, everything fits: keep it centred
        elif anchor is None or centre is None:
            new_centre = centre
        else:
            # The anchor stays put: anchor = centre + offset / scale before and after.
            ratio = self.zoom / new_zoom
            new_centre = QPointF(anchor.x() - (anchor.x() - centre.x()) * ratio, anchor.y() - (anchor.y() - centre.y()) * ratio)
        self.set_view(new_zoom, new_centre)

    def pan_by(self, dx: float, dy: float, current_centre: QPointF) -> None:
        """Move the picture by (dx, dy) scene units (drag right: the network moves right)."""
        if self.zoom <= 1.0:
            return  # everything is in view already
        self.set_view(self.zoom, QPointF(current_centre.x() - dx, current_centre.y() - dy))

    def set_follow(self, on: bool) -> None:
        """Follow on or off; turned on at "fit" it also zooms to ``FOLLOW_ZOOM``, since following
        a packet with the whole network in view would change nothing on screen."""
        if on == self.follow:
            return
        self.follow = on
        self._follow_time = None
        self._followed = None
        self.follow_changed.emit(on)
        if on and self.zoom <= 1.0:
            self.set_view(FOLLOW_ZOOM, self.centre)

    def track(self, frame: Frame, current_centre: QPointF, to_scene: Callable[[PacketView], QPointF]) -> None:
        """With follow on and zoomed in, ease the centre towards the followed packet.

        Called by every stage showing ``frame``; a second call for the same instant (the
        audience's stage) changes nothing. ``to_scene`` says where a packet is in scene units.
        """
        if not self.follow or self.zoom <= 1.0 or self._follow_time == frame.time:
            return
        last, self._follow_time = self._follow_time, frame.time
        packet = followed_packet(frame)
        if packet is None:
            return
        target = to_scene(packet)
        dt = abs(frame.time - last) if last is not None else math.inf
        switched, self._followed = packet.id != self._followed, packet.id
        if dt > FOLLOW_SNAP or switched:
            # A seek, or a new packet to follow (it may start anywhere): go there at once.
            self.set_view(self.zoom, target)
            return
        pull = 1.0 - math.exp(-dt / FOLLOW_TAU)
        self.set_view(
            self.zoom,
            QPointF(
                current_centre.x() + (target.x() - current_centre.x()) * pull,
                current_centre.y() + (target.y() - current_centre.y()) * pull,
            ),
        )

    def _clamped(self, point: QPointF) -> QPointF:
        """Keep the centre over the network: panning never loses the scene off the screen."""
        if self.bounds.isEmpty():
            return point
        return QPointF(
            min(max(point.x(), self.bounds.left()), self.bounds.right()),
            min(max(point.y(), self.bounds.top()), self.bounds.bottom()),
        )
