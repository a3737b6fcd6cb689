"""What every action shares: the read-only gate, plan → confirm → execute → verify, audit, progress.

The UI (or the CLI) drives an action in three steps, all blocking and meant for a worker thread::

    action = registry.get("scale")
    plan = action.plan(ctx, Target("Deployment", "apps", "n8n"), replicas=2)   # reads only
    # show plan.title / plan.changes / plan.warnings in the confirmation modal; on "yes":
    outcome = action.execute(ctx, plan, progress=say, cancel=event)             # changes, verifies, audits

``plan`` and ``execute`` are final: subclasses implement ``_plan`` and ``_execute``. Both refuse in
read-only mode before any request is sent (:class:`ReadOnlyError`), so no action can skip the gate.
``execute`` never raises for a failed change: it returns an :class:`Outcome` (ok or not, a one-line
message, follow-ups such as "roll back" or "restart the workloads that use this secret") and appends
exactly one line to the audit log.
"""

from __future__ import annotations

import dataclasses
import getpass
import threading
import time
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, ClassVar, Mapping

from homelab_tui.actions.audit import AuditLog
from homelab_tui.actions.secret_value import SecretValue
from homelab_tui.config import Settings
from homelab_tui.errors import HomelabError
from homelab_tui.model.snapshot import one_line
from homelab_tui.sources.kube_client import KubeApi, KubeError

Progress = Callable[[str], None]


class ActionError(HomelabError):
    """An action cannot go on; the message is one line for the user and never holds a secret value."""

    #: the audit outcome this error is recorded as
    outcome = "failed"
    #: audit-safe facts added to the outcome's details
    details: Mapping[str, Any] = MappingProxyType({})


class ReadOnlyError(ActionError):
    """The dashboard runs with ``--read-only``: every change to the cluster is refused."""

    outcome = "refused"


class InputError(ActionError):
    """A parameter is malformed (replicas out of range, a bad key): nothing was read or tried, nothing audited."""

    outcome = "invalid"


class RefusedError(ActionError):
    """The action does not apply in the current state (paused deployment, pre-flight failed, ...)."""

    outcome = "refused"


class ConflictError(ActionError):
    """The object changed between plan and execute and a safe retry was not possible."""

    outcome = "conflict"


class VerifyError(ActionError):
    """The change was sent but reading the cluster back does not show it."""

    outcome = "verify-failed"


class CancelledError(ActionError):
    """The caller set the cancel event."""

    outcome = "cancelled"


@dataclass(frozen=True)
class Target:
    """What an action acts on: ``kind`` is a Kubernetes kind, or ``GpuMode`` for the GPU switch."""

    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}" if self.namespace else f"{self.kind} {self.name}"


@dataclass(frozen=True)
class Input:
    """One value the confirmation modal must ask for (``kind``: int, text, secret or choice)."""

    name: str
    label: str
    kind: str = "text"
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class FollowUp:
    """Something the UI should offer after an outcome: plan ``action`` on ``target`` with ``params``."""

    label: str
    action: str
    target: Target
    params: Mapping[str, Any] = field(default_factory=dict)
    #: what kind of offer: "rollback", "retry", "restart" (lets a CLI pick one without parsing labels)
    key: str = ""


@dataclass(frozen=True)
class Plan:
    """Exactly what an action will change, built from fresh reads; shown before anything happens."""

    action: str
    target: Target
    title: str
    #: one line per change, e.g. "replicas: 1 → 3"
    changes: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    #: audit-safe facts (never a secret value), written to the audit line
    details: Mapping[str, Any] = field(default_factory=dict)
    #: what execute needs (resourceVersion, previous counts, ...); may hold a SecretValue, never audited
    state: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def noop(self) -> bool:
        """Nothing to change (e.g. already in that GPU mode)."""
        return not self.changes

    def summary(self) -> list[str]:
        """The lines a confirmation shows: title, changes, warnings."""
        return [self.title, *(f"  • {c}" for c in self.changes), *(f"  ⚠ {w}" for w in self.warnings)]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    #: the audit outcome: ok, failed, refused, conflict, verify-failed, cancelled
    status: str
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)
    follow_ups: tuple[FollowUp, ...] = ()
    #: set when the audit line could not be written (the change itself is unaffected)
    audit_error: str | None = None


@dataclass
class ActionContext:
    """Everything an action needs: the client, settings, the read-only flag and the audit log."""

    api: KubeApi
    settings: Settings
    read_only: bool = False
    audit: AuditLog = field(default_factory=AuditLog)
    user: str = field(default_factory=lambda: _local_user())
    #: seconds between reads while following a change
    poll: float = 1.0
    #: longest wait for a scale, rollout or renewal to settle (GPU switches use gpu.switch_timeout)
    wait_timeout: float = 300.0
    clock: Callable[[], float] = time.time

    @property
    def context(self) -> str:
        return self.api.context


def make_context(api: KubeApi, settings: Settings, *, read_only: bool, audit_path: str | None = None,
                 poll: float = 1.0, wait_timeout: float = 300.0) -> ActionContext:
    """The context the UI and the CLI build once the Kubernetes client is loaded."""
    return ActionContext(api=api, settings=settings, read_only=read_only, audit=AuditLog(audit_path),
                         poll=poll, wait_timeout=wait_timeout)


def _local_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry (containers): still audit something
        return "unknown"


class Action:
    """Base of every action. Subclasses set the class attributes and implement ``_plan``/``_execute``."""

    #: stable id, used by the registry, follow-ups and the audit log
    id: ClassVar[str] = ""
    #: short label for menus and the command palette
    label: ClassVar[str] = ""
    #: the kinds this action applies to (``Target.kind``)
    kinds: ClassVar[frozenset[str]] = frozenset()
    #: the values the confirmation modal asks for, passed to ``plan`` as keyword arguments
    inputs: ClassVar[tuple[Input, ...]] = ()

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        for final in ("plan", "execute"):
            if final in cls.__dict__:
                raise TypeError(f"{cls.__name__} must not override {final}() (it holds the read-only gate)")

    def applies_to(self, kind: str) -> bool:
        return kind in self.kinds

    # ------------------------------------------------------------------ the final API

    def plan(self, ctx: ActionContext, target: Target, **params: Any) -> Plan:
        """Read the cluster and say exactly what ``execute`` would change. Raises :class:`ActionError`.

        A plan that is refused (read-only mode, pre-flight, paused, half-done switch) or fails (403, 404,
        API down) appends an audit line with ``details.stage = "plan"``; bad input (:class:`InputError`)
        does not, as nothing was attempted.
        """
        try:
            self._gate(ctx)
            if not self.applies_to(target.kind):
                raise RefusedError(f"{self.label} does not apply to {target}")
            return self._plan(ctx, target, **params)
        except InputError:
            raise
        except KubeError as exc:
            error = ActionError(self._scrub(params, f"{self.label} {target}: {exc}"))
            self._audit_stage(ctx, target, error, {"stage": "plan", **self._plain(params)})
            raise error from None
        except ActionError as exc:
            error = self._scrubbed(exc, params)
            self._audit_stage(ctx, target, error, {"stage": "plan", **self._plain(params)})
            if error is exc:
                raise
            raise error from None

    def execute(self, ctx: ActionContext, plan: Plan, progress: Progress | None = None,
                cancel: threading.Event | None = None) -> Outcome:
        """Carry out a confirmed plan, verify by reading back, append one audit line."""
        try:
            self._gate(ctx)
        except ReadOnlyError as exc:
            self._audit_stage(ctx, plan.target, exc, {"stage": "execute", **plan.details})
            raise
        if plan.action != self.id:
            raise ActionError(f"plan for {plan.action!r} given to {self.id!r}")
        say = _safe_progress(progress)
        cancel = cancel or threading.Event()
        try:
            outcome = self._execute(ctx, plan, say, cancel)
        except ActionError as exc:
            outcome = Outcome(False, exc.outcome, str(exc), details=dict(exc.details),
                              follow_ups=self._on_failure(ctx, plan, exc))
        except KubeError as exc:
            outcome = Outcome(False, "failed", one_line(f"{self.label} {plan.target}: {exc}"),
                              follow_ups=self._on_failure(ctx, plan, exc))
        except Exception as exc:  # noqa: BLE001 - a bug still ends as one audited line; its text may hold data
            outcome = Outcome(False, "failed", f"{self.label} {plan.target}: internal error ({type(exc).__name__})",
                              follow_ups=self._on_failure(ctx, plan, exc))
        return self._audit(ctx, plan, outcome)

    # ------------------------------------------------------------------ for subclasses

    def _plan(self, ctx: ActionContext, target: Target, **params: Any) -> Plan:
        raise NotImplementedError

    def _execute(self, ctx: ActionContext, plan: Plan, progress: Progress, cancel: threading.Event) -> Outcome:
        raise NotImplementedError

    def _on_failure(self, ctx: ActionContext, plan: Plan, error: Exception) -> tuple[FollowUp, ...]:
        """Follow-ups to offer when ``_execute`` raised ``error`` (e.g. a GPU rollback)."""
        return ()

    # ------------------------------------------------------------------ internals

    def _gate(self, ctx: ActionContext) -> None:
        if ctx.read_only:
            raise ReadOnlyError(f"{self.label or self.id}: refused in read-only mode (--read-only): nothing may change "
                                "the cluster")

    def _plain(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The declared inputs that are plain values and not secret: what an audit line may name."""
        return {i.name: params[i.name] for i in self.inputs if i.kind != "secret" and i.name in params
                and isinstance(params[i.name], (str, int, float, bool))}

    def _scrub(self, params: Mapping[str, Any], text: str) -> str:
        """``text`` with every secret input's value masked (a server may echo what it was sent)."""
        for i in self.inputs:
            value = params.get(i.name)
            if i.kind == "secret" and isinstance(value, (str, SecretValue)):
                text = (value if isinstance(value, SecretValue) else SecretValue(value)).scrub(text)
        return text

    def _scrubbed(self, exc: ActionError, params: Mapping[str, Any]) -> ActionError:
        text = self._scrub(params, str(exc))
        if text == str(exc):
            return exc
        error = type(exc)(text)
        error.details = exc.details
        return error

    def _audit_stage(self, ctx: ActionContext, target: Target, exc: ActionError, details: Mapping[str, Any]) -> None:
        """One audit line for an action stopped before it changed anything (refused, or failed to plan)."""
        entry = {"action": self.id, "target": str(target), "context": ctx.context, "user": ctx.user,
                 "outcome": exc.outcome, "message": str(exc), "details": {**details, **exc.details}}
        try:
            ctx.audit.append(entry, now=ctx.clock())
        except (OSError, TypeError):
            pass  # the refusal itself still reaches the user; nothing changed that the line would record

    def _audit(self, ctx: ActionContext, plan: Plan, outcome: Outcome) -> Outcome:
        entry = {
            "action": self.id, "target": str(plan.target), "context": ctx.context, "user": ctx.user,
            "outcome": outcome.status, "message": outcome.message,
            "details": {**plan.details, **outcome.details},
        }
        try:
            ctx.audit.append(entry, now=ctx.clock())
        except OSError as exc:
            error = f"audit log {ctx.audit.path} not written: {exc.strerror or exc}"
            return dataclasses.replace(outcome, audit_error=error)
        return outcome


def _safe_progress(progress: Progress | None) -> Progress:
    """Progress callbacks must not break an action half-way."""
    if progress is None:
        return lambda _msg: None

    def say(message: str) -> None:
        try:
            progress(one_line(message))
        except Exception:  # noqa: BLE001 - a broken UI callback must not abort a GPU switch midway
            pass

    return say
