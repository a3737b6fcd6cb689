"""Scale a Deployment or StatefulSet through its ``scale`` subresource, then follow it until settled."""

from __future__ import annotations

import threading
from typing import Any

from homelab_tui.actions.base import (Action, ActionContext, ConflictError, Input, InputError, Outcome, Plan,
                                      Progress, RefusedError, Target, VerifyError)
from homelab_tui.actions.kube_ops import (get_object, get_replicas, pod_is_ready, pods_of, retry_conflicts,
                                          selector_of, set_replicas, wait_for)

MAX_REPLICAS = 100


def gpu_managed(ctx: ActionContext, target: Target) -> bool:
    """Whether ``target`` is one of the deployments the GPU-mode switch owns."""
    gpu = ctx.settings.gpu
    return target.kind == "Deployment" and target.namespace == gpu.namespace and target.name in gpu.gpu_deployments


class ScaleAction(Action):
    id = "scale"
    label = "Scale"
    kinds = frozenset({"Deployment", "StatefulSet"})
    inputs = (Input("replicas", "New replica count", "int"),)

    def _plan(self, ctx: ActionContext, target: Target, **params: Any) -> Plan:
        replicas = params.get("replicas")
        if isinstance(replicas, bool) or not isinstance(replicas, int) or not 0 <= replicas <= MAX_REPLICAS:
            raise InputError(f"replicas must be a whole number from 0 to {MAX_REPLICAS} (got {replicas!r})")
        if gpu_managed(ctx, target) and replicas > 0:
            raise RefusedError(f"{target} shares the GPU with the other vLLM deployment: switch with GPU mode "
                               "(homelab-tui gpu-mode …), which never runs both")
        current, rv = get_replicas(ctx.api, target)
        warnings = []
        if replicas == 0 and current > 0:
            warnings.append(f"{target.name} stops serving until scaled up again")
        changes = (f"replicas: {current} → {replicas}",) if current != replicas else ()
        return Plan(self.id, target, f"Scale {target}", changes, tuple(warnings),
                    details={"from": current, "to": replicas}, state={"resourceVersion": rv})

    def _execute(self, ctx: ActionContext, plan: Plan, progress: Progress, cancel: threading.Event) -> Outcome:
        target, want, was = plan.target, int(plan.details["to"]), int(plan.details["from"])
        rv = {"value": str(plan.state.get("resourceVersion") or "")}

        def send() -> int:
            if not rv["value"]:
                current, rv["value"] = get_replicas(ctx.api, target)
                if current != was:
                    raise ConflictError(f"{target} was scaled to {current} by someone else since the plan "
                                        f"(planned from {was}); nothing changed — look again and retry")
            version, rv["value"] = rv["value"], ""  # a 409 re-reads fresh data before the retry
            return set_replicas(ctx.api, target, want, version)

        progress(f"scaling {target} to {want}")
        got = retry_conflicts(send, what=f"scale {target}")
        if got != want:
            raise VerifyError(f"{target}: asked for {want} replicas, the server holds {got}")
        workload = get_object(ctx.api, target)
        selector = selector_of(workload)

        def settled() -> tuple[bool, str]:
            obj = get_object(ctx.api, target)
            spec = int((obj.get("spec") or {}).get("replicas") or 0)
            if spec != want:
                raise VerifyError(f"{target}: spec.replicas is {spec} now, not {want} (changed by someone else?)")
            pods = pods_of(ctx.api, target.namespace, selector)
            ready = sum(1 for p in pods if pod_is_ready(p))
            return len(pods) == want and ready == want, f"{target.name}: {ready}/{want} ready, {len(pods)} pods"

        line = wait_for(ctx, settled, timeout=ctx.wait_timeout, what=f"{target} to settle at {want}",
                        progress=progress, cancel=cancel)
        return Outcome(True, "ok", f"scaled {target} from {was} to {want} ({line})")
