"""The last successful full LiteLLM ``/health``, kept on disk for ``homelab-tui check``.

``/health`` calls every model, the paid OpenAI one too, so a ``check`` run from cron every minute must not
call it. ``check --full-health`` saves its result here, and plain ``check`` runs reuse it while it is younger
than ``litellm.health_interval``. The file (``$XDG_STATE_HOME/homelab-tui/litellm-health.json``, mode 0600)
holds only per-alias verdicts, upstream model names, errors already scrubbed of the key, the proxy's URL
without credentials, and the time: never the key.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any


from homelab_tui.paths import xdg_state_home
from homelab_tui.model.metrics import AliasHealth, TierHealth

VERSION = 1


def default_path() -> Path:
    return xdg_state_home() / "homelab-tui" / "litellm-health.json"


def public_url(url: str) -> str:
    """``url`` without user info (a URL may carry a password): the cache's key for one proxy."""
    import httpx
    try:
        u = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return ""
    return str(u.copy_with(username=None, password=None, query=None, fragment=None)).rstrip("/")


@dataclass(frozen=True)
class CachedHealth:
    checked_at: float
    aliases: dict[str, AliasHealth]
    models: tuple[str, ...]


class HealthCache:
    """One JSON file; every read or write failure is treated as "no cache" (a verdict never depends on it)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        #: why the last :meth:`save` wrote nothing (for ``check --full-health`` to say so); None after a save
        self.save_error: str | None = None

    def load(self, url: str, now: float, max_age: float) -> CachedHealth | None:
        """The saved result for ``url`` when it is at most ``max_age`` seconds old, else None."""
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            if doc.get("version") != VERSION or doc.get("url") != public_url(url):
                return None
            checked_at = float(doc["checked_at"])
            if not math.isfinite(checked_at) or not 0.0 <= now - checked_at <= max_age:
                return None
            aliases = {str(a): AliasHealth(str(a), TierHealth(h["health"]), str(h.get("error", "")),
                                           str(h.get("model", ""))) for a, h in doc["aliases"].items()}
            return CachedHealth(checked_at, aliases, tuple(str(m) for m in doc.get("models", [])))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def save(self, url: str, checked_at: float, aliases: dict[str, AliasHealth], models: tuple[str, ...]) -> None:
        doc: dict[str, Any] = {
            "version": VERSION, "url": public_url(url), "checked_at": checked_at, "models": list(models),
            "aliases": {a: {"health": h.health.value, "error": h.error, "model": h.model} for a, h in aliases.items()},
        }
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".litellm-health.", dir=self.path.parent)  # created 0600
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(doc, fh)
                os.replace(tmp, self.path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError as exc:  # a read-only state directory costs the next runs the cache, nothing else
            self.save_error = f"{self.path}: {exc.strerror or type(exc).__name__}"
        else:
            self.save_error = None
