"""Patch one key of a Secret like ``kubectl patch secret NAME -p '{"stringData": {KEY: VALUE}}'``.

Nothing is lost: the patch is a merge of ``stringData`` (other keys untouched) made conditional on the
resourceVersion just read; if the secret's content changed since the plan, nothing is written. After
the patch the secret is read back: the key must carry the new fingerprint and every other key its old
one — otherwise the outcome is a loud ``verify-failed``. The value lives in a :class:`SecretValue`
and never reaches a message, a repr, the progress callback or the audit log: a failed write's message
(which may quote the request or the object) has the typed value and every value the secret holds masked,
or is withheld (:func:`~homelab_tui.actions.secret_value.mask_write`). Without a fingerprint key nothing is
planned: the read-back could not be verified.
"""

from __future__ import annotations

import re
import threading
from typing import Any, Iterable, Mapping

from homelab_tui.actions.base import (Action, ActionContext, ActionError, ConflictError, FollowUp, Input, InputError,
                                      Outcome, Plan, Progress, RefusedError, Target, VerifyError)
from homelab_tui.actions.kube_ops import MERGE_PATCH, get_object, list_items, object_path, retry_conflicts
from homelab_tui.actions.secret_info import (decoded_values, describe_secret, key_fingerprints, secret_users,
                                             tls_patch_checks)
from homelab_tui.actions.secret_value import SecretValue, fingerprint_problem, mask_write
from homelab_tui.sources.kube_client import KubeApi, KubeError

#: what stands for a failed write's message that may quote a secret value too short to mask
WITHHELD = "server message withheld: it may quote a secret value"

#: what the API server accepts as a key of Secret.data
KEY_RE = re.compile(r"^[-._a-zA-Z0-9]{1,253}$")
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")


def write(api: KubeApi, path: str, body: Any, value: SecretValue, stored: Iterable[bytes]) -> Any:
    """PATCH ``body``; a failure's message is masked (or withheld) of ``value`` and the ``stored`` values."""
    try:
        return api.patch(path, body, MERGE_PATCH)
    except KubeError as exc:
        masked = mask_write(exc.raw, value, stored)
        if masked is None:
            masked = WITHHELD + (f" (fields: {', '.join(exc.fields)})" if exc.fields else "")
        raise KubeError(exc.status, exc.reason, masked, exc.fields) from None
    except ActionError as exc:  # a layer between that quotes the request
        raise type(exc)(mask_write(str(exc), value, stored) or WITHHELD) from None


def workloads_using(api: KubeApi, namespace: str, secret_name: str) -> list[tuple[str, str, list[str]]]:
    """(kind, name, how) of the workloads in ``namespace`` that use the secret, read fresh from the API."""
    workloads = [(kind, wl) for kind in WORKLOAD_KINDS for wl in list_items(api, kind, namespace)]
    return secret_users(workloads, namespace, secret_name)


class SecretPatchAction(Action):
    id = "secret-patch"
    label = "Patch secret key"
    kinds = frozenset({"Secret"})
    inputs = (Input("key", "Key (existing or new)", "text"), Input("value", "New value (typed twice)", "secret"))

    def _plan(self, ctx: ActionContext, target: Target, **params: Any) -> Plan:
        key, value = params.get("key"), params.get("value")
        if not isinstance(key, str) or not KEY_RE.match(key):
            raise InputError("key must be 1-253 characters of letters, digits, '-', '_' or '.'")
        if isinstance(value, str):
            value = SecretValue(value)
        if not isinstance(value, SecretValue):
            raise InputError("value must be given as a SecretValue or str")
        problem = fingerprint_problem()
        if problem:
            raise RefusedError(f"no fingerprints ({problem}): a patch could not be verified, so none is planned")
        secret = get_object(ctx.api, target)
        refusal, tls_warnings = tls_patch_checks(secret, key)
        if refusal:
            raise RefusedError(refusal)
        info = describe_secret(secret)
        old = info.key(key)
        others = sorted(k for k in info.fingerprints() if k != key)
        changes: list[str] = []
        if old is None:
            changes.append(f"new key {key}: {value.fingerprint} ({value.size} bytes)")
        elif old.fingerprint != value.fingerprint:
            changes.append(f"key {key}: {old.fingerprint} → {value.fingerprint} ({value.size} bytes)")
        if changes and others:
            changes.append(f"unchanged: {', '.join(others)}")
        warnings = [*info.warnings, *tls_warnings]
        try:
            users = workloads_using(ctx.api, target.namespace, target.name)
        except KubeError as exc:  # e.g. 403 on listing deployments: the patch itself may still be allowed
            users = []
            warnings.append(f"could not check which workloads use {target.name} ({exc}): restart them yourself")
        if not value:
            warnings.append(f"the new value of {key} is empty")
        if users:
            names = ", ".join(f"{kind} {name}" for kind, name, _ in users)
            warnings.append(f"used by {names}: they see the new value only after a restart")
        details = {"key": key, "new_key": old is None, "old_fingerprint": old.fingerprint if old else None,
                   "new_fingerprint": value.fingerprint, "other_keys": others,
                   "used_by": [f"{kind} {name}" for kind, name, _ in users]}
        return Plan(self.id, target, f"Patch key {key!r} of {target}", tuple(changes), tuple(warnings),
                    details=details, state={"value": value, "fingerprints": info.fingerprints(),
                                            "users": tuple((k, n) for k, n, _ in users)})

    def _scrub(self, params: Mapping[str, Any], text: str) -> str:
        """A plan only reads: the value was never sent, so nothing in a plan's error is masked."""
        return text

    def _execute(self, ctx: ActionContext, plan: Plan, progress: Progress, cancel: threading.Event) -> Outcome:
        value: SecretValue = plan.state["value"]
        try:
            return self._patch_and_verify(ctx, plan, value, progress)
        except KubeError as exc:  # a write's error is already masked (write); a read's quotes no value
            raise ActionError(f"patch {plan.target}: {exc}") from None

    def _patch_and_verify(self, ctx: ActionContext, plan: Plan, value: SecretValue, progress: Progress) -> Outcome:
        target, key = plan.target, str(plan.details["key"])
        planned: dict[str, str] = dict(plan.state["fingerprints"])
        path = object_path(target)

        def attempt() -> Any:
            current = get_object(ctx.api, target)
            now = key_fingerprints(current)
            if now != planned:
                moved = sorted(k for k in set(now) | set(planned) if now.get(k) != planned.get(k))
                raise ConflictError(f"{target} changed since the plan (keys: {', '.join(moved)}); nothing was "
                                    "written — look at it again and retry")
            version = str((current.get("metadata") or {}).get("resourceVersion") or "")
            body = {"metadata": {"resourceVersion": version}, "stringData": {key: value.reveal()}}
            return write(ctx.api, path, body, value, decoded_values(current).values())

        progress(f"patching key {key} of {target}")
        retry_conflicts(attempt, what=f"patch {target}")
        progress(f"reading {target} back")
        after = key_fingerprints(get_object(ctx.api, target))
        problems = []
        if after.get(key) != value.fingerprint:
            problems.append(f"{key} is {after.get(key) or 'missing'}, expected {value.fingerprint}")
        for other, fp in sorted(planned.items()):
            if other != key and after.get(other) != fp:
                problems.append(f"{other} {'changed' if other in after else 'disappeared'}")
        if problems:
            raise VerifyError(f"VERIFY FAILED for {target}: " + "; ".join(problems) + " — check the secret now")
        follow_ups = tuple(FollowUp(f"Restart {kind} {target.namespace}/{name} (uses {target.name})", "restart",
                                    Target(kind, target.namespace, name), key="restart")
                           for kind, name in plan.state.get("users", ()))
        kept = len(planned) - (1 if key in planned else 0)
        others = f"{kept} other key{'s' if kept != 1 else ''}"
        return Outcome(True, "ok", f"{target}: {key} set to {value.fingerprint}, verified; {others} unchanged",
                       details={"verified": True}, follow_ups=follow_ups)
