"""Range checks on loaded settings (:func:`homelab_tui.config.settings_from_mapping` calls :func:`validate`).

Each problem is one :class:`~homelab_tui.errors.ConfigError` line naming the file and the key. A URL is
shown without its user info (it may hold a password, see :func:`_shown`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from homelab_tui.errors import ConfigError

if TYPE_CHECKING:
    from homelab_tui.config import GpuSettings, InferenceSettings, Settings

#: the longest timeout or interval (and ``check --wait``): a day. Far beyond it, waits overflow the clock.
MAX_SECONDS = 86400.0
#: the shortest ``litellm.health_interval``: a full /health calls every model, the paid one too
MIN_HEALTH_INTERVAL = 60.0
#: the longest certificate threshold, in days
MAX_CERT_DAYS = 3650.0
#: ``gpu-mode status`` shows the mode: no mode can have this name
RESERVED_MODE = "status"


def validate(s: Settings) -> None:
    _validate_thresholds(s)
    for name, url in (("prometheus.url", s.prometheus.url), ("litellm.url", s.litellm.url),
                      ("ollama.url", s.ollama.url)):
        if url:
            _validate_url(s.source, name, url)
    _validate_seconds(s)
    _validate_inference(s.source, s.inference)
    _validate_gpu_modes(s.source, s.gpu)


def _validate_thresholds(s: Settings) -> None:
    t = s.thresholds
    for name, value, top in (("cert_warn_days", t.cert_warn_days, MAX_CERT_DAYS),
                             ("cert_fail_days", t.cert_fail_days, MAX_CERT_DAYS),
                             ("pvc_warn_percent", t.pvc_warn_percent, 100.0),
                             ("pvc_fail_percent", t.pvc_fail_percent, 100.0)):
        if not 0 <= value <= top:  # nan fails too
            raise ConfigError(f"{s.source}: thresholds.{name} must be from 0 to {top:g}, got {value:g}")
    if t.cert_fail_days >= t.cert_warn_days:
        raise ConfigError(f"{s.source}: thresholds.cert_fail_days must be below cert_warn_days "
                          f"({t.cert_fail_days:g} >= {t.cert_warn_days:g})")
    if t.pvc_warn_percent > t.pvc_fail_percent:
        raise ConfigError(f"{s.source}: thresholds.pvc_warn_percent must not exceed pvc_fail_percent")
    if t.restarts_warn < 1:
        raise ConfigError(f"{s.source}: thresholds.restarts_warn must be at least 1, got {t.restarts_warn}")


def _shown(url: str) -> str:
    """``url`` for a message, its user info (a password) replaced by ``***``.

    The user info is everything before the last ``@``: a password may hold ``/ ? # @ :`` unencoded, and
    no parser's idea of where the host starts is trusted with it (a path holding ``@`` is masked too)."""
    head, sep, rest = url.partition("://")
    if not sep:
        head, rest = "", url
    if "@" in rest:
        rest = "***@" + rest.rpartition("@")[2]
    return f"{head}{sep}{rest}"


def _validate_url(source: str, name: str, url: str) -> None:
    """http(s)://HOST[:PORT][/PATH]: no space, a host, a port from 1 to 65535, no query or fragment."""
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = None, False
    if (parts is None or not port_ok or parts.scheme not in ("http", "https") or not parts.hostname
            or parts.query or parts.fragment or not url.isprintable() or any(c.isspace() for c in url)):
        raise ConfigError(f"{source}: {name} must be http:// or https://HOST[:PORT][/PATH] (got {_shown(url)!r})")


def _validate_seconds(s: Settings) -> None:
    """Every timeout and polling interval: above 0 (0 would poll in a tight loop) and at most a day."""
    for name, value in (("kubernetes.timeout", s.kubernetes.timeout),
                        ("kubernetes.watch_timeout", s.kubernetes.watch_timeout),
                        ("kubernetes.max_backoff", s.kubernetes.max_backoff),
                        ("prometheus.timeout", s.prometheus.timeout), ("prometheus.interval", s.prometheus.interval),
                        ("litellm.timeout", s.litellm.timeout), ("litellm.interval", s.litellm.interval),
                        ("litellm.health_interval", s.litellm.health_interval),
                        ("ollama.timeout", s.ollama.timeout), ("gpu.switch_timeout", s.gpu.switch_timeout)):
        if not (math.isfinite(value) and value > 0):
            raise ConfigError(f"{s.source}: {name} must be positive (seconds), got {value:g}")
        if value > MAX_SECONDS:
            raise ConfigError(f"{s.source}: {name} must be at most {MAX_SECONDS:g} s (a day), got {value:g}")
    if s.litellm.health_interval < MIN_HEALTH_INTERVAL:
        raise ConfigError(f"{s.source}: litellm.health_interval must be at least {MIN_HEALTH_INTERVAL:g} s "
                          f"(a full /health calls every model, the paid one too), got {s.litellm.health_interval:g}")


def _validate_inference(source: str, inference: InferenceSettings) -> None:
    """A chain to probe, and every alias once: the Inference screen has one row per alias."""
    if not inference.chain:
        raise ConfigError(f"{source}: inference.chain must name at least one model alias")
    seen: set[str] = set()
    for key, aliases in (("chain", inference.chain), ("extra", inference.extra)):
        for alias in aliases:
            if not alias.strip():
                raise ConfigError(f"{source}: inference.{key}: a model alias must not be empty")
            if alias in seen:
                where = "in the chain" if key == "extra" and alias in inference.chain else "twice"
                raise ConfigError(f"{source}: inference.{key}: {alias!r} is listed {where}; list each alias once")
            seen.add(alias)


def _validate_gpu_modes(source: str, gpu: GpuSettings) -> None:
    """Each deployment belongs to one mode: two modes on one deployment would read as a conflict."""
    owner: dict[str, str] = {}
    for mode in gpu.modes:
        if mode.name == RESERVED_MODE:
            raise ConfigError(f"{source}: gpu.modes.{RESERVED_MODE}: the name is reserved "
                              f"(`gpu-mode {RESERVED_MODE}` shows the mode); rename the mode")
        if mode.replicas < 0:
            raise ConfigError(f"{source}: gpu.modes.{mode.name}.replicas must not be negative")
        if not mode.deployment:
            continue
        if mode.deployment in owner:
            raise ConfigError(f"{source}: gpu.modes.{mode.name} and gpu.modes.{owner[mode.deployment]} both use "
                              f"deployment {mode.deployment!r}; each mode needs its own")
        owner[mode.deployment] = mode.name
