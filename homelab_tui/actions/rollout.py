"""Rollout restart exactly as ``kubectl rollout restart`` sends it, followed like ``kubectl rollout status``."""

from __future__ import annotations

import datetime as dt
import math
import threading
from typing import Any, Mapping

from homelab_tui.actions.base import (Action, ActionContext, ActionError, Outcome, Plan, Progress, RefusedError,
                                      Target)
from homelab_tui.actions.kube_ops import (STRATEGIC_MERGE_PATCH, get_object, object_path, pod_state_text, pods_of,
                                          retry_conflicts, selector_of, wait_for)
from homelab_tui.actions.scale import gpu_managed
from homelab_tui.model.gpu_switch import pending_from_annotations

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
#: waiting reasons of a new pod that mean the rollout will not finish by waiting
FAILING = frozenset({"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "InvalidImageName",
                     "CreateContainerConfigError", "CreateContainerError", "RunContainerError"})


def restart_patch(now: dt.datetime) -> dict[str, Any]:
    """The body of ``kubectl rollout restart`` (RFC 3339 time, as kubectl's ``time.Now().Format(RFC3339)``)."""
    stamp = now.astimezone().isoformat(timespec="seconds")
    return {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def rollout_status(kind: str, obj: Mapping[str, Any]) -> tuple[bool, str]:
    """(done, message) as ``kubectl rollout status`` computes them; raises ActionError for a failed rollout."""
    md, spec, st = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    name = md.get("name", "")
    if _int(md.get("generation")) > _int(st.get("observedGeneration")):
        return False, f"{name}: waiting for the spec update to be observed"
    if kind == "Deployment":
        for cond in st.get("conditions") or []:
            if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
                raise ActionError(f"deployment {name} exceeded its progress deadline")
        want = _int(spec.get("replicas", 1))
        updated, total, available = _int(st.get("updatedReplicas")), _int(st.get("replicas")), _int(
            st.get("availableReplicas"))
        if updated < want:
            return False, f"{name}: {updated} of {want} new replicas updated"
        if total > updated:
            return False, f"{name}: {total - updated} old replicas pending termination"
        if available < updated:
            return False, f"{name}: {available} of {updated} updated replicas available"
        return True, f"{name}: successfully rolled out"
    if kind == "StatefulSet":
        want = _int(spec.get("replicas", 1))
        if _int(st.get("readyReplicas")) < want:
            return False, f"{name}: {_int(st.get('readyReplicas'))} of {want} pods ready"
        rolling = (spec.get("updateStrategy") or {}).get("rollingUpdate")
        if isinstance(rolling, Mapping):  # kubectl: pods below the partition keep the old revision on purpose
            partition = _int(rolling.get("partition"))
            updated = _int(st.get("updatedReplicas"))
            if updated < want - partition:
                return False, f"{name}: {updated} of {want - partition} new pods updated (partition {partition})"
            return True, f"{name}: partitioned roll out complete, {updated} new pods updated"
        if st.get("updateRevision") != st.get("currentRevision"):
            return False, f"{name}: {_int(st.get('updatedReplicas'))} pods at the new revision"
        return True, f"{name}: rolling update complete, {want} pods at revision {st.get('updateRevision')}"
    desired = _int(st.get("desiredNumberScheduled"))
    if _int(st.get("updatedNumberScheduled")) < desired:
        return False, f"{name}: {_int(st.get('updatedNumberScheduled'))} of {desired} updated pods scheduled"
    if _int(st.get("numberAvailable")) < desired:
        return False, f"{name}: {_int(st.get('numberAvailable'))} of {desired} updated pods available"
    return True, f"{name}: successfully rolled out"


def _strategy(kind: str, spec: Mapping[str, Any]) -> str:
    key = "strategy" if kind == "Deployment" else "updateStrategy"
    return str((spec.get(key) or {}).get("type") or "RollingUpdate")


def max_surge(spec: Mapping[str, Any]) -> int:
    """Extra pods a Deployment's RollingUpdate starts before old ones stop (a percentage rounds up; default 25%)."""
    replicas = _int(spec.get("replicas", 1))
    value = ((spec.get("strategy") or {}).get("rollingUpdate") or {}).get("maxSurge", "25%")
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return math.ceil(replicas * int(value[:-1]) / 100)
    return _int(value)


def _gpu_switch_problem(ctx: ActionContext, target: Target) -> str:
    """Why a restart of a GPU-mode deployment must wait: a GPU switch record on any of them ('' if none)."""
    gpu = ctx.settings.gpu
    annotations = []
    for name in gpu.gpu_deployments:
        try:
            dep = get_object(ctx.api, Target("Deployment", gpu.namespace, name))
        except ActionError:  # not found: no record on it
            continue
        annotations.append((dep.get("metadata") or {}).get("annotations") or {})
    pending = pending_from_annotations(annotations)
    if pending is None:
        return ""
    return (f"{pending.describe()}: finish it or roll it back with GPU mode (g on the GPU screen, or "
            f"homelab-tui gpu-mode) before restarting {target}")


def _gpu_node_problem(ctx: ActionContext, target: Target, spec: Mapping[str, Any]) -> str:
    """Why a restart of a running GPU deployment must wait: its node is cordoned ('' if not, or unknown)."""
    if _int(spec.get("replicas", 1)) <= 0:
        return ""
    node = ctx.settings.gpu.node
    try:
        obj = get_object(ctx.api, Target("Node", "", node))
    except ActionError:  # not found: the pre-flight of a GPU switch reports that; a restart is not blocked by it
        return ""
    if not (obj.get("spec") or {}).get("unschedulable"):
        return ""
    return (f"GPU node {node} is cordoned (SchedulingDisabled): the new {target.name} pod would stay Pending "
            f"— uncordon it first (c on the Nodes screen, or kubectl uncordon {node})")


def _gpu_strategy_warnings(target: Target, spec: Mapping[str, Any], strategy: str) -> list[str]:
    """A GPU deployment must be Recreate; a RollingUpdate that surges is refused (it could never finish)."""
    if strategy == "Recreate":
        return []
    surge = max_surge(spec)
    if surge > 0 and _int(spec.get("replicas", 1)) > 0:
        raise RefusedError(f"{target} uses strategy RollingUpdate (maxSurge {surge}): the new pod would start "
                           "before the old one stops and wait Pending for a second nvidia.com/gpu, so the restart "
                           "could never finish; set strategy.type: Recreate (the home-lab's rule for GPU "
                           "deployments) first")
    return [f"strategy {strategy} on a GPU deployment: the home-lab's rule is Recreate (exclusive GPU access)"]


class RestartAction(Action):
    id = "restart"
    label = "Rollout restart"
    kinds = frozenset({"Deployment", "StatefulSet", "DaemonSet"})

    def _plan(self, ctx: ActionContext, target: Target, **params: Any) -> Plan:
        obj = get_object(ctx.api, target)
        spec = obj.get("spec") or {}
        if target.kind == "Deployment" and spec.get("paused"):
            raise RefusedError(f"{target} is paused (spec.paused): resume it first "
                               f"(kubectl rollout resume deployment/{target.name} -n {target.namespace})")
        strategy = _strategy(target.kind, spec)
        if strategy == "OnDelete":
            raise RefusedError(f"{target} uses updateStrategy OnDelete: a restart would replace no pod")
        gpu = gpu_managed(ctx, target)
        problem = (_gpu_switch_problem(ctx, target) or _gpu_node_problem(ctx, target, spec)) if gpu else ""
        if problem:
            raise RefusedError(problem)
        warnings = _gpu_strategy_warnings(target, spec, strategy) if gpu else []
        pods = pods_of(ctx.api, target.namespace, selector_of(obj))
        if strategy == "Recreate":
            warnings.append("strategy Recreate: every pod stops before the new ones start (downtime)")
        if not pods:
            warnings.append("no pod is running: nothing will be replaced")
        changes = (f"pod template annotation {RESTARTED_AT} = the time of confirmation",
                   f"every pod of {target} is replaced ({len(pods)} now, strategy {strategy})")
        return Plan(self.id, target, f"Rollout restart {target}", changes, tuple(warnings),
                    details={"strategy": strategy, "pods": len(pods)})

    def _execute(self, ctx: ActionContext, plan: Plan, progress: Progress, cancel: threading.Event) -> Outcome:
        target = plan.target
        body = restart_patch(dt.datetime.fromtimestamp(ctx.clock(), dt.timezone.utc))
        stamp = body["spec"]["template"]["metadata"]["annotations"][RESTARTED_AT]
        if gpu_managed(ctx, target):  # a switch may have started since the plan was confirmed
            problem = _gpu_switch_problem(ctx, target)
            if problem:
                raise RefusedError(problem)
        progress(f"restarting {target}")
        patched = retry_conflicts(lambda: ctx.api.patch(object_path(target), body, STRATEGIC_MERGE_PATCH),
                                  what=f"restart {target}")
        got = (((patched or {}).get("spec") or {}).get("template") or {}).get("metadata", {}).get("annotations", {})
        if got.get(RESTARTED_AT) != stamp:
            raise ActionError(f"{target}: the restart annotation did not stick (another writer?)")
        selector = selector_of(patched)

        def check() -> tuple[bool, str]:
            obj = get_object(ctx.api, target)
            ann = (((obj.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("annotations") or {}
            if ann.get(RESTARTED_AT) != stamp:
                raise ActionError(f"{target} was changed by someone else during the rollout "
                                  f"({RESTARTED_AT} is {ann.get(RESTARTED_AT)!r})")
            for pod in pods_of(ctx.api, target.namespace, selector):
                pod_ann = (pod.get("metadata") or {}).get("annotations") or {}
                state = pod_state_text(pod)
                if pod_ann.get(RESTARTED_AT) == stamp and state in FAILING:
                    raise ActionError(f"new pod {pod['metadata'].get('name')} of {target} is failing: {state}")
            return rollout_status(target.kind, obj)

        line = wait_for(ctx, check, timeout=ctx.wait_timeout, what=f"the rollout of {target}",
                        progress=progress, cancel=cancel)
        return Outcome(True, "ok", f"restarted {target}: {line}", details={"restartedAt": stamp})
