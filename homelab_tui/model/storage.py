"""Storage: PVC rows with usage from Prometheus, and StorageClasses.

Honest about what kubelet volume stats can say:

* ``local-path`` volumes report no ``kubelet_volume_stats_*``: their usage is
  "not reported" (percent None, never 0 %);
* NFS (``nfs-client``) volumes report the whole share, not the claim: when the
  reported capacity is far above the request the figure is flagged
  "share-wide figure" (and still judged: a full share fills the claim too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from homelab_tui.config import Settings
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.health import Finding, State, worst
from homelab_tui.model.metrics import MetricsData, VolumeStats
from homelab_tui.model.objects import (
    annotations_of, as_list, as_map, as_str, find, name_of, namespace_of, spec_of, status_of,
)
from homelab_tui.model.quantity import parse_quantity

LOCAL_PATH = "local-path"
NFS_CLASS = "nfs-client"
SELECTED_NODE = "volume.kubernetes.io/selected-node"
DEFAULT_CLASS_ANNOTATIONS = ("storageclass.kubernetes.io/is-default-class",
                             "storageclass.beta.kubernetes.io/is-default-class")
#: a reported capacity above this multiple of the request is the whole NFS share
SHARE_FACTOR = 1.5
#: days-until-full below this is a warning
FULL_SOON_DAYS = 7.0

NOT_REPORTED = "not reported"
SHARE_WIDE = "share-wide figure"
NO_METRICS = "no metrics"


@dataclass(frozen=True)
class PvcRow:
    namespace: str
    name: str
    storage_class: str
    requested_bytes: float | None
    requested: str  # as written, e.g. "10Gi"
    phase: str
    volume: str  # bound PV name
    node: str  # for local-path volumes
    used_bytes: float | None
    capacity_bytes: float | None
    #: None when not reported: show "not reported", never 0 %
    percent: float | None
    days_until_full: float | None
    #: honesty flags: "not reported", "share-wide figure", "no metrics"
    flags: tuple[str, ...]
    state: State
    reason: str

    @property
    def local(self) -> bool:
        return self.storage_class == LOCAL_PATH


@dataclass(frozen=True)
class StorageClassRow:
    name: str
    provisioner: str
    is_default: bool
    reclaim_policy: str
    binding_mode: str
    allow_expansion: bool


def pvc_storage_class(pvc: object, cluster: ClusterState) -> str:
    explicit = spec_of(pvc).get("storageClassName")
    if isinstance(explicit, str):
        return explicit
    default = next((c for c in storage_classes(cluster) if c.is_default), None)
    return default.name if default else ""


def _pv_node(pv: object) -> str:
    required = as_map(as_map(spec_of(pv).get("nodeAffinity")).get("required"))
    for term in as_list(required.get("nodeSelectorTerms")):
        for expr in as_list(as_map(term).get("matchExpressions")):
            expr = as_map(expr)
            values = as_list(expr.get("values"))
            if expr.get("key") == "kubernetes.io/hostname" and values:
                return as_str(values[0])
    return ""


def _is_local(storage_class: str, pv: object | None) -> bool:
    if storage_class == LOCAL_PATH:
        return True
    spec = spec_of(pv) if pv is not None else {}
    return bool(spec.get("local")) or as_str(spec.get("storageClassName")) == LOCAL_PATH


def _is_nfs(storage_class: str, pv: object | None) -> bool:
    return storage_class == NFS_CLASS or bool(pv is not None and spec_of(pv).get("nfs"))


@dataclass(frozen=True, slots=True)
class _PvcBase:
    """What a PVC's row takes from the cluster alone (no metrics, no clock): once per cluster state."""

    namespace: str
    name: str
    requested: str
    requested_bytes: float | None
    storage_class: str
    volume: str
    local: bool
    nfs: bool
    node: str
    phase: str


def _pvc_base(pvc: object, cluster: ClusterState, volumes: Mapping[str, Any] | None) -> _PvcBase:
    spec = spec_of(pvc)
    requested = as_str(as_map(as_map(spec.get("resources")).get("requests")).get("storage"))
    sc = pvc_storage_class(pvc, cluster)
    volume = as_str(spec.get("volumeName"))
    if volumes is None:
        pv = find(cluster, "persistentvolumes", None, volume) if volume else None
    else:
        pv = volumes.get(volume) if volume else None
    local = _is_local(sc, pv)
    node = (_pv_node(pv) if pv is not None else "") or as_str(annotations_of(pvc).get(SELECTED_NODE))
    return _PvcBase(
        namespace=namespace_of(pvc), name=name_of(pvc), requested=requested,
        requested_bytes=parse_quantity(requested) if requested else None, storage_class=sc, volume=volume,
        local=local, nfs=_is_nfs(sc, pv), node=node if local else "",
        phase=as_str(status_of(pvc).get("phase")) or "Unknown")


def pvc_row(pvc: object, cluster: ClusterState, metrics: MetricsData | None, settings: Settings,
            volumes: Mapping[str, Any] | None = None) -> PvcRow:
    """One PVC's row; ``volumes`` (PV name -> PV) saves a scan per claim when building many rows."""
    return _row(_pvc_base(pvc, cluster, volumes), metrics, settings)


def _row(base: _PvcBase, metrics: MetricsData | None, settings: Settings) -> PvcRow:
    ns, name, phase, requested_bytes = base.namespace, base.name, base.phase, base.requested_bytes
    stats: VolumeStats | None = metrics.volumes.get((ns, name)) if metrics is not None else None
    flags: list[str] = []
    used = capacity = percent = days = None
    if stats is not None and stats.capacity_bytes > 0:
        used, capacity, percent = stats.used_bytes, stats.capacity_bytes, stats.percent
        days = stats.days_until_full
        if base.nfs and requested_bytes and capacity > SHARE_FACTOR * requested_bytes:
            flags.append(SHARE_WIDE)
    elif base.local:
        flags.append(NOT_REPORTED)
    elif metrics is not None and phase == "Bound":
        flags.append(NO_METRICS)
    findings = _judge(ns, name, phase, percent, days, flags, settings)
    top = max(findings, key=lambda f: f.state.rank, default=None)
    return PvcRow(
        namespace=ns, name=name, storage_class=base.storage_class, requested_bytes=requested_bytes,
        requested=base.requested, phase=phase, volume=base.volume, node=base.node,
        used_bytes=used, capacity_bytes=capacity, percent=percent, days_until_full=days, flags=tuple(flags),
        state=worst(f.state for f in findings), reason=top.reason if top else _ok_reason(percent, flags))


def _judge(ns: str, name: str, phase: str, percent: float | None, days: float | None, flags: list[str],
           settings: Settings) -> list[Finding]:
    t = settings.thresholds
    subject = f"{ns}/{name}"
    where = f" ({SHARE_WIDE})" if SHARE_WIDE in flags else ""
    out: list[Finding] = []
    if phase == "Lost":
        out.append(Finding(State.FAIL, subject, "volume Lost"))
    elif phase == "Pending":
        out.append(Finding(State.WARN, subject, "Pending (not bound)"))
    if percent is not None:
        if percent >= t.pvc_fail_percent:
            out.append(Finding(State.FAIL, subject, f"{percent:.0f} % full{where}"))
        elif percent >= t.pvc_warn_percent:
            out.append(Finding(State.WARN, subject, f"{percent:.0f} % full{where}"))
    if days is not None and days < FULL_SOON_DAYS:
        out.append(Finding(State.WARN, subject, f"full in {days:.1f} d"))
    return out


def _ok_reason(percent: float | None, flags: list[str]) -> str:
    if percent is not None:
        return f"{percent:.0f} % used"
    return flags[0] if flags else ""


def pvc_rows(cluster: ClusterState, metrics: MetricsData | None, settings: Settings) -> tuple[PvcRow, ...]:
    """Every PVC, most urgent first (state, then fullness, then namespace/name)."""
    rows = [_row(base, metrics, settings) for base in cluster.memo(("pvc_bases",), lambda: _pvc_bases(cluster))]
    rows.sort(key=lambda r: (-r.state.rank, -(r.percent if r.percent is not None else -1.0),
                             r.namespace, r.name))
    return tuple(rows)


def _pvc_bases(cluster: ClusterState) -> tuple[_PvcBase, ...]:
    volumes = {name_of(v): v for v in cluster.get("persistentvolumes")}
    return tuple(_pvc_base(p, cluster, volumes) for p in cluster.get("persistentvolumeclaims"))


def storage_findings(rows: tuple[PvcRow, ...]) -> tuple[Finding, ...]:
    return tuple(Finding(r.state, f"{r.namespace}/{r.name}", r.reason) for r in rows if r.state != State.OK)


def storage_classes(cluster: ClusterState) -> tuple[StorageClassRow, ...]:
    """StorageClasses by name, with which is the default (once per cluster state)."""
    return cluster.memo(("storage_classes",), lambda: _storage_classes(cluster))


def _storage_classes(cluster: ClusterState) -> tuple[StorageClassRow, ...]:
    rows = []
    for sc in cluster.get("storageclasses"):
        ann = annotations_of(sc)
        rows.append(StorageClassRow(
            name=name_of(sc), provisioner=as_str(as_map(sc).get("provisioner")),
            is_default=any(as_str(ann.get(a)).lower() == "true" for a in DEFAULT_CLASS_ANNOTATIONS),
            reclaim_policy=as_str(as_map(sc).get("reclaimPolicy")) or "Delete",
            binding_mode=as_str(as_map(sc).get("volumeBindingMode")) or "Immediate",
            allow_expansion=as_map(sc).get("allowVolumeExpansion") is True))
    return tuple(sorted(rows, key=lambda r: r.name))
