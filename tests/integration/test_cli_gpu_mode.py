"""``homelab-tui gpu-mode`` against the simulated home-lab: output, prompts, rollback and exit codes."""

from __future__ import annotations

import argparse
import dataclasses
import io
import json

import pytest

from homelab_tui.cli_gpu import EXIT_CONFLICT, EXIT_REFUSED, EXIT_SWITCH_FAILED, GPU_MODE_EXIT_CODES, \
    add_gpu_mode_parser, run_gpu_mode
from homelab_tui.config import Settings


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="homelab-tui")
    for flag in ("--kubeconfig", "--context", "--config"):
        parser.add_argument(flag)
    parser.add_argument("--read-only", action="store_true")
    parser.add_argument("--demo", action="store_true")
    sub = parser.add_subparsers(dest="command")
    add_gpu_mode_parser(sub)
    return parser.parse_args(list(argv))


class Run:
    def __init__(self, lab, tmp_path, monkeypatch, answers=()) -> None:
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        self.lab, self.tmp_path, self.answers, self.asked = lab, tmp_path, list(answers), []

    def __call__(self, *argv: str, settings: Settings | None = None) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()

        def ask(question: str) -> bool:
            self.asked.append(question)
            return self.answers.pop(0) if self.answers else False

        args = _parse("--kubeconfig", str(self.lab.kubeconfig_path), "gpu-mode", *argv)
        code = run_gpu_mode(args, settings or Settings(), ask=ask, out=out, err=err, poll=0.05)
        return code, out.getvalue(), err.getvalue()

    def audit(self) -> list[dict]:
        path = self.tmp_path / "state" / "homelab-tui" / "audit.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _replicas(lab, name: str) -> int:
    return lab.call(lambda: lab.store.get("deployments", "ml", name))["spec"]["replicas"]


def test_status_prints_the_mode(lab, tmp_path, monkeypatch):
    code, out, _ = Run(lab, tmp_path, monkeypatch)()
    assert code == 0
    assert out.splitlines()[0] == "GPU mode: ml"
    assert "node k3s-gpu-worker: Ready" in out and "vllm-server 1/1 ready" in out


def test_switch_with_yes_then_status(lab, tmp_path, monkeypatch):
    run = Run(lab, tmp_path, monkeypatch)
    code, out, err = run("r1", "--yes")
    assert code == 0, err
    assert "Switch GPU mode ml → r1" in out and "GPU mode is r1" in out and "… the GPU is free" in err
    assert run.asked == []
    assert run("status")[1].startswith("GPU mode: r1")
    assert [e["outcome"] for e in run.audit()] == ["ok"]
    assert run("r1")[0] == 0  # already r1: nothing asked, nothing done
    assert run.asked == [] and len(run.audit()) == 1


def test_the_prompt_decides(lab, tmp_path, monkeypatch):
    run = Run(lab, tmp_path, monkeypatch, answers=[False])
    code, _, err = run("gaming")
    assert code == EXIT_REFUSED and "not confirmed: nothing changed" in err
    assert run.asked == ["Switch the GPU mode?"] and _replicas(lab, "vllm-server") == 1
    run.answers = [True]
    assert run("gaming")[0] == 0 and _replicas(lab, "vllm-server") == 0


def test_no_wait_returns_once_scaled(lab, tmp_path, monkeypatch):
    code, out, _ = Run(lab, tmp_path, monkeypatch)("r1", "--yes", "--no-wait")
    assert code == 0 and "do not wait for Ready" in out
    assert _replicas(lab, "vllm-r1") == 1 and _replicas(lab, "vllm-server") == 0


@pytest.mark.parametrize("argv,code,fragment", [
    (["turbo"], 2, "unknown mode 'turbo' (known: status, ml, r1, gaming)"),
])
def test_unknown_mode(lab, tmp_path, monkeypatch, argv, code, fragment):
    got, _, err = Run(lab, tmp_path, monkeypatch)(*argv)
    assert got == code and fragment in err and len(err.strip().splitlines()) == 1


def test_read_only_is_refused(lab, tmp_path, monkeypatch):
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    args = _parse("--kubeconfig", str(lab.kubeconfig_path), "--read-only", "gpu-mode", "r1", "--yes")
    assert run_gpu_mode(args, Settings(), out=out, err=err) == EXIT_REFUSED
    assert "read-only" in err.getvalue() and _replicas(lab, "vllm-r1") == 0


def test_a_conflicting_gpu_holder_is_exit_4(lab, tmp_path, monkeypatch):
    pods, _ = lab.call(lambda: lab.store.list("pods", "ml"))
    holder = next(p for p in pods if p["metadata"]["name"].startswith("vllm-server-"))
    lab.call(lambda: lab.store.put("pods", {**holder, "metadata": {"name": "miner", "namespace": "dev"}}))
    run = Run(lab, tmp_path, monkeypatch)
    code, _, err = run("r1", "--yes")
    assert code == EXIT_REFUSED and "another pod holds nvidia.com/gpu" in err
    (entry,) = run.audit()  # a refused switch is worth an audit line
    assert entry["outcome"] == "refused" and "another pod holds nvidia.com/gpu" in entry["message"]
    assert entry["details"] == {"stage": "plan", "mode": "r1"} and entry["target"] == "GpuMode k3s-gpu-worker"


def test_both_vllm_up_is_exit_6_for_status_and_a_switch_resolves_it(lab, tmp_path, monkeypatch):
    def up(dep: dict) -> None:
        dep["spec"]["replicas"] = 1
    lab.call(lambda: lab.store.mutate("deployments", "ml", "vllm-r1", up))
    run = Run(lab, tmp_path, monkeypatch)
    code, out, err = run("status")
    assert code == EXIT_CONFLICT and out.startswith("GPU mode: conflict")
    assert err.strip() == ("homelab-tui: gpu-mode: conflicting state: vllm-server and vllm-r1 are up at once on one "
                           "GPU; resolve it with `homelab-tui gpu-mode ml|r1|gaming`")
    code, out, err = run("r1", "--yes")
    assert code == 0, err
    assert out.splitlines()[0] == "Resolve the GPU conflict (vllm-server and vllm-r1 up at once) → r1"
    assert "scale ml/vllm-server 1 → 0 and wait until its pods are gone" in out
    assert _replicas(lab, "vllm-server") == 0 and _replicas(lab, "vllm-r1") == 1
    assert run("status")[0] == 0


def test_a_failed_switch_is_rolled_back_with_yes(lab, tmp_path, monkeypatch):
    def crash(dep: dict) -> None:
        dep["metadata"].setdefault("annotations", {})["demo.homelab-tui/crashloop"] = "true"
    lab.call(lambda: lab.store.mutate("deployments", "ml", "vllm-r1", crash))
    run = Run(lab, tmp_path, monkeypatch)
    code, out, err = run("r1", "--yes")
    assert code == EXIT_SWITCH_FAILED
    assert "CrashLoopBackOff" in err and "rolled back: GPU mode is ml" in out
    assert _replicas(lab, "vllm-server") == 1 and _replicas(lab, "vllm-r1") == 0
    assert [e["outcome"] for e in run.audit()] == ["failed", "ok"]


def test_a_failed_switch_left_half_done_when_rollback_declined(lab, tmp_path, monkeypatch):
    settings = Settings()
    settings = dataclasses.replace(settings, gpu=dataclasses.replace(settings.gpu, switch_timeout=0.01))
    run = Run(lab, tmp_path, monkeypatch, answers=[True, False])
    code, out, err = run("r1", settings=settings)
    assert code == EXIT_SWITCH_FAILED and "timed out" in err
    assert run.asked == ["Switch the GPU mode?", "Roll back to GPU mode ml?"]
    assert "left half-done: roll back later with `homelab-tui gpu-mode ml`" in out
    code, out, _ = run("status")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "GPU mode: transition", out  # never the free mode nobody chose
    assert lines[1].startswith("  a GPU switch ml → r1 started ") and "is not finished (now vllm-server" in lines[1]
    assert lines[-1] == "  ⚠ the switch is not finished: finish it with `gpu-mode r1` or roll it back with `gpu-mode ml`"


def test_bad_kubeconfig_is_exit_3(tmp_path):
    bad = tmp_path / "kubeconfig"
    bad.write_text("apiVersion: v1\nkind: Config\ncontexts: []\n")
    err = io.StringIO()
    args = _parse("--kubeconfig", str(bad), "--context", "nope", "gpu-mode")
    assert run_gpu_mode(args, Settings(), out=io.StringIO(), err=err) == 3
    assert len(err.getvalue().strip().splitlines()) == 1 and "Traceback" not in err.getvalue()


def test_exit_codes_are_documented_in_help():
    parser = argparse.ArgumentParser(prog="homelab-tui")
    help_text = add_gpu_mode_parser(parser.add_subparsers()).format_help()
    for code in ("0 ", "1 ", "2 ", "3 ", "4 ", "5 ", "6 ", "130"):
        assert f"\n  {code}" in help_text
    assert GPU_MODE_EXIT_CODES.splitlines()[0] in help_text
    assert "--yes" in help_text and "--no-wait" in help_text


def test_demo_starts_the_simulated_lab(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    out = io.StringIO()
    assert run_gpu_mode(_parse("--demo", "gpu-mode", "status"), Settings(), out=out, err=io.StringIO()) == 0
    assert out.getvalue().startswith("GPU mode: ml")


def test_an_unreachable_api_is_exit_1(lab, tmp_path, monkeypatch):
    lab.set_down("kubernetes")
    run = Run(lab, tmp_path, monkeypatch)
    for argv in (("status",), ("r1", "--yes")):
        code, _, err = run(*argv)
        assert code == 1 and "connection refused" in err and len(err.strip().splitlines()) == 1
