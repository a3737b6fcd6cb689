"""Inference tiers: one row per LiteLLM alias of the chain (and the extras), and who answers now.

Each alias's health is LiteLLM's verdict from the last full ``/health`` when
that is fresh (at most twice ``litellm.health_interval`` old), else the
backend deployment's state (ready > 0). A backend deployment with no ready
pod is down whatever an older ``/health`` said (the watch is live). The tier that would answer now is the
first healthy alias of the chain; a paid tier answering is flagged.

A backend scaled to 0 on purpose (e.g. ``gaming`` mode) is not a failure: the
chain falling through to Ollama is the designed behaviour.

Two ways LiteLLM cannot be read make the verdict UNKNOWN, naming the error:

* the key was rejected (``health_error`` starts with :data:`KEY_REJECTED`): LiteLLM's own verdict
  cannot be had, so the tiers are judged by their deployments only;
* the last read of the proxy failed (``llm_error`` while the data is not a "not alive" answer): every app
  goes through the proxy, so no tier is known to answer, whatever older data said. Each tier row is then
  UNKNOWN (judged by its deployment, LiteLLM's older verdict shown as stale), with one finding for them all.

A proxy that is alive but reports itself not ready (``/health/readiness``) is a WARN naming its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from homelab_tui.config import Backend, Settings
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.fallbacks import litellm_chain
from homelab_tui.model.health import Finding, State, worst
from homelab_tui.model.metrics import LiteLLMData, TierHealth, not_ready
from homelab_tui.model.objects import find
from homelab_tui.model.workloads import workload_counts

#: how the LiteLLM source begins a ``health_error`` when a keyed call was refused (401/403, or a
#: 400 "only the master key works without a database")
KEY_REJECTED = "key rejected"


@dataclass(frozen=True)
class TierRow:
    alias: str
    in_chain: bool
    #: 1-based position in the chain; None for extras
    position: int | None
    paid: bool
    deployment: str  # "ml/vllm-server" or "" (hosted tier)
    #: None when the alias has no deployment or the cluster is unknown
    ready: int | None
    desired: int | None
    litellm: TierHealth
    litellm_error: str
    #: seconds since LiteLLM's last full /health (None = never)
    litellm_age: float | None
    #: whether LiteLLM's verdict was fresh enough to be used
    litellm_fresh: bool
    #: the health used: True / False, None = cannot tell
    healthy: bool | None
    #: this tier would answer a request for the chain's first alias now
    answering: bool
    state: State
    reason: str

    @property
    def deployment_text(self) -> str:
        if not self.deployment:
            return "hosted" if self.paid else "—"
        if self.desired is None:
            return "missing" if self.ready is None else "?"
        return f"{self.ready}/{self.desired}"


@dataclass(frozen=True)
class InferenceStatus:
    rows: tuple[TierRow, ...]
    #: the alias that would answer now, None when none can
    answering: str | None
    #: whether ``answering`` rests on a known-healthy verdict (False: a guess from unknown tiers)
    answering_certain: bool
    paid_answering: bool
    state: State
    reason: str
    findings: tuple[Finding, ...] = ()
    #: why LiteLLM could not be read at the last try ("" = it could): nothing is known to answer
    unreadable: str = ""


def _counts(cluster: ClusterState | None, backend: Backend) -> tuple[int | None, int | None]:
    if cluster is None or not backend.deployment:
        return None, None
    obj = find(cluster, "deployments", backend.namespace or None, backend.deployment)
    if obj is None:
        return None, None
    return workload_counts(obj, "Deployment")


def _fresh(llm: LiteLLMData | None, settings: Settings, now: float) -> tuple[bool, float | None]:
    if llm is None or llm.health_checked_at is None:
        return False, None
    age = max(0.0, now - llm.health_checked_at)
    return age <= 2 * settings.litellm.health_interval, age


def _tried(cluster: ClusterState | None, chain: tuple[str, ...]) -> tuple[str, ...]:
    """The aliases a request for the chain's first alias is tried on: LiteLLM's own fallbacks where its
    configuration is in the cluster and readable, else the configured chain."""
    found = litellm_chain(cluster, chain[0]) if cluster is not None and chain else None
    if found is None or found.error or found.chain[:len(chain)] == chain:
        return chain
    return found.chain


def build_inference(cluster: ClusterState | None, llm: LiteLLMData | None, settings: Settings,
                    now: float, *, llm_error: str | None = None) -> InferenceStatus:
    """The tiers from the cluster and LiteLLM's last data; ``llm_error`` is the LiteLLM snapshot's error."""
    unreadable = (llm_error or "") if llm is None or llm.alive else ""
    chain = settings.inference.chain
    aliases = list(chain) + [a for a in settings.inference.extra if a not in chain]
    fresh, age = _fresh(llm, settings, now)
    fresh = fresh and not unreadable  # a verdict LiteLLM cannot confirm now is stale
    partial: list[dict] = []
    for alias in aliases:
        backend = settings.inference.backend(alias)
        ready, desired = _counts(cluster, backend)
        verdict = llm.aliases.get(alias) if llm is not None else None
        health = verdict.health if verdict is not None else TierHealth.UNKNOWN
        if ready == 0:
            healthy: bool | None = False  # no ready pod can answer, whatever an older /health said
        elif fresh and health is not TierHealth.UNKNOWN:
            healthy = health is TierHealth.HEALTHY
        elif ready is not None:
            healthy = ready > 0
        elif backend.deployment and cluster is not None:
            healthy = False  # the deployment does not exist
        else:
            healthy = None
        partial.append(dict(alias=alias, backend=backend, ready=ready, desired=desired, health=health,
                            error=verdict.error if verdict is not None else "", healthy=healthy))
    tries = _tried(cluster, chain)
    by_alias = {p["alias"]: p for p in partial}
    chain_rows = [by_alias[a] for a in tries if a in by_alias]  # in the order LiteLLM tries them
    answer = None if unreadable else next((p for p in chain_rows if p["healthy"] is True), None)
    certain = answer is not None
    if answer is None and not unreadable:
        answer = next((p for p in chain_rows if p["healthy"] is None), None)
    rows = tuple(_row(p, chain, answer, fresh, age, unreadable) for p in partial)
    # rows UNKNOWN only because LiteLLM is unreadable are covered by the one "none known to answer" finding
    findings = [Finding(r.state, r.alias, r.reason) for r in rows
                if r.state != State.OK and not (unreadable and r.state is State.UNKNOWN)]
    paid = answer is not None and answer["backend"].paid
    if llm is not None and not llm.alive:
        findings.append(Finding(State.FAIL, "LiteLLM", "proxy not alive (/health/liveliness)"))
    elif not unreadable and not_ready(llm):
        findings.append(Finding(State.WARN, "LiteLLM", f"proxy not ready (/health/readiness): {not_ready(llm)}"))
    if llm is not None and llm.health_error.startswith(KEY_REJECTED):
        findings.append(Finding(State.UNKNOWN, "LiteLLM", llm.health_error))
    if tries != chain:
        findings.append(Finding(State.WARN, "inference", f"LiteLLM's fallbacks give {' → '.join(tries)}, not "
                                                         f"{' → '.join(chain)} (ml/litellm-config)"))
    if unreadable:
        findings.append(Finding(State.UNKNOWN, "inference", f"none known to answer: {unreadable}"))
    elif answer is None:
        findings.append(Finding(State.FAIL, "inference", "no tier of the chain can answer"))
    elif paid:
        findings.append(Finding(State.WARN, "inference", f"paid tier {answer['alias']} is answering"))
    findings.sort(key=lambda f: -f.state.rank)
    state = worst(f.state for f in findings)
    if findings:
        reason = f"{findings[0].subject}: {findings[0].reason}"
    else:
        reason = f"{answer['alias']} answers" if answer else ""
    return InferenceStatus(rows=rows, answering=answer["alias"] if answer else None, answering_certain=certain,
                           paid_answering=paid, state=state, reason=reason, findings=tuple(findings),
                           unreadable=unreadable)


def _row(p: dict, chain: tuple[str, ...], answer: dict | None, fresh: bool, age: float | None,
         unreadable: str) -> TierRow:
    backend: Backend = p["backend"]
    alias = p["alias"]
    scaled_down = p["desired"] == 0
    state, reason = State.OK, "healthy" if p["healthy"] else ""
    if p["healthy"] is False:
        if scaled_down:
            reason = "scaled to 0"
        elif backend.deployment and p["ready"] is None:
            state, reason = State.WARN, f"deployment {backend.namespace}/{backend.deployment} not found"
        else:
            state, reason = State.WARN, "unhealthy" + (f": {p['error']}" if p["error"] else "")
    elif p["healthy"] is None:
        reason = "unknown"
    if unreadable and state is State.OK:
        state, reason = State.UNKNOWN, "LiteLLM unreadable" + (f"; {reason}" if reason != "healthy" else "")
    return TierRow(
        alias=alias, in_chain=alias in chain, position=chain.index(alias) + 1 if alias in chain else None,
        paid=backend.paid,
        deployment=f"{backend.namespace}/{backend.deployment}" if backend.deployment else "",
        ready=p["ready"], desired=p["desired"], litellm=p["health"], litellm_error=p["error"],
        litellm_age=age, litellm_fresh=fresh and p["health"] is not TierHealth.UNKNOWN,
        healthy=p["healthy"], answering=answer is not None and answer["alias"] == alias,
        state=state, reason=reason)
