"""The live view: capture on an interface and watch hosts and packets appear; File → Import capture and the Live menu."""
