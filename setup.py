"""What pyproject.toml cannot say: the checkout's top-level ``scenes/`` and ``assets/`` ship *inside*
the ``animator`` package of a wheel (``animator/scenes``, ``animator/assets``), so an installed
PacketStage finds them with ``importlib.resources`` wherever pip put it (a venv, ``--user``, a
system site-packages) instead of guessing ``share/`` folders. Which files they hold is listed in
pyproject.toml's package-data (setuptools lets that table override this file's)."""

from setuptools import find_packages, setup

BUNDLED = {
    "animator.scenes": "scenes",
    "animator.assets": "assets",
    "animator.assets.icons": "assets/icons",
    "animator.assets.fonts": "assets/fonts",
}

setup(packages=[*find_packages(include=["animator*"]), *BUNDLED], package_dir=BUNDLED)
