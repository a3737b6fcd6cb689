"""When a watch cache's snapshot may stand in for ``check``'s lists (``homelab-tui agent``, ADR-011)."""

from __future__ import annotations

import pytest

from homelab_tui.check import WatchesNotReady, _watched_cluster, watch_problem
from homelab_tui.model.cluster import ClusterState
from homelab_tui.model.snapshot import Snapshot

NOW = 1_800_000_000.0


def _snap(*, synced=("pods", "nodes"), errors=None, absent=(), error=None, data=True) -> Snapshot:
    cluster = ClusterState(objects={k: () for k in ("pods", "nodes", "secrets")}, errors=dict(errors or {}),
                           absent=frozenset(absent), synced=frozenset(synced))
    return Snapshot("kubernetes", data=cluster if data else None, fetched_at=NOW - 40 if data else None,
                    error=error, error_since=NOW - 40 if error else None, attempted_at=NOW)


def test_loaded_and_healthy_for_the_keys_read():
    assert watch_problem(_snap(), {"pods", "nodes"}) == (None, True)


def test_a_resource_still_loading_is_not_loaded_yet():
    assert watch_problem(_snap(synced=("nodes",)), {"pods", "nodes"}) == (None, False)


def test_an_absent_optional_resource_counts_as_loaded():
    assert watch_problem(_snap(absent=("ingressroutes",)), {"pods", "ingressroutes"}) == (None, True)


def test_an_error_of_a_resource_read_is_the_problem_even_with_old_data():
    snap = _snap(errors={"pods": "API answered 500"}, error="pods: API answered 500")
    assert watch_problem(snap, {"pods", "nodes"}) == ("pods: API answered 500", False)


def test_an_error_of_a_resource_not_read_is_not_the_checks_business():
    snap = _snap(errors={"secrets": "API answered 403 Forbidden"}, error="secrets: API answered 403 Forbidden")
    assert watch_problem(snap, {"pods", "nodes"}) == (None, True)
    view = _watched_cluster(_Source(snap), {"pods", "nodes"}, 0.0)
    assert view.error is None and view.error_since is None and view.fetched_at == NOW and view.data is snap.data


@pytest.mark.parametrize("error", ["API not answering: no answer within 10 s", "API unreachable: refused"])
def test_a_silent_or_unreachable_server_without_resource_errors_is_the_problem(error):
    assert watch_problem(_snap(error=error), {"pods"}) == (error, False)
    assert watch_problem(_snap(error=error, data=False), {"pods"}) == (error, False)


def test_no_data_and_no_error_is_still_loading():
    assert watch_problem(_snap(data=False), {"pods"}) == (None, False)


def test_every_resource_when_no_keys_are_named():
    assert watch_problem(_snap(synced=("pods", "nodes", "secrets")), None) == (None, True)
    assert watch_problem(_snap(), None) == (None, False)  # secrets not loaded


class _Source:
    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap

    def current(self) -> Snapshot:
        return self.snap


def test_waiting_ends_with_a_decline_when_the_watches_do_not_load_in_time():
    with pytest.raises(WatchesNotReady, match=r"^the watches have not loaded within 0.1 s$"):
        _watched_cluster(_Source(_snap(synced=())), {"pods"}, 0.1, poll=0.02)
    with pytest.raises(WatchesNotReady, match=r"^pods: boom$"):
        _watched_cluster(_Source(_snap(errors={"pods": "boom"}, error="pods: boom")), {"pods"}, 5.0)
    healthy = _snap()
    assert _watched_cluster(_Source(healthy), {"pods"}, 0.0) is healthy
