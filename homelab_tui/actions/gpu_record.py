"""The GPU switch record as a lock: compare-and-swap writes, and changes made only while it is ours.

Two switches may start at once (two dashboards, or a dashboard and ``homelab-tui gpu-mode``). Each
writes its record (:class:`~homelab_tui.model.gpu_switch.PendingSwitch`, with a token unique to the
run) on every GPU deployment, in the order of ``gpu.gpu_deployments``, as a merge patch carrying the
``metadata.resourceVersion`` just read: the API server refuses it with 409 if the deployment moved on.
A 409 is retried only while the record found is still the one expected; a different record means
another switch got there first (:class:`SwitchRaceError`). The first existing deployment decides the
race; the record is cleared in the reverse order, so it is the last to lose it.

Every later change (each scale) reads the deployment, checks that its record is still ours and sends
the change with that resourceVersion, so a switch that lost its record cannot scale anything.

A record cannot tell a running switch from a killed one: finishing or rolling back a half-done switch
(planned while its record was there) takes the record over, and the switch that wrote it, if still
running, stops at its next step.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from homelab_tui.actions.base import ConflictError, Target
from homelab_tui.model.gpu_switch import ANNOTATION, PendingSwitch
from homelab_tui.actions.kube_ops import MERGE_PATCH, object_path, resource_version, set_replicas
from homelab_tui.config import GpuSettings
from homelab_tui.sources.kube_client import KubeApi, KubeError

#: 409s in a row (the controllers update the deployments' status too) before giving up
ATTEMPTS = 5


class SwitchRaceError(ConflictError):
    """Another GPU switch wrote its record: this one stops before its next change."""

    def __init__(self, message: str, *, changed: bool) -> None:
        super().__init__(message)
        #: whether this switch had changed anything before it stopped (the CLI's exit code depends on it)
        self.details = {"stopped_by_another_switch": True, "changed": changed}


def record_on(deployment: Mapping[str, Any]) -> PendingSwitch | None:
    """The record on one deployment (None when absent or malformed)."""
    raw = ((deployment.get("metadata") or {}).get("annotations") or {}).get(ANNOTATION)
    return PendingSwitch.from_json(str(raw)) if raw else None


def describe_other(other: PendingSwitch | None) -> str:
    """What a switch found instead of the record it expected."""
    if other is None:
        return "the switch record was removed (another GPU switch finished, or someone cleared it)"
    who = f" by {other.user}" if other.user else ""
    what = other.title if other.rollback_of else f"{other.from_mode or '?'} → {other.to_mode}"
    return f"another GPU switch started ({what}, {other.started}{who})"


def _taken_over(found: PendingSwitch | None) -> SwitchRaceError:
    return SwitchRaceError(f"{describe_other(found)}; this switch no longer owns the GPU deployments", changed=True)


def _path(gpu: GpuSettings, name: str) -> str:
    return object_path(Target("Deployment", gpu.namespace, name))


def _cas(api: KubeApi, gpu: GpuSettings, name: str, accept: Callable[[PendingSwitch | None], bool],
         send: Callable[[Mapping[str, Any]], object], stop: Callable[[PendingSwitch | None], SwitchRaceError]) -> bool:
    """Read ``name``; if its record passes ``accept``, ``send`` the change conditioned on what was read.

    Retries on 409; raises ``stop(record)`` when the record found is not accepted. False if it is gone.
    """
    for _ in range(ATTEMPTS):
        try:
            deployment = api.get(_path(gpu, name))
        except KubeError as exc:
            if exc.status == 404:
                return False
            raise
        found = record_on(deployment)
        if not accept(found):
            raise stop(found)
        try:
            send(deployment)
            return True
        except KubeError as exc:
            if exc.status != 409:
                raise
    raise ConflictError(f"{gpu.namespace}/{name} kept changing (409 Conflict {ATTEMPTS} times) while guarding the "
                        "GPU switch; stopped — look again and retry")


def _annotate(api: KubeApi, gpu: GpuSettings, name: str, value: str | None) -> Callable[[Mapping[str, Any]], object]:
    def send(deployment: Mapping[str, Any]) -> object:
        body = {"metadata": {"resourceVersion": resource_version(deployment), "annotations": {ANNOTATION: value}}}
        return api.patch(_path(gpu, name), body, MERGE_PATCH)
    return send


def claim(api: KubeApi, gpu: GpuSettings, names: Iterable[str], expected: PendingSwitch | None,
          record: PendingSwitch) -> None:
    """Replace ``expected`` (the record seen at plan time, or none) by ``record`` on every deployment.

    A deployment may also hold no record (a switch killed while writing or clearing its record) or
    ``record`` already. Raises :class:`SwitchRaceError` when another switch's record is found: on the
    first deployment nothing has changed yet; a record found further on means a third switch.
    """
    for i, name in enumerate(names):
        _cas(api, gpu, name, lambda found: found in (expected, None, record),
             _annotate(api, gpu, name, record.to_json()),
             lambda found, first=i == 0: SwitchRaceError(
                 f"{describe_other(found)} before this one; "
                 + ("nothing changed — look again" if first else "this one stopped before scaling anything"),
                 changed=not first))


def release(api: KubeApi, gpu: GpuSettings, names: Iterable[str], record: PendingSwitch) -> None:
    """Remove ``record`` from every deployment, last one first; stop if another switch has taken over."""
    for name in reversed(list(names)):
        _cas(api, gpu, name, lambda found: found in (record, None), _annotate(api, gpu, name, None), _taken_over)


def guarded_scale(api: KubeApi, gpu: GpuSettings, name: str, replicas: int, record: PendingSwitch) -> None:
    """Scale ``name`` only while it still carries ``record``, conditioned on the resourceVersion that shows it."""
    target = Target("Deployment", gpu.namespace, name)
    _cas(api, gpu, name, lambda found: found == record,
         lambda deployment: set_replicas(api, target, replicas, resource_version(deployment)), _taken_over)


def check_owned(deployments: Mapping[str, Mapping[str, Any]], record: PendingSwitch) -> None:
    """Raise :class:`SwitchRaceError` unless every deployment read still carries ``record``."""
    for deployment in deployments.values():
        found = record_on(deployment)
        if found != record:
            raise _taken_over(found)
