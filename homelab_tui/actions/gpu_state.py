"""Pure parts of the GPU-mode switch: the steps a switch takes and its checks before it starts.

The durable switch record is :class:`homelab_tui.model.gpu_switch.PendingSwitch`. A dashboard that starts
while one is present shows a half-done switch and offers to finish it (switch to ``to`` again) or roll it
back (switch to ``from`` with the replica counts remembered in the record).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from homelab_tui.config import Backend, GpuSettings, Settings
from homelab_tui.model.gpu import CONFLICT, GpuStatus
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
    """The mode whose deployment is scaled up (even while not yet ready); "conflict" when several are, '' when
    none is and the mode cannot be told (a switch in transition, no GPU deployment)."""
    up = [d for d in status.deployments if d.exists and d.desired > 0]
    if len(up) == 1:
        return up[0].mode
    if up:
        return CONFLICT
    return status.mode if status.mode not in ("transition", "conflict", "unknown") else ""


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
    target = next((d for d in status.deployments if mode is not None and d.name == mode.deployment), None)
    starts_a_pod = target is None or not (target.desired > 0 and target.ready >= target.desired)
    if status.node_cordoned and mode is not None and mode.deployment and starts_a_pod:
        problems.append(f"GPU node {gpu.node} is cordoned (SchedulingDisabled): the {mode.deployment} pod would stay "
                        f"Pending — uncordon it first (c on the Nodes screen, or kubectl uncordon {gpu.node})")
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


def fallback_deployments(settings: Settings, status: GpuStatus, to_mode: str) -> tuple[Backend, ...]:
    """The tiers after the primary alias (``inference.chain[0]``) whose deployments the plan reads: none unless
    the switch to ``to_mode`` stops the deployment serving the primary alias (up now), so that it falls back."""
    inference, gpu = settings.inference, settings.gpu
    if not inference.chain:
        return ()
    primary, mode = inference.backend(inference.chain[0]), gpu.mode(to_mode)
    if primary.namespace != gpu.namespace or (mode is not None and mode.deployment == primary.deployment) \
            or not any(d.name == primary.deployment and d.up for d in status.deployments):
        return ()
    return tuple(inference.backend(alias) for alias in inference.chain[1:])


def fallback_warning(settings: Settings, status: GpuStatus, to_mode: str,
                     tiers: Mapping[str, tuple[bool, str]]) -> str | None:
    """A warning when the requests for the primary alias, which ``to_mode`` stops, skip a fallback that is down.

    ``tiers`` maps "namespace/deployment" of each tier of :func:`fallback_deployments` to (up, what it is:
    "0/1 ready", "missing"). A tier served outside the cluster (no deployment: OpenAI) is always tried.
    """
    backends = fallback_deployments(settings, status, to_mode)
    if not backends:
        return None
    gpu, primary = settings.gpu, settings.inference.backend(settings.inference.chain[0])
    mode = gpu.mode(to_mode)
    down: list[str] = []
    taker: Backend | None = None  # the first tier that answers: outside the cluster, or a deployment that is up
    for tier in backends:
        where = f"{tier.namespace}/{tier.deployment}"
        if not tier.deployment:
            up, text = True, ""
        elif tier.namespace == gpu.namespace and tier.deployment in gpu.gpu_deployments:
            up, text = mode is not None and mode.deployment == tier.deployment, f"stopped by GPU mode {to_mode}"
        else:
            up, text = tiers.get(where, (False, "not read"))
        if up:
            taker = tier
            break
        down.append(f"{tier.alias} ({where} {text})")
    if not down:
        return None
    stops = f"GPU mode {to_mode} stops {primary.namespace}/{primary.deployment} and the fallback " \
            f"{', '.join(down)} {'is' if len(down) == 1 else 'are'} not up"
    if taker is None:
        return f"{stops}: requests to {primary.alias} will fail (no tier of inference.chain is up)"
    return f"{stops}: requests to {primary.alias} will go to {taker.alias}{' (paid)' if taker.paid else ''}"
