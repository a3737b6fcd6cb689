"""Parsing Prometheus answers (the ``data`` member, as the HTTP API sends it): NaN and infinite samples,
duplicate series of one claim or one GPU, and a volume already over its capacity."""

from __future__ import annotations

import math

from homelab_tui.sources import prom_parse as parse
from homelab_tui.sources import promql as q

CLAIM = {"namespace": "apps", "persistentvolumeclaim": "n8n-data"}
GPU = {"Hostname": "k3s-gpu-worker", "gpu": "0", "modelName": "NVIDIA GeForce RTX 3060"}


def vector(*samples: tuple[dict[str, str], str]) -> dict:
    return {"resultType": "vector", "result": [{"metric": m, "value": [1700000000.0, v]} for m, v in samples]}


def test_nan_samples_are_left_out_and_infinite_ones_kept() -> None:
    data = vector(({"pod": "a"}, "NaN"), ({"pod": "b"}, "+Inf"), ({"pod": "c"}, "0.25"))
    assert parse.vector(data) == [({"pod": "b"}, math.inf), ({"pod": "c"}, 0.25)]
    matrix = {"resultType": "matrix", "result": [{"metric": GPU, "values": [[100, "40"], [130, "NaN"], [160, "-Inf"]]}]}
    assert parse.matrix(matrix) == [(GPU, [(100.0, 40.0), (160.0, -math.inf)])]


def test_a_volume_over_its_capacity_is_full_now_not_in_minus_days() -> None:
    assert parse.days_until_full(11.0, 10.0, 1.0) == 0.0
    assert parse.days_until_full(5.0, 10.0, 5.0 / 86400.0) == 1.0


def test_duplicate_series_of_a_claim_count_the_largest() -> None:
    used = parse.vector(vector((CLAIM, "9e9"), (CLAIM, "8e9")))
    capacity = parse.vector(vector((CLAIM, "10e9"),))
    (stats,) = parse.volumes(used, capacity, None).values()
    assert stats.used_bytes == 9e9


def test_duplicate_series_of_a_gpu_count_the_largest() -> None:
    """An exporter rollout: the old and the new exporter pod both report the GPU for a scrape or two."""
    old, new = {**GPU, "pod": "nvidia-dcgm-exporter-old"}, {**GPU, "pod": "nvidia-dcgm-exporter-new"}
    now = parse.vector(vector(({**old, "__name__": q.DCGM_FB_USED}, "10035"),
                              ({**new, "__name__": q.DCGM_FB_USED}, "9000"),
                              ({**old, "__name__": q.DCGM_UTIL}, "97"), ({**new, "__name__": q.DCGM_UTIL}, "12")))
    gpu = parse.gpu(now, None, None, "k3s-gpu-worker")
    assert gpu is not None and gpu.vram_used_bytes == 10035 * parse.MIB and gpu.utilization_percent == 97.0
