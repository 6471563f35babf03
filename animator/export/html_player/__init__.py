"""The exported HTML player's own files (``page.html``, ``player.css``, ``player.js``), read as
package data by ``animator.export.html_assets.player_file`` and inlined into every export."""
