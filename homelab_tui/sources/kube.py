"""The Kubernetes watch cache: list once, then watch; screens read snapshots.

One background thread per watched resource runs the informer loop:

1. list (records ``metadata.resourceVersion``),
2. watch from that version with bookmarks and a server-side timeout,
3. when the stream ends, resume the watch from the last version seen,
4. on 410 Gone (an ERROR event inside a 200 stream, or a 410 answer) re-list,
5. on failure, retry with exponential backoff (capped), keeping the last good data.

A quiet watch carries no bytes for minutes: a liveness thread asks ``GET /version`` every ``liveness_interval``
seconds, and no answer makes the source fail ("API not answering", dated from when the server last answered).
In the steady state the API server sees only long-lived watch requests and that probe, no lists.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Any, Callable, Collection, Sequence

from homelab_tui.config import KubernetesSettings
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.memo import VersionMemos
from homelab_tui.model.snapshot import Snapshot
from homelab_tui.sources.kube_client import KubeApi, KubeError, KubeTarget, load_kube_api
from homelab_tui.sources.kube_reads import read_events, read_on_demand
from homelab_tui.sources.kube_state import (Gone, Liveness, ResourceCache, error_text, no_answer_text, obj_key,
                                            parse_event, shutdown_socket, summarise)
from homelab_tui.sources.resources import WATCHED, ResourceSpec

#: seconds between two checks whether an absent optional resource (a CRD not installed, such as
#: traefik.containo.us) appeared: one 404 per absent resource, not a steady stream of requests
ABSENT_RECHECK = 300.0
#: seconds between two liveness probes (GET /version, each waiting liveness_timeout, default kubernetes.timeout)
LIVENESS_INTERVAL = 30.0


class KubeSource:
    """Watch cache over the resources in :data:`homelab_tui.sources.resources.WATCHED`."""

    name = "kubernetes"

    def __init__(self, target: KubeTarget, settings: KubernetesSettings | None = None, *,
                 resources: tuple[ResourceSpec, ...] = WATCHED, clock: Callable[[], float] = time.time,
                 api: KubeApi | None = None, min_backoff: float = 0.5, liveness_interval: float = LIVENESS_INTERVAL,
                 liveness_timeout: float | None = None) -> None:
        self.target = target
        self.settings = settings or KubernetesSettings()
        self.list_timeout = max(self.settings.timeout, 30.0)  # a large cluster's pods list takes long (ADR-002)
        self.clock = clock
        self._api = api
        self._api_error: str | None = None
        self._lock = threading.RLock()
        self._api_lock = threading.Lock()
        self._caches = {spec.key: ResourceCache(spec) for spec in resources}
        self._revision = 0
        self._state: ClusterState | None = None
        self._versions = VersionMemos()  # facts per object version, kept across this cache's states
        self._stop = threading.Event()
        self._live = Liveness(liveness_interval, liveness_timeout or self.settings.timeout)
        self._threads: list[threading.Thread] = []
        self._open: dict[str, list] = {}
        self._on_change: Callable[[], None] | None = None
        self._changed = threading.Event()
        self._started_at: float | None = None
        self.min_backoff = min_backoff

    # ------------------------------------------------------------------ lifecycle

    def start(self, on_change: Callable[[], None] | None = None) -> None:
        """Start the watch threads. ``on_change`` is called from a background thread, coalesced."""
        if self._threads:
            return
        self._on_change = on_change
        self._started_at = self.clock()
        self._threads = [threading.Thread(target=self._run, args=(key,), name=f"watch-{key}", daemon=True)
                         for key in self._caches]
        self._threads += [threading.Thread(target=self._notify_loop, name="watch-notify", daemon=True),
                          threading.Thread(target=self._liveness_loop, name="watch-liveness", daemon=True)]
        for t in self._threads:
            t.start()

    def read_once(self, keys: Collection[str] | None = None, workers: int = 8, wait: float | None = None) -> None:
        """List ``keys`` (default: every watched resource) once, concurrently, and keep no watch open.

        For ``check``: one look at the cluster, not a cache that follows it. The other resources are
        dropped from this source, so that :meth:`current` judges completeness by the ones read. Blocks
        until every list answered or failed, or ``wait`` seconds passed (the lists run in daemon threads,
        which never hold up an exit, and wait at most ``wait`` for an answer); errors are recorded as the
        watches record them, and a list still unanswered at the end reads "API not answering"."""
        with self._lock:
            if keys is not None:
                self._caches = {k: c for k, c in self._caches.items() if k in keys}
            todo: queue.SimpleQueue[ResourceCache] = queue.SimpleQueue()
            for cache in self._caches.values():
                todo.put(cache)
        self._started_at = self.clock()
        deadline = None if wait is None else time.monotonic() + wait
        timeout = self.list_timeout if wait is None else max(min(self.list_timeout, wait), 0.1)  # 0: a 0.1 s try
        try:
            api = self._get_api()
        except KubeError:
            return  # recorded as the api error

        def work() -> None:
            while True:
                try:
                    cache = todo.get_nowait()
                except queue.Empty:
                    return
                self._read_one(api, cache, timeout)

        threads = [threading.Thread(target=work, name="kube-list", daemon=True)
                   for _ in range(min(workers, todo.qsize()))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        with self._lock:
            for cache in self._caches.values():
                if not (cache.synced or cache.absent or cache.error):
                    self._set_error(cache, f"API not answering: no answer within {timeout:g} s")

    def _read_one(self, api: KubeApi, cache: ResourceCache, timeout: float) -> None:
        try:
            self._list(api, cache, timeout)
        except KubeError as exc:
            if exc.status == 404 and cache.spec.optional:
                with self._lock:
                    cache.absent = True
                    self._set_ok(cache)
                    self._mark_changed()
            else:
                self._set_error(cache, no_answer_text(exc, timeout))
        except Exception as exc:  # noqa: BLE001 - one unreadable resource must not hide the others
            self._set_error(cache, f"{type(exc).__name__}: {exc}")

    def stop(self) -> None:
        self._stop.set()
        self._live.halt.set()
        self._changed.set()
        self.drop_watches()
        deadline = time.monotonic() + 1.0  # daemon threads: never hold up an exit for long
        for t in self._threads:
            t.join(timeout=max(0.0, deadline - time.monotonic()))
        self._threads = []

    def drop_watches(self) -> None:
        """Close every open watch stream (they resume from their last resourceVersion)."""
        with self._lock:
            for holders in self._open.values():
                for resp in holders:
                    shutdown_socket(resp)

    def api(self) -> KubeApi:
        """The loaded client (loads the kubeconfig on first use; blocking). Raises KubeError.

        Loading (the kubernetes client's import, the kubeconfig, exec plugins) takes its own lock:
        holding the cache lock here made :meth:`current` on the UI thread wait for it.
        """
        with self._api_lock:
            if self._api is None:
                api = load_kube_api(self.target, self.settings.timeout)
                with self._lock:
                    self._api = api
            return self._api

    # ------------------------------------------------------------------ reading

    def current(self) -> Snapshot[ClusterState]:
        now = self.clock()
        with self._lock:
            caches = list(self._caches.values())
            if self._state is None or self._state.revision != self._revision:
                self._state = ClusterState(
                    objects={c.spec.key: c.view() for c in caches if not c.absent},
                    errors={} if self._live.silent else {c.spec.key: c.error for c in caches if c.error},
                    absent=frozenset(c.spec.key for c in caches if c.absent),
                    synced=frozenset(c.spec.key for c in caches if c.synced),
                    context=self._api.context if self._api else (self.target.context or ""),
                    server=self._api.server if self._api else "",
                    revision=self._revision,
                    versions=self._versions,
                )
            state = self._state
            api_error = self._api_error
            silent, silent_since = self._live.silent, self._live.silent_since
            required = [c for c in caches if not c.spec.optional]
            failing = [c for c in required if c.error]
            synced_any = any(c.synced for c in caches)
            last_oks = [c.last_ok for c in failing if c.last_ok is not None]
            error_since = min((c.error_since for c in failing if c.error_since), default=None)
        if api_error:
            return Snapshot(self.name, data=state if synced_any else None,
                            fetched_at=min(last_oks) if last_oks else None, error=api_error,
                            error_since=error_since or self._started_at, attempted_at=now)
        if silent:  # data as of the server's last answer, naming no resource's error: every screen shows this
            oks = [c.last_ok for c in required if c.synced and c.last_ok is not None]
            return Snapshot(self.name, data=state if synced_any else None, error=silent, error_since=silent_since,
                            fetched_at=min([*oks, silent_since or now]) if synced_any else None, attempted_at=now)
        if not failing and not all(c.synced for c in required):
            return Snapshot(self.name, attempted_at=now)  # still loading: partial lists are not "the cluster"
        error = summarise(failing, len(required))
        if failing:
            # resources that never loaded (e.g. 403 on secrets) leave the others' data shown, as of their last read
            synced_oks = [c.last_ok for c in caches if c.synced and c.last_ok is not None]
            fetched = min(last_oks) if last_oks else min(synced_oks, default=None)
            return Snapshot(self.name, data=state if synced_any else None, fetched_at=fetched, error=error,
                            error_since=error_since, attempted_at=now)
        return Snapshot(self.name, data=state, fetched_at=now, attempted_at=now)

    def list_events(self, namespace: str, involved_name: str | None = None,
                    involved_kind: str | None = None) -> list[dict[str, Any]]:
        """Events of a namespace, or of one object, oldest first. Give the kind with the name: a Certificate,
        its Secret and a Deployment and its Service often share one name, and the API server filters by both."""
        return read_events(self.api(), namespace, involved_name, involved_kind)

    def list_once(self, keys: Sequence[str], namespace: str) -> dict[str, list[dict[str, Any]] | None]:
        """Objects of kinds the dashboard does not watch (``ON_DEMAND``) in ``namespace``, listed once: None for
        a kind the server does not serve (404: its CRD is not installed); any other failure raises KubeError."""
        return read_on_demand(self.api(), keys, namespace)

    # ------------------------------------------------------------------ internals

    def _mark_changed(self) -> None:
        self._revision += 1
        self._changed.set()

    def _notify_loop(self) -> None:
        while not self._stop.is_set():
            self._changed.wait()
            if self._stop.is_set():
                return
            time.sleep(0.05)  # coalesce bursts of events into one notification
            self._changed.clear()
            if self._on_change is not None:
                try:
                    self._on_change()
                except Exception:  # noqa: BLE001 - a UI callback must not kill the cache
                    pass

    def _set_error(self, cache: ResourceCache, error: str) -> None:
        with self._lock:
            if cache.error != error:
                if cache.error is None:
                    cache.error_since = self.clock()
                cache.error = error
                self._mark_changed()

    def _set_ok(self, cache: ResourceCache) -> None:
        cache.last_ok = self.clock()
        if self._live.answered(cache.last_ok):
            self._mark_changed()
        if cache.error is not None:
            cache.error = None
            cache.error_since = None
            self._mark_changed()

    def _liveness_loop(self) -> None:
        """Any answer to the probe, an error status too, means the server is alive: the open watches' data is
        current as of then. No answer makes the source fail and drops the watches (they resume, or re-list)."""
        live = self._live
        while not live.halt.wait(live.interval):
            if self._api is None:
                continue  # not loaded yet, or a kubeconfig error (the api error says so)
            try:
                self._api.get("/version", timeout=live.timeout)
            except KubeError as exc:
                if exc.status == 0:
                    with self._lock:
                        if live.lost(no_answer_text(exc, live.timeout), self._started_at or self.clock()):
                            self._mark_changed()
                    self.drop_watches()
                    continue
            with self._lock:
                if live.answered(self.clock()):
                    self._mark_changed()
                for key, holder in self._open.items():
                    if holder and self._caches[key].error is None:
                        self._caches[key].last_ok = live.heard

    def _run(self, key: str) -> None:
        cache = self._caches[key]
        spec = cache.spec
        backoff = self.min_backoff
        rv: str | None = None
        while not self._stop.is_set():
            try:
                api = self._get_api()
                if rv is None:
                    rv = self._list(api, cache, self.list_timeout)
                    backoff = self.min_backoff
                opened = time.monotonic()
                rv = self._watch(api, cache, rv)
                if time.monotonic() - opened < 1.0:
                    self._stop.wait(self.min_backoff)  # a server that cuts watches at once must not make us spin
                backoff = self.min_backoff
                continue
            except Gone:
                rv = None
                if time.monotonic() - opened < 1.0:
                    self._stop.wait(self.min_backoff)  # nor may one that answers every watch with 410 at once
                continue
            except KubeError as exc:
                if exc.status == 404 and spec.optional:
                    with self._lock:
                        if not cache.absent:
                            cache.absent = True
                            cache.items.clear()
                            cache.sorted = ()
                            self._mark_changed()
                        self._set_ok(cache)
                    rv = None
                    self._stop.wait(ABSENT_RECHECK)
                    continue
                if exc.status == 410:
                    rv = None
                    self._stop.wait(self.min_backoff)
                    continue
                if exc.status == 0 and exc.reason in ("NoKubeconfig", "BadKubeconfig"):
                    return  # recorded as the api error; nothing to retry until restart
                self._set_error(cache, error_text(exc))
            except Exception as exc:  # noqa: BLE001 - keep the watch alive whatever happens
                self._set_error(cache, f"{type(exc).__name__}: {exc}")
            self._stop.wait(backoff)
            backoff = min(backoff * 2, self.settings.max_backoff)

    def _get_api(self) -> KubeApi:
        try:
            return self.api()
        except KubeError as exc:
            with self._lock:
                if self._api_error != exc.message:
                    self._api_error = exc.message
                    self._mark_changed()
            raise

    def _list(self, api: KubeApi, cache: ResourceCache, timeout: float) -> str:
        data = api.get(cache.spec.path(), timeout=timeout)
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            raise KubeError(200, "BadResponse", f"a {cache.spec.plural} list that is not a List")
        items = {}
        for obj in data["items"]:
            if isinstance(obj, dict):
                obj.setdefault("apiVersion", cache.spec.api_version)
                obj.setdefault("kind", cache.spec.kind)
                items[obj_key(obj)] = obj
        with self._lock:
            cache.items = items
            cache.sorted = None
            cache.synced = True
            cache.absent = False
            self._set_ok(cache)
            self._mark_changed()
        return str((data.get("metadata") or {}).get("resourceVersion") or "")

    def _watch(self, api: KubeApi, cache: ResourceCache, rv: str) -> str:
        timeout = int(self.settings.watch_timeout)
        query = [("watch", "true"), ("allowWatchBookmarks", "true"), ("timeoutSeconds", timeout)]
        if rv:
            query.append(("resourceVersion", rv))
        holder: list = []
        with self._lock:
            self._open[cache.spec.key] = holder
        try:
            for line in api.stream_lines(cache.spec.path(), query, read_timeout=timeout + 15, holder=holder,
                                         on_open=lambda: self._watch_opened(cache)):
                if self._stop.is_set():
                    break
                rv = self._apply(cache, line, rv)
        finally:
            with self._lock:
                self._open.pop(cache.spec.key, None)
        return rv

    def _watch_opened(self, cache: ResourceCache) -> None:
        """The API server accepted the watch: the resource is readable again (no need to wait for an event)."""
        with self._lock:
            self._set_ok(cache)

    def _apply(self, cache: ResourceCache, line: bytes, rv: str) -> str:
        etype, obj = parse_event(line)
        new_rv = str((obj.get("metadata") or {}).get("resourceVersion") or rv)
        with self._lock:
            if etype == "BOOKMARK":
                self._set_ok(cache)
                return new_rv
            obj.setdefault("apiVersion", cache.spec.api_version)
            obj.setdefault("kind", cache.spec.kind)
            if etype in ("ADDED", "MODIFIED"):
                cache.items[obj_key(obj)] = obj
            elif etype == "DELETED":
                cache.items.pop(obj_key(obj), None)
            cache.sorted = None
            self._set_ok(cache)
            self._mark_changed()
        return new_rv
