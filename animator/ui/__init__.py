"""Everything Qt: the player window, the stage, the transport. Imports the layers below it."""
