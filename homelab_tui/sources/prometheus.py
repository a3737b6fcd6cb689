"""The Prometheus source: PVC volume stats, DCGM GPU telemetry and vLLM load in one refresh.

Why httpx and not prometheus-api-client's ``PrometheusConnect``: the latter is built on
requests and mounts a retry adapter (3 retries, 1 s backoff on 5xx) by default, so one
refresh could take several times the configured timeout; its errors embed the raw
response body; it has no CA-bundle option other than replacing its session; and it
drops ``resultType``, which the parser checks. httpx gives the same TLS handling
(``homelab_tui.sources.http``) and exact timeouts as the LiteLLM source, with no second
HTTP stack.

One refresh sends the few queries of :data:`homelab_tui.sources.promql.ALL_QUERIES`
in parallel, each bounded by ``prometheus.timeout``. When some fail, the others'
data is used, the failed parts keep their previous values, and the snapshot carries
the error ("2 of 7 queries failed: ...").
"""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any, Callable


from homelab_tui.config import Settings
from homelab_tui.model.metrics import MetricsData
from homelab_tui.model.snapshot import Snapshot, one_line
from homelab_tui.sources import prom_parse as parse
from homelab_tui.sources import promql as q
from homelab_tui.sources.base import SnapshotKeeper, SourceError
from homelab_tui.sources.http import client_for, describe_transport_error

if TYPE_CHECKING:
    import httpx


class PrometheusSource:
    """``PolledSource[MetricsData]`` over the Prometheus HTTP API.

    ``clock`` (epoch seconds) is the evaluation time sent with every query; when None,
    instant queries are evaluated at the server's "now" and the history ends at ``time.time()``.
    """

    def __init__(self, settings: Settings, *, clock: Callable[[], float] | None = None,
                 client: httpx.Client | None = None) -> None:
        self.name = "prometheus"
        self.interval = settings.prometheus.interval
        self._settings = settings
        self._clock = clock
        self._client = client or client_for(settings.prometheus, "prometheus")
        self._keeper: SnapshotKeeper[MetricsData] = SnapshotKeeper(self.name, clock or time.time)
        self._pool = ThreadPoolExecutor(max_workers=len(q.ALL_QUERIES), thread_name_prefix="prometheus-query")

    def __repr__(self) -> str:
        return f"PrometheusSource({self._settings.prometheus.url!r})"

    # ------------------------------------------------------------------ one query

    def query(self, query: q.Query, at: float | None = None) -> dict[str, Any]:
        """Evaluate one query; returns the answer's ``data`` member. Raises :class:`SourceError` (one line)."""
        import httpx

        params: dict[str, str] = {"query": query.text}
        if query.kind == "range":
            params.update(q.range_params(at if at is not None else time.time()))
            path = "/api/v1/query_range"
        else:
            if at is not None:
                params["time"] = f"{at:.3f}"
            path = "/api/v1/query"
        try:
            resp = self._client.get(path, params=params)
        except httpx.HTTPError as exc:
            raise SourceError(describe_transport_error(exc, "Prometheus")) from None
        try:
            body = resp.json()
        except ValueError:
            raise SourceError(f"{query.name}: HTTP {resp.status_code}, answer is not JSON") from None
        if not isinstance(body, dict):
            raise SourceError(f"{query.name}: HTTP {resp.status_code}, unexpected answer")
        if resp.status_code != 200 or body.get("status") != "success":
            kind = body.get("errorType") or f"HTTP {resp.status_code}"
            raise SourceError(one_line(f"{query.name}: {kind}: {body.get('error') or 'no error message'}"))
        data = body.get("data")
        if not isinstance(data, dict):
            raise SourceError(f"{query.name}: answer has no data")
        return data

    # ------------------------------------------------------------------ PolledSource

    def forget(self) -> None:
        """Drop what earlier reads left (see :meth:`SnapshotKeeper.forget`)."""
        self._keeper.forget()

    def refresh(self, history: bool = True) -> Snapshot[MetricsData]:
        """Run every query; without ``history`` only the instant ones (``check`` draws no sparkline)."""
        at = self._clock() if self._clock is not None else None
        queries = q.ALL_QUERIES if history else tuple(x for x in q.ALL_QUERIES if x.kind == "instant")
        results, errors = self._run_all(at, queries)
        if not results:
            return self._keeper.failure(self._summary(errors, len(queries)))
        previous = self._keeper.current().data or MetricsData()
        try:
            data = self._build(results, previous)
        except (SourceError, KeyError, TypeError, ValueError) as exc:
            return self._keeper.failure(f"unexpected answer from Prometheus: {exc}")
        snap = self._keeper.success(data)
        if errors:
            snap = self._keeper.failure(self._summary(errors, len(queries)))
        return snap

    def current(self) -> Snapshot[MetricsData]:
        return self._keeper.current()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._client.close()

    # ------------------------------------------------------------------ internals

    def _run_all(self, at: float | None, queries: tuple[q.Query, ...] = q.ALL_QUERIES,
                 ) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
        futures = {self._pool.submit(self.query, query, at): query for query in queries}
        # every request is bounded by the client timeout; the extra second only guards the pool itself
        done, _ = wait(futures, timeout=self._settings.prometheus.timeout + 1.0)
        results: dict[str, dict[str, Any]] = {}
        errors: dict[str, str] = {}
        for fut, query in futures.items():
            if fut not in done:
                fut.cancel()
                errors[query.name] = f"{query.name}: timed out"
                continue
            try:
                results[query.name] = fut.result()
            except SourceError as exc:
                errors[query.name] = str(exc)
        return results, errors

    @staticmethod
    def _summary(errors: dict[str, str], asked: int = len(q.ALL_QUERIES)) -> str:
        messages = list(dict.fromkeys(errors.values()))
        if len(errors) == asked and len(messages) == 1:
            return messages[0]
        return f"{len(errors)} of {asked} queries failed: {messages[0]}"

    def _build(self, results: dict[str, dict[str, Any]], previous: MetricsData) -> MetricsData:
        volumes = previous.volumes
        if q.VOLUME_USED.name in results and q.VOLUME_CAPACITY.name in results:
            growth = results.get(q.VOLUME_GROWTH.name)
            volumes = parse.volumes(parse.vector(results[q.VOLUME_USED.name]),
                                    parse.vector(results[q.VOLUME_CAPACITY.name]),
                                    parse.vector(growth) if growth is not None else None)
        gpu = previous.gpu
        if q.GPU_NOW.name in results:
            util = results.get(q.GPU_UTIL_HISTORY.name)
            vram = results.get(q.GPU_VRAM_HISTORY.name)
            gpu = parse.gpu(parse.vector(results[q.GPU_NOW.name]),
                            parse.matrix(util) if util is not None else None,
                            parse.matrix(vram) if vram is not None else None,
                            self._settings.gpu.node)
            if gpu is not None and previous.gpu is not None:
                # a failed history query keeps the sparkline it had
                if util is None:
                    gpu = dataclasses.replace(gpu, utilization_history=previous.gpu.utilization_history)
                if vram is None:
                    gpu = dataclasses.replace(gpu, vram_history=previous.gpu.vram_history)
        vllm = parse.vllm(parse.vector(results[q.VLLM_NOW.name])) if q.VLLM_NOW.name in results else previous.vllm
        return MetricsData(volumes=volumes, gpu=gpu, vllm=vllm)
