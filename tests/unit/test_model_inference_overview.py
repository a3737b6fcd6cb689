"""The Overview's inference and storage areas when a source answers but cannot tell (used by ``check``)."""

from __future__ import annotations

from tests.unit.factories import NOW
from tests.unit.test_model_overview import S, _by_area, _healthy_cluster, _state

from homelab_tui.model.health import State
from homelab_tui.model.metrics import LiteLLMData, MetricsData
from homelab_tui.model.overview import build_overview

REJECTED = "key rejected: /model/info: 401: Authentication Error, Invalid proxy server token passed."


def test_a_rejected_litellm_key_makes_inference_unknown_and_names_the_error():
    llm = LiteLLMData(alive=True, ready=True, health_error=REJECTED)
    area = _by_area(build_overview(_state(_healthy_cluster(), llm=llm), S, NOW, areas=["inference"]))["inference"]
    assert area.state is State.UNKNOWN
    assert area.reason == f"LiteLLM: {REJECTED}"
    assert area.source_errors == (f"litellm: {REJECTED}",)


def test_litellm_unreadable_after_good_data_is_unknown_not_the_old_answer():
    st = _state(_healthy_cluster())
    st = type(st)(cluster=st.cluster, metrics=st.metrics, gpu=st.gpu,
                  llm=st.llm.failed("LiteLLM unreachable: connection refused (http://127.0.0.1:9)", NOW))
    area = _by_area(build_overview(st, S, NOW, areas=["inference"]))["inference"]
    assert area.state is State.UNKNOWN
    assert area.reason == "inference: none known to answer: LiteLLM unreachable: connection refused " \
                          "(http://127.0.0.1:9)"


def test_prometheus_answering_without_any_volume_figure_is_unknown():
    area = _by_area(build_overview(_state(_healthy_cluster(), metrics=MetricsData()), S, NOW,
                                   areas=["storage"]))["storage"]
    assert area.state is State.UNKNOWN and "without any kubelet_volume_stats" in area.reason
