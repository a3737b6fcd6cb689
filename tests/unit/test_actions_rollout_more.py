"""Rollout status of a partitioned StatefulSet as kubectl computes it, and a Deployment's maxSurge."""

from __future__ import annotations

import pytest

from homelab_tui.actions.rollout import max_surge, rollout_status


def _sts(replicas: int, partition: int | None, ready: int, updated: int, *, rolling: bool = True) -> dict:
    strategy: dict = {"type": "RollingUpdate"}
    if rolling:
        strategy["rollingUpdate"] = {} if partition is None else {"partition": partition}
    return {"metadata": {"name": "postgresql", "generation": 3},
            "spec": {"replicas": replicas, "updateStrategy": strategy},
            "status": {"observedGeneration": 3, "replicas": replicas, "readyReplicas": ready,
                       "updatedReplicas": updated, "currentRevision": "postgresql-old",
                       "updateRevision": "postgresql-new"}}


def test_a_partitioned_rollout_is_done_when_the_pods_above_the_partition_are_updated():
    # 5 replicas, partition 3: ordinals 3 and 4 get the new revision; 0-2 keep the old one on purpose
    done, line = rollout_status("StatefulSet", _sts(5, 3, ready=5, updated=2))
    assert done and "partitioned roll out complete, 2 new pods updated" in line


def test_a_partitioned_rollout_waits_for_the_pods_above_the_partition():
    done, line = rollout_status("StatefulSet", _sts(5, 3, ready=5, updated=1))
    assert not done and "1 of 2 new pods updated (partition 3)" in line


def test_partition_zero_waits_for_every_pod():
    assert not rollout_status("StatefulSet", _sts(3, 0, ready=3, updated=2))[0]
    assert rollout_status("StatefulSet", _sts(3, 0, ready=3, updated=3))[0]
    assert rollout_status("StatefulSet", _sts(3, None, ready=3, updated=3))[0]


def test_readiness_comes_first():
    done, line = rollout_status("StatefulSet", _sts(5, 3, ready=4, updated=2))
    assert not done and "4 of 5 pods ready" in line


def test_without_rolling_update_settings_the_revisions_decide():
    sts = _sts(2, None, ready=2, updated=2, rolling=False)
    assert not rollout_status("StatefulSet", sts)[0]
    sts["status"]["currentRevision"] = "postgresql-new"
    assert rollout_status("StatefulSet", sts)[0]


@pytest.mark.parametrize("replicas,rolling,surge", [
    (1, None, 1), (4, None, 1), (5, None, 2), (1, {"maxSurge": 0}, 0), (1, {"maxSurge": "0%"}, 0),
    (3, {"maxSurge": 2}, 2), (2, {"maxSurge": "50%"}, 1), (0, None, 0),
])
def test_max_surge_rounds_a_percentage_up_and_defaults_to_25_percent(replicas, rolling, surge):
    strategy: dict = {"type": "RollingUpdate"}
    if rolling is not None:
        strategy["rollingUpdate"] = rolling
    assert max_surge({"replicas": replicas, "strategy": strategy}) == surge
