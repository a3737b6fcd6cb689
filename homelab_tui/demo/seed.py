"""The simulated home-lab's objects, as the seed document describes the cluster.

``build_objects(now, scale, seed)`` is deterministic. ``scale`` > 1 adds generated tenant apps
(``scale=10`` gives about 3,000 pods, 400 PVCs and 150 certificates with their routes) for the
large-cluster tests.
"""

from __future__ import annotations

import datetime as dt

from homelab_tui.demo import controllers
from homelab_tui.demo.seed_apps import APPS, App, Volume
from homelab_tui.demo.seed_cluster import builtin_namespaces, cluster_objects
from homelab_tui.demo.seed_extras import config_maps, edge_services, seed_events, violations
from homelab_tui.demo.seed_network import exposure
from homelab_tui.demo.seed_util import Gen
from homelab_tui.demo.seed_workloads import app_secret, workload_objects

#: namespaces the generated apps of ``scale`` > 1 go to
BULK_NAMESPACES = ("apps", "docs", "dev")


def bulk_apps(scale: int) -> list[App]:
    """Generated apps for ``scale`` > 1: per extra unit 30 deployments x 10 pods, 45 PVCs, 15 exposed hosts."""
    out = []
    for unit in range(1, scale):
        for i in range(30):
            n = unit * 100 + i
            ns = BULK_NAMESPACES[n % len(BULK_NAMESPACES)]
            volumes = tuple(Volume(f"tenant{n}-data{j}", "nfs-client", "5Gi", 0.1 + (n * 7 + j) % 80 / 100, 0.002)
                            for j in range(1 + i % 2))
            out.append(App(ns, f"tenant{n}-web", f"tenant{n}", "web", "docker.io/library/nginx:1.29.0", 8080,
                           replicas=10, managed_by="kubectl", host=f"tenant{n}" if i % 2 == 0 else "",
                           volumes=volumes, cpu="10m", memory="32Mi"))
    return out


def build_objects(now: dt.datetime, scale: int = 1, seed: int = 7) -> list[dict]:
    """Every object of the simulated home-lab at ``now``. ``scale`` > 1 adds worker nodes for the generated
    apps (:data:`~homelab_tui.demo.controllers.WORKERS_PER_UNIT` per unit), whose pods are scheduled onto the
    nodes with room (:class:`~homelab_tui.demo.controllers.Placement`); the home-lab's own pods stay where 1×
    has them."""
    gen = Gen(now, seed)
    apps = list(APPS) + bulk_apps(scale)
    workers = controllers.extra_workers(scale)
    nodes = controllers.ALL_NODES + workers
    objects = cluster_objects(gen, workers)
    secrets: dict[tuple[str, str], dict] = {}
    placement = None
    for i, app in enumerate(apps):
        if i == len(APPS) and workers:
            placement = controllers.Placement([o for o in objects if o["kind"] == "Node"],
                                              [o for o in objects if o["kind"] == "Pod"])
        objects += workload_objects(app, gen, nodes, placement)
        secret = app_secret(app, gen)
        if secret is not None:
            secrets.setdefault((app.namespace, secret["metadata"]["name"]), secret)
    objects += list(secrets.values())
    objects += exposure(apps, gen)
    objects += config_maps(gen) + edge_services(gen) + violations(gen)
    objects += seed_events(gen, objects)
    return objects + builtin_namespaces(gen)
