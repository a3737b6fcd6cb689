"""The LiteLLM source: proxy liveliness/readiness every refresh, per-alias health rarely, probes on demand.

* ``/health/liveliness`` and ``/health/readiness`` are cheap and need no key: every refresh.
* ``/health`` makes a real call to every model, the paid OpenAI one too: only when
  ``litellm.health_interval`` has passed since the last attempt, or on ``refresh(full=True)``.
  It answers with LiteLLM's upstream model strings and deployment ids, which ``/model/info``
  maps back to aliases.
* :meth:`LiteLLMSource.probe` sends ONE ``max_tokens=1`` chat and reports which model group
  answered (``x-litellm-model-group``), how many fallbacks were tried and the latency. It may
  reach the paid tier: the UI says so before calling it.
* :meth:`LiteLLMSource.read_once` is ``homelab-tui check``'s single read: no ``/health`` unless asked
  (``--full-health``); a saved result younger than ``health_interval`` is reused instead, and the key is
  checked with ``/model/info``, which calls no model.

A keyed call answered 401/403 (or LiteLLM's 400 "only the master key works without a database") gives a
``health_error`` starting with :data:`~homelab_tui.model.inference.KEY_REJECTED`. A 401/403 on the
keyless ``/health/liveliness`` means the proxy cannot be read at all: a source failure, not "not alive".

A read whose answers cannot be trusted is a failed read (the snapshot's error; the inference verdict is
UNKNOWN): a liveliness answer that is not JSON, a ``/model/info`` (which calls no model) that fails for any
reason but the key, and a key that could not be read (``key_error``: the key file is missing, say) or is
not one line of printable ASCII. The cheap keyless calls are still made, so the screens keep what they say.

The key (from :func:`homelab_tui.config.read_litellm_key`) is sent only as a Bearer header to
the calls that need it; it never appears in an error, a log line or a repr.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, Callable, NamedTuple


from homelab_tui.config import Settings
from homelab_tui.model.inference import KEY_REJECTED
from homelab_tui.model.metrics import AliasHealth, LiteLLMData, OllamaModel, ProbeResult, TierHealth
from homelab_tui.model.snapshot import Snapshot, one_line
from homelab_tui.sources import litellm_parse as parse
from homelab_tui.sources.base import SnapshotKeeper, SourceError
from homelab_tui.sources.http import client_for, describe_transport_error
from homelab_tui.sources.litellm_cache import HealthCache
from homelab_tui.sources.ollama import OllamaClient

if TYPE_CHECKING:
    import httpx

NO_KEY = "no LiteLLM key: set HOMELAB_TUI_LITELLM_KEY or litellm.key_file"
#: why a key that was read is not used (never the key itself)
BAD_KEY = "the LiteLLM key is not one line of printable ASCII; check HOMELAB_TUI_LITELLM_KEY or litellm.key_file"
#: /health waits for every upstream; give it longer than the cheap calls
HEALTH_TIMEOUT = 30.0
PROBE_TIMEOUT = 30.0


class _Health(NamedTuple):
    """What a full /health (or the cache, or the last one) says: verdicts, when, the error, the aliases,
    and why this read failed although the proxy answered (``failure``: "" when it did not)."""

    aliases: dict[str, AliasHealth]
    checked_at: float | None
    error: str
    models: tuple[str, ...]
    failure: str = ""


def _kept(previous: LiteLLMData, error: str | None = None, failure: str = "") -> _Health:
    return _Health(previous.aliases, previous.health_checked_at,
                   previous.health_error if error is None else error, previous.models, failure)


class _Secret:
    """Holds the key; prints as ``<redacted>`` wherever it ends up."""

    __slots__ = ("_value",)

    def __init__(self, value: str | None) -> None:
        self._value = value or ""

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "<redacted>" if self._value else "<none>"

    __str__ = __repr__

    def reveal(self) -> str:
        return self._value


class LiteLLMSource:
    """``PolledSource[LiteLLMData]`` for one LiteLLM proxy."""

    def __init__(self, settings: Settings, key: str | None, *, key_error: str = "",
                 clock: Callable[[], float] = time.time, client: httpx.Client | None = None) -> None:
        """``key_error``: why the key could not be read (one line naming the file, never the key); every
        read then fails with it, after the keyless calls."""
        self.name = "litellm"
        self.interval = settings.litellm.interval
        self._settings = settings
        if key and not (key.isascii() and key.isprintable()):
            key, key_error = None, key_error or BAD_KEY  # httpx would refuse the header, quoting the key
        self._key = _Secret(key)
        self._key_error = one_line(key_error)
        self._clock = clock
        self._client = client or client_for(settings.litellm, "litellm")
        self._keeper: SnapshotKeeper[LiteLLMData] = SnapshotKeeper(self.name, clock)
        self._lock = threading.Lock()
        self._last_health_attempt: float | None = None
        #: numbers the /health attempts in the order they start (a poll's due one, ``h``, ``check``)
        self._health_attempts = 0
        #: the attempt whose verdicts the snapshot holds; writes of the snapshot take ``_write_lock``
        self._health_shown = 0
        self._write_lock = threading.Lock()
        self._ollama = OllamaClient(settings) if settings.ollama.url else None

    def __repr__(self) -> str:
        return f"LiteLLMSource({self._settings.litellm.url!r}, key={self._key!r})"

    # ------------------------------------------------------------------ HTTP helpers

    def _secrets(self) -> tuple[str, ...]:
        return (self._key.reveal(),) if self._key else ()

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key.reveal()}"} if self._key else {}

    def _request(self, method: str, path: str, *, auth: bool = False, timeout: float | None = None,
                 json: Any = None) -> httpx.Response:
        import httpx  # imported on first use (the UI paints before any request)

        try:
            return self._client.request(method, path, headers=self._auth() if auth else None, json=json,
                                        timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT)
        except httpx.HTTPError as exc:
            raise SourceError(parse.scrub(describe_transport_error(exc, "LiteLLM"), self._secrets())) from None

    def _json(self, path: str, *, auth: bool = False, timeout: float | None = None) -> Any:
        """GET ``path``; the JSON body of a 2xx answer, else SourceError with LiteLLM's message."""
        resp = self._request("GET", path, auth=auth, timeout=timeout)
        body = _body(resp)
        if resp.status_code >= 300:
            message = f"{path}: {parse.error_message(resp.status_code, body, self._secrets())}"
            if auth and (resp.status_code in (401, 403) or "rejects this key" in message):
                message = f"{KEY_REJECTED}: {message}"
            raise SourceError(message)
        if body is None:
            raise SourceError(f"{path}: HTTP {resp.status_code}, answer is not JSON")
        return body

    # ------------------------------------------------------------------ PolledSource

    def refresh(self, full: bool = False) -> Snapshot[LiteLLMData]:
        """Liveliness and readiness; the full ``/health`` too when due or when ``full``."""
        attempt = self._health_due(full)
        return self._read(self._full_health if attempt else _kept, attempt)

    def read_once(self, cache: HealthCache, *, full: bool = False) -> Snapshot[LiteLLMData]:
        """``check``'s one read: liveliness, readiness and the key (``/model/info``, which calls no model).

        The per-alias verdicts come from a saved full ``/health`` younger than ``health_interval``; only
        ``full`` calls ``/health`` itself (every model, the paid one too), and saves what it got.
        """
        def health(previous: LiteLLMData) -> _Health:
            if full:
                result = self._full_health(previous)
                if not result.error and result.checked_at is not None:
                    cache.save(self._settings.litellm.url, result.checked_at, result.aliases, result.models)
                return result
            return self._cached_health(cache, previous)
        return self._read(health, self._next_attempt())

    def _read(self, health: Callable[[LiteLLMData], _Health], attempt: int) -> Snapshot[LiteLLMData]:
        """One read; ``attempt``: the number of the /health attempt that ``health`` makes, 0 when it only
        keeps the verdicts. Reads overlap (the 10 s poll and ``h``) and none waits for another: the verdicts
        written are the newest attempt's, so a poll that started before an ``h`` and ends after it never
        puts the older verdicts back."""
        previous = self._keeper.current().data or LiteLLMData(aliases=self._unknown_aliases())
        try:
            alive, ready, readiness, live_error = self._cheap()
        except SourceError as exc:
            with self._write_lock:
                return self._keeper.failure(exc)
        result = health(previous)
        ollama_models, ollama_error = self._ollama_models(previous)
        with self._write_lock:
            shown = self._keeper.current().data
            if attempt > self._health_shown or shown is None:
                self._health_shown = max(attempt, self._health_shown)
            else:  # a newer attempt's verdicts (or its error) are shown: keep them
                result = _kept(shown, failure=result.failure)
            aliases, checked_at, health_error, models, failure = result
            snap = self._keeper.success(LiteLLMData(
                alive=alive, ready=ready, readiness=readiness, aliases=aliases, health_checked_at=checked_at,
                health_error=health_error, models=models, ollama_models=ollama_models, ollama_error=ollama_error))
            # the proxy answered, but not "alive", or not in a way to trust: the data is kept, the error named
            failure = live_error or failure
            return self._keeper.failure(failure) if failure else snap

    def forget(self) -> None:
        """Drop what earlier reads left (see :meth:`SnapshotKeeper.forget`)."""
        self._keeper.forget()

    def current(self) -> Snapshot[LiteLLMData]:
        return self._keeper.current()

    def close(self) -> None:
        self._client.close()
        if self._ollama is not None:
            self._ollama.close()

    def _ollama_models(self, previous: LiteLLMData) -> tuple[tuple[OllamaModel, ...] | None, str]:
        """Ollama's loaded models when configured; on failure the last known list and the error."""
        if self._ollama is None:
            return None, ""
        try:
            return self._ollama.loaded_models(), ""
        except SourceError as exc:
            return previous.ollama_models, str(exc)

    # ------------------------------------------------------------------ on demand

    def models(self) -> tuple[str, ...]:
        """The aliases LiteLLM serves (``/v1/models``). Raises SourceError."""
        try:
            return parse.models_from(self._json("/v1/models", auth=True))
        except ValueError as exc:
            raise SourceError(str(exc)) from None

    def probe(self, alias: str = "vllm-qwen", timeout: float = PROBE_TIMEOUT) -> ProbeResult:
        """One ``max_tokens=1`` chat to ``alias``; never raises (status 0 = no answer)."""
        payload = {"model": alias, "messages": [{"role": "user", "content": "ping"}], "max_tokens": 1}
        started = time.perf_counter()
        try:
            resp = self._request("POST", "/v1/chat/completions", auth=True, timeout=timeout, json=payload)
        except SourceError as exc:
            return ProbeResult(alias, 0, error=str(exc))
        latency = (time.perf_counter() - started) * 1000.0
        group = resp.headers.get("x-litellm-model-group", "")
        try:
            fallbacks = int(resp.headers.get("x-litellm-attempted-fallbacks", "0") or 0)
        except ValueError:
            fallbacks = 0
        error = ""
        if resp.status_code >= 300:
            error = parse.error_message(resp.status_code, _body(resp), self._secrets())
        return ProbeResult(alias, resp.status_code, group, fallbacks, latency, error)

    # ------------------------------------------------------------------ internals

    def _cheap(self) -> tuple[bool, bool, dict, str]:
        """(alive, ready, readiness body, the liveliness error or "")."""
        live = self._request("GET", "/health/liveliness")
        live_body = _body(live)
        live_error = "" if live.status_code == 200 else (
            "/health/liveliness: " + parse.error_message(live.status_code, live_body, self._secrets()))
        if live.status_code in (401, 403):  # refused to us, not dead: nothing about the proxy is known
            raise SourceError(live_error)
        if live.status_code == 200 and live_body is None:  # garbage: whatever answers is not a LiteLLM to trust
            raise SourceError("/health/liveliness: HTTP 200, answer is not JSON")
        ready = self._request("GET", "/health/readiness")
        body = _body(ready)
        if ready.status_code == 200 and isinstance(body, dict):
            # flat values only ("status", "db", "litellm_version", ...), scrubbed like every text we keep
            readiness = {k: parse.scrub(v, self._secrets()) if isinstance(v, str) else v for k, v in body.items()
                         if v is None or isinstance(v, (str, int, float, bool))}
        else:
            readiness = {"status": "unhealthy",
                         "error": "HTTP 200, answer is not a JSON object" if ready.status_code == 200 else
                         parse.error_message(ready.status_code, body, self._secrets())}
        is_ready = ready.status_code == 200 and readiness.get("status") == "healthy"
        return live.status_code == 200, is_ready, readiness, live_error

    def _health_due(self, full: bool) -> int:
        """The number of the /health attempt to make now (when due or ``full``), else 0."""
        with self._lock:
            now = self._clock()
            last = self._last_health_attempt
            if full or last is None or now - last >= self._settings.litellm.health_interval:
                self._last_health_attempt = now
                self._health_attempts += 1
                return self._health_attempts
            return 0

    def _next_attempt(self) -> int:
        with self._lock:
            self._health_attempts += 1
            return self._health_attempts

    def _unknown_aliases(self) -> dict[str, AliasHealth]:
        inf = self._settings.inference
        return {a: AliasHealth(a, TierHealth.UNKNOWN) for a in dict.fromkeys(inf.chain + inf.extra)}

    def _full_health(self, previous: LiteLLMData) -> _Health:
        info = self._model_info(previous)
        if isinstance(info, _Health):
            return info
        mapping, aliases = info
        try:
            configured = tuple(self._unknown_aliases())
            ordered = tuple(dict.fromkeys(configured + aliases))
            body = self._json("/health", auth=True, timeout=max(HEALTH_TIMEOUT, self._settings.litellm.timeout))
            health = parse.health_from(body, mapping, ordered, self._secrets())
        except SourceError as exc:
            return _kept(previous, one_line(str(exc)))
        except ValueError as exc:
            return _kept(previous, one_line(f"unexpected answer: {parse.scrub(str(exc), self._secrets())}"))
        return _Health(health, self._clock(), "", aliases)

    def _cached_health(self, cache: HealthCache, previous: LiteLLMData) -> _Health:
        """The saved verdicts when young enough, after checking the key with ``/model/info``."""
        info = self._model_info(previous)
        if isinstance(info, _Health):
            return info
        _, aliases = info
        settings = self._settings.litellm
        saved = cache.load(settings.url, self._clock(), settings.health_interval)
        if saved is None:
            return _Health(previous.aliases, previous.health_checked_at, "", aliases)
        return _Health({**previous.aliases, **saved.aliases}, saved.checked_at, "", aliases)

    def _model_info(self, previous: LiteLLMData) -> tuple[dict[str, str], tuple[str, ...]] | _Health:
        """({upstream model or deployment id -> alias}, aliases) from ``/model/info``, which calls no model;
        or, when it cannot be had, the previous verdicts with why: a key that is missing or refused is a
        ``health_error``; a key that could not be read, or an answer that failed otherwise, fails the read too."""
        if self._key_error:
            return _kept(previous, failure=self._key_error)
        if not self._key:
            return _kept(previous, NO_KEY)
        try:
            return parse.alias_map(self._json("/model/info", auth=True))
        except SourceError as exc:
            message = one_line(str(exc))
        except ValueError as exc:
            message = one_line(f"unexpected answer: {parse.scrub(str(exc), self._secrets())}")
        # the verdicts could not be had either way; only a refused key leaves the proxy's answers trusted
        return _kept(previous, message, failure="" if message.startswith(KEY_REJECTED) else message)


def _body(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None
