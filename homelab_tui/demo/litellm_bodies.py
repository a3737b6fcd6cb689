"""The simulated LiteLLM proxy's model list and answer bodies, shaped like litellm 1.106.0's.

The home-lab's proxy config: four aliases, fallbacks ``vllm-qwen -> ollama-qwen -> openai-gpt4o``.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from typing import Any

LITELLM_VERSION = "1.106.0"
REQUEST_TIMEOUT = 5


@dataclass(frozen=True)
class SimModel:
    alias: str
    model: str  # LiteLLM's provider/model string
    api_base: str
    provider: str  # litellm_provider
    exception: str  # how LiteLLM names this provider's exceptions
    error_class: str  # LiteLLM's exception class when the upstream cannot be reached
    paid: bool = False

    @property
    def model_id(self) -> str:
        return hashlib.sha256(f"homelab-demo/{self.alias}/{self.model}".encode()).hexdigest()

    @property
    def upstream_name(self) -> str:
        return self.model.split("/", 1)[1]


MODELS: tuple[SimModel, ...] = (
    SimModel("vllm-qwen", "hosted_vllm/Qwen/Qwen3-8B-AWQ", "http://vllm-server.ml.svc.cluster.local:8000/v1",
             "hosted_vllm", "Hosted_vllmException", "InternalServerError"),
    SimModel("vllm-r1", "hosted_vllm/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
             "http://vllm-r1.ml.svc.cluster.local:8000/v1", "hosted_vllm", "Hosted_vllmException",
             "InternalServerError"),
    SimModel("ollama-qwen", "ollama_chat/qwen3:4b", "http://ollama.ml.svc.cluster.local:11434", "ollama_chat",
             "Ollama_chatException", "APIConnectionError"),
    SimModel("openai-gpt4o", "openai/gpt-4o", "https://api.openai.com/v1", "openai", "OpenAIException",
             "InternalServerError", paid=True),
)
BY_ALIAS = {m.alias: m for m in MODELS}
FALLBACKS: dict[str, tuple[str, ...]] = {"vllm-qwen": ("ollama-qwen",), "ollama-qwen": ("openai-gpt4o",)}

_OPENAI_PARAMS = ["frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "max_tokens",
                  "max_completion_tokens", "modalities", "prediction", "n", "presence_penalty", "seed", "stop",
                  "stream", "stream_options", "temperature", "top_p", "tools", "tool_choice", "function_call",
                  "functions", "max_retries", "extra_headers", "parallel_tool_calls", "audio", "web_search_options",
                  "service_tier", "safety_identifier", "prompt_cache_key", "prompt_cache_retention", "store",
                  "response_format", "reasoning_effort"]


def error_body(message: str, type_: str, code: int, param: Any = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": str(code)}}


NO_KEY = error_body("Authentication Error, No api key passed in.", "auth_error", 401, "None")
NO_DB = error_body("No connected db.", "no_db_connection", 400)


def connect_error(m: SimModel, host_ip: str) -> str:
    """The one-line error LiteLLM reports when an upstream refuses the connection."""
    host, _, port = m.api_base.split("://", 1)[1].split("/", 1)[0].partition(":")
    port = port or ("443" if m.api_base.startswith("https") else "80")
    prefix = f"litellm.{m.error_class}: "
    if m.error_class == "InternalServerError":
        prefix += f"{m.error_class}: "
    return (f"{prefix}{m.exception} - Cannot connect to host {host}:{port} ssl:default "
            f"[Connect call failed ('{host_ip}', {port})]")


def _traceback(port: str) -> str:
    return ("Traceback (most recent call last):\n"
            '  File "/usr/lib/python3.13/site-packages/aiohttp/connector.py", line 1322, '
            "in _wrap_create_connection\n    sock = await aiohappyeyeballs.start_connection(\n"
            '  File "/usr/lib/python3.13/site-packages/aiohappyeyeballs/impl.py", line 124, in start_connection\n'
            "    raise first_exception\n"
            f"ConnectionRefusedError: [Errno 111] Connect call failed ('10.43.0.1', {port})\n\n"
            "The above exception was the direct cause of the following exception:\n\nTraceback")


def health_body(states: dict[str, tuple[bool, str]]) -> dict[str, Any]:
    """``/health``: ``states`` maps alias -> (healthy, upstream IP used in the error)."""
    healthy, unhealthy = [], []
    for m in MODELS:
        ok, ip = states[m.alias]
        if ok:
            healthy.append({"api_base": m.api_base, "model": m.model, "model_id": m.model_id})
            continue
        port = m.api_base.split("://", 1)[1].split("/", 1)[0].partition(":")[2] or "443"
        unhealthy.append({
            "api_base": m.api_base, "model": m.model,
            "error": f"{connect_error(m, ip)}\nstack trace: {_traceback(port)}",
            "raw_request_typed_dict": {
                "raw_request_api_base": f"{m.api_base}/chat/completions",
                "raw_request_body": {"model": m.upstream_name,
                                     "messages": [{"role": "user", "content": "What's 1 + 1?"}], "max_tokens": 16},
                "raw_request_headers": {"Authorization": "Be****ne", "Content-Type": "application/json"},
                "error": None},
            "model_id": m.model_id, "exception_status": 500})
    return {"healthy_endpoints": healthy, "unhealthy_endpoints": unhealthy,
            "healthy_count": len(healthy), "unhealthy_count": len(unhealthy)}


def models_body() -> dict[str, Any]:
    data: list[dict[str, Any]] = []
    for m in MODELS:
        entry: dict[str, Any] = {"id": m.alias, "object": "model", "created": 1677610602, "owned_by": "openai"}
        if m.paid:
            entry.update(mode="chat", max_input_tokens=128000, max_output_tokens=16384)
        data.append(entry)
    return {"data": data, "object": "list"}


def model_info_body() -> dict[str, Any]:
    data = []
    for m in MODELS:
        params = {"api_base": m.api_base, "allow_client_keepalive_override": False, "use_in_pass_through": False,
                  "use_litellm_proxy": False, "use_xai_oauth": False, "merge_reasoning_content_in_choices": False,
                  "model": m.model}
        info: dict[str, Any] = {"id": m.model_id, "db_model": False, "member_auto_router": False,
                                "pricing_overrides": []}
        if m.provider == "hosted_vllm":
            info.update(key=m.model, max_tokens=None, max_input_tokens=None, max_output_tokens=None,
                        input_cost_per_token=None, output_cost_per_token=None, litellm_provider=m.provider,
                        mode=None, supported_openai_params=_OPENAI_PARAMS + ["thinking"])
        elif m.paid:
            info.update(key="gpt-4o", max_tokens=16384, max_input_tokens=128000, max_output_tokens=16384,
                        input_cost_per_token=2.5e-06, output_cost_per_token=1e-05, litellm_provider=m.provider,
                        mode="chat", supports_function_calling=True, supports_vision=True,
                        supported_openai_params=list(_OPENAI_PARAMS))
        data.append({"model_name": m.alias, "litellm_params": params, "model_info": info})
    return {"data": data}


def chat_body(requested: str, answered: SimModel, max_tokens: int) -> dict[str, Any]:
    words = f"hello from {answered.upstream_name}".split()
    n = max(1, min(max_tokens, len(words)))
    # hosted_vllm answers carry the alias and provider_specific_fields; other providers their own model name
    model = requested if answered.provider == "hosted_vllm" else (
        "gpt-4o-2024-08-06" if answered.paid else answered.model)
    choice: dict[str, Any] = {"finish_reason": "stop" if n == len(words) else "length", "index": 0,
                              "message": {"content": " ".join(words[:n]), "role": "assistant"}}
    if answered.provider == "hosted_vllm":
        choice["provider_specific_fields"] = {}
    return {"id": f"chatcmpl-{uuid.uuid4()}", "created": int(time.time()), "model": model,
            "object": "chat.completion", "choices": [choice],
            "usage": {"completion_tokens": n, "prompt_tokens": 3, "total_tokens": n + 3}}


def chat_headers(answered: SimModel, fallbacks: int, duration_ms: float) -> dict[str, str]:
    return {
        "x-litellm-call-id": str(uuid.uuid4()),
        "x-litellm-model-id": answered.model_id,
        "x-litellm-model-name": answered.model,
        "x-litellm-model-api-base": answered.api_base,
        "x-litellm-version": LITELLM_VERSION,
        "x-litellm-key-spend": "0.0",
        "x-litellm-response-duration-ms": f"{duration_ms:.3f}",
        "x-litellm-overhead-duration-ms": f"{duration_ms * 0.1:.4f}",
        "x-litellm-callback-duration-ms": "0.0",
        "x-litellm-model-group": answered.alias,
        "x-litellm-attempted-retries": "0",
        "x-litellm-attempted-fallbacks": str(fallbacks),
    }


def chat_failure(requested: str, tried: list[tuple[SimModel, str]]) -> tuple[dict[str, Any], dict[str, str]]:
    """The 500 answer when the requested group and its fallbacks all failed."""
    first, first_ip = tried[0]
    message = (f"{connect_error(first, first_ip)}\n\nLiteLLM: model group '{requested}' failed with the error above.")
    for m, ip in tried[1:2]:
        message += f" Fallback to {m.alias} also failed: {connect_error(m, ip)}"
    headers = {"x-litellm-call-id": str(uuid.uuid4()), "x-litellm-response-cost": "0",
               "x-litellm-key-spend": "0.0", "x-litellm-timeout": str(REQUEST_TIMEOUT)}
    return error_body(message, "internal_server_error", 500), headers
