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


def test_a_size_that_is_not_a_number_is_unknown():
    (m,) = parse_ps({"models": [{**REAL_PS["models"][0], "size": True, "size_vram": "0"}]})
    assert m.size_bytes is None and m.vram_bytes is None


def test_an_ollama_refusing_the_request_is_named_by_its_status(lab):
    """An Ollama without /api/ps, or a proxy refusing it, answers 4xx: the status is the error, kept to one line."""
    faults = lab.faults["ollama"]
    faults.status, faults.status_path = 404, "/api/ps"
    src = LiteLLMSource(load_settings(lab.config_path, explicit=True), lab.litellm_key)
    try:
        data = src.refresh().data
    finally:
        src.close()
    assert data.ollama_error == "Ollama /api/ps: HTTP 404" and data.ollama_models is None
