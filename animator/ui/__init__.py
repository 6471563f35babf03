"""The Qt application: the player window and its panels, each following one ``PlayerState``.

``app`` starts it, ``main_window`` builds and places the panels; ``stage``, ``playback``,
``lecture``, ``inspect``, ``live``, ``presenter`` and ``exporting`` hold them by concern (see
docs/architecture.md). Drawing is ``animator.render``'s; what is shown is ``animator.player``'s.
"""
