"""Command line: ``homelab-tui [global flags] [command]``.

Global flags work before or after a command, as kubectl's do. Heavy imports
(Textual, the Kubernetes client) happen only in the code path that needs them.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Sequence

from homelab_tui import __version__
from homelab_tui.config_checks import MAX_SECONDS
from homelab_tui.output import say as _say, write_out
from homelab_tui.errors import (DEBUG_VARIABLE, EXIT_CONFIG, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE,
                                ConfigError, HomelabError, crash_line)

if TYPE_CHECKING:
    from homelab_tui.ui.app import HomelabApp

#: ``check`` answers every problem of its own input with Nagios UNKNOWN
EXIT_CHECK_UNKNOWN = 3

EXIT_CODES_HELP = """\
exit codes:
  0    success
  1    runtime failure (e.g. the simulated home-lab could not start)
  2    bad command line (unknown flag or command, bad value; demo-server: a --workdir that is not a
       directory, holds files demo-server did not write, or another demo-server serves from)
  3    bad configuration (config file; a --kubeconfig file that does not exist: the dashboard shows a
       malformed one as the Kubernetes source's error, gpu-mode exits 3 for it too)
  4    gpu-mode: refused, nothing changed (pre-flight failed, half-done switch, another switch started
       first, --read-only, not confirmed)
  5    gpu-mode: the switch failed or timed out after it began, or another switch took it over (the
       message says if it was rolled back)
  6    gpu-mode status: conflicting state (more than one vLLM deployment up)
  130  interrupted
  agent: 0 when stopped (SIGINT/SIGTERM/SIGHUP, or its code changed), 3 bad configuration at start, 1 cannot
       serve (its directory is not private, another agent already serves the same kubeconfig, context, config)
  check uses the Nagios codes instead: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
  (3 also for bad input, and when the result could not be written, e.g. a closed pipe)

secrets: the LiteLLM key is read from $HOMELAB_TUI_LITELLM_KEY, from the file named by
litellm.key_file in the config (relative to the config file), or else from
$XDG_CONFIG_HOME/homelab-tui/litellm.key if it exists; it is never accepted as a command-line flag.
"""


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors as one line and exit code 2 (3 = UNKNOWN for ``check``, as Nagios wants).

    No abbreviated flags: ``--kube`` for ``--kubeconfig`` would also hide the command from :func:`_command_of`.
    """

    usage_exit = EXIT_USAGE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)
        #: command name -> its parser (the root parser's), to point a usage error at the command's --help
        self.commands: dict[str, argparse.ArgumentParser] = {}

    def error(self, message: str) -> NoReturn:
        self.exit(_Parser.usage_exit, f"homelab-tui: error: {message} (see {self.prog} --help)\n")

    def parse_command_line(self, argv: Sequence[str]) -> argparse.Namespace:
        """:meth:`parse_args`, but a flag the command does not know is reported with the command's --help."""
        args, extra = self.parse_known_args(argv)
        if extra:
            self.commands.get(args.command, self).error(f"unrecognized arguments: {' '.join(extra)}")
        if args.command == "demo-server":
            given = [flag for flag, dest in _GLOBAL_FLAGS if getattr(args, dest, None)]
            if given:  # it would ignore them: it serves its own cluster and writes its own files
                self.commands["demo-server"].error(f"demo-server takes no {', '.join(given)}: it writes its own "
                                                   "kubeconfig and config.toml")
        return args


#: global flags that take a value (the value is never the command)
_VALUE_FLAGS = ("--kubeconfig", "--context", "--config")
#: every global flag and its attribute
_GLOBAL_FLAGS = (("--kubeconfig", "kubeconfig"), ("--context", "context"), ("--config", "config"),
                 ("--read-only", "read_only"), ("--demo", "demo"))


def _command_of(argv: Sequence[str]) -> str | None:
    """The command word of ``argv`` (``check`` in ``--context lab check``, none in ``--context check``)."""
    args = iter(argv)
    for arg in args:
        if arg == "--":
            return next(args, None)
        if arg in _VALUE_FLAGS:
            next(args, None)
        elif not arg.startswith("-"):
            return arg
    return None


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _seconds(text: str) -> float:
    """argparse type for ``--wait``: a number of seconds from 0 to a day."""
    value = _number(text)
    if not 0 <= value <= MAX_SECONDS:  # nan and inf fail too
        raise argparse.ArgumentTypeError(f"expected a number of seconds from 0 to {MAX_SECONDS:g}, got {text!r}")
    return value


def _step(text: str) -> float:
    """argparse type for ``demo-server --step``: seconds above 0 (0 would spin a core), at most a day."""
    value = _number(text)
    if not 0 < value <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0 and at most {MAX_SECONDS:g}, "
                                         f"got {text!r}")
    return value


def _add_global_flags(p: argparse.ArgumentParser, *, suppress: bool, read_only_help: bool = True,
                      demo_help: bool = True) -> None:
    """The flags every command but demo-server takes (``check`` is read-only anyway: --read-only is accepted
    there, and not offered in its --help)."""
    d = argparse.SUPPRESS if suppress else None
    p.add_argument("--kubeconfig", metavar="FILE", default=d,
                   help="kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)")
    p.add_argument("--context", metavar="NAME", default=d, help="kubeconfig context (default: current-context)")
    p.add_argument("--config", metavar="FILE", default=d,
                   help="config file (default: $XDG_CONFIG_HOME/homelab-tui/config.toml)")
    p.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS if suppress else False,
                   help="refuse every action that changes the cluster" if read_only_help else argparse.SUPPRESS)
    p.add_argument("--demo", action="store_true", default=argparse.SUPPRESS if suppress else False,
                   help="run against the simulated home-lab, started in-process on 127.0.0.1" if demo_help
                   else argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="homelab-tui",
        description="A terminal dashboard for the K3s home-lab: namespaces, ingress & certificates, "
                    "storage, GPU mode and LLM inference tiers.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"homelab-tui {__version__}")
    _add_global_flags(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    demo = sub.add_parser(
        "demo-server", help="run the simulated home-lab alone and print its URLs as one JSON line",
        description="Run the simulated home-lab (Kubernetes API, Prometheus, LiteLLM) on 127.0.0.1. Once ready, "
                    "print ONE JSON line {kubeconfig, config, prometheus, litellm, ollama, control} on stdout, then "
                    "serve until SIGINT or SIGTERM and exit 0.",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument("--scale", type=int, default=1, choices=range(1, 21), metavar="N",
                      help="multiply the home-lab's size (1-20; 10 = ~3,000 pods)")
    demo.add_argument("--step", type=_step, default=1.0, metavar="SECONDS",
                      help="seconds between simulated pod transitions (default 1)")
    demo.add_argument("--workdir", metavar="DIR",
                      help="where to write the kubeconfig, config.toml and litellm.key (default: a temp dir); "
                           "refused if one of them is there and was not written by demo-server, or while "
                           "another demo-server serves from DIR")

    check = sub.add_parser(
        "check", help="evaluate the Overview's rules headless and exit with a Nagios code",
        description="Evaluate the same rules as the Overview screen and print a table (or --json). Exit codes "
                    "follow the Nagios plugin convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (a source "
                    "could not be read, bad configuration or command line, the output could not be written). "
                    "LiteLLM's full /health (it calls every model, the paid one too) runs only with "
                    "--full-health; other runs reuse its result for litellm.health_interval.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_global_flags(check, suppress=True, read_only_help=False)
    check.add_argument("--json", action="store_true", help="print one JSON document (shape in the README)")
    check.add_argument("--only", metavar="AREAS", action="append",
                       help="comma-separated areas: nodes,namespaces,certificates,storage,gpu,inference,conventions "
                            "(may be given more than once)")
    check.add_argument("--conventions", action="store_true", help="also check the home-lab's conventions")
    check.add_argument("--wait", type=_seconds, metavar="SECONDS",
                       help=f"longest wait for the Kubernetes lists, 0 to {MAX_SECONDS:g} "
                            "(default: kubernetes.timeout + 2)")
    check.add_argument("--full-health", action="store_true",
                       help="also call LiteLLM's full /health (every model, the PAID tier too) and save the "
                            "result under $XDG_STATE_HOME/homelab-tui/ for the runs within litellm.health_interval")
    check.add_argument("--no-agent", action="store_true",
                       help="read the sources even when a homelab-tui agent serves these files")
    agent = sub.add_parser(
        "agent", help="keep the sources open and answer check in milliseconds (a long-running process)",
        description="Watch the cluster and keep the sources' connections, and answer `homelab-tui check` (same "
                    "kubeconfig, context and config) over a Unix socket only this user can reach, in "
                    "$XDG_RUNTIME_DIR/homelab-tui/, /run/user/UID/homelab-tui/ or /tmp/homelab-tui-UID/. It declines "
                    "whenever its watches cannot stand in for check's lists (check then reads the sources itself). "
                    "Serves until SIGINT, SIGTERM or SIGHUP and exits 0. Run it under `systemd --user`, tmux or "
                    "nohup; without it check reads the sources itself.",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_global_flags(agent, suppress=True, read_only_help=False, demo_help=False)

    from homelab_tui.cli_gpu import add_gpu_mode_parser

    gpu = add_gpu_mode_parser(sub)
    _add_global_flags(gpu, suppress=True)
    parser.commands = {"demo-server": demo, "check": check, "gpu-mode": gpu, "agent": agent}
    return parser


def run() -> None:
    """The ``homelab-tui`` program: :func:`main`, then the exit.

    ``check`` is a one-shot command run from cron and monitoring: once its result is written and flushed
    it ends at once (``os._exit``), skipping the interpreter's teardown of every object it read (the whole
    cluster) and of idle pool threads (docs/benchmarks.md). It holds no file, lock or child process that
    needs a clean-up then (the LiteLLM health cache is written before it returns).

    The dashboard ends the same way once it has closed its sources and a running action has stopped (and
    written its audit line): a read still blocked then (a silent server, a wedged NVML) only reads, and the
    interpreter would otherwise wait for the thread pools it runs in (the Prometheus source's) at exit.
    """
    argv = sys.argv[1:]
    command = _command_of(argv)
    one_shot = command == "check"
    if one_shot:
        gc.disable()  # it reads the cluster once and exits: the collector's passes over it find nothing
    code = main(argv)
    if one_shot or command in (None, "agent"):
        for stream in (sys.stdout, sys.stderr):
            try:
                if stream is not None:  # None: the program started with that descriptor closed
                    stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    raise SystemExit(code)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    is_check = _command_of(argv) == "check"
    _Parser.usage_exit = EXIT_CHECK_UNKNOWN if is_check else EXIT_USAGE
    parser = build_parser()
    args = parser.parse_command_line(argv)
    try:
        if args.command == "demo-server":
            return _demo_server(args)
        if args.command == "check":
            return _check(args)
        if args.command == "agent":
            if getattr(args, "demo", False):
                raise ConfigError("agent takes no --demo: give it the kubeconfig and config of demo-server")
            from homelab_tui.agent import run_agent

            return run_agent(args)
        if args.command == "gpu-mode":
            from homelab_tui.cli_gpu import run_gpu_mode
            from homelab_tui.config import LITELLM_KEY_ENV

            os.environ.pop(LITELLM_KEY_ENV, None)  # never used here: a kubeconfig exec plugin must not inherit it
            _check_kubeconfig_flag(args)
            return run_gpu_mode(args, _load_settings(args))
        return _dashboard(args)
    except HomelabError as exc:
        _say(f"homelab-tui: {exc}")
        return EXIT_CHECK_UNKNOWN if is_check else exc.exit_code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - a bug still ends in one line, never a traceback
        if os.environ.get(DEBUG_VARIABLE):
            raise
        _say(crash_line(exc))
        return EXIT_CHECK_UNKNOWN if is_check else EXIT_FAILURE


# ---------------------------------------------------------------------------- commands


def _load_settings(args: argparse.Namespace):
    from homelab_tui.config import load_settings

    return load_settings(args.config, explicit=args.config is not None)


def _check_kubeconfig_flag(args: argparse.Namespace) -> None:
    if args.kubeconfig:
        for part in str(args.kubeconfig).split(os.pathsep):
            p = Path(part).expanduser()
            if part and not p.is_file():
                raise ConfigError(f"--kubeconfig {p}: no such file")


def _dashboard(args: argparse.Namespace) -> int:
    from homelab_tui.services import deferred_services, demo_services

    settings = _load_settings(args)
    _check_kubeconfig_flag(args)
    if args.demo:
        services = demo_services(settings, read_only=args.read_only)
    else:
        services = deferred_services(settings, kubeconfig=args.kubeconfig, context=args.context,
                                     read_only=args.read_only)  # built after the first paint
    app: HomelabApp | None = None
    try:
        from homelab_tui.ui.app import make_app

        app = make_app(services)
        app.run()
    finally:
        services.close()  # asks a running action to stop at its next safe point
        if app is not None and app.executor is not None:
            app.executor.shutdown()  # waits for that action only (again, after a Ctrl+C during the app's wait)
    assert app is not None  # make_app returned, or its exception left above
    return EXIT_FAILURE if app.return_code else EXIT_OK  # 1 after a bug (one line said what)


def _check(args: argparse.Namespace) -> int:
    from homelab_tui.agent_link import check_via_agent

    try:
        answer = check_via_agent(args)  # before any other import: a running agent answers in a few ms
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if answer is not None:
        output, code, warnings = answer
        for line in warnings:
            _say(line)
        return code if write_out(output) else EXIT_CHECK_UNKNOWN
    from homelab_tui.check import areas_from_flags, render_json, render_table, run_check
    from homelab_tui.services import build_services, demo_services
    from homelab_tui.sources.litellm_cache import HealthCache

    areas = areas_from_flags(args.only)
    settings = _load_settings(args)
    _check_kubeconfig_flag(args)
    if args.demo:
        services = demo_services(settings, read_only=True, life=False)
    else:
        services = build_services(settings, kubeconfig=args.kubeconfig, context=args.context, read_only=True)
    cache = HealthCache()
    try:
        report = run_check(services, areas=areas, conventions=args.conventions, wait=args.wait,
                           full_health=args.full_health, health_cache=cache)
    finally:
        services.close()
    if cache.save_error:
        _say(f"homelab-tui: check: warning: the full /health result was not saved ({cache.save_error}); "
             "the next runs cannot reuse it")
    return report.exit_code if write_out(render_json(report) if args.json else render_table(report)) \
        else EXIT_CHECK_UNKNOWN


def _demo_server(args: argparse.Namespace) -> int:
    from homelab_tui.demo.runner import DemoLab

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    lab = DemoLab(args.workdir, step=args.step, scale=args.scale)
    try:
        lab.start()
    except (RuntimeError, OSError) as exc:
        _say(f"homelab-tui: demo-server: {exc}")
        return EXIT_FAILURE
    try:
        if not write_out(json.dumps(lab.info())):
            return EXIT_FAILURE
        while not stop.wait(0.5):
            pass
    finally:
        lab.stop()
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())


__all__ = ["main", "build_parser", "write_out", "EXIT_CONFIG"]
