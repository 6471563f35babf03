"""File → Export: a dialog per format of ``animator.export.registry`` and a cancellable progress dialog."""
