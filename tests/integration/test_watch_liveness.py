"""A Kubernetes API server that goes silent (TCP open, no byte moves: a hung or powered-off k3s behind a proxy
or NAT) is noticed by the watch cache's liveness probe and by ``check`` (review conc #1 and #5).

The server is the simulated one behind :class:`FreezeProxy`; the probe runs every 0.3 s with a 1 s timeout
here (30 s and ``kubernetes.timeout`` in use), so nothing waits minutes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from homelab_tui.config import KubernetesSettings
from homelab_tui.demo.runner import DemoLab
from homelab_tui.sources.kube import KubeSource
from homelab_tui.sources.kube_client import KubeError, KubeTarget, load_kube_api
from homelab_tui.ui.widgets.freshness import scoped
from tests.conftest import wait_until
from tests.integration.freeze_proxy import FreezeProxy

SETTINGS = KubernetesSettings(timeout=1.0, watch_timeout=30, max_backoff=0.5)
#: what the clock jumps by at the freeze: a stamp taken after it is ≥ this far from the freeze
JUMP = 1000.0


class Clock:
    """The wall clock, moved ``JUMP`` s ahead when the test says so: every stamp the cache takes after the
    freeze is told apart from every stamp taken before, with no timing."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def probing_source(lab: DemoLab, proxy: FreezeProxy, tmp_path: Path, clock: Clock) -> KubeSource:
    """A watch cache on the lab through ``proxy``, probing liveness every 0.3 s with a 1 s timeout."""
    return KubeSource(KubeTarget(str(proxy.kubeconfig(lab.kubeconfig_path, tmp_path / "kc"))), SETTINGS,
                      clock=clock, min_backoff=0.1, liveness_interval=0.3, liveness_timeout=1.0)


def _replicas(src: KubeSource, namespace: str, name: str) -> int | None:
    data = src.current().data
    found = [o for o in (data.objects.get("deployments", ()) if data else ())
             if o["metadata"]["namespace"] == namespace and o["metadata"]["name"] == name]
    return found[0]["spec"]["replicas"] if found else None


def test_a_silent_api_fails_the_source_from_when_it_was_last_heard_and_recovers(lab, proxy, tmp_path) -> None:
    clock = Clock()
    src = probing_source(lab, proxy, tmp_path, clock)
    requests = lab.faults["kubernetes"].requests
    src.start()
    try:
        wait_until(lambda: src.current().ok and _replicas(src, "apps", "n8n") == 1, message="the cache synced")
        lists, probes = requests["GET list"], requests["GET discovery"]
        wait_until(lambda: requests["GET discovery"] >= probes + 3, message="three liveness probes")
        assert requests["GET list"] == lists  # the steady state: the probe is a GET /version, never a list

        proxy.freeze()
        frozen_at = clock() + JUMP
        clock.offset = JUMP
        real = load_kube_api(KubeTarget(str(lab.kubeconfig_path)), 5.0)
        real.patch("/apis/apps/v1/namespaces/apps/deployments/n8n/scale", {"spec": {"replicas": 0}})

        snap = wait_until(lambda: (s := src.current()).error and s, message="the silence reported")
        assert snap.error == "API not answering: no answer within 1 s"
        assert snap.error_since is not None and snap.error_since < frozen_at  # when it was last heard from
        assert snap.fetched_at is not None and snap.fetched_at <= snap.error_since
        assert snap.age(clock()) >= JUMP  # "showing data from … ago", not "updated just now"
        assert _replicas(src, "apps", "n8n") == 1  # the last good data is kept

        # the watches, dropped, now time out reconnecting: each screen still shows the silence, not its
        # resources' "timed out" (nor "updated just now" where its own resources have no error yet)
        wait_until(lambda: sum(1 for c in src._caches.values() if c.error) >= 2,  # noqa: SLF001
                   message="watch reconnects failing")
        for resources in ({"deployments"}, {"nodes", "pods"}, None):
            assert scoped(src.current(), resources).error == "API not answering: no answer within 1 s"

        proxy.thaw()
        wait_until(lambda: src.current().ok and _replicas(src, "apps", "n8n") == 0,
                   message="the watches resumed and the error cleared")
        assert src.current().age(clock()) < JUMP
    finally:
        src.stop()


def test_a_probe_answered_with_an_error_status_is_a_live_server(lab) -> None:
    """A 500 (or a 403) on /version is an answer: the server is alive, whatever the watches say."""
    api = load_kube_api(KubeTarget(str(lab.kubeconfig_path)), 1.0)
    answers: list[int] = []
    get = api.get

    def counted(path: str, **kw: Any) -> Any:  # the real request; the test counts the probes' answers
        try:
            return get(path, **kw)
        except KubeError as exc:
            if path == "/version":
                answers.append(exc.status)
            raise
    api.get = counted  # type: ignore[method-assign]
    src = KubeSource(KubeTarget(str(lab.kubeconfig_path)), SETTINGS, api=api, min_backoff=0.1,
                     liveness_interval=0.3, liveness_timeout=1.0)
    faults = lab.faults["kubernetes"]
    src.start()
    try:
        wait_until(lambda: src.current().ok, message="the cache synced")
        faults.status, faults.status_path = 500, "/version"
        wait_until(lambda: len(answers) >= 3, message="three probes answered 500")
        assert set(answers) == {500} and src.current().ok
    finally:
        faults.reset()
        src.stop()


def test_check_against_a_silent_api_says_it_did_not_answer(lab, proxy, tmp_path) -> None:
    """``check`` waits ``--wait`` s for the lists, and says so, rather than "no data yet"."""
    kubeconfig = proxy.kubeconfig(lab.kubeconfig_path, tmp_path / "kc")
    proxy.freeze()
    out = subprocess.run([sys.executable, "-m", "homelab_tui", "check", "--kubeconfig", str(kubeconfig),
                          "--config", str(lab.config_path), "--only", "nodes,namespaces", "--wait", "2", "--json"],
                         capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert out.returncode == 3, out.stdout + out.stderr
    doc = json.loads(out.stdout)
    for area in doc["areas"]:
        assert area["state"] == "unknown"
        assert area["reason"] == "kubernetes: API not answering: no answer within 2 s", area
    assert doc["sources"]["kubernetes"]["error"] == "API not answering: no answer within 2 s"


def test_check_lists_wait_no_longer_than_the_default_wait(lab, proxy, tmp_path) -> None:
    """Without ``--wait``, ``check`` waits ``kubernetes.timeout + 2`` s: the lists must have given up by then."""
    config = Path(tmp_path / "config.toml")
    config.write_text(lab.config_path.read_text() + "\n[kubernetes]\ntimeout = 1.0\n", encoding="utf-8")
    kubeconfig = proxy.kubeconfig(lab.kubeconfig_path, tmp_path / "kc")
    proxy.freeze()
    out = subprocess.run([sys.executable, "-m", "homelab_tui", "check", "--kubeconfig", str(kubeconfig),
                          "--config", str(config), "--only", "nodes", "--json"],
                         capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert out.returncode == 3, out.stdout + out.stderr
    assert json.loads(out.stdout)["areas"][0]["reason"] == "kubernetes: API not answering: no answer within 3 s"
