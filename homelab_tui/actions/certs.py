"""Renew a cert-manager Certificate as ``cmctl renew`` does, then follow it to a new ``notAfter``.

cmctl sets the condition ``Issuing=True`` (reason ``ManuallyTriggered``) through the status
subresource; cert-manager's trigger controller then issues a new certificate.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any, Mapping

from homelab_tui.actions.base import (Action, ActionContext, ActionError, Outcome, Plan, Progress, RefusedError,
                                      Target)
from homelab_tui.actions.kube_ops import (MERGE_PATCH, get_object, object_path, resource_version, retry_conflicts,
                                          wait_for)
from homelab_tui.model.objects import parse_time

REASON = "ManuallyTriggered"
MESSAGE = "Certificate re-issuance manually triggered"


def _conditions(cert: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [dict(c) for c in (cert.get("status") or {}).get("conditions") or [] if isinstance(c, Mapping)]


def _condition(cert: Mapping[str, Any], ctype: str) -> dict[str, Any] | None:
    return next((c for c in _conditions(cert) if c.get("type") == ctype), None)


def issuing_conditions(cert: Mapping[str, Any], now: dt.datetime) -> list[dict[str, Any]]:
    """The full conditions list with ``Issuing=True`` added or replaced (cert-manager's SetCertificateCondition)."""
    stamp = now.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    generation = (cert.get("metadata") or {}).get("generation")
    new: dict[str, Any] = {"type": "Issuing", "status": "True", "reason": REASON, "message": MESSAGE,
                           "lastTransitionTime": stamp}
    if isinstance(generation, int):
        new["observedGeneration"] = generation
    out, replaced = [], False
    for cond in _conditions(cert):
        if cond.get("type") == "Issuing":
            if cond.get("status") == "True":
                new["lastTransitionTime"] = cond.get("lastTransitionTime", stamp)
            out.append(new)
            replaced = True
        else:
            out.append(cond)
    if not replaced:
        out.append(new)
    return out


def renewal_state(cert: Mapping[str, Any], old_not_after: str, started: float) -> tuple[bool, str]:
    """(done, message) while following a renewal; raises ActionError when it failed."""
    status = cert.get("status") or {}
    issuing = _condition(cert, "Issuing") or {}
    ready = _condition(cert, "Ready") or {}
    not_after = str(status.get("notAfter") or "")
    if issuing.get("status") == "False" and issuing.get("reason") == "Failed":
        raise ActionError(f"renewal failed: {issuing.get('message') or 'no message'}")
    if issuing.get("status") == "True":
        return False, f"issuing: {issuing.get('message') or issuing.get('reason') or ''}".strip()
    if ready.get("status") == "True" and not_after and not_after != old_not_after:
        return True, f"Ready, new notAfter {not_after}"
    failed_at = parse_time(status.get("lastFailureTime"))
    if failed_at is not None and failed_at >= started - 1:
        raise ActionError(f"renewal failed: {ready.get('message') or 'see the CertificateRequest events'}")
    return False, f"waiting: Ready={ready.get('status', 'Unknown')} {ready.get('reason', '')}".strip()


class CertRenewAction(Action):
    id = "cert-renew"
    label = "Renew certificate"
    kinds = frozenset({"Certificate"})

    def _plan(self, ctx: ActionContext, target: Target, **params: Any) -> Plan:
        cert = get_object(ctx.api, target)
        issuing = _condition(cert, "Issuing")
        if issuing and issuing.get("status") == "True":
            raise RefusedError(f"{target} is already being issued ({issuing.get('reason')}); nothing to trigger")
        status = cert.get("status") or {}
        not_after = str(status.get("notAfter") or "")
        spec = cert.get("spec") or {}
        issuer = (spec.get("issuerRef") or {}).get("name", "")
        changes = (f"status condition Issuing=True, reason {REASON} (as cmctl renew)",
                   f"cert-manager issues a new certificate from {issuer or 'its issuer'} into secret "
                   f"{spec.get('secretName', '?')} (current notAfter {not_after or 'unknown'})")
        warnings = ("Let's Encrypt rate limits: 5 duplicate certificates per week",) if "letsencrypt" in issuer else ()
        return Plan(self.id, target, f"Renew {target}", changes, warnings,
                    details={"old_not_after": not_after, "issuer": issuer})

    def _execute(self, ctx: ActionContext, plan: Plan, progress: Progress, cancel: threading.Event) -> Outcome:
        target = plan.target
        started = ctx.clock()
        now = dt.datetime.fromtimestamp(started, dt.timezone.utc)
        old_not_after = str(plan.details.get("old_not_after") or "")

        def trigger() -> Any:
            cert = get_object(ctx.api, target)
            body = {"metadata": {"resourceVersion": resource_version(cert)},
                    "status": {"conditions": issuing_conditions(cert, now)}}
            return ctx.api.patch(object_path(target, "status"), body, MERGE_PATCH)

        progress(f"triggering the renewal of {target}")
        retry_conflicts(trigger, what=f"renew {target}")
        line = wait_for(ctx, lambda: renewal_state(get_object(ctx.api, target), old_not_after, started),
                        timeout=ctx.wait_timeout, what=f"{target} to be re-issued", progress=progress, cancel=cancel)
        not_after = str((get_object(ctx.api, target).get("status") or {}).get("notAfter") or "")
        return Outcome(True, "ok", f"renewed {target}: {line}", details={"new_not_after": not_after})
