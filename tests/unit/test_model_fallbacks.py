"""LiteLLM's fallback chain as read from ml/litellm-config."""

from __future__ import annotations

from tests.unit.factories import cluster, configmap

from homelab_tui.model.fallbacks import FallbackChain, litellm_chain, walk

SOURCE = "ConfigMap ml/litellm-config (config.yaml)"


def _chain(config: str, start: str = "a") -> FallbackChain | None:
    return litellm_chain(cluster(configmap("litellm-config", "ml", {"config.yaml": config})), start)


def test_walk_visits_each_alias_once_in_a_cycle():
    assert walk({"a": ["b"], "b": ["a"]}, "a") == ("a", "b")
    assert walk({"a": ["a", "b"], "b": ["c", "a"]}, "a") == ("a", "b", "c")


def test_mutual_fallbacks_in_the_config_map_give_a_finite_chain():
    assert _chain('router_settings:\n  fallbacks: [{"a": ["b"]}, {"b": ["a"]}]\n') == FallbackChain(SOURCE, ("a", "b"))


def test_router_settings_fallbacks_hide_those_of_litellm_settings():
    config = ('router_settings:\n  fallbacks: [{"a": ["b"]}]\n'
              'litellm_settings:\n  fallbacks: [{"b": ["c"]}]\n')
    assert _chain(config) == FallbackChain(SOURCE, ("a", "b"))
