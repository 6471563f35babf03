"""Qt painting without widgets: what the stage and every drawing exporter share.

``theme`` wraps the Qt-free looks (``animator.looks``) in QColors and loads the bundled fonts;
``icons`` rasterises the device icons (bounded caches); ``boxes`` paints the layout's boxes
(``animator.layout``) with a QPainter; ``chips`` paints the packet chips, one cached pixmap per
look; ``stage`` composes them into the stage's picture of one frame. The player's ``StageView``
(``animator.ui.stage.view``) and the exporters (``animator.export``) both draw through this package,
so an exported frame is the stage's frame. Nothing here creates a widget or a window.
"""
