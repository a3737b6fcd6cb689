"""The GPU switch record (annotation :data:`ANNOTATION` on every GPU-mode deployment), as data.

A switch writes it before its first change and removes it once the switch is verified (see
``homelab_tui/actions/gpu_mode.py``). While it is there the switch is not finished: the GPU verdict says so
(a half-done switch is never a healthy mode), and the dashboard offers to finish it or roll it back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from homelab_tui.config import GpuSettings
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.objects import annotations_of, find

ANNOTATION = "homelab-tui/gpu-mode-switch"


@dataclass(frozen=True)
class PendingSwitch:
    """A switch that was started and not (yet) verified and cleared."""

    from_mode: str
    to_mode: str
    started: str
    user: str = ""
    #: spec.replicas of every GPU deployment before the switch (what a rollback restores)
    replicas: Mapping[str, int] = field(default_factory=dict)
    #: replicas the switch scales its target deployment to (what finishing it restores)
    target: Mapping[str, int] = field(default_factory=dict)
    #: unique per run of a switch: tells two switches apart even when they go the same way
    token: str = ""
    #: for a rollback: the switch it undoes ({"from", "to", "started"}); its from_mode and replicas are that
    #: switch's, so a rollback that fails too still restores what was there before the first switch
    rollback_of: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        data = {"from": self.from_mode, "to": self.to_mode, "started": self.started, "user": self.user,
                "replicas": dict(self.replicas), "target": dict(self.target), "token": self.token}
        if self.rollback_of:
            data["rollback_of"] = dict(self.rollback_of)
        return json.dumps(data, sort_keys=True)

    @staticmethod
    def from_json(text: str) -> "PendingSwitch | None":
        """Parse a record; None for anything malformed (a hand-edited annotation must not crash us)."""
        try:
            data = json.loads(text)
        except (TypeError, ValueError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("to"), str):
            return None

        def counts(value: Any) -> dict[str, int]:
            if not isinstance(value, dict):
                return {}
            return {str(k): v for k, v in value.items() if isinstance(v, int) and not isinstance(v, bool) and v >= 0}

        undone = data.get("rollback_of")
        rollback_of = {k: str(undone.get(k) or "") for k in ("from", "to", "started")} \
            if isinstance(undone, dict) and isinstance(undone.get("to"), str) else {}
        return PendingSwitch(from_mode=str(data.get("from") or ""), to_mode=data["to"],
                             started=str(data.get("started") or ""), user=str(data.get("user") or ""),
                             replicas=counts(data.get("replicas")), target=counts(data.get("target")),
                             token=str(data.get("token") or ""), rollback_of=rollback_of)

    @property
    def title(self) -> str:
        """"switch ml → r1", or for a rollback "rollback to ml of the switch ml → r1 of <when it started>"."""
        if self.rollback_of:
            undone = self.rollback_of
            return (f"rollback to {self.to_mode} of the switch {undone.get('from') or '?'} → {undone.get('to')} "
                    f"of {undone.get('started') or '?'}")
        return f"switch {self.from_mode or '?'} → {self.to_mode}"

    def describe(self) -> str:
        who = f" by {self.user}" if self.user else ""
        if self.rollback_of:
            return f"a GPU {self.title}, started {self.started}{who}, is not finished"
        return f"a GPU {self.title} started {self.started}{who} is not finished"


def pending_in(cluster: ClusterState, gpu: GpuSettings) -> PendingSwitch | None:
    """The half-done switch as the watch cache sees it (no I/O: for the GPU screen's render)."""
    deployments = [find(cluster, "deployments", gpu.namespace, name) for name in gpu.gpu_deployments]
    return pending_from_annotations([annotations_of(d) for d in deployments if d is not None])


def pending_from_annotations(annotations: list[Mapping[str, Any]]) -> PendingSwitch | None:
    """The newest valid record among the deployments' annotations."""
    records = [PendingSwitch.from_json(str(a.get(ANNOTATION))) for a in annotations if a.get(ANNOTATION)]
    valid = [r for r in records if r is not None]
    return max(valid, key=lambda r: r.started) if valid else None
