"""Cluster-level objects of the home-lab: nodes, namespaces, StorageClasses, the ClusterIssuer."""

from __future__ import annotations

from homelab_tui.config import HOMELAB_NAMESPACES
from homelab_tui.demo.podgen import NODE_IPS, node_index, node_ip
from homelab_tui.demo.seed_util import Gen, recommended

K3S_VERSION = "v1.33.3+k3s1"


def node(name: str, gen: Gen) -> dict:
    gpu = name == "k3s-gpu-worker"
    master = name == "k3s-master"
    labels = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
              "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
              "node.kubernetes.io/instance-type": "k3s"}
    if master:
        labels.update({"node-role.kubernetes.io/control-plane": "true", "node-role.kubernetes.io/master": "true",
                       "node-role.kubernetes.io/etcd": "true"})
    capacity = {"cpu": "8" if gpu else "4", "memory": "32795664Ki" if gpu else "16318528Ki",
                "ephemeral-storage": "479670488Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0", "pods": "110"}
    if gpu:
        labels.update({"nvidia.com/gpu.present": "true", "nvidia.com/gpu.product": "NVIDIA-GeForce-RTX-3060",
                       "nvidia.com/gpu.memory": "12288", "nvidia.com/gpu.count": "1",
                       "nvidia.com/cuda.driver.major": "570", "feature.node.kubernetes.io/pci-10de.present": "true"})
        capacity["nvidia.com/gpu"] = "1"
    allocatable = dict(capacity, **{"ephemeral-storage": "466620519384",
                                    "memory": "32693264Ki" if gpu else "16216128Ki"})
    ip = node_ip(name)
    boot = gen.ago(days=23)
    conditions = [
        {"type": t, "status": "False", "reason": r, "message": m, "lastHeartbeatTime": gen.ago(minutes=1),
         "lastTransitionTime": boot}
        for t, r, m in (("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                        ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                        ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"))]
    conditions.append({"type": "Ready", "status": "True", "reason": "KubeletReady",
                       "message": "kubelet is posting ready status", "lastHeartbeatTime": gen.ago(minutes=1),
                       "lastTransitionTime": boot})
    md = gen.md(name, labels=labels, days=300,
                annotations={"k3s.io/node-args": '["agent"]' if not master else '["server","--cluster-init"]',
                             "k3s.io/internal-ip": ip, "node.alpha.kubernetes.io/ttl": "0",
                             "volumes.kubernetes.io/controller-managed-attach-detach": "true"})
    index = node_index(name)
    return {"apiVersion": "v1", "kind": "Node", "metadata": md,
            "spec": {"podCIDR": f"10.42.{index}.0/24", "podCIDRs": [f"10.42.{index}.0/24"],
                     "providerID": f"k3s://{name}"},
            "status": {"capacity": capacity, "allocatable": allocatable, "conditions": conditions,
                       "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
                       "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                       "nodeInfo": {"architecture": "amd64", "bootID": gen.uid(), "machineID": gen.uid().replace("-", ""),
                                    "systemUUID": gen.uid(), "containerRuntimeVersion": "containerd://2.0.5-k3s2",
                                    "kernelVersion": "6.8.0-71-generic", "kubeProxyVersion": K3S_VERSION,
                                    "kubeletVersion": K3S_VERSION, "operatingSystem": "linux",
                                    "osImage": "Ubuntu 24.04.2 LTS"},
                       "images": []}}


#: the namespaces K3s creates itself, empty in the home-lab (the Namespaces screen lists them, unjudged)
K3S_BUILTIN_NAMESPACES = ("default", "kube-node-lease", "kube-public")
#: namespaces the API server makes, so they carry no labels of the home-lab's manifests
K3S_MADE = frozenset({"kube-system", *K3S_BUILTIN_NAMESPACES})


def namespace(name: str, gen: Gen) -> dict:
    labels = {"kubernetes.io/metadata.name": name}
    if name not in K3S_MADE:
        labels.update(recommended(name, "namespace", "kubectl", instance=f"{name}-namespace"))
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": gen.md(name, labels=labels, days=300),
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}


def storage_classes(gen: Gen) -> list[dict]:
    nfs = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
           "metadata": gen.md("nfs-client", labels=recommended("nfs-subdir-external-provisioner", "storageclass", "helm"),
                              days=290, annotations={"storageclass.kubernetes.io/is-default-class": "true"}),
           "provisioner": "cluster.local/nfs-subdir-external-provisioner", "reclaimPolicy": "Delete",
           "volumeBindingMode": "Immediate", "allowVolumeExpansion": True,
           "parameters": {"archiveOnDelete": "true"}}
    local = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
             "metadata": gen.md("local-path", labels=recommended("local-path-provisioner", "storageclass"),
                                days=300),
             "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete",
             "volumeBindingMode": "WaitForFirstConsumer"}
    return [nfs, local]


def cluster_issuer(gen: Gen) -> dict:
    md = gen.md("letsencrypt-prod", labels=recommended("cert-manager", "clusterissuer", "kubectl"), days=290)
    md["generation"] = 1
    return {"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer", "metadata": md,
            "spec": {"acme": {"server": "https://acme-v02.api.letsencrypt.org/directory",
                              "email": "tom@jetzinger.com",
                              "privateKeySecretRef": {"name": "letsencrypt-prod-account-key"},
                              "solvers": [{"dns01": {"cloudflare": {"apiTokenSecretRef": {
                                  "name": "cloudflare-secrets", "key": "api-token"}}}}]}},
            "status": {"acme": {"uri": "https://acme-v02.api.letsencrypt.org/acme/acct/1843275519",
                                "lastRegisteredEmail": "tom@jetzinger.com"},
                       "conditions": [{"type": "Ready", "status": "True", "reason": "ACMEAccountRegistered",
                                       "message": "The ACME account was registered with the ACME server",
                                       "lastTransitionTime": gen.ago(days=290), "observedGeneration": 1}]}}


def builtin_namespaces(gen: Gen) -> list[dict]:
    """K3s' empty namespaces (made last, so that the rest of the seed does not depend on them)."""
    return [namespace(ns, gen) for ns in K3S_BUILTIN_NAMESPACES]


def cluster_objects(gen: Gen, extra_workers: tuple[str, ...] = ()) -> list[dict]:
    """The cluster's objects; ``extra_workers``: worker nodes added to the seed's four (``--scale`` > 1)."""
    return ([node(n, gen) for n in (*NODE_IPS, *extra_workers)] + [namespace(ns, gen) for ns in HOMELAB_NAMESPACES]
            + storage_classes(gen) + [cluster_issuer(gen)])
