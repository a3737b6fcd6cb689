"""Typed settings. Defaults describe the home-lab (../shared/seed/project-context.md).

The config file is TOML, by default ``$XDG_CONFIG_HOME/homelab-tui/config.toml``.
Every key is optional; an unknown key, a value of the wrong type or a value
out of range is a :class:`~homelab_tui.errors.ConfigError` naming the file and
the key (one line, exit code 3); :mod:`homelab_tui.config_checks` lists the ranges.

Secrets never come from the command line: the LiteLLM key is read from the
environment variable ``HOMELAB_TUI_LITELLM_KEY``, from ``litellm.key_file`` (a
relative path is taken from the config file's directory), or, when neither is
set, from ``$XDG_CONFIG_HOME/homelab-tui/litellm.key`` if that file exists.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from homelab_tui.config_checks import validate
from homelab_tui.errors import ConfigError
from homelab_tui.paths import default_config_path, xdg_state_home

LITELLM_KEY_ENV = "HOMELAB_TUI_LITELLM_KEY"

#: The home-lab's namespace table: namespace -> purpose.
HOMELAB_NAMESPACES: dict[str, str] = {
    "kube-system": "K3s core",
    "infra": "Infrastructure",
    "monitoring": "Observability",
    "data": "Stateful data",
    "apps": "Applications",
    "ml": "AI/ML inference",
    "docs": "Document mgmt",
    "dev": "Development",
}




def default_audit_path() -> Path:
    return xdg_state_home() / "homelab-tui" / "audit.jsonl"


@dataclass(frozen=True)
class KubernetesSettings:
    #: seconds for every non-watch call (connect + read)
    timeout: float = 10.0
    #: server-side timeout of one watch request; the stream is resumed after it
    watch_timeout: int = 300
    #: longest wait between reconnect attempts
    max_backoff: float = 30.0


@dataclass(frozen=True)
class PrometheusSettings:
    url: str = "https://prometheus.home.jetzinger.com"
    timeout: float = 5.0
    #: path to a CA bundle; empty = system trust store (Let's Encrypt)
    ca_bundle: str = ""
    verify_tls: bool = True
    interval: float = 10.0


@dataclass(frozen=True)
class LiteLLMSettings:
    url: str = "https://litellm.home.jetzinger.com"
    timeout: float = 5.0
    ca_bundle: str = ""
    verify_tls: bool = True
    #: seconds between the cheap liveliness/readiness polls
    interval: float = 10.0
    #: seconds between full /health calls (they call every model, the paid one too)
    health_interval: float = 300.0
    #: file holding the LiteLLM master key; the env var wins when both are set; "" = the default key file
    key_file: str = ""


@dataclass(frozen=True)
class OllamaSettings:
    #: empty = not configured
    url: str = ""
    timeout: float = 5.0


@dataclass(frozen=True)
class Thresholds:
    cert_warn_days: float = 14.0
    cert_fail_days: float = 3.0
    pvc_warn_percent: float = 85.0
    pvc_fail_percent: float = 95.0
    restarts_warn: int = 5


@dataclass(frozen=True)
class GpuMode:
    name: str
    #: deployment (in GpuSettings.namespace) that runs in this mode; "" = GPU free
    deployment: str = ""
    replicas: int = 1


@dataclass(frozen=True)
class GpuSettings:
    node: str = "k3s-gpu-worker"
    namespace: str = "ml"
    switch_timeout: float = 600.0
    modes: tuple[GpuMode, ...] = (
        GpuMode("ml", "vllm-server", 1),
        GpuMode("r1", "vllm-r1", 1),
        GpuMode("gaming", "", 0),
    )

    def mode(self, name: str) -> GpuMode | None:
        return next((m for m in self.modes if m.name == name), None)

    @property
    def gpu_deployments(self) -> tuple[str, ...]:
        return tuple(m.deployment for m in self.modes if m.deployment)


@dataclass(frozen=True)
class Backend:
    alias: str
    namespace: str = ""
    deployment: str = ""
    #: true for a tier that costs money per call (OpenAI)
    paid: bool = False


@dataclass(frozen=True)
class InferenceSettings:
    chain: tuple[str, ...] = ("vllm-qwen", "ollama-qwen", "openai-gpt4o")
    extra: tuple[str, ...] = ("vllm-r1",)
    backends: tuple[Backend, ...] = (
        Backend("vllm-qwen", "ml", "vllm-server"),
        Backend("vllm-r1", "ml", "vllm-r1"),
        Backend("ollama-qwen", "ml", "ollama"),
        Backend("openai-gpt4o", "", "", paid=True),
    )

    def backend(self, alias: str) -> Backend:
        return next((b for b in self.backends if b.alias == alias), Backend(alias))


@dataclass(frozen=True)
class Settings:
    kubernetes: KubernetesSettings = field(default_factory=KubernetesSettings)
    prometheus: PrometheusSettings = field(default_factory=PrometheusSettings)
    litellm: LiteLLMSettings = field(default_factory=LiteLLMSettings)
    ollama: OllamaSettings = field(default_factory=OllamaSettings)
    thresholds: Thresholds = field(default_factory=Thresholds)
    gpu: GpuSettings = field(default_factory=GpuSettings)
    inference: InferenceSettings = field(default_factory=InferenceSettings)
    #: namespace -> purpose (the home-lab's namespace table)
    namespaces: Mapping[str, str] = field(default_factory=lambda: dict(HOMELAB_NAMESPACES))
    domain: str = "home.jetzinger.com"
    cluster_issuer: str = "letsencrypt-prod"
    #: where this settings object came from (for messages); not a config key
    source: str = "<defaults>"


# --------------------------------------------------------------------------- loading

_SIMPLE_SECTIONS: dict[str, type] = {
    "kubernetes": KubernetesSettings,
    "prometheus": PrometheusSettings,
    "litellm": LiteLLMSettings,
    "ollama": OllamaSettings,
    "thresholds": Thresholds,
}


def _check_type(where: str, value: Any, expected: Any) -> Any:
    if expected is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {type(value).__name__}")
        return float(value)
    if expected is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {type(value).__name__}")
        return value
    if expected is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {type(value).__name__}")
        return value
    if expected is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {type(value).__name__}")
        return value
    return value


def _build(cls: type, data: Mapping[str, Any], where: str) -> Any:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise ConfigError(f"{where}.{key}: unknown key (known: {known})")
        ftype = fields[key].type
        expected = {"float": float, "int": int, "bool": bool, "str": str}.get(str(ftype), None)
        kwargs[key] = _check_type(f"{where}.{key}", value, expected) if expected else value
    return cls(**kwargs)


def settings_from_mapping(data: Mapping[str, Any], source: str = "<mapping>") -> Settings:
    """Build settings from parsed TOML, validating every key."""
    kwargs: dict[str, Any] = {"source": source}
    top = {f.name for f in dataclasses.fields(Settings)} - {"source"}
    for key, value in data.items():
        where = f"{source}: {key}"
        if key not in top:
            raise ConfigError(f"{where}: unknown section or key (known: {', '.join(sorted(top))})")
        if key in _SIMPLE_SECTIONS:
            kwargs[key] = _build(_SIMPLE_SECTIONS[key], value, where)
        elif key == "gpu":
            kwargs[key] = _gpu_from(value, where)
        elif key == "inference":
            kwargs[key] = _inference_from(value, where)
        elif key == "namespaces":
            if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
                raise ConfigError(f"{where}: expected a table of namespace = \"purpose\"")
            # the home-lab's table plus the operator's own namespaces; "" takes one out
            merged = {**HOMELAB_NAMESPACES, **value}
            kwargs[key] = {ns: purpose for ns, purpose in merged.items() if purpose}
        else:
            kwargs[key] = _check_type(where, value, str)
    settings = Settings(**kwargs)
    validate(settings)
    return settings


def _gpu_from(value: Any, where: str) -> GpuSettings:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a table")
    value = dict(value)
    modes_raw = value.pop("modes", None)
    base = _build(GpuSettings, {k: v for k, v in value.items()}, where)
    if modes_raw is None:
        return base
    if not isinstance(modes_raw, Mapping) or not modes_raw:
        raise ConfigError(f"{where}.modes: expected a table of mode = {{ deployment = ..., replicas = ... }}")
    modes = []
    for name, spec in modes_raw.items():
        spec = dict(spec) if isinstance(spec, Mapping) else spec
        if not isinstance(spec, dict):
            raise ConfigError(f"{where}.modes.{name}: expected a table")
        if "name" in spec:
            raise ConfigError(f"{where}.modes.{name}.name: unknown key (the table's name is the mode's name)")
        modes.append(_build(GpuMode, {"name": name, **spec}, f"{where}.modes.{name}"))
    return dataclasses.replace(base, modes=tuple(modes))


def _inference_from(value: Any, where: str) -> InferenceSettings:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a table")
    value = dict(value)
    kwargs: dict[str, Any] = {}
    for key in ("chain", "extra"):
        if key in value:
            items = value.pop(key)
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise ConfigError(f"{where}.{key}: expected a list of model aliases")
            kwargs[key] = tuple(items)
    if "backends" in value:
        raw = value.pop("backends")
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where}.backends: expected a table of alias = {{ ... }}")
        for alias, spec in raw.items():
            if not isinstance(spec, Mapping):
                raise ConfigError(f"{where}.backends.{alias}: expected a table "
                                  "{ namespace = ..., deployment = ..., paid = ... }")
            if "alias" in spec:
                raise ConfigError(f"{where}.backends.{alias}.alias: unknown key (the table's name is the alias)")
        kwargs["backends"] = tuple(
            _build(Backend, {"alias": alias, **dict(spec)}, f"{where}.backends.{alias}")
            for alias, spec in raw.items()
        )
    if value:
        raise ConfigError(f"{where}.{next(iter(value))}: unknown key (known: backends, chain, extra)")
    return InferenceSettings(**kwargs)


def load_settings(path: str | os.PathLike[str] | None = None, *, explicit: bool = False) -> Settings:
    """Load settings from ``path`` (default: the XDG config file).

    A missing default file means "use the defaults"; a missing file that the user
    named explicitly (``--config``) is an error.
    """
    p = Path(path) if path else default_config_path()
    if not p.exists():
        if explicit:
            raise ConfigError(f"config file {p} does not exist")
        return Settings()
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"config file {p}: cannot read: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"config file {p}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {p}: invalid TOML: {exc}") from None
    settings = settings_from_mapping(data, source=str(p))
    key_file = Path(settings.litellm.key_file).expanduser()
    if settings.litellm.key_file and not key_file.is_absolute():  # cron runs elsewhere: relative to the file
        resolved = os.path.join(os.path.dirname(os.path.abspath(p)), key_file)
        litellm = dataclasses.replace(settings.litellm, key_file=resolved)
        settings = dataclasses.replace(settings, litellm=litellm)
    return settings


def default_key_path(environ: Mapping[str, str]) -> Path:
    """The key file read when neither the environment nor ``litellm.key_file`` gives the key."""
    return Path(environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "homelab-tui" / "litellm.key"


def read_litellm_key(settings: Settings, environ: Mapping[str, str] | None = None) -> str | None:
    """The LiteLLM key from the environment, the key file or the default key file; never from argv.

    None when no key is configured. A key file that cannot be read, is not UTF-8, is empty, or holds more
    than one line or anything but printable ASCII is a :class:`ConfigError` naming the file (never the key).
    Read from the process environment (``environ`` None), the variable is then removed from it: kubeconfig
    exec plugins and other children must not inherit the key (so the program reads it once, at start).
    """
    env = os.environ if environ is None else environ
    key = env.get(LITELLM_KEY_ENV, "").strip()
    if environ is None:
        os.environ.pop(LITELLM_KEY_ENV, None)
    if key:
        return _checked_key(key, LITELLM_KEY_ENV)
    if settings.litellm.key_file:
        p = Path(settings.litellm.key_file).expanduser()
    else:
        p = default_key_path(env)
        if not p.is_file():
            return None
    where = f"litellm.key_file {p}"
    try:
        key = p.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: not UTF-8 text") from None
    if not key:
        raise ConfigError(f"{where}: the file is empty (it must hold the key)")
    return _checked_key(key, where)


def _checked_key(key: str, where: str) -> str:
    """A key goes into an HTTP header: one line of printable ASCII. The message never shows the key."""
    if "\n" in key or "\r" in key:
        raise ConfigError(f"{where}: the key must be one line (found more than one)")
    if not (key.isascii() and key.isprintable()):
        raise ConfigError(f"{where}: the key must be printable ASCII (found a control or non-ASCII character)")
    return key
