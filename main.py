"""PacketStage launcher: ``python main.py [SCENE]`` opens the player; see ``--help``."""

import sys

from animator.cli import main

if __name__ == "__main__":
    sys.exit(main())
