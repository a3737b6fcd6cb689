"""``homelab-tui gpu-mode [status|ml|r1|gaming] [--yes] [--no-wait]`` — the home-lab's gpu-mode script, safer.

The switch itself is :class:`homelab_tui.actions.gpu_mode.GpuModeAction` (the same code the GPU screen
runs): pre-flight, old vLLM down and gone before the new one starts, wait until Ready, verify, audit.
"""

from __future__ import annotations

import argparse
import io
import signal
import sys
import threading
import time
from types import FrameType
from typing import TYPE_CHECKING, Callable, TextIO

from homelab_tui.errors import EXIT_CONFIG, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from homelab_tui.config import Settings
    from homelab_tui.actions.base import Action, ActionContext, Outcome, Plan

EXIT_REFUSED = 4
EXIT_SWITCH_FAILED = 5
EXIT_CONFLICT = 6

GPU_MODE_EXIT_CODES = """\
exit codes:
  0    done: the mode was printed, was already the one asked for, or the switch was verified
  1    runtime failure before anything changed (API unreachable, unexpected API error, the API refused
       the first write: the switch record), or status could not write its result (stdout closed, or a
       closed pipe: one line on stderr)
  2    bad command line (unknown mode name, unknown flag)
  3    bad configuration (config file, kubeconfig, unknown context)
  4    refused, nothing changed: pre-flight failed (GPU node not Ready, deployment missing, another pod holds
       nvidia.com/gpu), another switch is half-done or started first, the deployments changed meanwhile,
       --read-only, or the prompt was not confirmed
  5    the switch failed or timed out after it began; the message says whether it was rolled back (asked,
       or automatic with --yes), is left half-done (recorded on the deployments; run gpu-mode again) or was
       stopped because another switch took over
  6    status only: conflicting state, more than one vLLM deployment is up on the one GPU; a switch to a
       mode resolves it (the others are scaled down and gone first, then the mode's own deployment is
       kept or scaled up)
  130  interrupted (Ctrl-C, SIGHUP, SIGTERM): the switch is asked to stop at its next safe point and waited for (another
       Ctrl-C does not abandon it); what it did is printed and audited, it stays recorded as half-done
       (not rolled back), and the commands to roll it back or to finish it are printed. Not stopped
       within gpu.switch_timeout: it is said abandoned mid-step and not audited. Ctrl-C after its last
       step: it is done (exit 0)
a switch whose audit line could not be written prints "warning: audit log … not written: …" on stderr;
the exit code stays the switch's own
"""

Ask = Callable[[str], bool]


def add_gpu_mode_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``gpu-mode`` subcommand; the caller adds the global flags to the returned parser."""
    p = subparsers.add_parser(
        "gpu-mode", help="show or switch the GPU mode (status, ml, r1, gaming)",
        description="Show the GPU mode, or switch it: the running vLLM deployment is scaled to 0 and its pods "
                    "are gone before the target is scaled up (never both on the GPU), then the target is "
                    "followed until Ready (gpu.switch_timeout). Each switch is confirmed, verified and written "
                    "to the audit log. Modes come from the config ([gpu.modes]).",
        epilog=GPU_MODE_EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", nargs="?", default="status", metavar="MODE",
                   help="status (default), or a mode: ml, r1, gaming (as configured)")
    p.add_argument("--yes", "-y", action="store_true",
                   help="do not ask: confirm the switch, and the rollback if it fails")
    p.add_argument("--no-wait", action="store_true",
                   help="return once the target is scaled up, without waiting for Ready (the old pods are "
                        "always waited for)")
    return p


def _prompt(question: str) -> bool:
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
    except (EOFError, OSError, RuntimeError):  # no answer (RuntimeError: stdin was closed at start): not confirmed
        return False


def run_gpu_mode(args: argparse.Namespace, settings: Settings, *, ask: Ask | None = None,
                 out: TextIO | None = None, err: TextIO | None = None, poll: float = 0.5) -> int:
    """Run ``gpu-mode``; returns the exit code (see :data:`GPU_MODE_EXIT_CODES`)."""
    # a stream is None when the program started with it closed; print(file=None) would write to stdout.
    # out=None is the process's stdout, written as ``check`` writes it (a closed pipe is one line on stderr)
    err, ask = err or sys.stderr or io.StringIO(), ask or _prompt
    mode = getattr(args, "mode", "status") or "status"
    if mode != "status" and settings.gpu.mode(mode) is None:
        known = ", ".join(["status", *(m.name for m in settings.gpu.modes)])
        print(f"homelab-tui: gpu-mode: unknown mode {mode!r} (known: {known})", file=err)
        return EXIT_USAGE
    lab = None
    try:
        kubeconfig, context = getattr(args, "kubeconfig", None), getattr(args, "context", None)
        if getattr(args, "demo", False):
            from homelab_tui.demo.runner import DemoLab  # lazy: only --demo starts the simulated home-lab

            lab = DemoLab().start()
            kubeconfig, context = str(lab.kubeconfig_path), None
        return _GpuCli(args, settings, ask, out, err, poll).run(mode, kubeconfig, context)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    finally:
        if lab is not None:
            lab.stop()


class _GpuCli:
    def __init__(self, args: argparse.Namespace, settings: Settings, ask: Ask, out: TextIO | None, err: TextIO,
                 poll: float) -> None:
        self.args, self.settings, self.ask, self.out, self.err, self.poll = args, settings, ask, out, err, poll
        #: False once stdout turned out closed or broken (said once; nothing more is written there)
        self.out_ok = True

    def fail(self, message: str, code: int) -> int:
        """Say ``message`` on stderr; a terminal that is gone (an SSH session dropped mid-switch) is no reason
        to stop waiting for the switch's safe point."""
        try:
            print(f"homelab-tui: gpu-mode: {message}", file=self.err, flush=True)
        except (OSError, ValueError):
            pass
        return code

    def warn_audit(self, outcome: Outcome) -> None:
        """The change happened (or failed) but its audit line is missing: say so, once, on stderr."""
        if outcome.audit_error:
            print(f"homelab-tui: gpu-mode: warning: {outcome.audit_error}", file=self.err, flush=True)

    def say(self, *lines: str) -> bool:
        """Print ``lines`` on stdout in one write; False when stdout is closed or broken (``| head -c0``).

        That is said once on stderr, and stdout then points at /dev/null, as for ``check``; it changes
        nothing a switch does (only ``status``, whose output is its result, exits 1 for it).
        """
        if not self.out_ok:
            return False
        if self.out is not None:
            print("\n".join(lines), file=self.out, flush=True)
            return True
        from homelab_tui.cli import write_out  # check's closed-stdout handling

        self.out_ok = write_out("\n".join(lines))
        return self.out_ok

    def run(self, mode: str, kubeconfig: str | None, context: str | None) -> int:
        from homelab_tui.actions import registry
        from homelab_tui.actions.base import ActionError, ReadOnlyError, RefusedError, make_context
        from homelab_tui.actions.gpu_mode import gpu_target, read_gpu, status_lines
        from homelab_tui.model.gpu import CONFLICT
        from homelab_tui.sources.kube_client import KubeError, KubeTarget, load_kube_api

        try:
            api = load_kube_api(KubeTarget(kubeconfig, context), self.settings.kubernetes.timeout)
        except KubeError as exc:
            return self.fail(exc.message, EXIT_CONFIG)
        if mode == "status":
            try:
                reading = read_gpu(api, self.settings, time.time())
            except KubeError as exc:
                return self.fail(f"cannot read the GPU state: {exc}", EXIT_FAILURE)
            if not self.say(*status_lines(reading, self.settings)):
                return EXIT_FAILURE
            if reading.status.mode == CONFLICT:
                up = " and ".join(d.name for d in reading.status.deployments if d.up)
                modes = "|".join(m.name for m in self.settings.gpu.modes)
                return self.fail(f"conflicting state: {up} are up at once on one GPU; resolve it with "
                                 f"`homelab-tui gpu-mode {modes}`", EXIT_CONFLICT)
            return EXIT_OK
        ctx = make_context(api, self.settings, read_only=bool(getattr(self.args, "read_only", False)),
                           poll=self.poll)
        action = registry.get("gpu-mode")
        try:
            plan = action.plan(ctx, gpu_target(self.settings), mode=mode, wait=not getattr(self.args, "no_wait", False))
        except (ReadOnlyError, RefusedError) as exc:
            return self.fail(str(exc), EXIT_REFUSED)
        except ActionError as exc:
            return self.fail(str(exc), EXIT_FAILURE)
        if plan.noop:
            self.say(plan.title)
            return EXIT_OK
        self.say(*plan.summary())
        if not getattr(self.args, "yes", False) and not self.ask("Switch the GPU mode?"):
            return self.fail("not confirmed: nothing changed", EXIT_REFUSED)
        outcome, interrupted = self._execute(action, ctx, plan, "switch")
        if interrupted or outcome is None:
            return self._interrupted(outcome, "switch")
        if outcome.ok:
            self.say(outcome.message)
            self.warn_audit(outcome)
            return EXIT_OK
        self.fail(outcome.message, EXIT_SWITCH_FAILED)
        self.warn_audit(outcome)
        if outcome.status in ("refused", "conflict") and not outcome.follow_ups:
            return EXIT_SWITCH_FAILED if outcome.details.get("changed") else EXIT_REFUSED
        if outcome.details.get("changed") is False and not outcome.follow_ups:
            return EXIT_FAILURE  # the API refused the first write: nothing changed
        rollback = next((f for f in outcome.follow_ups if f.key == "rollback"), None)
        if rollback is None:
            return EXIT_SWITCH_FAILED
        if not getattr(self.args, "yes", False) and not self.ask(f"{rollback.label}?"):
            self.say(f"left half-done: roll back later with `homelab-tui gpu-mode {rollback.params['mode']}`")
            return EXIT_SWITCH_FAILED
        try:
            back = action.plan(ctx, rollback.target, **rollback.params)
        except ActionError as exc:
            return self.fail(f"rollback not possible: {exc}", EXIT_SWITCH_FAILED)
        self.say(*back.summary())
        result, interrupted = self._execute(action, ctx, back, "rollback")
        if interrupted or result is None:
            return self._interrupted(result, "rollback")
        if result.ok:
            self.say(f"rolled back: {result.message}")
        else:
            self.fail(f"rollback failed: {result.message}", EXIT_SWITCH_FAILED)
        self.warn_audit(result)
        return EXIT_SWITCH_FAILED

    def _execute(self, action: Action, ctx: ActionContext, plan: Plan, what: str) -> tuple[Outcome | None, bool]:
        """Execute in a worker thread that Ctrl-C asks to stop at its next safe point; (outcome, interrupted).

        The outcome is None only when, after a Ctrl-C, the worker did not return within gpu.switch_timeout.
        """
        from homelab_tui.actions.base import Outcome

        cancel, done = threading.Event(), threading.Event()
        box: list[Outcome] = []

        def work() -> None:
            try:
                box.append(action.execute(ctx, plan, self._progress, cancel))
            except BaseException as exc:  # noqa: BLE001 - reported as one line, never a traceback
                box.append(Outcome(False, "failed", f"{type(exc).__name__}: {exc}"))
            finally:
                done.set()

        worker = threading.Thread(target=work, name="gpu-mode-switch", daemon=True)
        with _InterruptCounter(cancel) as interrupts:
            worker.start()
            returned = self._wait(done, interrupts, what)
        return (box[0] if returned else None), interrupts.count > 0

    def _wait(self, done: threading.Event, interrupts: _InterruptCounter, what: str) -> bool:
        """Wait for the worker (Event.wait: a Ctrl-C never ends it early); False when abandoned after a Ctrl-C.

        Not ``Thread.join``: on CPython 3.11 a KeyboardInterrupt inside it marks the thread stopped, and
        the process would exit with the switch mid-step and unaudited.
        """
        limit, told, deadline = self.settings.gpu.switch_timeout, 0, float("inf")
        while not done.wait(0.2):
            count = interrupts.count  # read once: another Ctrl-C may come while this one is said
            if count > told:
                if not told:
                    deadline = time.monotonic() + limit
                    self.fail(f"interrupted: asking the {what} to stop at its next safe point; waiting for it "
                              f"(at most {limit:g} s)…", EXIT_INTERRUPTED)
                else:
                    self.fail(f"still stopping at a safe point: waiting for the {what}'s current step to end "
                              "(Ctrl-C again does not abandon it)", EXIT_INTERRUPTED)
                told = count
            if time.monotonic() >= deadline:
                return False
        return True

    def _interrupted(self, outcome: Outcome | None, what: str) -> int:
        """After a Ctrl-C: say what the switch (or rollback) really did; never roll back on our own."""
        if outcome is None:
            return self.fail(f"interrupted: the {what} did not reach a safe point within "
                             f"{self.settings.gpu.switch_timeout:g} s: abandoned mid-step, NOT audited; see what is "
                             "recorded with `homelab-tui gpu-mode status`", EXIT_INTERRUPTED)
        if outcome.ok:
            self.say(outcome.message)
            self.fail(f"interrupted after the {what}'s last step: it is done", EXIT_OK)
            self.warn_audit(outcome)
            return EXIT_OK
        lead = "stopped at a safe point" if outcome.status == "cancelled" else "ended"
        self.fail(f"interrupted: the {what} {lead}: {outcome.message}", EXIT_INTERRUPTED)
        self.warn_audit(outcome)
        if outcome.follow_ups:
            self.say("left half-done (not rolled back): " + ", or ".join(
                f"{f.label[:1].lower()}{f.label[1:]} with `homelab-tui gpu-mode {f.params['mode']}`"
                for f in outcome.follow_ups))
        return EXIT_INTERRUPTED

    def _progress(self, line: str) -> None:
        print(f"  … {line}", file=self.err, flush=True)


class _InterruptCounter:
    """While a switch runs: Ctrl-C (SIGINT), and the SIGHUP of an SSH session that drops or a SIGTERM, set
    ``cancel`` and are counted, instead of raising KeyboardInterrupt or ending the process mid-step.

    A KeyboardInterrupt could land anywhere in the waiting thread (inside a print, or in ``Thread.join``, which
    on CPython 3.11 then returns at once). Only the main thread can set a handler; elsewhere none is set (no
    KeyboardInterrupt reaches another thread). An ignored signal stays ignored, as does a handler not set from
    Python (it could not be put back).
    """

    SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGHUP", "SIGTERM") if hasattr(signal, name))

    def __init__(self, cancel: threading.Event) -> None:
        self.cancel, self.count = cancel, 0
        self._previous: dict[int, Callable[[int, FrameType | None], object] | int | None] = {}

    def _on_signal(self, _signum: int, _frame: FrameType | None) -> None:
        self.count += 1
        self.cancel.set()

    def __enter__(self) -> _InterruptCounter:
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                if signal.getsignal(signum) not in (signal.SIG_IGN, None):
                    self._previous[signum] = signal.signal(signum, self._on_signal)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
