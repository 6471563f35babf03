"""The player's state, without Qt: what one player window shows, and the events views follow.

``PlayerState`` (``state.py``) holds the scene, the transport, the frame, the selection, the
hidden traffic, the looks and whether a second screen is presenting; ``Event`` (``events.py``)
is the small observer it emits through. The Qt windows and panels (``animator.ui``) subscribe.
"""

from animator.player.events import Event
from animator.player.state import Looks, PlayerEvents, PlayerState, SceneShown, TimeGuard

__all__ = ["Event", "Looks", "PlayerEvents", "PlayerState", "SceneShown", "TimeGuard"]
