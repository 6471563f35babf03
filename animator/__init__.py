"""PacketStage: step-by-step animations of packets crossing a network.

The package is layered: ``model`` (scene files), ``engine`` (timeline maths) and later
``packets``/``capture`` never import Qt; ``ui`` and ``export`` draw what the engine computes.
"""

__version__ = "0.1.0"
