"""Presenting: the audience's fullscreen window and the presenter's panel."""
