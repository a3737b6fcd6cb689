"""Requests and waits the actions share: object paths, the scale subresource, pods of a selector,
bounded polling with progress and cancel, and retries on 409 Conflict."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Mapping, TypeVar

from homelab_tui.actions.base import ActionContext, ActionError, CancelledError, ConflictError, Progress, Target
from homelab_tui.sources.kube_client import KubeApi, KubeError

T = TypeVar("T")

MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"

#: kind -> (API prefix, plural)
_PATHS: dict[str, tuple[str, str]] = {
    "Deployment": ("/apis/apps/v1", "deployments"),
    "StatefulSet": ("/apis/apps/v1", "statefulsets"),
    "DaemonSet": ("/apis/apps/v1", "daemonsets"),
    "Secret": ("/api/v1", "secrets"),
    "Pod": ("/api/v1", "pods"),
    "Node": ("/api/v1", "nodes"),
    "Certificate": ("/apis/cert-manager.io/v1", "certificates"),
}


def object_path(target: Target, subresource: str = "") -> str:
    if target.kind == "Node":
        path = f"/api/v1/nodes/{target.name}"
    else:
        try:
            prefix, plural = _PATHS[target.kind]
        except KeyError:
            raise ActionError(f"{target.kind} is not a kind actions know") from None
        path = f"{prefix}/namespaces/{target.namespace}/{plural}/{target.name}"
    return f"{path}/{subresource}" if subresource else path


def collection_path(kind: str, namespace: str | None) -> str:
    prefix, plural = _PATHS[kind]
    return f"{prefix}/namespaces/{namespace}/{plural}" if namespace else f"{prefix}/{plural}"


def get_object(api: KubeApi, target: Target, subresource: str = "") -> dict[str, Any]:
    """GET an object; a 404 becomes a one-line ActionError naming it."""
    try:
        obj = api.get(object_path(target, subresource))
    except KubeError as exc:
        if exc.status == 404:
            raise ActionError(f"{target} not found") from None
        raise
    if not isinstance(obj, dict):
        raise ActionError(f"{target}: the API server answered something that is not an object")
    return obj


def list_items(api: KubeApi, kind: str, namespace: str | None, **query: str) -> list[dict[str, Any]]:
    data = api.get(collection_path(kind, namespace), query=list(query.items()))
    items = (data or {}).get("items") if isinstance(data, dict) else None
    return [i for i in items or [] if isinstance(i, dict)]


def resource_version(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


# --------------------------------------------------------------------------- scale subresource


def get_replicas(api: KubeApi, target: Target) -> tuple[int, str]:
    """``spec.replicas`` from the scale subresource, and its resourceVersion."""
    scale = get_object(api, target, "scale")
    return int((scale.get("spec") or {}).get("replicas") or 0), resource_version(scale)


def set_replicas(api: KubeApi, target: Target, replicas: int, resource_version_: str = "") -> int:
    """PATCH the scale subresource like ``kubectl scale`` (merge patch of ``spec.replicas``).

    With ``resource_version_`` the patch is conditional: the server answers 409 if the object moved on.
    Returns the replicas the server now holds.
    """
    body: dict[str, Any] = {"spec": {"replicas": int(replicas)}}
    if resource_version_:
        body["metadata"] = {"resourceVersion": resource_version_}
    answer = api.patch(object_path(target, "scale"), body, MERGE_PATCH)
    return int(((answer or {}).get("spec") or {}).get("replicas") or 0)


# --------------------------------------------------------------------------- pods


def selector_of(workload: Mapping[str, Any]) -> dict[str, str]:
    labels = ((workload.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    return {str(k): str(v) for k, v in labels.items()}


#: phases of a pod whose containers have all stopped for good (evicted, completed): no controller counts it
FINISHED_PHASES = frozenset({"Succeeded", "Failed"})


def pods_of(api: KubeApi, namespace: str, selector: Mapping[str, str]) -> list[dict[str, Any]]:
    """The pods of a workload that still count: matching ``selector`` and not finished.

    Like the ReplicaSet, StatefulSet and DaemonSet controllers (``FilterActivePods``), a pod in phase
    ``Succeeded`` or ``Failed`` is left out: it is no replica, a rollout does not replace it, and K3s keeps
    evicted pods until pod GC (12,500 terminated pods), so counting one would keep a scale from settling.
    Terminating pods stay in: they are still running, and a scale down waits until they are gone. The
    selector is also applied here, since a server may ignore ``labelSelector``.
    """
    if not selector:
        return []
    query = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    pods = list_items(api, "Pod", namespace, labelSelector=query)
    return [p for p in pods
            if all(((p.get("metadata") or {}).get("labels") or {}).get(k) == v for k, v in selector.items())
            and (p.get("status") or {}).get("phase") not in FINISHED_PHASES]


def pod_is_ready(pod: Mapping[str, Any]) -> bool:
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if isinstance(cond, dict) and cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def pod_state_text(pod: Mapping[str, Any]) -> str:
    """A short state: a waiting reason (CrashLoopBackOff, ContainerCreating), Terminating, or the phase."""
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return "Terminating"
    status = pod.get("status") or {}
    for cs in status.get("containerStatuses") or []:
        reason = (((cs or {}).get("state") or {}).get("waiting") or {}).get("reason")
        if reason:
            return str(reason)
    if status.get("phase") == "Running" and not pod_is_ready(pod):
        return "Running, not ready"
    return str(status.get("phase") or "Unknown")


# --------------------------------------------------------------------------- waiting


def wait_for(ctx: ActionContext, check: Callable[[], tuple[bool, str]], *, timeout: float, what: str,
             progress: Progress, cancel: threading.Event) -> str:
    """Poll ``check`` (→ (done, status line)) every ``ctx.poll`` s until done, timeout or cancel.

    Progress gets each new status line. An unreachable API while waiting is retried until the
    deadline. ``check`` raises :class:`ActionError` for a failure that waiting will not fix.
    """
    deadline = time.monotonic() + timeout
    last = ""
    while True:
        if cancel.is_set():
            raise CancelledError(f"cancelled while waiting for {what} (last: {last or 'no answer'})")
        try:
            done, line = check()
        except KubeError as exc:
            if exc.status not in (0, 429, 500, 502, 503, 504):
                raise
            done, line = False, f"API not answering, retrying: {exc}"
        if line != last:
            progress(line)
            last = line
        if done:
            return line
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ActionError(f"timed out after {timeout:g} s waiting for {what} (last: {last})")
        cancel.wait(min(ctx.poll, remaining))


def retry_conflicts(fn: Callable[[], T], *, what: str, attempts: int = 3) -> T:
    """Call ``fn`` (which reads fresh data itself) again on 409 Conflict; stop clearly after ``attempts``."""
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except KubeError as exc:
            if exc.status != 409:
                raise
            if attempt == attempts:
                raise ConflictError(f"{what}: the object kept changing (409 Conflict {attempts} times); "
                                    "stopped — read it again and retry") from None
    raise AssertionError("unreachable")
