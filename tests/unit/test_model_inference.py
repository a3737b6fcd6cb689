"""Inference tiers: LiteLLM's verdict, deployment state, who answers."""

from __future__ import annotations

import dataclasses

from tests.unit.factories import cluster, configmap, deployment

from homelab_tui.config import Settings
from homelab_tui.model.health import State
from homelab_tui.model.inference import build_inference
from homelab_tui.model.metrics import AliasHealth, LiteLLMData, TierHealth

S = Settings()
NOW = 1_800_000_000.0
H, U = TierHealth.HEALTHY, TierHealth.UNHEALTHY


def _lab(server=1, r1=0, ollama=1):
    return cluster(deployment("vllm-server", "ml", replicas=server), deployment("vllm-r1", "ml", replicas=r1),
                   deployment("ollama", "ml", replicas=ollama))


def _llm(age=10.0, alive=True, **health):
    return LiteLLMData(alive=alive, ready=alive, health_checked_at=NOW - age,
                       aliases={a.replace("_", "-"): AliasHealth(a.replace("_", "-"), h, "err" if h is U else "")
                                for a, h in health.items()})


def _rows(inf):
    return {r.alias: r for r in inf.rows}


def test_rows_in_chain_order_then_extras():
    inf = build_inference(_lab(), None, S, NOW)
    assert [r.alias for r in inf.rows] == ["vllm-qwen", "ollama-qwen", "openai-gpt4o", "vllm-r1"]
    rows = _rows(inf)
    assert rows["vllm-qwen"].position == 1 and rows["vllm-r1"].position is None and not rows["vllm-r1"].in_chain
    assert rows["openai-gpt4o"].paid and rows["openai-gpt4o"].deployment_text == "hosted"
    assert rows["vllm-qwen"].deployment_text == "1/1" and rows["vllm-qwen"].deployment == "ml/vllm-server"


def test_healthy_chain_answers_with_first_tier():
    inf = build_inference(_lab(), _llm(vllm_qwen=H, ollama_qwen=H, openai_gpt4o=H), S, NOW)
    assert inf.answering == "vllm-qwen" and inf.answering_certain and inf.state is State.OK
    assert _rows(inf)["vllm-qwen"].answering and _rows(inf)["vllm-qwen"].litellm_fresh
    assert _rows(inf)["vllm-qwen"].litellm_age == 10.0


def test_litellm_verdict_wins_when_fresh():
    inf = build_inference(_lab(), _llm(vllm_qwen=U, ollama_qwen=H), S, NOW)
    assert inf.answering == "ollama-qwen"
    assert _rows(inf)["vllm-qwen"].state is State.WARN and "err" in _rows(inf)["vllm-qwen"].reason


def test_stale_verdict_falls_back_to_deployments():
    stale = _llm(age=3 * S.litellm.health_interval, vllm_qwen=U)
    inf = build_inference(_lab(), stale, S, NOW)
    assert inf.answering == "vllm-qwen" and not _rows(inf)["vllm-qwen"].litellm_fresh


def test_gaming_mode_falls_to_ollama_without_failure():
    inf = build_inference(_lab(server=0), _llm(vllm_qwen=H, ollama_qwen=H), S, NOW)  # /health predates the switch
    assert inf.answering == "ollama-qwen" and inf.state is State.OK
    assert _rows(inf)["vllm-qwen"].reason == "scaled to 0" and not _rows(inf)["vllm-qwen"].healthy


def test_paid_tier_answering_is_flagged():
    inf = build_inference(_lab(server=0, ollama=0), _llm(openai_gpt4o=H), S, NOW)
    assert inf.answering == "openai-gpt4o" and inf.paid_answering and inf.state is State.WARN
    assert "paid tier" in inf.reason


def test_unknown_paid_tier_is_a_guess_and_nothing_healthy_fails():
    guess = build_inference(_lab(server=0, ollama=0), None, S, NOW)
    assert guess.answering == "openai-gpt4o" and not guess.answering_certain
    none = build_inference(_lab(server=0, ollama=0), _llm(openai_gpt4o=U), S, NOW)
    assert none.answering is None and none.state is State.FAIL


def test_litellm_not_alive_fails_and_missing_deployment_warns():
    dead = build_inference(_lab(), _llm(alive=False), S, NOW)
    assert dead.state is State.FAIL and "LiteLLM" in dead.reason
    c = cluster(deployment("ollama", "ml"))
    inf = build_inference(c, None, S, NOW)
    assert _rows(inf)["vllm-qwen"].state is State.WARN and "not found" in _rows(inf)["vllm-qwen"].reason
    assert inf.answering == "ollama-qwen"


def test_no_cluster_no_llm():
    inf = build_inference(None, None, S, NOW)
    assert all(r.healthy is None for r in inf.rows)
    assert inf.answering == "vllm-qwen" and not inf.answering_certain


def test_a_rejected_key_is_unknown_and_named():
    llm = LiteLLMData(alive=True, ready=True, aliases={},
                      health_error="key rejected: /model/info: 401: Authentication Error, Invalid proxy server token")
    inf = build_inference(_lab(), llm, S, NOW)
    assert inf.state is State.UNKNOWN and inf.answering == "vllm-qwen"  # the deployments still say who answers
    assert inf.reason == "LiteLLM: key rejected: /model/info: 401: Authentication Error, Invalid proxy server token"
    other = build_inference(_lab(), LiteLLMData(alive=True, ready=True, health_error="/health: timed out"), S, NOW)
    assert other.state is State.OK  # any other /health error: judged by the deployments, as before


def test_unreadable_proxy_answers_none_whatever_older_data_said():
    stale = _llm(vllm_qwen=H, ollama_qwen=H)
    inf = build_inference(_lab(), stale, S, NOW, llm_error="LiteLLM unreachable: connection refused")
    assert inf.answering is None and not inf.answering_certain and not inf.paid_answering
    assert inf.state is State.UNKNOWN and inf.unreadable == "LiteLLM unreachable: connection refused"
    assert inf.reason == "inference: none known to answer: LiteLLM unreachable: connection refused"
    never = build_inference(_lab(), None, S, NOW, llm_error="LiteLLM unreachable: timed out")
    assert never.answering is None and never.state is State.UNKNOWN
    # the proxy answered "not alive": that is known, and a failure
    dead = build_inference(_lab(), _llm(alive=False), S, NOW, llm_error="/health/liveliness: 500: boom")
    assert dead.state is State.FAIL and not dead.unreadable


def _with_config(lab, config: str):
    cm = configmap("litellm-config", "ml", {"config.yaml": config})
    return dataclasses.replace(lab, objects={**lab.objects, "configmaps": (cm,)})


def test_who_answers_follows_litellms_own_fallbacks():
    # gaming mode: vLLM is down, Ollama is healthy; only a LiteLLM that falls back to Ollama answers
    gaming = _lab(server=0)
    llm = _llm(vllm_qwen=U, ollama_qwen=H, openai_gpt4o=H)
    chained = 'router_settings:\n  fallbacks: [{"vllm-qwen": ["ollama-qwen"]}, {"ollama-qwen": ["openai-gpt4o"]}]\n'
    ok = build_inference(_with_config(gaming, chained), llm, S, NOW)
    assert ok.answering == "ollama-qwen" and ok.state is State.OK
    none = build_inference(_with_config(gaming, "router_settings:\n  num_retries: 1\n"), llm, S, NOW)
    assert none.answering is None and none.state is State.FAIL
    assert ("inference", "LiteLLM's fallbacks give vllm-qwen, not vllm-qwen → ollama-qwen → openai-gpt4o "
                         "(ml/litellm-config)") in [(f.subject, f.reason) for f in none.findings]
    skips = build_inference(_with_config(gaming, 'router_settings:\n  fallbacks: [{"vllm-qwen": ["openai-gpt4o"]}]\n'),
                            llm, S, NOW)
    assert skips.answering == "openai-gpt4o" and skips.paid_answering


def test_an_unparseable_litellm_config_falls_back_to_the_configured_chain():
    inf = build_inference(_with_config(_lab(), "router_settings: [unclosed\n"),
                          _llm(vllm_qwen=H, ollama_qwen=H, openai_gpt4o=H), S, NOW)
    assert inf.answering == "vllm-qwen" and inf.state is State.OK and inf.findings == ()


def test_an_unreadable_proxy_makes_every_older_verdict_stale():
    inf = build_inference(_lab(), _llm(vllm_qwen=H, ollama_qwen=H, openai_gpt4o=H), S, NOW,
                          llm_error="LiteLLM unreachable: connection refused")
    assert [r.litellm_fresh for r in inf.rows] == [False] * 4
