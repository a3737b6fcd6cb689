"""Cordon or uncordon a node (``kubectl cordon`` / ``uncordon``): set ``spec.unschedulable``, read it back.

A toggle: the plan reads the node and proposes the other state. Cordoning never evicts anything — the
pods on the node keep running (``kubectl drain`` would evict them; this dashboard does not drain). The
plan warns about what the home-lab would feel: the GPU node (a vLLM that restarts or a GPU switch would stay
Pending), the control plane, and the last node left for new pods.
"""

from __future__ import annotations

import threading
from typing import Any, Mapping

from homelab_tui.actions.base import (Action, ActionContext, ConflictError, Outcome, Plan, Progress, Target,
                                      VerifyError)
from homelab_tui.actions.kube_ops import FINISHED_PHASES, get_object, list_items, object_path, resource_version
from homelab_tui.model.nodes import node_gpus, node_ready, node_roles
from homelab_tui.sources.kube_client import KubeError


def _unschedulable(node: Mapping[str, Any]) -> bool:
    return bool((node.get("spec") or {}).get("unschedulable"))


def _running_on(api: Any, name: str) -> list[dict[str, Any]]:
    """The unfinished pods bound to the node (``spec.nodeName``), as ``kubectl drain`` would list them."""
    pods = list_items(api, "Pod", None, fieldSelector=f"spec.nodeName={name}")
    return [p for p in pods if (p.get("spec") or {}).get("nodeName") == name
            and (p.get("status") or {}).get("phase") not in FINISHED_PHASES]


class CordonAction(Action):
    id = "cordon"
    label = "Cordon / uncordon"
    kinds = frozenset({"Node"})

    def _plan(self, ctx: ActionContext, target: Target, **params: Any) -> Plan:
        node = get_object(ctx.api, target)
        cordon = not _unschedulable(node)
        pods = _running_on(ctx.api, target.name)
        warnings: list[str] = []
        if cordon:
            pods_keep = "1 pod keeps" if len(pods) == 1 else f"{len(pods)} pods keep"
            warnings.append(f"{pods_keep} running on {target.name}: cordon "
                            "evicts nothing (kubectl drain would)")
            warnings += self._cordon_warnings(ctx, target.name, node)
        elif node_ready(node) is not True:
            warnings.append(f"{target.name} is not Ready: pods scheduled there will not start")
        verb = "Cordon" if cordon else "Uncordon"
        change = ("spec.unschedulable: false → true (no new pods are scheduled here)" if cordon
                  else "spec.unschedulable: true → false (new pods may be scheduled here again)")
        return Plan(self.id, target, f"{verb} node {target.name}", (change,), tuple(warnings),
                    details={"cordon": cordon, "pods": len(pods)}, state={"resourceVersion": resource_version(node)})

    def _cordon_warnings(self, ctx: ActionContext, name: str, node: Mapping[str, Any]) -> list[str]:
        warnings = []
        if node_gpus(node):
            gpu = ctx.settings.gpu
            modes = "/".join(m.name for m in gpu.modes if m.deployment) or "a vLLM mode"
            vllm = "/".join(gpu.gpu_deployments) or "vLLM"
            warnings.append(f"{name} holds the GPU: while it is cordoned a GPU switch into {modes} and a restart of "
                            f"{vllm} are refused, and a vLLM pod deleted meanwhile stays Pending (LiteLLM falls "
                            "back to Ollama)")
        roles = node_roles(node)
        if "control-plane" in roles or "master" in roles:
            warnings.append(f"{name} runs the K3s control plane: it keeps running, but pods pinned to it stay Pending")
        others = [n for n in list_items(ctx.api, "Node", None) if (n.get("metadata") or {}).get("name") != name]
        if not any(not _unschedulable(n) and node_ready(n) is True for n in others):
            warnings.append("no other Ready, schedulable node is left: every new pod stays Pending")
        return warnings

    def _execute(self, ctx: ActionContext, plan: Plan, progress: Progress, cancel: threading.Event) -> Outcome:
        target, want = plan.target, bool(plan.details["cordon"])
        verb = "cordon" if want else "uncordon"
        progress(f"{verb}ing {target.name}")
        body = {"metadata": {"resourceVersion": str(plan.state.get("resourceVersion") or "")},
                "spec": {"unschedulable": True if want else None}}
        if not body["metadata"]["resourceVersion"]:
            del body["metadata"]
        try:
            ctx.api.patch(object_path(target), body)
        except KubeError as exc:
            if exc.status == 409:
                raise ConflictError(f"{target.name} changed since the plan (409 Conflict); nothing changed — "
                                    "look again and retry") from None
            raise
        got = _unschedulable(get_object(ctx.api, target))
        if got != want:
            raise VerifyError(f"{target.name}: asked to {verb}, but the server holds unschedulable={got}")
        return Outcome(True, "ok", f"{verb}ed node {target.name} (read back: unschedulable={str(got).lower()})")
