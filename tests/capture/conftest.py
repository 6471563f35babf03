"""The GUI fixtures of tests/ui (a QApplication with the fonts, isolated settings, a player window) for the live view tests."""

from tests.ui.conftest import app, settings, window  # noqa: F401 - pytest finds fixtures imported here
