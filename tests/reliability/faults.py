"""The faults of issue 6, each as: how to inject it into a DemoLab, how to clear it, what the user must see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from homelab_tui.demo.runner import DemoLab

Step = Callable[[DemoLab], None]


def _set(server: str, **values: object) -> Step:
    def apply(lab: DemoLab) -> None:
        faults = lab.faults[server]
        for name, value in values.items():
            setattr(faults, name, value)
        if "malformed" in values or "status" in values:
            faults.drop_watches_epoch += 1  # open watches reconnect and meet the fault too
    return apply


def _down(server: str, down: bool) -> Step:
    return lambda lab: lab.set_down(server, down)


def _reset(server: str) -> Step:
    def clear(lab: DemoLab) -> None:
        lab.faults[server].reset()
        if server == "kubernetes":
            lab.faults[server].drop_watches_epoch += 1
    return clear


@dataclass(frozen=True)
class Fault:
    id: str
    #: the DashboardState field of the failing source, and its name in the status lines
    field: str
    source: str
    inject: Step
    clear: Step
    #: a fragment of the one-line error the source reports (and the screen shows)
    error: str
    #: inject before the app starts (no last good data to show, unless the fault is partial)
    at_start: bool = False
    #: attempts hang until the source's timeout instead of failing at once (one may be in flight at the clear)
    hangs: bool = False

    @property
    def partial(self) -> bool:
        """A 403 on one resource: everything else is shown, and which resource is not."""
        return "403" in self.id


#: faults after which the source reports an error, keeps its last data, and recovers by itself
FAULTS: tuple[Fault, ...] = (
    Fault("api-down-at-start", "cluster", "kubernetes", _down("kubernetes", True), _down("kubernetes", False),
          "connection refused", at_start=True),
    Fault("api-down-mid-session", "cluster", "kubernetes", _down("kubernetes", True), _down("kubernetes", False),
          "connection refused"),
    Fault("api-500", "cluster", "kubernetes", _set("kubernetes", status=500), _reset("kubernetes"), "500"),
    Fault("api-malformed-json", "cluster", "kubernetes", _set("kubernetes", malformed=True), _reset("kubernetes"),
          "malformed"),
    Fault("api-403-secrets", "cluster", "kubernetes", _set("kubernetes", status=403, status_path="/secrets"),
          _reset("kubernetes"), "secrets: 403"),
    Fault("api-403-secrets-at-start", "cluster", "kubernetes", _set("kubernetes", status=403, status_path="/secrets"),
          _reset("kubernetes"), "secrets: 403", at_start=True),
    Fault("api-403-namespaces", "cluster", "kubernetes",
          _set("kubernetes", status=403, status_path="/api/v1/namespaces"), _reset("kubernetes"),
          "namespaces: 403"),
    Fault("prometheus-down", "metrics", "prometheus", _down("prometheus", True), _down("prometheus", False),
          "connection refused"),
    Fault("prometheus-slow", "metrics", "prometheus", _set("prometheus", latency=3.0), _reset("prometheus"),
          "timed out", hangs=True),
    Fault("prometheus-errors", "metrics", "prometheus", _set("prometheus", status=500), _reset("prometheus"),
          "injected fault: 500"),
    Fault("litellm-down", "llm", "litellm", _down("litellm", True), _down("litellm", False),
          "connection refused"),
    Fault("litellm-500", "llm", "litellm", _set("litellm", status=500), _reset("litellm"), "500"),
    Fault("litellm-401", "llm", "litellm", _set("litellm", status=401), _reset("litellm"), "401"),
)
