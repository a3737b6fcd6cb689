"""LiteLLM's own fallback chain, read from its proxy configuration in the cluster.

The home-lab's chain (``vllm-qwen → ollama-qwen → openai-gpt4o``) only holds if LiteLLM is configured so:
``router_settings.fallbacks: [{"vllm-qwen": ["ollama-qwen"]}, {"ollama-qwen": ["openai-gpt4o"]}]`` in the
``config.yaml`` of the ConfigMap ``ml/litellm-config``. LiteLLM follows fallbacks depth first (a fallback's
own fallbacks are tried before the next one in the list), so the chain a request for the first alias walks
is the depth-first order from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.objects import as_list, as_map, find

#: where the proxy configuration lives (project-context.md names it: "litellm-config")
CONFIG_NAMESPACE = "ml"
CONFIG_MAP = "litellm-config"
CONFIG_KEY = "config.yaml"
#: where LiteLLM reads ``fallbacks`` from (router_settings first, as the proxy does)
_SECTIONS = ("router_settings", "litellm_settings")


@dataclass(frozen=True)
class FallbackChain:
    """The aliases a request for ``chain[0]`` is tried on, in order, by LiteLLM's configuration."""

    #: "ConfigMap ml/litellm-config (config.yaml)"
    source: str
    chain: tuple[str, ...]
    #: why the configuration could not be read ("" when it was)
    error: str = ""


def _fallback_map(config: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for section in _SECTIONS:
        for entry in as_list(as_map(as_map(config).get(section)).get("fallbacks")):
            for alias, targets in as_map(entry).items():
                if str(alias) not in out:  # LiteLLM uses the first entry that names the model group
                    out[str(alias)] = [t for t in as_list(targets) if isinstance(t, str)]
        if out:
            return out
    return out


def walk(fallbacks: dict[str, list[str]], start: str) -> tuple[str, ...]:
    """The depth-first order LiteLLM tries from ``start`` (each alias once)."""
    order: list[str] = []

    def visit(alias: str) -> None:
        if alias in order:
            return
        order.append(alias)
        for target in fallbacks.get(alias, ()):
            visit(target)

    visit(start)
    return tuple(order)


def litellm_chain(cluster: ClusterState, start: str) -> FallbackChain | None:
    """LiteLLM's chain from ``start`` by its ConfigMap; None when the ConfigMap is not in the cluster."""
    return cluster.memo(("litellm_chain", start), lambda: _read(cluster, start))


def _read(cluster: ClusterState, start: str) -> FallbackChain | None:
    cm = find(cluster, "configmaps", CONFIG_NAMESPACE, CONFIG_MAP)
    if cm is None:
        return None
    source = f"ConfigMap {CONFIG_NAMESPACE}/{CONFIG_MAP} ({CONFIG_KEY})"
    text = as_map(cm.get("data")).get(CONFIG_KEY)
    if not isinstance(text, str):
        return FallbackChain(source, (), f"no key {CONFIG_KEY}")
    import yaml  # the model does no I/O; parsing a string it was handed is not I/O

    try:
        config = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    except yaml.YAMLError as exc:
        return FallbackChain(source, (), f"not YAML: {getattr(exc, 'problem', None) or type(exc).__name__}")
    return FallbackChain(source, walk(_fallback_map(config), start))
