"""The set of sources one dashboard (or one ``check`` run) reads, built in one place.

The UI receives a :class:`Services` in its constructor (the factory in
``homelab_tui.ui.app.make_app``), so tests pass static or demo-backed sources.
The dashboard's own are :func:`deferred_services`: stand-ins until the app has
painted once and adopted the real ones, built in a worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, Sequence

from homelab_tui.config import Settings
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.metrics import GpuTelemetry, LiteLLMData, MetricsData
from homelab_tui.model.snapshot import Snapshot
from homelab_tui.model.state import DashboardState
from homelab_tui.sources.base import PolledSource, StaticSource


class ClusterSource(Protocol):
    """The Kubernetes side: a watch cache that pushes change notifications."""

    name: str

    def start(self, on_change: Callable[[], None] | None = None) -> None:
        """Start watching in background threads; ``on_change`` is called (from any thread) after changes."""

    def stop(self) -> None: ...

    def current(self) -> Snapshot[ClusterState]: ...

    def list_events(self, namespace: str, involved_name: str | None = None,
                    involved_kind: str | None = None) -> list[dict[str, Any]]:
        """Events of a namespace (optionally of one object: its name, and its kind, since a Certificate and its
        Secret, or a Deployment and its Service, share a name), newest last. Blocking, bounded by the timeout."""

    def list_once(self, keys: Sequence[str], namespace: str) -> dict[str, list[dict[str, Any]] | None]:
        """Objects of unwatched kinds (``sources.resources.ON_DEMAND``) in a namespace, listed once; None for a
        kind the cluster does not serve. Blocking, bounded by the timeout."""


class StaticClusterSource:
    """A cluster source that never changes (tests, screenshots)."""

    name = "kubernetes"

    def __init__(self, snapshot: Snapshot[ClusterState], events: list[dict[str, Any]] | None = None,
                 unwatched: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self._snap = snapshot
        self._events = list(events or [])
        #: objects of unwatched kinds by resource key; a key not given is a kind the cluster does not serve
        self._unwatched = dict(unwatched or {})

    def start(self, on_change: Callable[[], None] | None = None) -> None:
        if on_change is not None:
            on_change()

    def stop(self) -> None:
        pass

    def current(self) -> Snapshot[ClusterState]:
        return self._snap

    def replace(self, snapshot: Snapshot[ClusterState]) -> None:
        """Swap in another snapshot (tests: a cluster that changed)."""
        self._snap = snapshot

    def list_events(self, namespace: str, involved_name: str | None = None,
                    involved_kind: str | None = None) -> list[dict[str, Any]]:
        out = [e for e in self._events if e.get("metadata", {}).get("namespace") == namespace]
        if involved_name:
            out = [e for e in out if e.get("involvedObject", {}).get("name") == involved_name]
        if involved_kind:
            out = [e for e in out if e.get("involvedObject", {}).get("kind") == involved_kind]
        return out

    def list_once(self, keys: Sequence[str], namespace: str) -> dict[str, list[dict[str, Any]] | None]:
        return {key: None if key not in self._unwatched else
                [o for o in self._unwatched[key] if o.get("metadata", {}).get("namespace") == namespace]
                for key in keys}


class PendingClusterSource:
    """Stands in for the Kubernetes source until :func:`deferred_services` has built it, after the first
    paint: loading, with nothing to start or stop. Nothing on screen can ask it for objects yet (no row
    exists), but an action or a drill-down that did would be told to try again."""

    name = "kubernetes"

    def __init__(self) -> None:
        self._snap: Snapshot[ClusterState] = Snapshot(self.name)

    def start(self, on_change: Callable[[], None] | None = None) -> None:
        pass

    def stop(self) -> None:
        pass

    def current(self) -> Snapshot[ClusterState]:
        return self._snap

    def api(self) -> Any:
        raise self._starting()

    def list_events(self, namespace: str, involved_name: str | None = None,
                    involved_kind: str | None = None) -> list[dict[str, Any]]:
        raise self._starting()

    def list_once(self, keys: Sequence[str], namespace: str) -> dict[str, list[dict[str, Any]] | None]:
        raise self._starting()

    @staticmethod
    def _starting() -> Exception:
        from homelab_tui.errors import HomelabError

        return HomelabError("the Kubernetes source is still starting; try again in a moment")


@dataclass
class Services:
    settings: Settings
    kube: ClusterSource
    prometheus: PolledSource[MetricsData]
    litellm: PolledSource[LiteLLMData]
    gpu: PolledSource[GpuTelemetry]
    #: kubeconfig context name shown in the header ("demo" in --demo)
    context: str = ""
    read_only: bool = False
    #: things to close at exit (e.g. a demo lab started in-process)
    closers: list[Callable[[], None]] = field(default_factory=list)
    #: the in-process simulated home-lab (``--demo``), else None
    lab: Any = None
    #: builds the real sources (:func:`deferred_services`): the dashboard calls it in a worker after its first
    #: paint and hands the result to :meth:`adopt`; None once they are in place
    pending: Callable[[], Services] | None = None

    def adopt(self, built: Services) -> None:
        """Take the sources ``pending`` built (on the UI thread, before any of them is started)."""
        self.kube, self.prometheus, self.litellm, self.gpu = built.kube, built.prometheus, built.litellm, built.gpu
        self.context = self.context or built.context
        self.closers.extend(built.closers)
        self.pending = None

    def state(self) -> DashboardState:
        """Everything the sources currently hold (no I/O)."""
        return DashboardState(
            cluster=self.kube.current(),
            metrics=self.prometheus.current(),
            llm=self.litellm.current(),
            gpu=self.gpu.current(),
        )

    def close(self) -> None:
        self.kube.stop()
        for src in (self.prometheus, self.litellm, self.gpu):
            try:
                src.close()
            except Exception:  # noqa: BLE001 - closing must not mask the real exit
                pass
        while self.closers:
            try:
                self.closers.pop()()
            except Exception:  # noqa: BLE001
                pass


def static_services(state: DashboardState, settings: Settings | None = None, *, context: str = "demo",
                    events: list[dict[str, Any]] | None = None, read_only: bool = False,
                    unwatched: dict[str, list[dict[str, Any]]] | None = None) -> Services:
    """Services that always answer ``state`` — for UI tests and screenshots."""
    return Services(
        settings=settings or Settings(),
        kube=StaticClusterSource(state.cluster, events, unwatched),
        prometheus=StaticSource(state.metrics),
        litellm=StaticSource(state.llm),
        gpu=StaticSource(state.gpu),
        context=context,
        read_only=read_only,
    )


def build_services(settings: Settings, *, kubeconfig: str | None = None, context: str | None = None,
                   read_only: bool = False, litellm_key: str | None = None,
                   environ: Mapping[str, str] | None = None) -> Services:
    """The real sources for a cluster. Nothing here blocks: connections happen in workers.

    A LiteLLM key that cannot be read is the LiteLLM source's error (the Inference area UNKNOWN, naming
    the file), not a failure of the whole program: the other areas never use it. The context shown is
    the one asked for, else the kubeconfig's current context, also while the API cannot be read. ``environ``:
    where the key's variable is looked up instead of the process environment (``homelab-tui agent`` took it
    out of its environment at start)."""
    from homelab_tui.config import read_litellm_key
    from homelab_tui.errors import ConfigError
    from homelab_tui.sources.kube import KubeSource
    from homelab_tui.sources.kube_client import KubeTarget
    from homelab_tui.sources.kubeconfig import current_context, read_documents
    from homelab_tui.sources.litellm import LiteLLMSource
    from homelab_tui.sources.nvml import make_gpu_source
    from homelab_tui.sources.prometheus import PrometheusSource

    key, key_error = litellm_key, ""
    if key is None:
        try:
            key = read_litellm_key(settings, environ)
        except ConfigError as exc:
            key_error = str(exc)
    target = KubeTarget(kubeconfig, context)
    if not context:  # a few local files, read once more by the source's worker: no network here
        context = current_context(read_documents([p for p in target.config_paths() if p.is_file()]))
    prometheus = PrometheusSource(settings)
    return Services(
        settings=settings,
        kube=KubeSource(target, settings.kubernetes),
        prometheus=prometheus,
        litellm=LiteLLMSource(settings, key, key_error=key_error),
        gpu=make_gpu_source(settings, prometheus),
        context=context or "",
        read_only=read_only,
    )


def deferred_services(settings: Settings, *, kubeconfig: str | None = None, context: str | None = None,
                      read_only: bool = False) -> Services:
    """Services for the dashboard whose real sources are built after its first paint.

    :func:`build_services` imports the source modules and PyYAML and reads the kubeconfig for the header's
    context name: about 0.04 s that kept the first frame waiting (docs/benchmarks.md). Until the app has
    adopted them, every source shows "loading". Nothing is lost by the wait: build_services reports a
    kubeconfig or key problem in the sources' own errors, never by raising. The LiteLLM key's variable leaves
    the environment here, on the calling thread, as :func:`read_litellm_key` would have taken it out."""
    import os
    from functools import partial

    from homelab_tui.config import LITELLM_KEY_ENV

    environ = dict(os.environ)
    os.environ.pop(LITELLM_KEY_ENV, None)  # no child (a kubeconfig exec plugin) inherits it, from now on

    return Services(
        settings=settings,
        kube=PendingClusterSource(),
        prometheus=StaticSource(Snapshot("prometheus")),
        litellm=StaticSource(Snapshot("litellm")),
        gpu=StaticSource(Snapshot("nvml")),
        context=context or "",
        read_only=read_only,
        pending=partial(build_services, settings, kubeconfig=kubeconfig, context=context, read_only=read_only,
                        environ=environ),
    )


def demo_services(settings: Settings, *, read_only: bool = False, **lab_options: Any) -> Services:
    """Start the simulated home-lab in-process and return sources pointed at it."""
    import dataclasses

    from homelab_tui.demo.runner import DemoLab

    lab = DemoLab(**lab_options).start()
    demo_settings = dataclasses.replace(
        settings,
        prometheus=dataclasses.replace(settings.prometheus, url=lab.prometheus_url),
        litellm=dataclasses.replace(settings.litellm, url=lab.litellm_url, key_file=str(lab.key_file)),
        ollama=dataclasses.replace(settings.ollama, url=lab.ollama_url),
        source=f"demo ({lab.workdir})",
    )
    services = build_services(demo_settings, kubeconfig=str(lab.kubeconfig_path), read_only=read_only,
                              litellm_key=lab.litellm_key)
    services.context = "homelab-demo"
    services.closers.append(lab.stop)
    services.lab = lab
    return services
