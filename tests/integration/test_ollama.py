"""Ollama's loaded models (/api/ps) beside LiteLLM: parsed, following the cluster, errors kept to one line."""

from __future__ import annotations

import pytest

from homelab_tui.config import load_settings
from homelab_tui.sources.litellm import LiteLLMSource
from homelab_tui.sources.ollama import parse_ps
from tests.conftest import wait_until

REAL_PS = {"models": [{"name": "qwen3:4b", "model": "qwen3:4b", "size": 3400000000, "digest": "e55a",
                       "details": {"format": "gguf"}, "expires_at": "2026-11-25T20:40:00Z", "size_vram": 0}]}


def test_parse_ps():
    (m,) = parse_ps(REAL_PS)
    assert m.name == "qwen3:4b" and m.size_bytes == 3.4e9 and m.vram_bytes == 0
    assert parse_ps({"models": []}) == ()
    with pytest.raises(ValueError):
        parse_ps({"error": "x"})


def test_loaded_models_follow_the_ollama_deployment(lab):
    settings = load_settings(lab.config_path, explicit=True)
    src = LiteLLMSource(settings, lab.litellm_key)
    try:
        data = src.refresh().data
        assert [m.name for m in data.ollama_models] == ["qwen3:4b"] and data.ollama_error == ""

        def scale_to_zero(dep):
            dep["spec"]["replicas"] = 0
        lab.call(lambda: lab.store.mutate("deployments", "ml", "ollama", scale_to_zero))
        wait_until(lambda: src.refresh().data.ollama_error, timeout=15, message="ollama gone")
        data = src.current().data
        assert "503" in data.ollama_error
        assert [m.name for m in data.ollama_models] == ["qwen3:4b"]  # last known list kept
    finally:
        src.close()


def test_not_configured_means_none(lab):
    import dataclasses

    settings = load_settings(lab.config_path, explicit=True)
    settings = dataclasses.replace(settings, ollama=dataclasses.replace(settings.ollama, url=""))
    src = LiteLLMSource(settings, lab.litellm_key)
    try:
        assert src.refresh().data.ollama_models is None
    finally:
        src.close()
