"""Where homelab-tui's files are, worked out from the environment with the standard library only.

Kept apart from :mod:`homelab_tui.config` (which builds the settings' dataclasses) so that the ``check``
client of ``homelab-tui agent`` (:mod:`homelab_tui.agent_link`) can name the same files without paying
for those imports.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Mapping


def xdg_config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def xdg_state_home() -> Path:
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")


def default_config_path() -> Path:
    return xdg_config_home() / "homelab-tui" / "config.toml"


def kubeconfig_spec(flag: str | None, environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Where the kubeconfig paths come from and the ``os.pathsep``-separated paths, as kubectl looks for them:
    ``--kubeconfig``, else ``$KUBECONFIG``, else ``~/.kube/config``."""
    env = os.environ if environ is None else environ
    if flag is not None:
        return "--kubeconfig", flag
    if env.get("KUBECONFIG"):
        return "$KUBECONFIG", env["KUBECONFIG"]
    return "the default", str(Path.home() / ".kube" / "config")


def try_lock(path: Path) -> int | None:
    """Open (or create, mode 0600, never through a symlink) ``path`` and hold an exclusive ``flock`` on it: the
    descriptor, which keeps the lock until it is closed or the process ends; None when another process holds
    it. Raises OSError when the file cannot be opened."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd
