"""Playback: the master clock that feeds wall-clock time into the player's state, and the transport bar."""
