"""Ollama's loaded models (``GET /api/ps``), read beside LiteLLM when ``ollama.url`` is configured.

The CPU tier of the home-lab (qwen3:4b on k3s-worker-02): knowing whether the model is loaded tells
whether a fallback from vLLM answers at once or first spends seconds loading it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any


from homelab_tui.config import Settings
from homelab_tui.model.metrics import OllamaModel
from homelab_tui.sources.base import SourceError
from homelab_tui.sources.http import describe_transport_error, make_client

if TYPE_CHECKING:
    import httpx


def parse_ps(body: Any) -> tuple[OllamaModel, ...]:
    """Parse an ``/api/ps`` answer; ValueError when it is not one."""
    if not isinstance(body, dict) or not isinstance(body.get("models"), list):
        raise ValueError("Ollama /api/ps: answer has no 'models' list")
    out = []
    for m in body["models"]:
        if not isinstance(m, dict) or not (m.get("name") or m.get("model")):
            continue
        out.append(OllamaModel(
            name=str(m.get("name") or m.get("model")),
            size_bytes=_number(m.get("size")),
            vram_bytes=_number(m.get("size_vram")),
            expires_at=str(m.get("expires_at") or ""),
        ))
    return tuple(out)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


class OllamaClient:
    """Reads ``/api/ps`` with the configured timeout. Not a polled source of its own: LiteLLM's refresh calls it."""

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        self.url = settings.ollama.url.rstrip("/")
        self._client = client or make_client(self.url, timeout=settings.ollama.timeout, where="ollama.url")

    def loaded_models(self) -> tuple[OllamaModel, ...]:
        import httpx

        try:
            resp = self._client.get("/api/ps")
        except httpx.HTTPError as exc:
            raise SourceError(describe_transport_error(exc, "Ollama")) from None
        if resp.status_code != 200:
            raise SourceError(f"Ollama /api/ps: HTTP {resp.status_code}")
        try:
            return parse_ps(resp.json())
        except ValueError as exc:
            raise SourceError(str(exc) if "api/ps" in str(exc) else "Ollama /api/ps: malformed JSON") from None

    def close(self) -> None:
        self._client.close()
