"""`--scale N` keeps the simulated home-lab a cluster a real scheduler could have made.

Each extra unit adds worker nodes sized as the seed's (k3s-worker-03, …); the generated apps' pods go to the
nodes with room, the least allocated first; no node holds more pods than its capacity (110) or more CPU and
memory requests than it can allocate; the GPU node keeps only the pods that 1× puts there; DaemonSets run on
every node. 1× stays exactly as it was. Every seeded object is one the simulated API server itself accepts.
"""

from __future__ import annotations

import collections
import datetime as dt

import pytest

from homelab_tui.demo import kube_write
from homelab_tui.demo.kinds import KINDS
from homelab_tui.demo.life import Life
from homelab_tui.demo.seed import build_objects
from homelab_tui.demo.store import ClusterStore
from homelab_tui.model.node_load import pod_requests
from homelab_tui.model.quantity import parse_quantity

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
SEED_NODES = ["k3s-gpu-worker", "k3s-master", "k3s-worker-01", "k3s-worker-02"]


def load(objects: list[dict]) -> dict[str, tuple[int, float, float]]:
    """Pods, CPU and memory requests per node."""
    out: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0, 0.0])
    for pod in (o for o in objects if o["kind"] == "Pod" and o["status"].get("phase") not in ("Succeeded", "Failed")):
        used, req = out[pod["spec"]["nodeName"]], pod_requests(pod)
        used[0], used[1], used[2] = used[0] + 1, used[1] + req.cpu, used[2] + req.memory
    return {node: (int(u[0]), u[1], u[2]) for node, u in out.items()}


def assert_plausible(objects: list[dict]) -> None:
    nodes = {o["metadata"]["name"]: o["status"]["allocatable"] for o in objects if o["kind"] == "Node"}
    for node, (pods, cpu, memory) in load(objects).items():
        alloc = nodes[node]
        assert pods <= int(alloc["pods"]), f"{node}: {pods} pods"
        assert cpu <= parse_quantity(alloc["cpu"]), f"{node}: {cpu} CPU requested"
        assert memory <= parse_quantity(alloc["memory"]), f"{node}: {memory} B requested"


def on_gpu_node(objects: list[dict]) -> list[str]:
    return sorted(f'{p["metadata"]["namespace"]}/{p["metadata"]["labels"].get("app.kubernetes.io/instance")}'
                  for p in objects if p["kind"] == "Pod" and p["spec"]["nodeName"] == SEED_NODES[0])


def test_one_times_keeps_the_seeds_four_nodes():
    nodes = sorted(o["metadata"]["name"] for o in build_objects(NOW) if o["kind"] == "Node")
    assert nodes == SEED_NODES


@pytest.mark.parametrize("scale", [2, 10])
def test_a_scaled_cluster_fits_its_nodes(scale):
    objects = build_objects(NOW, scale=scale)
    names = [o["metadata"]["name"] for o in objects if o["kind"] == "Node"]
    assert names[4:] == [f"k3s-worker-{i:02d}" for i in range(3, 3 + 4 * (scale - 1))]
    assert_plausible(objects)
    assert on_gpu_node(objects) == on_gpu_node(build_objects(NOW))
    for ds in (o for o in objects if o["kind"] == "DaemonSet"):
        assert ds["status"]["desiredNumberScheduled"] == len(names)
    counts = collections.Counter(o["kind"] for o in objects)
    assert counts["Pod"] >= 300 * (scale - 1)  # bench/run.py: 10× is about 3,000 pods


def test_pods_made_later_go_to_a_node_with_room():
    store = ClusterStore(build_objects(NOW, scale=2))
    life = Life(store, clock=lambda: NOW)
    life.follow()
    store.mutate("deployments", "apps", "tenant102-web", lambda d: d["spec"].update(replicas=300))
    for _ in range(3):
        life.tick()
    objects = [o for key in ("pods", "nodes") for o in store.list(key)[0]]
    made = [p for p in objects if p["kind"] == "Pod"
            and p["metadata"]["labels"].get("app.kubernetes.io/instance") == "tenant102-web"]
    assert len(made) == 300
    assert SEED_NODES[0] not in {p["spec"]["nodeName"] for p in made}
    assert_plausible(objects)


@pytest.mark.parametrize("scale", [1, 2])
def test_every_seeded_object_is_one_the_api_server_accepts(scale):
    kinds = {(k.api_version, k.kind): k for k in KINDS}
    for obj in build_objects(NOW, scale=scale):
        kube_write.validate(kinds[(obj["apiVersion"], obj["kind"])], obj)
