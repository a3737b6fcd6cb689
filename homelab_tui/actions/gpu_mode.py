"""Switch the GPU mode (ml, r1, gaming) safely: never two vLLM deployments up, not for a moment.

Order: record the switch on the deployments (:mod:`homelab_tui.actions.gpu_state`), scale every other
GPU deployment to 0 through the scale subresource and wait until its pods are gone, then scale the
target up and wait until Ready (``gpu.switch_timeout``), verify by reading back, clear the record.
A failure, timeout or cancel leaves the record in place and offers a rollback to the previous mode
with the remembered replica counts (and a retry).

Two switches started at once never both run: the record is written compare-and-swap and every
change is made only while the record is still this switch's (:mod:`homelab_tui.actions.gpu_record`).
The one that finds another switch's record stops with a :class:`ConflictError` and offers nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Mapping

from homelab_tui.actions.base import (Action, ActionContext, ActionError, CancelledError, ConflictError, FollowUp,
                                      Input, Outcome, Plan, Progress, RefusedError, Target, VerifyError)
from homelab_tui.actions.gpu_record import (SwitchRaceError, check_owned, claim, describe_other, guarded_scale,
                                            record_on, release)
from homelab_tui.actions.gpu_state import (SwitchSteps, fallback_deployments, fallback_warning,
                                           preflight_problems, switch_steps)
from homelab_tui.actions.kube_ops import (list_items, object_path, pod_is_ready, pod_state_text, selector_of,
                                          wait_for)
from homelab_tui.actions.rollout import FAILING
from homelab_tui.config import Settings
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.gpu import CONFLICT, GpuStatus, derive_gpu_mode
from homelab_tui.model.gpu_switch import PendingSwitch, pending_from_annotations
from homelab_tui.model.workloads import pod_phase, workload_counts
from homelab_tui.sources.kube_client import KubeApi, KubeError


def gpu_target(settings: Settings) -> Target:
    """The target of the GPU-mode action (the GPU screen's selection): the GPU node, shown "GpuMode NODE"."""
    return Target("GpuMode", "", settings.gpu.node)


@dataclass(frozen=True)
class GpuReading:
    """A fresh read of everything the switch depends on."""

    status: GpuStatus
    pending: PendingSwitch | None
    #: deployment name -> the deployment object (existing ones only)
    deployments: Mapping[str, Mapping[str, Any]]
    #: deployment name -> its live pods (terminating ones too; not the Failed or Succeeded ones)
    pods: Mapping[str, tuple[Mapping[str, Any], ...]]

    def pod_counts(self) -> dict[str, int]:
        return {name: len(pods) for name, pods in self.pods.items()}


#: pod phases that hold nothing: an evicted pod is Failed, a completed one Succeeded
FINISHED = ("Succeeded", "Failed")


def _deployment(ns: str, name: str) -> Target:
    return Target("Deployment", ns, name)


def read_gpu(api: KubeApi, settings: Settings, now: float, *, every_pod: bool = True) -> GpuReading:
    """Read the GPU deployments, the pods and the GPU node, and derive the mode as the GPU screen does.

    ``every_pod`` lists the pods of every namespace (to find a foreign pod holding the GPU: the plan and
    the checks before a switch); without it only the GPU namespace is listed (the polls while waiting).
    """
    gpu = settings.gpu
    deployments: dict[str, dict[str, Any]] = {}
    for name in gpu.gpu_deployments:
        try:
            deployments[name] = api.get(object_path(_deployment(gpu.namespace, name)))
        except KubeError as exc:
            if exc.status != 404:
                raise
    pods = list_items(api, "Pod", None if every_pod else gpu.namespace)
    try:
        nodes: tuple[Any, ...] = (api.get(object_path(Target("Node", "", gpu.node))),)
    except KubeError as exc:
        if exc.status != 404:
            raise
        nodes = ()
    cluster = ClusterState(objects={"deployments": tuple(deployments.values()), "pods": tuple(pods),
                                    "nodes": nodes}, synced=frozenset({"deployments", "pods", "nodes"}))
    # an evicted (Failed) or completed (Succeeded) pod holds no GPU and stays until pod GC: it is not live
    live = [p for p in pods if (p.get("metadata") or {}).get("namespace") == gpu.namespace
            and pod_phase(p) not in FINISHED]
    owned = {}
    for name, dep in deployments.items():
        selector = selector_of(dep)
        owned[name] = tuple(p for p in live if selector and all(
            ((p.get("metadata") or {}).get("labels") or {}).get(k) == v for k, v in selector.items()))
    pending = pending_from_annotations([(d.get("metadata") or {}).get("annotations") or {}
                                        for d in deployments.values()])
    return GpuReading(derive_gpu_mode(cluster, settings, now), pending, deployments, owned)


def _read_tiers(api: KubeApi, settings: Settings, status: GpuStatus, to_mode: str) -> dict[str, tuple[bool, str]]:
    """(up, what it is) of each fallback tier's deployment when ``to_mode`` stops the primary alias's."""
    tiers: dict[str, tuple[bool, str]] = {}
    for tier in fallback_deployments(settings, status, to_mode):
        if not tier.deployment:
            continue
        try:
            ready, desired = workload_counts(api.get(object_path(_deployment(tier.namespace, tier.deployment))),
                                             "Deployment")
        except KubeError as exc:
            tiers[f"{tier.namespace}/{tier.deployment}"] = (False, "missing" if exc.status == 404 else
                                                             f"unreadable: {exc}")
            continue
        tiers[f"{tier.namespace}/{tier.deployment}"] = (ready > 0, f"{ready}/{desired} ready")
    return tiers


def pending_switch(api: KubeApi, settings: Settings) -> PendingSwitch | None:
    """The half-done switch recorded on the GPU deployments, if any (for the GPU screen and the CLI)."""
    annotations = []
    for name in settings.gpu.gpu_deployments:
        try:
            dep = api.get(object_path(_deployment(settings.gpu.namespace, name)))
        except KubeError as exc:
            if exc.status == 404:
                continue
            raise
        annotations.append((dep.get("metadata") or {}).get("annotations") or {})
    return pending_from_annotations(annotations)


def can_roll_back(pending: PendingSwitch, settings: Settings) -> bool:
    """Whether the half-done switch has a mode to go back to (not a rollback itself, not from a conflict)."""
    return bool(pending.from_mode) and pending.from_mode != pending.to_mode \
        and settings.gpu.mode(pending.from_mode) is not None


def resume_offers(pending: PendingSwitch | None, settings: Settings) -> tuple[FollowUp, ...]:
    """What to offer for a half-done switch: roll back to its previous mode (key "rollback"), or retry it."""
    if pending is None:
        return ()
    target = gpu_target(settings)
    offers = []
    if can_roll_back(pending, settings):
        offers.append(FollowUp(f"Roll back to GPU mode {pending.from_mode}", GpuModeAction.id, target,
                               {"mode": pending.from_mode}, key="rollback"))
    if settings.gpu.mode(pending.to_mode):
        label = f"Finish rolling back to {pending.to_mode}" if pending.rollback_of \
            else f"Retry switching to {pending.to_mode}"
        offers.append(FollowUp(label, GpuModeAction.id, target, {"mode": pending.to_mode}, key="retry"))
    return tuple(offers)


def undoes(pending: PendingSwitch | None, mode: str) -> dict[str, str]:
    """The switch a switch to ``mode`` rolls back ({"from", "to", "started"}), or {} when it is no rollback."""
    if pending is None:
        return {}
    if pending.rollback_of:  # finishing a rollback (the only way on from one)
        return dict(pending.rollback_of)
    if mode == pending.from_mode != pending.to_mode:
        return {"from": pending.from_mode, "to": pending.to_mode, "started": pending.started}
    return {}


def status_lines(reading: GpuReading, settings: Settings) -> list[str]:
    """What ``gpu-mode status`` prints."""
    st = reading.status
    node = {True: "Ready", False: "NotReady", None: "not found"}[st.node_ready]
    lines = [f"GPU mode: {st.mode}", f"  {st.reason}", f"  node {st.node}: {node}, {st.gpu_allocatable} GPU"]
    lines += [f"  {d.text}" if not d.exists else f"  {d.namespace}/{d.name} scaled to 0" if not d.up
              else f"  {d.namespace}/{d.text} ready" for d in st.deployments]
    lines += [f"  {f.subject}: {f.reason}" for f in st.findings[1:]]
    if reading.pending:  # the verdict above names it; this says what to do
        p = reading.pending
        lines.append(f"  ⚠ the {'rollback' if p.rollback_of else 'switch'} is not finished: finish it with "
                     f"`gpu-mode {p.to_mode}`"
                     + (f" or roll it back with `gpu-mode {p.from_mode}`" if can_roll_back(p, settings) else ""))
    return lines


def _nothing_changed(message: str) -> ActionError:
    """A failure before the first change: ``gpu-mode`` exits 1 for it, not 5."""
    error = ActionError(message)
    error.details = {"changed": False}
    return error


def _stamp(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class GpuModeAction(Action):
    id = "gpu-mode"
    label = "Switch GPU mode"
    kinds = frozenset({"GpuMode"})
    #: the choices are the names in settings.gpu.modes
    inputs = (Input("mode", "GPU mode", "choice"),)

    # ------------------------------------------------------------------ plan

    def _plan(self, ctx: ActionContext, target: Target, **params: Any) -> Plan:
        gpu = ctx.settings.gpu
        mode, wait = params.get("mode"), bool(params.get("wait", True))
        if not isinstance(mode, str) or gpu.mode(mode) is None:
            raise ActionError(f"unknown GPU mode {mode!r} (known: {', '.join(m.name for m in gpu.modes)})")
        try:
            reading = read_gpu(ctx.api, ctx.settings, ctx.clock())
        except KubeError as exc:
            raise ActionError(f"{self.label} on {gpu.node}: {exc}") from None
        pending = reading.pending
        if pending is not None and mode not in (pending.to_mode, pending.from_mode):
            back = f" or roll it back (gpu-mode {pending.from_mode})" if can_roll_back(pending, ctx.settings) else ""
            raise RefusedError(f"{pending.describe()}: finish it (gpu-mode {pending.to_mode}){back} first")
        problems, warnings = preflight_problems(gpu, reading.status, mode)
        if problems:
            raise RefusedError("pre-flight failed: " + "; ".join(problems))
        fallback = fallback_warning(ctx.settings, reading.status, mode,
                                    _read_tiers(ctx.api, ctx.settings, reading.status, mode))
        steps = switch_steps(gpu, reading.status, mode, pending, reading.pod_counts())
        ns = gpu.namespace
        changes = [f"scale {ns}/{name} {n} → 0 and wait until its pods are gone" for name, n in steps.down]
        if steps.up is not None:
            name, have, want = steps.up
            ready = sum(1 for p in reading.pods.get(name, ()) if pod_is_ready(p))
            until = f"wait until Ready (up to {gpu.switch_timeout:g} s)" if wait else "do not wait for Ready"
            if have != want:
                changes.append(f"{'then ' if changes else ''}scale {ns}/{name} {have} → {want}, {until}")
            elif ready < want and wait:
                changes.append(f"wait until {ns}/{name} is Ready ({ready}/{want} now)")
        if pending is not None:
            how = "this finishes it" if mode == pending.to_mode else "this rolls it back"
            warnings.insert(0, f"{pending.describe()} — {how}")
            if not changes:
                changes.append("clear the record of the half-done switch")
        if fallback and changes:
            warnings.append(fallback)
        details = {"from": steps.from_mode, "to": mode, "wait": wait, "replicas_before": dict(steps.replicas),
                   "down": [name for name, _ in steps.down], "up": list(steps.up) if steps.up else None}
        undone = undoes(pending, mode)
        if undone:  # the audit line says which switch this rolls back
            details["rollback_of"] = undone
        if pending is not None:
            title = (f"Finish the GPU {pending.title}" if mode == pending.to_mode
                     else f"Roll back the GPU switch {pending.from_mode} → {pending.to_mode} (back to {mode})")
        elif reading.status.mode == CONFLICT:
            up = [d.name for d in reading.status.deployments if d.up]
            title = f"Resolve the GPU conflict ({' and '.join(up) or 'several vLLM deployments'} up at once) → {mode}"
        else:
            title = f"Switch GPU mode {steps.from_mode or '?'} → {mode}" if changes else f"GPU mode is already {mode}"
        return Plan(self.id, target, title, tuple(changes), tuple(warnings), details=details,
                    state={"steps": steps, "pending": pending})

    # ------------------------------------------------------------------ execute

    def _execute(self, ctx: ActionContext, plan: Plan, progress: Progress, cancel: threading.Event) -> Outcome:
        gpu, steps = ctx.settings.gpu, plan.state["steps"]
        expected: PendingSwitch | None = plan.state.get("pending")
        try:
            reading = read_gpu(ctx.api, ctx.settings, ctx.clock())
        except KubeError as exc:
            raise _nothing_changed(f"{self.label} on {gpu.node}: {exc}; nothing changed") from None
        if reading.pending != expected:
            raise SwitchRaceError(f"{describe_other(reading.pending)} since the plan; nothing changed — look again",
                                  changed=False)
        now_steps = switch_steps(gpu, reading.status, steps.to_mode, reading.pending, reading.pod_counts())
        if dict(now_steps.replicas) != dict(steps.replicas):
            raise ConflictError(f"the GPU deployments changed since the plan (replicas now {dict(now_steps.replicas)}, "
                                f"planned from {dict(steps.replicas)}); nothing changed — look again")
        problems, _ = preflight_problems(gpu, reading.status, steps.to_mode)
        if problems:
            raise RefusedError("pre-flight failed: " + "; ".join(problems))
        record = self._record(ctx, steps, expected)
        names = [name for name in gpu.gpu_deployments if name in reading.deployments]
        try:
            claim(ctx.api, gpu, names, expected, record)
        except KubeError as exc:
            raise self._claim_failed(ctx, record, exc) from None
        progress(f"recorded the {record.title} on the deployments")
        try:
            self._switch(ctx, steps, record, bool(plan.details.get("wait", True)), progress, cancel)
            release(ctx.api, gpu, names, record)
        except SwitchRaceError as exc:
            raise SwitchRaceError(f"{record.title} stopped: {exc}; now {self._state_text(ctx)}", changed=True) from None
        except (ActionError, KubeError) as exc:
            state = self._state_text(ctx)
            # a 409 storm mid-way is a failure of this (still recorded) switch, not a refusal
            kind = type(exc) if isinstance(exc, ActionError) and not isinstance(exc, ConflictError) else ActionError
            verb = "stopped" if isinstance(exc, CancelledError) else "failed"  # Ctrl-C / q is no failure
            raise kind(f"{record.title} {verb}: {exc}; now {state}; recorded as half-done") from None
        return Outcome(True, "ok", f"GPU mode is {steps.to_mode} ({self._state_text(ctx)})")

    def _claim_failed(self, ctx: ActionContext, record: PendingSwitch, error: KubeError) -> ActionError:
        """The API refused to write the switch record: nothing changed, unless part of the record was written."""
        switch = record.title
        try:
            deployments = read_gpu(ctx.api, ctx.settings, ctx.clock(), every_pod=False).deployments.values()
            written = any(record_on(d) == record for d in deployments)
        except KubeError:
            written = True  # cannot tell: say what may be left
        if written:
            return ActionError(f"{switch} failed while recording it on the deployments: {error}; nothing was "
                               "scaled; recorded as half-done")
        return _nothing_changed(f"{switch} on {ctx.settings.gpu.node}: the API refused the switch record: {error}; "
                                "nothing changed")

    def _record(self, ctx: ActionContext, steps: SwitchSteps, pending: PendingSwitch | None) -> PendingSwitch:
        target = {steps.up[0]: steps.up[2]} if steps.up else {}
        if pending is not None and pending.to_mode == steps.to_mode:
            # finishing: keep the rollback, under a token of its own
            return dataclasses.replace(pending, target=target or pending.target, token=uuid.uuid4().hex)
        undone = undoes(pending, steps.to_mode)
        if pending is not None and undone:
            # rolling back: keep the mode and the replica counts from before the first switch, so a rollback
            # that fails too still leads back there (and never to the mode seen half-way)
            return dataclasses.replace(pending, to_mode=steps.to_mode, started=_stamp(ctx.clock()), user=ctx.user,
                                       target=target, token=uuid.uuid4().hex, rollback_of=undone)
        return PendingSwitch(from_mode=steps.from_mode, to_mode=steps.to_mode, started=_stamp(ctx.clock()),
                             user=ctx.user, replicas=dict(steps.replicas), target=target, token=uuid.uuid4().hex)

    def _switch(self, ctx: ActionContext, steps: SwitchSteps, record: PendingSwitch, wait: bool,
                progress: Progress, cancel: threading.Event) -> None:
        """Each change re-checks that the record is still ours (and is sent conditioned on it); so does each poll."""
        gpu = ctx.settings.gpu
        ns = gpu.namespace
        for name, _ in steps.down:
            progress(f"scaling {ns}/{name} to 0")
            guarded_scale(ctx.api, gpu, name, 0, record)
        others = [name for name in gpu.gpu_deployments if not steps.up or name != steps.up[0]]

        def others_gone() -> tuple[bool, str]:
            reading = read_gpu(ctx.api, ctx.settings, ctx.clock(), every_pod=False)
            check_owned(reading.deployments, record)
            for name in others:
                dep = reading.deployments.get(name)
                if dep is not None and int((dep.get("spec") or {}).get("replicas") or 0) != 0:
                    raise ActionError(f"{ns}/{name} was scaled up by someone else during the switch")
            left = {n: len(reading.pods.get(n, ())) for n in others if reading.pods.get(n)}
            if not left:
                return True, "the GPU is free"
            return False, "waiting for pods to stop: " + ", ".join(f"{n} {c} left" for n, c in sorted(left.items()))

        wait_for(ctx, others_gone, timeout=gpu.switch_timeout, what="the old vLLM pods to stop", progress=progress,
                 cancel=cancel)
        if steps.up is None:
            return
        name, _, want = steps.up
        if cancel.is_set():  # a safe point: the old pods are gone, and a cancelled switch starts nothing new
            raise CancelledError(f"cancelled before scaling {ns}/{name} to {want} (the GPU is free)")
        progress(f"scaling {ns}/{name} to {want}")
        guarded_scale(ctx.api, gpu, name, want, record)

        def target_ready() -> tuple[bool, str]:
            reading = read_gpu(ctx.api, ctx.settings, ctx.clock(), every_pod=False)
            check_owned(reading.deployments, record)
            pods = [p for p in reading.pods.get(name, ()) if not (p.get("metadata") or {}).get("deletionTimestamp")]
            states = sorted({pod_state_text(p) for p in pods if not pod_is_ready(p)})
            failing = [s for s in states if s in FAILING]
            if failing:
                raise ActionError(f"{ns}/{name} is failing: {', '.join(failing)}")
            ready = sum(1 for p in pods if pod_is_ready(p))
            done = ready == want and len(pods) == want
            return done or not wait, f"{name}: {ready}/{want} ready" + (f" ({', '.join(states)})" if states else "")

        wait_for(ctx, target_ready, timeout=gpu.switch_timeout, what=f"{ns}/{name} to become Ready",
                 progress=progress, cancel=cancel)
        self._verify(ctx, steps, record, wait)

    def _verify(self, ctx: ActionContext, steps: SwitchSteps, record: PendingSwitch, wait: bool) -> None:
        reading = read_gpu(ctx.api, ctx.settings, ctx.clock(), every_pod=False)
        check_owned(reading.deployments, record)
        up = [d for d in reading.status.deployments if d.exists and (d.desired > 0 or reading.pods.get(d.name))]
        want = [steps.up[0]] if steps.up else []
        if [d.name for d in up] != want:
            raise VerifyError(f"read back: up are {[d.name for d in up] or 'none'}, expected {want or 'none'}")
        if steps.up and wait:
            ready = sum(1 for p in reading.pods.get(steps.up[0], ()) if pod_is_ready(p))
            if ready < steps.up[2]:
                raise VerifyError(f"read back: {steps.up[0]} has {ready}/{steps.up[2]} pods ready")

    def _state_text(self, ctx: ActionContext) -> str:
        try:
            reading = read_gpu(ctx.api, ctx.settings, ctx.clock(), every_pod=False)
        except KubeError as exc:
            return f"state unknown ({exc})"
        return ", ".join(d.text for d in reading.status.deployments)

    def _on_failure(self, ctx: ActionContext, plan: Plan, error: Exception) -> tuple[FollowUp, ...]:
        if isinstance(error, ConflictError):
            return ()  # another switch (or someone else) owns the GPU deployments now: offer nothing over it
        try:
            pending = pending_switch(ctx.api, ctx.settings)
        except KubeError:  # cannot read the record: offer what this plan's own record would offer
            undone = plan.details.get("rollback_of") or {}
            pending = PendingSwitch(str(undone.get("from") or plan.details.get("from") or ""), str(plan.details["to"]),
                                    "", rollback_of=undone)
        return resume_offers(pending, ctx.settings)
