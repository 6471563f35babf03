"""Looking inside the scene: the packet inspector with its hex view, the sequence (ladder) diagram
and the device tables, as docks (``docks``) that follow the player's state.
"""
