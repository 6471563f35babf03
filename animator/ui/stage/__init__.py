"""The stage: the view that projects Frames (``view``), its packet item (``packets``), the zoom and
pen models it shares with a mirroring stage (``zoom``, ``annotation``), the lecturer's stage
tools (``controls``), and ``group``, which keeps the presenter's and the audience's stages in step
with the player's state.
"""
