"""Where the ``*.tcss`` stylesheets live.

In a source checkout they are the top-level ``styles/`` folder; installed, the
same files are the data package ``homelab_tui.styles`` (see pyproject.toml).
"""

from __future__ import annotations

import importlib.resources
from functools import cache
from pathlib import Path

import homelab_tui


@cache
def styles_dir() -> Path:
    """The folder holding ``base.tcss`` and one stylesheet per screen."""
    checkout = Path(homelab_tui.__file__).resolve().parent.parent / "styles"
    if (checkout / "base.tcss").is_file():
        return checkout
    # a data directory without __init__.py: files() gives a MultiplexedPath, joinpath() a real path
    return Path(str(importlib.resources.files("homelab_tui.styles").joinpath("base.tcss"))).parent


def stylesheet(name: str) -> Path:
    """The path of one stylesheet, e.g. ``stylesheet("overview.tcss")``."""
    path = styles_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"stylesheet {name} not found in {styles_dir()}")
    return path
