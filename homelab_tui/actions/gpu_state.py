"""Pure parts of the GPU-mode switch: the steps a switch takes and its checks before it starts.

The durable switch record is :class:`homelab_tui.model.gpu_switch.PendingSwitch`. A dashboard that starts
while one is present shows a half-done switch and offers to finish it (switch to ``to`` again) or roll it
back (switch to ``from`` with the replica counts remembered in the record).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from homelab_tui.config import GpuSettings
from homelab_tui.model.gpu import GpuStatus
from homelab_tui.model.gpu_switch import PendingSwitch

@dataclass(frozen=True)
class SwitchSteps:
    """What a switch to ``to_mode`` does, in order: scale ``down`` to 0 (and wait), then ``up``."""

    from_mode: str
    to_mode: str
    #: deployments scaled to 0 first, with their current replicas
    down: tuple[tuple[str, int], ...]
    #: (deployment, current replicas, wanted replicas), or None for a mode that frees the GPU
    up: tuple[str, int, int] | None
    #: spec.replicas of every existing GPU deployment now
    replicas: Mapping[str, int]

    @property
    def changes_anything(self) -> bool:
        return bool(self.down) or (self.up is not None and self.up[1] != self.up[2])


def current_mode(status: GpuStatus) -> str:
    """The mode whose deployment is scaled up (even while not yet ready); '' when none or several are."""
    up = [d for d in status.deployments if d.exists and d.desired > 0]
    if len(up) == 1:
        return up[0].mode
    return "" if up else status.mode if status.mode not in ("transition", "conflict", "unknown") else ""


def switch_steps(gpu: GpuSettings, status: GpuStatus, to_mode: str, pending: PendingSwitch | None,
                 pods: Mapping[str, int]) -> SwitchSteps:
    """The steps from the current state to ``to_mode``.

    ``pods`` counts the pods (terminating ones too) of each GPU deployment: a deployment at 0 replicas
    whose pods are still stopping is waited for as well. Finishing a pending switch uses the count it
    recorded; rolling one back uses the count remembered from before it.
    """
    mode = gpu.mode(to_mode)
    if mode is None:
        raise ValueError(to_mode)
    replicas = {d.name: d.desired for d in status.deployments if d.exists}
    down = tuple((d.name, d.desired) for d in status.deployments
                 if d.exists and d.name != mode.deployment and (d.desired > 0 or pods.get(d.name, 0) > 0))
    up = None
    if mode.deployment:
        want = mode.replicas
        if pending is not None and pending.to_mode == to_mode:
            want = pending.target.get(mode.deployment) or want
        elif pending is not None and pending.from_mode == to_mode:
            want = pending.replicas.get(mode.deployment) or want
        up = (mode.deployment, replicas.get(mode.deployment, 0), max(1, want))
    from_mode = current_mode(status)
    if pending is not None and not from_mode:
        from_mode = pending.from_mode if pending.to_mode == to_mode else pending.to_mode
    return SwitchSteps(from_mode, to_mode, down, up, replicas)


def preflight_problems(gpu: GpuSettings, status: GpuStatus, to_mode: str) -> tuple[list[str], list[str]]:
    """(problems that refuse the switch, warnings) — GPU node Ready, target exists, no foreign GPU pod."""
    problems: list[str] = []
    warnings: list[str] = []
    mode = gpu.mode(to_mode)
    needs_gpu = bool(mode and mode.deployment)
    if status.node_ready is not True:
        text = f"GPU node {gpu.node} is {'not found' if status.node_ready is None else 'not Ready'}"
        (problems if needs_gpu else warnings).append(text)
    if mode is not None and mode.deployment:
        dep = next((d for d in status.deployments if d.name == mode.deployment), None)
        if dep is None or not dep.exists:
            problems.append(f"deployment {gpu.namespace}/{mode.deployment} of mode {to_mode} does not exist")
    foreign = [p for p in status.pods if not p.expected and p.phase in ("Running", "Pending", "Terminating")
               and (p.node in ("", gpu.node))]
    if foreign and needs_gpu:
        names = ", ".join(f"{p.namespace}/{p.name}" for p in foreign[:3])
        problems.append(f"another pod holds nvidia.com/gpu on {gpu.node}: {names}")
    for d in status.deployments:
        if not d.exists and (mode is None or d.name != mode.deployment):
            warnings.append(f"deployment {gpu.namespace}/{d.name} (mode {d.mode}) does not exist")
    if len([d for d in status.deployments if d.exists and d.desired > 0]) > 1:
        warnings.append("conflicting state: more than one vLLM deployment is up; the others are scaled down first")
    return problems, warnings
