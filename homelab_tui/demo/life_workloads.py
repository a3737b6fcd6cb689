"""Deployment, StatefulSet and DaemonSet controllers of the simulation: one transition per call."""

from __future__ import annotations

import copy
import datetime as dt
import uuid

from homelab_tui.demo import controllers as ctl
from homelab_tui.demo.life_events import EventWriter
from homelab_tui.demo.podgen import CRASHLOOP, FINISHED, PENDING, READY, STARTING, make_pod, pod_state, \
    replica_set, safe_encode, set_pod_state, template_hash
from homelab_tui.demo.seed_util import CRASHLOOP as CRASHLOOP_MARK
from homelab_tui.demo.seed_util import GROWTH_PER_DAY, USED_FRACTION
from homelab_tui.demo.seed_workloads import PROVISIONERS
from homelab_tui.demo.store import ClusterStore, rfc3339
from homelab_tui.model.node_load import Requests, pod_requests

NEXT = {PENDING: STARTING, STARTING: READY}


def _owned_by(obj: dict, uids: set[str]) -> bool:
    return any(ref.get("uid") in uids for ref in obj["metadata"].get("ownerReferences") or [])


def _suffix(seed: str) -> str:
    return safe_encode(seed, 5)


class Controllers:
    def __init__(self, store: ClusterStore) -> None:
        self.store = store
        self.events = EventWriter(store)
        self._serial = 0
        self._requests: dict[str, Requests] = {}  # pods' effective requests by uid, for scheduling

    # ------------------------------------------------------------------ shared pod steps

    def reconcile(self, key: str, ns: str, name: str, now: dt.datetime) -> bool:
        """Move one step; True when the object needs another look even without a change."""
        if key == "deployments":
            self._deployment(ns, name, now)
        elif key == "statefulsets":
            self._statefulset(ns, name, now)
        elif key == "daemonsets":
            self._daemonset(ns, name, now)
        elif key == "pods":
            pod = self.store.get("pods", ns, name)
            if pod is not None and not pod["metadata"].get("ownerReferences"):
                self._settle([pod], now, crashloop=False)
        return False

    def _settle(self, pods: list[dict], now: dt.datetime, crashloop: bool, *,
                remake_finished: bool = False) -> list[dict]:
        """Delete pods that were Terminating, advance the others one state; returns the living pods.

        A finished pod (completed, evicted) is never advanced and is not living: a ReplicaSet keeps it (until
        the pod garbage collector, as K3s does) and makes a replacement; a StatefulSet or DaemonSet deletes it
        to make it again (``remake_finished``)."""
        alive = []
        for pod in pods:
            md = pod["metadata"]
            if md.get("deletionTimestamp"):
                self.store.delete("pods", md["namespace"], md["name"])
                continue
            state = pod_state(pod)
            if state == FINISHED:
                if remake_finished:
                    self.store.delete("pods", md["namespace"], md["name"])
                continue
            if state in NEXT:
                target = CRASHLOOP if crashloop and state == STARTING else NEXT[state]
                restarts = 6 if target == CRASHLOOP else 0
                pod = self.store.mutate("pods", md["namespace"], md["name"],
                                        lambda p, t=target, r=restarts: set_pod_state(p, t, now, r))
                self._pod_event(pod, state, target, now)
            alive.append(pod)
        return alive

    def _pod_event(self, pod: dict, before: str, after: str, now: dt.datetime) -> None:
        c = pod["spec"]["containers"][0]
        if before == PENDING:
            self.events.emit(pod, "Pulled", f'Successfully pulled image "{c["image"]}"', now)
            self.events.emit(pod, "Started", f"Started container {c['name']}", now)
        elif after == CRASHLOOP:
            md = pod["metadata"]
            self.events.emit(pod, "BackOff", f"Back-off restarting failed container {c['name']} in pod "
                             f"{md['name']}_{md['namespace']}({md['uid']})", now, warning=True)

    def _create_pod(self, owner: dict, name: str, template: dict, now: dt.datetime, node: str | None = None,
                    labels: dict | None = None) -> dict:
        node = node or self._schedule(template, name)
        pod = self.store.put("pods", make_pod(owner, name, template, node, now, PENDING, extra_labels=labels))
        self.events.emit(pod, "Scheduled", f"Successfully assigned {pod['metadata']['namespace']}/{name} to {node}",
                         now, component="default-scheduler")
        return pod

    def _nodes(self) -> tuple[str, ...]:
        """The seed's four nodes, then the workers ``--scale`` added (k3s-worker-03, …)."""
        extra = sorted(n["metadata"]["name"] for n in self.store.view("nodes")[0]
                       if n["metadata"]["name"] not in ctl.ALL_NODES)
        return ctl.ALL_NODES + tuple(extra)

    def _schedule(self, template: dict, name: str) -> str:
        """The seed's stable pick (1×, or a pod a hostname pins); in a cluster ``--scale`` made larger, the
        scheduler's choice over the nodes and the pods now bound to them (the stable pick if none has room)."""
        nodes = self.store.view("nodes")[0]
        if len(nodes) <= len(ctl.ALL_NODES) or "kubernetes.io/hostname" in template["spec"].get("nodeSelector", {}):
            return ctl.schedule(template, name)
        pods = self.store.view("pods")[0]
        known = {p["metadata"]["uid"] for p in pods}
        self._requests = {uid: r for uid, r in self._requests.items() if uid in known}
        placement = ctl.Placement(nodes, pods, self._pod_requests)
        return placement.place(template) or ctl.schedule(template, name)

    def _pod_requests(self, pod: dict) -> Requests:
        uid = pod["metadata"]["uid"]
        if uid not in self._requests:
            self._requests[uid] = pod_requests(pod)
        return self._requests[uid]

    def _terminate(self, pod: dict, now: dt.datetime) -> dict:
        md = pod["metadata"]

        def mark(p: dict) -> None:
            p["metadata"]["deletionTimestamp"] = rfc3339(now)
            p["metadata"]["deletionGracePeriodSeconds"] = 30

        pod = self.store.mutate("pods", md["namespace"], md["name"], mark)
        self.events.emit(pod, "Killing", f"Stopping container {pod['spec']['containers'][0]['name']}", now)
        return pod

    def _write_status(self, key: str, obj: dict, status: dict) -> None:
        if obj.get("status") != status:
            md = obj["metadata"]
            self.store.mutate(key, md.get("namespace"), md["name"], lambda o: o.__setitem__("status", status))

    def _pods(self, ns: str, uids: set[str]) -> list[dict]:
        return [p for p in self.store.list("pods", ns)[0] if _owned_by(p, uids)]

    def _new_name(self, base: str) -> str:
        self._serial += 1
        return f"{base}-{_suffix(f'{base}/{self._serial}/{id(self)}')}"

    def _garbage_collect(self, ns: str, kind: str, name: str) -> None:
        """The owner is gone: remove what it owned (ReplicaSets and pods)."""
        for key in ("replicasets", "pods"):
            for obj in self.store.list(key, ns)[0]:
                refs = obj["metadata"].get("ownerReferences") or []
                if any(r["kind"] == kind and r["name"] == name for r in refs) or (
                        key == "pods" and any(r["kind"] == "ReplicaSet" and r["name"].rsplit("-", 1)[0] == name
                                              and kind == "Deployment" for r in refs)):
                    self.store.delete(key, ns, obj["metadata"]["name"])

    # ------------------------------------------------------------------ Deployment

    def _deployment(self, ns: str, name: str, now: dt.datetime) -> None:
        """The deployment controller (ReplicaSet sizes, one rollout step per call, with a ScalingReplicaSet event
        per size it changes), then the ReplicaSet controller (pods to those sizes)."""
        dep = self.store.get("deployments", ns, name)
        if dep is None:
            self._garbage_collect(ns, "Deployment", name)
            return
        rss = [rs for rs in self.store.list("replicasets", ns)[0] if _owned_by(rs, {dep["metadata"]["uid"]})]
        new_rs = self._current_rs(dep, rss, now)
        if new_rs["metadata"]["uid"] not in {r["metadata"]["uid"] for r in rss}:
            rss.append(new_rs)
        rss.sort(key=lambda r: (r["metadata"]["uid"] == new_rs["metadata"]["uid"], r["metadata"]["creationTimestamp"]))
        crashloop = (dep["metadata"].get("annotations") or {}).get(CRASHLOOP_MARK) == "true"
        pods = self._settle(self._pods(ns, {r["metadata"]["uid"] for r in rss}), now, crashloop)
        owned = {r["metadata"]["uid"]: [p for p in pods if _owned_by(p, {r["metadata"]["uid"]})] for r in rss}
        sizes = ctl.rollout_sizes(dep, [(r["metadata"]["uid"], r["spec"].get("replicas", 0),
                                         sum(1 for p in owned[r["metadata"]["uid"]] if pod_state(p) == READY),
                                         bool(owned[r["metadata"]["uid"]])) for r in rss])
        for rs in rss:
            uid = rs["metadata"]["uid"]
            mine = owned[uid]
            before = rs["spec"].get("replicas", 0)
            if before != sizes[uid]:
                verb = "up" if sizes[uid] > before else "down"
                self.events.emit(dep, "ScalingReplicaSet", f"Scaled {verb} replica set {rs['metadata']['name']} "
                                 f"from {before} to {sizes[uid]}", now, component="deployment-controller")
            for _ in range(sizes[uid] - len(mine)):
                mine.append(self._create_pod(rs, self._new_name(rs["metadata"]["name"]), rs["spec"]["template"],
                                             now))
            # the ReplicaSet controller deletes the not-ready pods first, then the newest
            doomed = sorted(sorted(mine, key=lambda p: p["metadata"]["creationTimestamp"], reverse=True),
                            key=lambda p: pod_state(p) == READY)[:max(0, len(mine) - sizes[uid])]
            owned[uid] = [self._terminate(p, now) if p in doomed else p for p in mine]
            self._size_rs(dep, rs, sizes[uid], owned[uid])
        pods = [p for mine in owned.values() for p in mine]
        dep = self.store.get("deployments", ns, name) or dep
        self._write_status("deployments", dep, ctl.deployment_status(dep, pods, new_rs["metadata"]["name"],
                                                                     rfc3339(now)))

    def _current_rs(self, dep: dict, rss: list[dict], now: dt.datetime) -> dict:
        h = template_hash(dep["spec"]["template"])
        for rs in rss:
            if rs["metadata"]["labels"].get("pod-template-hash") == h:
                return rs
        revisions = [int(rs["metadata"].get("annotations", {}).get("deployment.kubernetes.io/revision", "0"))
                     for rs in rss]
        if dep["spec"].get("paused") and rss:
            return rss[revisions.index(max(revisions))]
        revision = str(max(revisions, default=0) + 1)
        rs = replica_set(dep, h, 0, now)
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = revision
        rs["status"] = {"replicas": 0, "observedGeneration": 1}
        rs = self.store.put("replicasets", rs)
        self.store.mutate("deployments", dep["metadata"]["namespace"], dep["metadata"]["name"],
                          lambda d: d["metadata"].setdefault("annotations", {}).__setitem__(
                              "deployment.kubernetes.io/revision", revision))
        return rs

    def _size_rs(self, dep: dict, rs: dict, size: int, owned: list[dict]) -> None:
        """Write a ReplicaSet's size (as the deployment controller sets it) and status."""
        current = self.store.get("replicasets", rs["metadata"]["namespace"], rs["metadata"]["name"])
        if current is None:
            return
        status = ctl.replicaset_status(current, owned)
        desired = str(ctl.desired_replicas(dep))
        if current["spec"].get("replicas", 0) != size or current.get("status") != status:
            def update(r: dict) -> None:
                r["spec"]["replicas"] = size
                r["metadata"].setdefault("annotations", {})["deployment.kubernetes.io/desired-replicas"] = desired
                r["status"] = status
            self.store.mutate("replicasets", current["metadata"]["namespace"], current["metadata"]["name"], update)

    # ------------------------------------------------------------------ StatefulSet and DaemonSet

    def _statefulset(self, ns: str, name: str, now: dt.datetime) -> None:
        sts = self.store.get("statefulsets", ns, name)
        if sts is None:
            self._garbage_collect(ns, "StatefulSet", name)
            return
        crashloop = (sts["metadata"].get("annotations") or {}).get(CRASHLOOP_MARK) == "true"
        pods = self._settle(self._pods(ns, {sts["metadata"]["uid"]}), now, crashloop, remake_finished=True)
        alive = {int(p["metadata"]["name"].rsplit("-", 1)[1]): p for p in pods if not ctl.terminating(p)}
        busy = len(alive) != len(pods) or any(pod_state(p) != READY for p in alive.values())
        desired = ctl.desired_replicas(sts)
        rev = f"{name}-{template_hash(sts['spec']['template'])}"
        if not busy:
            extra = [i for i in alive if i >= desired]
            missing = [i for i in range(desired) if i not in alive]
            stale = [i for i, p in alive.items() if p["metadata"]["labels"].get("controller-revision-hash") != rev]
            if extra:
                pods = [self._terminate(p, now) if p is alive[max(extra)] else p for p in pods]
            elif missing:
                i = min(missing)
                pod_name = f"{name}-{i}"
                template = self._claim_volumes(sts, pod_name, now)
                pod = self._create_pod(sts, pod_name, template, now, labels={
                    "controller-revision-hash": rev, "statefulset.kubernetes.io/pod-name": pod_name,
                    "apps.kubernetes.io/pod-index": str(i)})
                pods.append(pod)
            elif stale:
                pods = [self._terminate(p, now) if p is alive[max(stale)] else p for p in pods]
        self._write_status("statefulsets", sts, ctl.statefulset_status(sts, pods, rfc3339(now)))

    def _claim_volumes(self, sts: dict, pod_name: str, now: dt.datetime) -> dict:
        """Bound PVCs (and PVs) for a new StatefulSet pod from its volumeClaimTemplates; its pod template."""
        template = copy.deepcopy(sts["spec"]["template"])
        ns = sts["metadata"]["namespace"]
        for vct in sts["spec"].get("volumeClaimTemplates", []):
            claim = f"{vct['metadata']['name']}-{pod_name}"
            template["spec"].setdefault("volumes", []).append(
                {"name": vct["metadata"]["name"], "persistentVolumeClaim": {"claimName": claim}})
            if self.store.get("persistentvolumeclaims", ns, claim) is None:
                pvc, pv = bound_claim(vct, ns, claim, now)
                self.store.put("persistentvolumes", pv)
                self.store.put("persistentvolumeclaims", pvc)
        return template

    def _daemonset(self, ns: str, name: str, now: dt.datetime) -> None:
        ds = self.store.get("daemonsets", ns, name)
        if ds is None:
            self._garbage_collect(ns, "DaemonSet", name)
            return
        pods = self._settle(self._pods(ns, {ds["metadata"]["uid"]}), now, crashloop=False, remake_finished=True)
        h = template_hash(ds["spec"]["template"])
        by_node = {p["spec"]["nodeName"]: p for p in pods}
        nodes = self._nodes()
        for node in nodes:
            if node not in by_node:
                pods.append(self._create_pod(ds, self._new_name(name), ds["spec"]["template"], now, node=node,
                                             labels={"controller-revision-hash": h, "pod-template-generation":
                                                     str(ds["metadata"].get("generation", 1))}))
        busy = any(pod_state(p) != READY or ctl.terminating(p) for p in pods)
        stale = [p for p in pods if p["metadata"]["labels"].get("controller-revision-hash") != h]
        if stale and not busy:
            pods = [self._terminate(p, now) if p is stale[0] else p for p in pods]
        self._write_status("daemonsets", ds, ctl.daemonset_status(ds, pods, len(nodes)))


def bound_claim(template: dict, namespace: str, name: str, now: dt.datetime) -> tuple[dict, dict]:
    """A PVC from a volumeClaimTemplate, bound at once to a new dynamically provisioned PV (on NFS)."""
    uid = str(uuid.uuid4())
    spec = copy.deepcopy(template["spec"])
    storage_class = spec.setdefault("storageClassName", "nfs-client")
    size = spec["resources"]["requests"]["storage"]
    provisioner = PROVISIONERS.get(storage_class, storage_class)
    spec["volumeName"] = f"pvc-{uid}"
    annotations = {"pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes",
                   "volume.kubernetes.io/storage-provisioner": provisioner}
    if storage_class != "local-path":
        annotations.update({USED_FRACTION: "0.01", GROWTH_PER_DAY: "0.0050"})
    labels = dict(template["metadata"].get("labels", {}))
    pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
           "metadata": {"name": name, "namespace": namespace, "uid": uid, "labels": labels,
                        "annotations": annotations, "finalizers": ["kubernetes.io/pvc-protection"]},
           "spec": spec, "status": {"phase": "Bound", "accessModes": spec.get("accessModes", ["ReadWriteOnce"]),
                                    "capacity": {"storage": size}}}
    pv = {"apiVersion": "v1", "kind": "PersistentVolume",
          "metadata": {"name": spec["volumeName"], "labels": labels, "finalizers": ["kubernetes.io/pv-protection"],
                       "annotations": {"pv.kubernetes.io/provisioned-by": provisioner}},
          "spec": {"capacity": {"storage": size}, "accessModes": spec.get("accessModes", ["ReadWriteOnce"]),
                   "persistentVolumeReclaimPolicy": "Delete", "storageClassName": storage_class,
                   "volumeMode": "Filesystem",
                   "nfs": {"server": "192.168.2.10", "path": f"/volume1/k8s/{namespace}-{name}-{spec['volumeName']}"},
                   "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": name,
                                "namespace": namespace, "uid": uid}},
          "status": {"phase": "Bound"}}
    return pvc, pv
