"""The set of sources one dashboard (or one ``check`` run) reads, built in one place.

The UI receives a :class:`Services` in its constructor (the factory in
``homelab_tui.ui.app.make_app``), so tests pass static or demo-backed sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

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

    def list_events(self, namespace: str, involved_name: str | None = None) -> list[dict[str, Any]]:
        """Events of a namespace (optionally of one object), newest last. Blocking, bounded by the timeout."""


class StaticClusterSource:
    """A cluster source that never changes (tests, screenshots)."""

    name = "kubernetes"

    def __init__(self, snapshot: Snapshot[ClusterState], events: list[dict[str, Any]] | None = None) -> None:
        self._snap = snapshot
        self._events = list(events or [])

    def start(self, on_change: Callable[[], None] | None = None) -> None:
        if on_change is not None:
            on_change()

    def stop(self) -> None:
        pass

    def current(self) -> Snapshot[ClusterState]:
        return self._snap

    def list_events(self, namespace: str, involved_name: str | None = None) -> list[dict[str, Any]]:
        out = [e for e in self._events if e.get("metadata", {}).get("namespace") == namespace]
        if involved_name:
            out = [e for e in out if e.get("involvedObject", {}).get("name") == involved_name]
        return out


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
                    events: list[dict[str, Any]] | None = None, read_only: bool = False) -> Services:
    """Services that always answer ``state`` — for UI tests and screenshots."""
    return Services(
        settings=settings or Settings(),
        kube=StaticClusterSource(state.cluster, events),
        prometheus=StaticSource(state.metrics),
        litellm=StaticSource(state.llm),
        gpu=StaticSource(state.gpu),
        context=context,
        read_only=read_only,
    )
