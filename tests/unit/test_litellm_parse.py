"""``/health`` endpoints go to the alias of their own deployment, on a real litellm 1.106.0 proxy's
``/model/info`` and ``/health`` answers reshaped into setups the recordings lack: two aliases served by the
same upstream model, and one alias with two deployments."""

from __future__ import annotations

import copy
import json
from typing import Any

from homelab_tui.model.metrics import TierHealth
from homelab_tui.sources.litellm_parse import alias_map, health_from
from tests.integration.test_litellm_recordings import ALIASES, recording

H, U = TierHealth.HEALTHY, TierHealth.UNHEALTHY
QWEN_ERROR = ("Hosted_vllmException - Cannot connect to host 127.0.0.1:18001 "
              "[Connect call failed ('127.0.0.1', 18001)]")


def recorded(what: str, state: str = "vllm_down") -> dict[str, Any]:
    return json.loads(recording(state, what)[2])


def shared_upstream() -> tuple[dict[str, Any], dict[str, Any]]:
    """vllm-r1 served by the same upstream model string as vllm-qwen (another replica, another api_base):
    (/model/info, /health) where vllm-qwen's deployment is down and vllm-r1's is up."""
    info, health = recorded("model_info"), recorded("health")
    qwen, r1 = info["data"][0], info["data"][1]
    assert (qwen["model_name"], r1["model_name"]) == ("vllm-qwen", "vllm-r1")
    shared = qwen["litellm_params"]["model"]
    r1["litellm_params"]["model"] = shared
    for ep in health["healthy_endpoints"]:
        if ep["model_id"] == r1["model_info"]["id"]:
            ep["model"] = shared
    return info, health


def verdicts(info: dict[str, Any], health: dict[str, Any]) -> dict[str, tuple[TierHealth, str]]:
    mapping, aliases = alias_map(info)
    assert aliases == ALIASES
    return {a: (h.health, h.error) for a, h in health_from(health, mapping, aliases).items()}


def test_aliases_sharing_an_upstream_model_get_their_own_verdicts() -> None:
    info, health = shared_upstream()
    assert verdicts(info, health) == {"vllm-qwen": (U, QWEN_ERROR), "vllm-r1": (H, ""),
                                      "ollama-qwen": (H, ""), "openai-gpt4o": (H, "")}


def test_an_endpoint_without_a_deployment_id_goes_to_the_first_alias_of_its_model() -> None:
    """Only the model string to go by: the alias listed first in the config gets it, as LiteLLM routes it."""
    info, health = shared_upstream()
    for part in ("healthy_endpoints", "unhealthy_endpoints"):
        for ep in health[part]:
            ep.pop("model_id")
    result = verdicts(info, health)
    assert result["vllm-qwen"] == (H, "")  # the unhealthy one first, then the healthy one: any deployment up
    assert result["vllm-r1"] == (TierHealth.UNKNOWN, "")


def test_the_first_failing_deployment_of_an_alias_names_the_error() -> None:
    """vllm-qwen with a second deployment, also down for another reason: the first error is the one shown."""
    info, health = recorded("model_info"), recorded("health")
    second = copy.deepcopy(info["data"][0])
    second["model_info"]["id"] = "second-deployment"
    info["data"].insert(1, second)
    other = copy.deepcopy(health["unhealthy_endpoints"][0])
    other.update(model_id="second-deployment", error="litellm.APIConnectionError: Connection reset by peer")
    health["unhealthy_endpoints"].append(other)
    assert verdicts(info, health)["vllm-qwen"] == (U, QWEN_ERROR)
