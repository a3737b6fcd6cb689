"""Workload objects for one :class:`~homelab_tui.demo.seed_apps.App`: the workload, its ReplicaSet and pods,
Service, PVCs and PVs and its ``{app}-secrets`` Secret."""

from __future__ import annotations

import copy
import hashlib

from homelab_tui.demo import controllers
from homelab_tui.demo.podgen import CRASHLOOP as POD_CRASHLOOP
from homelab_tui.demo.podgen import READY, make_pod, replica_set, template_hash
from homelab_tui.demo.seed_apps import App, Volume
from homelab_tui.demo.seed_util import CRASHLOOP, GROWTH_PER_DAY, USED_FRACTION, Gen, b64, recommended

#: workloads whose Services are written by seed_extras (Traefik's LoadBalancer, CoreDNS's kube-dns)
OWN_SERVICES = {"traefik", "coredns"}
PROVISIONERS = {"nfs-client": "cluster.local/nfs-subdir-external-provisioner", "local-path": "rancher.io/local-path"}


def app_labels(app: App) -> dict:
    labels = recommended(app.app, app.component, app.managed_by)
    if app.managed_by == "Helm":  # Bitnami charts: instance is the release name, plus the chart label
        labels.update({"app.kubernetes.io/instance": app.name, "helm.sh/chart": "postgresql-16.7.4"})
    return labels


def selector(app: App) -> dict:
    labels = app_labels(app)
    return {k: labels[k] for k in ("app.kubernetes.io/name", "app.kubernetes.io/instance")}


def _container(app: App) -> dict:
    c: dict = {"name": app.app if app.kind != "DaemonSet" else app.component, "image": app.image,
               "ports": [{"name": "http" if app.port not in (53,) else "dns", "containerPort": app.port,
                          "protocol": "UDP" if app.port == 53 else "TCP"}],
               "resources": {"requests": {"cpu": app.cpu, "memory": app.memory}, "limits": {"memory": app.memory}}}
    env = [{"name": k, "value": v} for k, v in app.env]
    env += [{"name": k, "valueFrom": {"secretKeyRef": {"name": s, "key": key}}} for k, s, key in app.secret_env]
    if env:
        c["env"] = env
    extra = copy.deepcopy(app.container)
    mounts = extra.pop("volumeMounts", []) + [{"name": v.name, "mountPath": v.mount_path} for v in app.volumes]
    c.update(extra)
    if mounts:
        c["volumeMounts"] = mounts
    return c


def pod_template(app: App) -> dict:
    pod = copy.deepcopy(app.pod)
    volumes = pod.pop("volumes", [])
    if app.kind != "StatefulSet":
        volumes += [{"name": v.name, "persistentVolumeClaim": {"claimName": v.name}} for v in app.volumes]
    spec: dict = {"containers": [_container(app)], **pod}
    if volumes:
        spec["volumes"] = volumes
    if app.node:
        spec["nodeSelector"] = {"kubernetes.io/hostname": app.node}
    return {"metadata": {"labels": app_labels(app)}, "spec": spec}


def workload_objects(app: App, gen: Gen, nodes: tuple[str, ...] = controllers.ALL_NODES,
                     placement: controllers.Placement | None = None) -> list[dict]:
    """The workload and everything it owns, with statuses that agree with each other; ``nodes`` run its
    DaemonSet pods, ``placement`` (``--scale`` > 1) schedules the pods no hostname pins."""
    labels = app_labels(app)
    template = pod_template(app)
    md = gen.md(app.name, app.namespace, labels, days=45)
    md["generation"] = 1
    if app.crashloop:
        md["annotations"] = {CRASHLOOP: "true"}
    spec: dict = {"selector": {"matchLabels": selector(app)}, "template": template, "revisionHistoryLimit": 10}
    if app.kind != "DaemonSet":
        spec["replicas"] = app.replicas
    if app.kind == "Deployment":
        spec["strategy"] = ({"type": "Recreate"} if app.strategy == "Recreate" else
                            {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}})
        spec["progressDeadlineSeconds"] = 600
        md["annotations"] = {**md.get("annotations", {}), "deployment.kubernetes.io/revision": "1"}
    elif app.kind == "StatefulSet":
        spec.update(serviceName=app.name, podManagementPolicy="OrderedReady",
                    updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                    volumeClaimTemplates=[_claim_template(v, app) for v in app.volumes])
    else:
        spec["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    obj = {"apiVersion": "apps/v1", "kind": app.kind, "metadata": md, "spec": spec, "status": {}}
    pods, owned = _pods(app, obj, gen, nodes, placement)
    when = gen.ago(days=2)
    if app.kind == "Deployment":
        rs = owned[0]
        obj["status"] = controllers.deployment_status(obj, pods, rs["metadata"]["name"], when)
    elif app.kind == "StatefulSet":
        obj["status"] = controllers.statefulset_status(obj, pods, when)
    else:
        obj["status"] = controllers.daemonset_status(obj, pods, len(nodes))
    out = [obj, *owned, *pods]
    if app.kind != "DaemonSet" and app.name not in OWN_SERVICES:
        out.append(service(app, gen))
    out += _claims(app, gen)
    return out


def _node(template: dict, name: str, placement: controllers.Placement | None) -> str:
    return (placement.place(template) if placement else None) or controllers.schedule(template, name)


def _pods(app: App, obj: dict, gen: Gen, nodes: tuple[str, ...],
          placement: controllers.Placement | None) -> tuple[list[dict], list[dict]]:
    h = template_hash(obj["spec"]["template"])
    state = POD_CRASHLOOP if app.crashloop else READY
    restarts = 37 if app.crashloop else 0
    pods: list[dict] = []
    if app.kind == "Deployment":
        rs = replica_set(obj, h, app.replicas, gen.now, uid=gen.uid())
        rs["metadata"]["creationTimestamp"] = obj["metadata"]["creationTimestamp"]
        for _ in range(app.replicas):
            name = f"{rs['metadata']['name']}-{gen.suffix()}"
            pods.append(make_pod(rs, name, rs["spec"]["template"], _node(obj["spec"]["template"], name, placement),
                                 gen.now, state, uid=gen.uid(), restarts=restarts))
        rs["status"] = controllers.replicaset_status(rs, pods)
        owned = [rs]
    elif app.kind == "StatefulSet":
        rev = f"{app.name}-{h}"
        for i in range(app.replicas):
            name = f"{app.name}-{i}"
            pod = make_pod(obj, name, obj["spec"]["template"], _node(obj["spec"]["template"], name, placement),
                           gen.now, state, extra_labels={"controller-revision-hash": rev,
                                                         "statefulset.kubernetes.io/pod-name": name,
                                                         "apps.kubernetes.io/pod-index": str(i)},
                           uid=gen.uid(), restarts=restarts)
            pod["spec"].update(hostname=name, subdomain=app.name)
            pod["spec"]["volumes"] = pod["spec"].get("volumes", []) + [
                {"name": v.name, "persistentVolumeClaim": {"claimName": f"{v.name}-{name}"}} for v in app.volumes]
            pods.append(pod)
        owned = []
    else:
        for node in nodes:
            pods.append(make_pod(obj, f"{app.name}-{gen.suffix()}", obj["spec"]["template"], node, gen.now, state,
                                 extra_labels={"controller-revision-hash": h, "pod-template-generation": "1"},
                                 uid=gen.uid()))
        owned = []
    for pod in pods:
        pod["metadata"]["creationTimestamp"] = gen.ago(days=3 + gen.rng.random() * 20)
        pod["status"]["startTime"] = pod["metadata"]["creationTimestamp"]
    return pods, owned


def _claim_template(v: Volume, app: App) -> dict:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": v.name, "labels": app_labels(app)},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": v.storage_class,
                     "resources": {"requests": {"storage": v.size}}, "volumeMode": "Filesystem"}}


def _claims(app: App, gen: Gen) -> list[dict]:
    names = ([(v, f"{v.name}-{app.name}-{i}") for v in app.volumes for i in range(app.replicas)]
             if app.kind == "StatefulSet" else [(v, v.name) for v in app.volumes])
    return [obj for v, name in names for obj in claim_and_volume(app, v, name, gen)]


def claim_and_volume(app: App, v: Volume, name: str, gen: Gen) -> list[dict]:
    """A bound PVC and its dynamically provisioned PV."""
    uid = gen.uid()
    pv_name = f"pvc-{uid}"
    provisioner = PROVISIONERS[v.storage_class]
    annotations = {"pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes",
                   "volume.beta.kubernetes.io/storage-provisioner": provisioner,
                   "volume.kubernetes.io/storage-provisioner": provisioner}
    if v.storage_class == "local-path":
        annotations["volume.kubernetes.io/selected-node"] = app.node or "k3s-worker-01"
    else:  # simulated usage, read by the simulated Prometheus (local-path volumes report no stats)
        annotations[USED_FRACTION] = f"{v.used_fraction:.2f}"
        annotations[GROWTH_PER_DAY] = f"{v.growth_per_day:.4f}"
    labels = app_labels(app)
    created = gen.ago(days=40)
    pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
           "metadata": {"name": name, "namespace": app.namespace, "uid": uid, "creationTimestamp": created,
                        "labels": labels, "annotations": annotations, "finalizers": ["kubernetes.io/pvc-protection"]},
           "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": v.size}},
                    "storageClassName": v.storage_class, "volumeMode": "Filesystem", "volumeName": pv_name},
           "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": v.size}}}
    pv_spec: dict = {"capacity": {"storage": v.size}, "accessModes": ["ReadWriteOnce"],
                     "persistentVolumeReclaimPolicy": "Delete", "storageClassName": v.storage_class,
                     "volumeMode": "Filesystem",
                     "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": name,
                                  "namespace": app.namespace, "uid": uid}}
    if v.storage_class == "local-path":
        node = app.node or "k3s-worker-01"
        pv_spec["hostPath"] = {"path": f"/var/lib/rancher/k3s/storage/{pv_name}_{app.namespace}_{name}",
                               "type": "DirectoryOrCreate"}
        pv_spec["nodeAffinity"] = {"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}]}}
    else:
        pv_spec["nfs"] = {"server": "192.168.2.10", "path": f"/volume1/k8s/{app.namespace}-{name}-{pv_name}"}
    pv = {"apiVersion": "v1", "kind": "PersistentVolume",
          "metadata": {"name": pv_name, "uid": gen.uid(), "creationTimestamp": created, "labels": labels,
                       "annotations": {"pv.kubernetes.io/provisioned-by": provisioner},
                       "finalizers": ["kubernetes.io/pv-protection"]},
          "spec": pv_spec, "status": {"phase": "Bound"}}
    return [pvc, pv]


def service(app: App, gen: Gen) -> dict:
    n = int(hashlib.sha256(f"{app.namespace}/{app.name}".encode()).hexdigest()[:8], 16)
    ip = f"10.43.{(n >> 8) % 254 + 1}.{n % 254 + 1}"
    spec: dict = {"selector": selector(app), "type": "ClusterIP", "clusterIP": ip, "clusterIPs": [ip],
                  "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "sessionAffinity": "None",
                  "internalTrafficPolicy": "Cluster",
                  "ports": [{"name": "http", "port": app.port, "targetPort": "http", "protocol": "TCP"}]}
    if app.kind == "StatefulSet" and app.name != "postgresql":
        spec["publishNotReadyAddresses"] = False
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": gen.md(app.name, app.namespace, app_labels(app), days=45),
            "spec": spec, "status": {"loadBalancer": {}}}


def app_secret(app: App, gen: Gen) -> dict | None:
    """The ``{app}-secrets`` Opaque Secret with fake values."""
    if not app.secret_keys:
        return None
    data = {k: b64(f"demo-{k.lower().replace('_', '-')}-{gen.suffix(12)}") for k in app.secret_keys}
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": gen.md(f"{app.app}-secrets", app.namespace, recommended(app.app, "secrets"), days=60),
            "data": data}
