"""What each node's pods request against what it can give (model/node_load.py): Kubernetes' effective-request
rule, which pods count, and the node's own facts the Nodes screen shows."""

from __future__ import annotations

import pytest

from homelab_tui.model.node_load import node_loads, pod_requests
from tests.unit.factories import container, node, pod, pod_spec, cluster

GiB = 2.0 ** 30


def resources(cpu: str | None = None, memory: str | None = None) -> dict:
    req = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    return {"requests": req}


def c(cpu: str | None = None, memory: str | None = None, **extra: object) -> dict:
    return {**container(), "resources": resources(cpu, memory), **extra}


def test_a_pod_requests_the_sum_of_its_containers() -> None:
    r = pod_requests(pod("p", spec=pod_spec([c("250m", "1Gi"), c("500m", "512Mi")])))
    assert (r.cpu, r.memory, r.gpu) == (0.75, 1.5 * GiB, 0)


def test_an_init_container_larger_than_the_app_containers_sets_the_request() -> None:
    spec = pod_spec([c("100m", "128Mi")], initContainers=[c("2", "64Mi"), c("500m", "1Gi")])
    r = pod_requests(pod("p", spec=spec))
    assert r.cpu == 2.0  # the largest init container, not the sum of the init containers (2.5)
    assert r.memory == 1 * GiB


def test_a_sidecar_adds_to_the_app_containers_and_overhead_is_added_last() -> None:
    spec = pod_spec([c("100m", "128Mi")], initContainers=[c("200m", "64Mi", restartPolicy="Always")],
                    overhead={"cpu": "50m", "memory": "32Mi"})
    r = pod_requests(pod("p", spec=spec))
    assert r.cpu == pytest.approx(0.35)
    assert r.memory == pytest.approx((128 + 64 + 32) * 2.0 ** 20)


def test_a_container_without_requests_counts_zero_and_gpus_are_counted() -> None:
    r = pod_requests(pod("p", spec=pod_spec([container(gpu=1), c(memory="1Gi")])))
    assert (r.cpu, r.memory, r.gpu) == (0.0, 1 * GiB, 1)


def test_only_bound_unfinished_pods_count_on_their_node() -> None:
    state = cluster(
        node("k3s-worker-01"), node("k3s-worker-02"),
        pod("running", spec=pod_spec([c("1", "1Gi")])),
        pod("done", phase="Succeeded", ready=False, spec=pod_spec([c("1", "1Gi")])),
        pod("evicted", phase="Failed", ready=False, spec=pod_spec([c("1", "1Gi")])),
        pod("pending", phase="Pending", ready=False, node="", spec=pod_spec([c("1", "1Gi")])),
        pod("other", node="k3s-worker-02", spec=pod_spec([c("500m")])),
    )
    loads = node_loads(state)
    one = loads["k3s-worker-01"]
    assert [p.name for p in one.pods] == ["running"]
    assert (one.requested.cpu, one.requested.memory) == (1.0, 1 * GiB)
    assert one.percent("cpu") == pytest.approx(12.5)  # 1 of the factory node's 8 cores
    assert one.percent("memory") == pytest.approx(100 / 32)
    assert [p.name for p in loads["k3s-worker-02"].pods] == ["other"]


def test_a_node_without_allocatable_figures_has_no_percentages() -> None:
    bare = node("k3s-worker-01")
    bare["status"].pop("allocatable")
    load = node_loads(cluster(bare, pod("p", spec=pod_spec([c("1")]))))["k3s-worker-01"]
    assert load.percent("cpu") is None and load.percent("memory") is None and load.percent("pods") is None
    assert load.cpu_allocatable is None and load.pod_capacity is None


def test_taints_address_gpu_product_conditions_and_system_of_a_node() -> None:
    gpu = node("k3s-gpu-worker", gpus=1)
    gpu["spec"]["taints"] = [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"},
                             {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]
    gpu["metadata"]["labels"].update({"nvidia.com/gpu.product": "NVIDIA-GeForce-RTX-3060",
                                      "nvidia.com/gpu.memory": "12288"})
    gpu["status"]["addresses"] = [{"type": "Hostname", "address": "k3s-gpu-worker"},
                                  {"type": "InternalIP", "address": "192.168.2.23"}]
    gpu["status"]["allocatable"]["pods"] = "110"
    gpu["status"]["nodeInfo"].update({"osImage": "Ubuntu 24.04.2 LTS", "kernelVersion": "6.8.0-71-generic"})
    state = cluster(gpu, pod("vllm", namespace="ml", node="k3s-gpu-worker", spec=pod_spec([container(gpu=1)])))
    load = node_loads(state)["k3s-gpu-worker"]
    assert load.taints == ("nvidia.com/gpu=present:NoSchedule", "node.kubernetes.io/unschedulable:NoSchedule")
    assert load.internal_ip == "192.168.2.23"
    assert load.gpu_product == "NVIDIA GeForce RTX 3060 · 12 GiB"
    assert (load.requested.gpu, load.gpu_allocatable, load.pod_capacity) == (1, 1, 110)
    assert load.percent("pods") == pytest.approx(100 / 110)
    assert [(x.type, x.status, x.reason) for x in load.conditions] == [("Ready", "True", "KubeletReady")]
    assert load.system == "Ubuntu 24.04.2 LTS · 6.8.0-71-generic"  # no runtime reported: not an empty part


def test_a_node_without_gpu_labels_names_no_product() -> None:
    assert node_loads(cluster(node("k3s-worker-01")))["k3s-worker-01"].gpu_product == ""


def test_a_sidecar_started_before_an_init_container_counts_during_that_init_container() -> None:
    # kubectl describe node / the scheduler: the init container runs beside the sidecar started before it
    spec = pod_spec([c("250m")], initContainers=[c("500m", restartPolicy="Always"), c("1")])
    assert pod_requests(pod("p", spec=spec)).cpu == pytest.approx(1.5)
    later = pod_spec([c("250m")], initContainers=[c("1"), c("500m", restartPolicy="Always")])
    assert pod_requests(pod("p", spec=later)).cpu == pytest.approx(1.0)  # the sidecar starts after it
