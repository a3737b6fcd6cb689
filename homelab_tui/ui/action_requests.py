"""Turn a screen's selection into an :class:`ActionRequest` (or the one line why it cannot be).

Pure functions over the watch cache (no I/O), so the screens' ``action_request`` stay one-liners.
"""

from __future__ import annotations

from homelab_tui.actions import registry
from homelab_tui.actions.base import Target
from homelab_tui.actions.gpu_mode import gpu_target, resume_offers
from homelab_tui.actions.gpu_state import current_mode
from homelab_tui.actions.secret_info import CERT_MANAGER_KEYS, SecretInfo
from homelab_tui.config import Settings
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.gpu import derive_gpu_mode
from homelab_tui.model.gpu_switch import pending_in
from homelab_tui.ui.action_types import ActionRequest

#: ClusterState keys of the workload kinds
WORKLOAD_KEYS = {"Deployment": "deployments", "StatefulSet": "statefulsets", "DaemonSet": "daemonsets"}


def workload_request(action_id: str, kind: str, namespace: str, name: str,
                     cluster: ClusterState | None) -> ActionRequest | str:
    """Restart or scale a workload row; the scale count is pre-filled with ``spec.replicas``."""
    action = registry.get(action_id)
    if not action.applies_to(kind):
        kinds = "/".join(sorted(action.kinds))
        return f"{action.label} applies to {kinds} rows, not to {kind} {name}"
    defaults: dict[str, str] = {}
    if action_id == "scale" and cluster is not None:
        obj = cluster.find(WORKLOAD_KEYS[kind], namespace, name)
        replicas = ((obj or {}).get("spec") or {}).get("replicas")
        if isinstance(replicas, int):
            defaults["replicas"] = str(replicas)
    return ActionRequest(action_id, Target(kind, namespace, name), defaults=defaults)


def secret_request(info: SecretInfo | None) -> ActionRequest | str:
    """Patch one key of a secret: the existing keys are suggested, the warnings shown first."""
    if info is None:
        return "select a secret first"
    keys = ", ".join(f"{k.key} ({k.size} B, {k.fingerprint})" for k in info.keys) or "none"
    # said before the value is typed: the plan refuses these keys (actions/secret_info.tls_patch_checks)
    owned = (f"⚠ {', '.join(sorted(CERT_MANAGER_KEYS))} are written by cert-manager (Certificate "
             f"{info.certificate}): a patch of them is refused — renew the certificate with R (screen 3)",
             ) if info.certificate else ()
    hints = (f"Keys: {keys}", *owned, *(f"⚠ {w}" for w in info.warnings),
             "Type an existing key to replace its value, or a new one; the value is typed twice.")
    return ActionRequest("secret-patch", Target("Secret", info.namespace, info.name),
                         choices={"key": tuple((k.key, k.key) for k in info.keys)}, hints=hints)


def gpu_request(cluster: ClusterState | None, settings: Settings, now: float) -> ActionRequest | str:
    """Switch the GPU mode; a half-done switch offers only to finish it or roll it back."""
    if cluster is None:
        return "waiting for data from Kubernetes"
    gpu = settings.gpu
    pending = pending_in(cluster, gpu)
    if pending is not None:
        offers = resume_offers(pending, settings)
        choices = tuple((str(f.params["mode"]), f.label) for f in offers)
        return ActionRequest("gpu-mode", gpu_target(settings), choices={"mode": choices},
                             defaults={"mode": choices[0][0]} if choices else {},
                             hints=(f"⚠ {pending.describe()}: finish it or roll it back.",))
    current = current_mode(derive_gpu_mode(cluster, settings, now))
    choices = tuple((m.name, f"{m.name} — {m.deployment or 'GPU free (vLLM off)'}"
                     + ("  (current)" if m.name == current else "")) for m in gpu.modes)
    default = next((m.name for m in gpu.modes if m.name != current), gpu.modes[0].name if gpu.modes else "")
    return ActionRequest("gpu-mode", gpu_target(settings), choices={"mode": choices}, defaults={"mode": default},
                         hints=(f"Current mode: {current or 'none / mixed'}. The running vLLM stops before "
                                "the other starts (never both on the GPU).",))


def certificate_request(certificate: str) -> ActionRequest | str:
    """Renew a Certificate given as ``namespace/name``."""
    namespace, _, name = certificate.partition("/")
    if not name:
        return "no cert-manager Certificate behind this row"
    return ActionRequest("cert-renew", Target("Certificate", namespace, name))


def pending_notice(cluster: ClusterState, settings: Settings) -> str | None:
    """The GPU screen's line about a half-done switch (from the watch cache), or None."""
    pending = pending_in(cluster, settings.gpu)
    if pending is None:
        return None
    offers = " or ".join(f.label.lower() for f in resume_offers(pending, settings)) or "look at the deployments"
    return f"⚠ the switch above is not finished — press g to {offers}"
