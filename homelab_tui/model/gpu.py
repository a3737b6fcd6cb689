"""The GPU mode derived from the cluster, the GPU node and the pods holding ``nvidia.com/gpu``.

Modes come from ``settings.gpu.modes`` (default: ``ml`` → vllm-server, ``r1`` →
vllm-r1, ``gaming`` → none). A mode is *current* when its deployment is the only
GPU deployment up and ready. Two up at once is a ``conflict`` (FAIL: ML and R1
are mutually exclusive on the 12 GB card); a deployment whose ready count
differs from its desired count is a ``transition`` (WARN), and so is a switch whose record is still on
the deployments (:mod:`homelab_tui.model.gpu_switch`): a switch stopped halfway — the process killed, the
API gone mid-way — can leave every deployment at 0, which is not the free mode nobody chose.
"""

from __future__ import annotations

from dataclasses import dataclass

from homelab_tui.config import Settings
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.gpu_switch import pending_in
from homelab_tui.model.health import Finding, State, worst
from homelab_tui.model.nodes import GPU_RESOURCE, find_node
from homelab_tui.model.objects import find, gpu_request, name_of, namespace_of, spec_of
from homelab_tui.model.workloads import is_terminating, pod_node, pod_phase, workload_counts

TRANSITION = "transition"
CONFLICT = "conflict"
UNKNOWN_MODE = "unknown"


@dataclass(frozen=True)
class GpuDeployment:
    mode: str
    namespace: str
    name: str
    exists: bool
    desired: int
    ready: int

    @property
    def up(self) -> bool:
        return self.desired > 0 or self.ready > 0

    @property
    def text(self) -> str:
        return f"{self.name} {self.ready}/{self.desired}" if self.exists else f"{self.name} missing"


@dataclass(frozen=True)
class GpuPod:
    namespace: str
    name: str
    node: str
    gpus: int
    phase: str
    #: whether the pod belongs to one of the GPU-mode deployments
    expected: bool


@dataclass(frozen=True)
class GpuStatus:
    #: a mode name from settings, or "transition", "conflict", "unknown"
    mode: str
    state: State
    reason: str
    deployments: tuple[GpuDeployment, ...]
    node: str
    #: None when the node is missing or reports no Ready condition
    node_ready: bool | None
    gpu_allocatable: int
    pods: tuple[GpuPod, ...]
    findings: tuple[Finding, ...] = ()
    #: the node is cordoned (spec.unschedulable): a vLLM pod started now would stay Pending
    node_cordoned: bool = False


def _deployments(cluster: ClusterState, settings: Settings) -> tuple[GpuDeployment, ...]:
    out = []
    ns = settings.gpu.namespace
    for mode in settings.gpu.modes:
        if not mode.deployment:
            continue
        obj = find(cluster, "deployments", ns, mode.deployment)
        ready, desired = workload_counts(obj, "Deployment") if obj is not None else (0, 0)
        out.append(GpuDeployment(mode.name, ns, mode.deployment, obj is not None, desired, ready))
    return tuple(out)


def gpu_pods(cluster: ClusterState, settings: Settings) -> tuple[GpuPod, ...]:
    """Pods (not finished) that request ``nvidia.com/gpu`` (worked out once per cluster state)."""
    ns = settings.gpu.namespace
    deployments = tuple(settings.gpu.gpu_deployments)
    return cluster.memo(("gpu_pods", ns, deployments), lambda: _gpu_pods(cluster, ns, deployments))


def _gpu_pods(cluster: ClusterState, ns: str, deployments: tuple[str, ...]) -> tuple[GpuPod, ...]:
    out = []
    for p in cluster.get("pods"):
        gpus = gpu_request(spec_of(p), GPU_RESOURCE)
        if not gpus or pod_phase(p) in ("Succeeded", "Failed"):
            continue
        name = name_of(p)
        expected = namespace_of(p) == ns and any(name.startswith(d + "-") for d in deployments)
        out.append(GpuPod(namespace_of(p), name, pod_node(p), gpus,
                          "Terminating" if is_terminating(p) else pod_phase(p), expected))
    return tuple(out)


def derive_gpu_mode(cluster: ClusterState, settings: Settings, now: float) -> GpuStatus:
    deps = _deployments(cluster, settings)
    node = find_node(cluster, settings.gpu.node, now)
    pods = gpu_pods(cluster, settings)
    findings: list[Finding] = []
    up = [d for d in deps if d.up]
    moving = [d for d in deps if d.exists and d.ready != d.desired]
    free_mode = next((m.name for m in settings.gpu.modes if not m.deployment), "")
    pending = pending_in(cluster, settings.gpu)
    if pending is not None:
        now_text = ", ".join(d.text for d in deps if d.exists) or "no GPU-mode deployment"
        findings.append(Finding(State.WARN, "GPU mode", f"{pending.describe()} (now {now_text})"))
    if len(up) > 1:
        mode = CONFLICT
        findings.append(Finding(State.FAIL, "GPU mode", "both " + " and ".join(d.name for d in up)
                                + " are up: they are mutually exclusive (12 GB VRAM)"))
    elif pending is not None:
        mode = TRANSITION
    elif moving:
        mode = TRANSITION
        findings.append(Finding(State.WARN, "GPU mode", "switching: " + ", ".join(d.text for d in moving)))
    elif up:
        mode = up[0].mode
    elif deps and not any(d.exists for d in deps):
        mode = UNKNOWN_MODE
        findings.append(Finding(State.UNKNOWN, "GPU mode", "no GPU-mode deployment found in namespace "
                                + settings.gpu.namespace))
    else:
        mode = free_mode or UNKNOWN_MODE
    findings += [Finding(State.WARN, f"Deployment {d.namespace}/{d.name}", "not found")
                 for d in deps if not d.exists and mode != UNKNOWN_MODE]
    if node is None:
        findings.append(Finding(State.WARN, f"Node {settings.gpu.node}", "GPU node not found"))
    elif node.ready is not True:
        findings.append(Finding(State.FAIL, f"Node {settings.gpu.node}", "GPU node not Ready"))
    findings += [Finding(State.WARN, f"Pod {p.namespace}/{p.name}", "holds nvidia.com/gpu outside the GPU modes")
                 for p in pods if not p.expected and p.phase in ("Running", "Pending")]
    findings.sort(key=lambda f: -f.state.rank)
    state = worst(f.state for f in findings)
    reason = findings[0].reason if findings else _ok_reason(mode, deps)
    return GpuStatus(mode=mode, state=state, reason=reason, deployments=deps, node=settings.gpu.node,
                     node_ready=None if node is None else node.ready,
                     gpu_allocatable=0 if node is None else node.gpu_allocatable, pods=pods,
                     findings=tuple(findings), node_cordoned=node is not None and node.unschedulable)


def _ok_reason(mode: str, deps: tuple[GpuDeployment, ...]) -> str:
    running = [d for d in deps if d.up]
    if running:
        return f"mode {mode} ({running[0].text})"
    return f"mode {mode} (GPU free)"
