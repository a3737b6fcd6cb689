"""Mutation audit round 4 (session 7): Nodes cells and conditions, credential masking, the fingerprint key
and TCP keepalive, from the pure code."""

from __future__ import annotations

import argparse
import base64
import io
import os
import signal
import socket
import threading
from pathlib import Path

import pytest

from homelab_tui.actions.base import Outcome
from homelab_tui.actions.secret_value import fingerprint
from homelab_tui.cli_gpu import _GpuCli, _InterruptCounter
from homelab_tui.config import Settings
from homelab_tui.errors import EXIT_INTERRUPTED, EXIT_OK
from homelab_tui.model.node_load import NodeCondition, NodeLoad, NodePod, Requests
from homelab_tui.model.nodes import NodeInfo
from homelab_tui.model.health import State
from homelab_tui.sources.kube_client import KubeError
from homelab_tui.sources.kube_mask import credential_forms, mask_forms
from homelab_tui.sources.kube_state import Liveness, no_answer_text
from homelab_tui.sources.tcp import keepalive_options
from homelab_tui.ui.screens.nodes import condition_text, cores, gpu_part, node_cells, pod_cells


def _pod(status: str, ready: bool) -> NodePod:
    return NodePod("apps", "n8n-0", status, ready, 0, Requests(0.25, 2.0 ** 30))


def test_cores_keep_two_decimals_as_kubectl_describe_node_does() -> None:
    assert [cores(v) for v in (2.35, 0.05, 8.0, 0.0)] == ["2.35", "0.05", "8", "0"]


def test_only_a_pod_neither_ready_nor_running_is_marked_as_trouble() -> None:
    assert pod_cells(_pod("Running", False))["status"].style == ""  # starting up: not ready yet, but running
    assert pod_cells(_pod("CrashLoopBackOff", False))["status"].style == "yellow"
    assert pod_cells(_pod("Running", True))["status"].style == ""


def test_a_pressure_condition_that_is_false_is_healthy_and_plain() -> None:
    calm = NodeCondition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory", 0.0)
    text = condition_text(calm, 3600.0)
    assert text.plain == "MemoryPressure False"
    assert all(span.style != "bold red" for span in text.spans)
    hot = NodeCondition("MemoryPressure", "True", "KubeletHasInsufficientMemory", "", 0.0)
    assert condition_text(hot, 3600.0).plain == "MemoryPressure True for 1 h (KubeletHasInsufficientMemory)"


def test_a_credential_is_masked_whole_before_its_parts() -> None:
    pair = "kubeadmin:s3cret-password"
    forms = credential_forms("Basic " + base64.b64encode(pair.encode()).decode())
    said = mask_forms(f"Unauthorized: {pair} rejected", forms, "***")
    assert said == "Unauthorized: *** rejected"  # not "kubeadmin:***": the user name goes with its password


def test_the_basic_scheme_is_read_case_insensitively_as_http_says() -> None:
    basic = base64.b64encode(b"kubeadmin:s3cret-password").decode()
    assert {"kubeadmin:s3cret-password", "s3cret-password"} <= credential_forms(f"basic {basic}")


def test_the_fingerprint_key_is_read_once_so_a_session_compares_its_own_fingerprints() -> None:
    shown = fingerprint(b"tom")
    key = Path(os.environ["XDG_STATE_HOME"]) / "homelab-tui" / "fingerprint.key"
    key.unlink()  # moved away while the dashboard runs
    assert fingerprint(b"tom") == shown
    assert not key.exists()  # no second key made behind the running session's back


@pytest.mark.skipif(not hasattr(socket, "TCP_KEEPIDLE"), reason="Linux keepalive timings")
def test_a_silently_dead_kubernetes_connection_is_given_up_within_a_minute() -> None:
    timings = {name: value for level, name, value in keepalive_options() if level == socket.IPPROTO_TCP}
    assert timings[socket.TCP_NODELAY] == 1
    idle, interval, count = (timings[socket.TCP_KEEPIDLE], timings[socket.TCP_KEEPINTVL], timings[socket.TCP_KEEPCNT])
    assert count >= 1 and idle + interval * count <= 60  # the module's promise: fails "within about a minute"
    assert (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1) in keepalive_options()


def test_a_silence_is_dated_from_when_the_server_was_last_heard() -> None:
    live = Liveness(30.0, 5.0)
    assert live.answered(100.0) is False  # no silence to end
    assert live.lost("connection refused", started_at=5.0) is True
    assert (live.silent, live.silent_since) == ("API unreachable: connection refused", 100.0)
    assert live.lost("connection refused", started_at=5.0) is False  # the same silence, said once
    assert live.lost("API not answering: no answer within 5 s", started_at=5.0) is True  # its words changed
    assert live.silent_since == 100.0
    assert live.answered(200.0) is True and live.silent is None and live.silent_since is None


def test_a_server_never_heard_from_is_silent_since_the_source_started() -> None:
    live = Liveness(30.0, 5.0)
    live.lost("API not answering: no answer within 5 s", started_at=7.0)
    assert (live.silent, live.silent_since) == ("API not answering: no answer within 5 s", 7.0)


def test_only_a_request_that_timed_out_is_the_api_not_answering() -> None:
    assert no_answer_text(KubeError(0, "", "read timed out"), 5.0) == "API not answering: no answer within 5 s"
    refused = KubeError(0, "", "connection refused by 10.0.0.1:6443")
    assert no_answer_text(refused, 5.0) == "connection refused by 10.0.0.1:6443"


def _gpu_cli() -> tuple[_GpuCli, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return _GpuCli(argparse.Namespace(), Settings(), lambda _q: True, out, err, 0.1), out, err


def test_a_ctrl_c_after_the_switchs_last_step_exits_0_and_says_it_is_done() -> None:
    cli, out, err = _gpu_cli()
    assert cli._interrupted(Outcome(True, "ok", "GPU mode is now r1"), "switch") == EXIT_OK
    assert out.getvalue() == "GPU mode is now r1\n"
    assert err.getvalue() == "homelab-tui: gpu-mode: interrupted after the switch's last step: it is done\n"


def test_a_switch_that_failed_on_its_own_after_a_ctrl_c_is_said_ended_not_stopped_safely() -> None:
    cli, _out, err = _gpu_cli()
    code = cli._interrupted(Outcome(False, "failed", "switch ml → r1 failed: vllm-r1 not Ready"), "switch")
    assert code == EXIT_INTERRUPTED
    assert err.getvalue() == ("homelab-tui: gpu-mode: interrupted: the switch ended: switch ml → r1 failed: "
                              "vllm-r1 not Ready\n")


def test_a_signal_ignored_by_nohup_stays_ignored_during_a_switch_and_the_others_are_counted() -> None:
    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    cancel = threading.Event()
    try:
        with _InterruptCounter(cancel) as counter:
            assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN  # `nohup gpu-mode r1`: a dropped SSH is no stop
            signal.raise_signal(signal.SIGHUP)
            assert counter.count == 0 and not cancel.is_set()
            signal.raise_signal(signal.SIGTERM)
            assert counter.count == 1 and cancel.is_set()
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, before)


def _load(gpus: int, pods_read: bool) -> NodeLoad:
    return NodeLoad(node="k3s-worker-01", pods=() if pods_read else None, requested=Requests() if pods_read else None,
                    cpu_allocatable=4.0, memory_allocatable=16 * 2.0 ** 30, pod_capacity=110, gpu_allocatable=gpus,
                    taints=(), internal_ip="10.0.0.11", conditions=(), gpu_product="", system="")


def test_a_node_without_gpus_shows_a_dash_not_zero_of_zero() -> None:
    info = NodeInfo("k3s-worker-01", True, ("worker",), (), 0, False, "v1.31.4+k3s1", 3600.0, State.OK)
    assert node_cells(info, _load(0, True))["gpu"] == "—"
    assert node_cells(info, _load(1, True))["gpu"] == "0/1"


def test_gpus_in_use_are_unknown_not_zero_while_the_pods_are_not_read() -> None:
    assert gpu_part(_load(1, False)) == "GPU ? of 1"
    assert gpu_part(_load(1, True)) == "GPU 0 of 1"
