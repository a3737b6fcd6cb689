"""Quantities, PVC rows with honest usage figures, StorageClasses."""

from __future__ import annotations

import pytest
from tests.unit.factories import cluster, pv, pvc, storage_class

from homelab_tui.config import Settings, Thresholds
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.health import State
from homelab_tui.model.metrics import MetricsData, VolumeStats
from homelab_tui.model.quantity import format_bytes, parse_quantity
from homelab_tui.model.storage import NO_METRICS, NOT_REPORTED, SHARE_WIDE, pvc_rows, storage_classes

S = Settings()
GI = 2 ** 30


@pytest.mark.parametrize("text, value", [
    ("10Gi", 10 * GI), ("500M", 500e6), ("1.5Ti", 1.5 * 2 ** 40), ("100m", 0.1), ("1e3", 1000.0),
    ("1E", 1e18), ("2Ki", 2048.0), ("5", 5.0), (".5Gi", 0.5 * GI), ("128974848", 128974848.0),
    ("12E-1", 1.2), (3, 3.0), (2.5, 2.5), ("250u", 250e-6), ("7n", 7e-9),
])
def test_parse_quantity(text, value):
    assert parse_quantity(text) == pytest.approx(value)


@pytest.mark.parametrize("bad", ["", "Gi", "10 GiB", "10gi", "ten", None, True, [], "1e", "--1"])
def test_parse_quantity_rejects(bad):
    assert parse_quantity(bad) is None


def test_format_bytes():
    assert format_bytes(None) == "—"
    assert format_bytes(512) == "512 B"
    assert format_bytes(9.5 * GI) == "9.5 GiB"


def _metrics(*stats: VolumeStats) -> MetricsData:
    return MetricsData(volumes={(s.namespace, s.pvc): s for s in stats})


def test_nfs_pvc_with_usage_and_thresholds():
    c = cluster(pvc("prometheus-db", "monitoring", "50Gi"), pvc("grafana-data", "monitoring", "10Gi"),
                pvc("loki-data", "monitoring", "50Gi"))
    m = _metrics(VolumeStats("monitoring", "prometheus-db", 46.5 * GI, 50 * GI, days_until_full=20),
                 VolumeStats("monitoring", "grafana-data", 8.8 * GI, 10 * GI),
                 VolumeStats("monitoring", "loki-data", 10 * GI, 50 * GI, days_until_full=3))
    rows = pvc_rows(c, m, S)
    by = {r.name: r for r in rows}
    assert by["prometheus-db"].percent == pytest.approx(93.0)
    assert by["prometheus-db"].state is State.WARN and by["prometheus-db"].reason == "93 % full"
    assert by["grafana-data"].state is State.WARN
    assert by["loki-data"].state is State.WARN and by["loki-data"].reason == "full in 3.0 d"
    assert by["prometheus-db"].requested_bytes == 50 * GI and by["prometheus-db"].requested == "50Gi"
    strict = Settings(thresholds=Thresholds(pvc_warn_percent=80, pvc_fail_percent=90))
    assert {r.name: r for r in pvc_rows(c, m, strict)}["prometheus-db"].state is State.FAIL
    assert rows[0].state is State.WARN and rows[0].name == "prometheus-db"  # urgent and fullest first


def test_local_path_is_not_reported_never_zero_and_shows_node():
    c = cluster(pvc("openclaw-data", storage_class="local-path", volume="pvc-1"), pv("pvc-1", "k3s-worker-01"))
    r = pvc_rows(c, _metrics(), S)[0]
    assert r.percent is None and r.used_bytes is None and NOT_REPORTED in r.flags
    assert r.node == "k3s-worker-01" and r.state is State.OK and r.reason == NOT_REPORTED
    zero = _metrics(VolumeStats("apps", "openclaw-data", 0, 0))
    assert pvc_rows(c, zero, S)[0].percent is None


def test_local_path_node_from_selected_node_annotation():
    c = cluster(pvc("x", storage_class="local-path", selected_node="k3s-worker-02"))
    assert pvc_rows(c, None, S)[0].node == "k3s-worker-02"


def test_nfs_share_wide_figure_flagged():
    c = cluster(pvc("n8n-data", size="5Gi", volume="pvc-2"), pv("pvc-2", storage_class="nfs-client", nfs=True))
    r = pvc_rows(c, _metrics(VolumeStats("apps", "n8n-data", 3000 * GI, 3500 * GI)), S)[0]
    assert SHARE_WIDE in r.flags and r.state is State.WARN and SHARE_WIDE in r.reason and r.node == ""


def test_bound_pvc_without_stats_and_phases():
    c = cluster(pvc("a"), pvc("b", phase="Pending"), pvc("c", phase="Lost"))
    rows = {r.name: r for r in pvc_rows(c, _metrics(), S)}
    assert NO_METRICS in rows["a"].flags and rows["a"].state is State.OK
    assert rows["b"].state is State.WARN and rows["c"].state is State.FAIL
    assert pvc_rows(c, None, S)[-1].flags == ()  # metrics unknown: no claim either way


def test_default_storage_class_for_pvc_without_class():
    c = cluster(pvc("a", storage_class=None), storage_class("nfs-client", default=True),
                storage_class("local-path", provisioner="rancher.io/local-path"))
    assert pvc_rows(c, None, S)[0].storage_class == "nfs-client"
    classes = storage_classes(c)
    assert [(s.name, s.is_default) for s in classes] == [("local-path", False), ("nfs-client", True)]
    assert classes[0].provisioner == "rancher.io/local-path" and classes[1].reclaim_policy == "Delete"


def test_garbage_pvc_does_not_raise():
    c = ClusterState(objects={"persistentvolumeclaims": ({}, {"spec": {"resources": None}, "status": None}),
                              "storageclasses": ({"metadata": None},)})
    rows = pvc_rows(c, _metrics(), S)
    assert all(r.requested_bytes is None for r in rows)
    assert storage_classes(c)[0].is_default is False


def test_usage_thresholds_are_inclusive():
    c = cluster(pvc("full", size="100"), pvc("nearly", size="100"), pvc("growing", size="100"))
    m = _metrics(VolumeStats("apps", "full", 95, 100), VolumeStats("apps", "nearly", 85, 100),
                 VolumeStats("apps", "growing", 10, 100, days_until_full=7.0))
    by = {r.name: r for r in pvc_rows(c, m, S)}
    assert (by["full"].state, by["full"].reason) == (State.FAIL, "95 % full")
    assert (by["nearly"].state, by["nearly"].reason) == (State.WARN, "85 % full")
    assert (by["growing"].state, by["growing"].reason) == (State.OK, "10 % used")  # full in 7.0 d: not yet soon


def test_no_metrics_flag_only_for_bound_claims():
    c = cluster(pvc("waiting", phase="Pending"))
    r = pvc_rows(c, _metrics(VolumeStats("apps", "other", 1, 10)), S)[0]
    assert r.flags == () and r.reason == "Pending (not bound)"


def test_nfs_capacity_a_little_over_the_request_is_the_claims_own_figure():
    c = cluster(pvc("n8n-data", size="10Gi", volume="pvc-2"), pv("pvc-2", storage_class="nfs-client", nfs=True))
    r = pvc_rows(c, _metrics(VolumeStats("apps", "n8n-data", 6 * GI, 12 * GI)), S)[0]
    assert r.flags == () and r.reason == "50 % used"


def test_beta_default_class_annotation_is_honoured():
    beta = storage_class("nfs-client")
    beta["metadata"]["annotations"] = {"storageclass.beta.kubernetes.io/is-default-class": "true"}
    c = cluster(pvc("a", storage_class=None), beta)
    assert storage_classes(c)[0].is_default is True
    assert pvc_rows(c, None, S)[0].storage_class == "nfs-client"
