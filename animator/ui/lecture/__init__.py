"""The lecture around the player: decks and the clicker's edges (``controller``), the contents
tree, resume, the lesson sidebar and its quiz, and the traffic filter.
"""
