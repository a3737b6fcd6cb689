"""``homelab-tui agent``: a long-running process that answers ``check`` in milliseconds (ADR-011).

``check`` on its own starts an interpreter, imports the verdicts and lists the cluster every run: about a third
of a second, three times ``kubectl get`` at the home-lab's size. The agent keeps what a ``check`` would build —
the sources, a watch cache that follows the cluster (ADR-002: no list once the watches run, a liveness probe
that notices a silent server) and connection pools — and answers ``check`` over a Unix socket that only its
user can reach (:mod:`homelab_tui.agent_link`). Each answer is :func:`homelab_tui.check.run_check`, the same
code as without the agent, on the watch cache and a fresh read of Prometheus, LiteLLM and the GPU that keeps
nothing from earlier reads. Whenever the watch cache cannot stand in for the lists a ``check`` would make (a
watch failed, the API server is silent, a resource is still loading) the agent declines and that ``check``
reads the sources itself: a failure is reported exactly as without the agent, never judged on data kept from
before it.

It serves one kubeconfig, context and config file. When one of its files (those, or the LiteLLM key file)
changes, it declines that request and reads them again; while they cannot be read it declines every request
(one line on stderr) and tries again when they change. When its own code changes (an upgrade) it stops.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import threading
from pathlib import Path
from typing import Any, Callable, Mapping

from homelab_tui.agent_link import PROTOCOL, LineReader, agent_key, identity, runtime_dirs, send_line, socket_name
from homelab_tui.agent_socket import AgentError, AgentSocket, gone, peer_uid
from homelab_tui.config_checks import MAX_SECONDS
from homelab_tui.errors import EXIT_OK, HomelabError, crash_line
from homelab_tui.output import say

#: seconds a client has to send its whole request once connected
REQUEST_TIMEOUT = 5.0
#: connections handled at once (each waits its turn for the one check that runs at a time)
MAX_CLIENTS = 16
#: seconds ``close`` waits for a check in progress before it closes the sources
CLOSE_WAIT = 10.0
PACKAGE = Path(__file__).resolve().parent

Fingerprint = tuple[tuple[str, tuple[int, int, int] | None], ...]


def fingerprint(paths: list[str]) -> Fingerprint:
    """Each file's (modification time, size, inode), None for one that is not there."""
    out = []
    for p in paths:
        try:
            st = os.stat(p)
            out.append((p, (st.st_mtime_ns, st.st_size, st.st_ino)))
        except OSError:
            out.append((p, None))
    return tuple(out)


def code_files() -> list[str]:
    """The agent's own code: a change means an upgrade, and its answers would be the old code's."""
    return sorted(str(p) for p in PACKAGE.rglob("*.py"))


class Agent:
    """Sources for one kubeconfig, context and config, and the socket ``check`` asks."""

    def __init__(self, args: argparse.Namespace, *, environ: dict[str, str] | None = None,
                 run_user: Path = Path("/run/user")) -> None:
        from homelab_tui.config import LITELLM_KEY_ENV

        self.args = args
        env = os.environ if environ is None else environ
        self.ident = identity(args.kubeconfig, args.context, args.config, env)
        self.key = agent_key(self.ident)
        self.folders = runtime_dirs(env, run_user)
        self.path = self.folders[0] / socket_name(self.key)
        #: a key from the environment is taken once, out of the environment (a kubeconfig exec plugin must not
        #: inherit it); every (re)load reads it from here, as read_litellm_key reads the environment
        raw = env.pop(LITELLM_KEY_ENV, None)
        self._key_env = {} if raw is None else {LITELLM_KEY_ENV: raw}
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(MAX_CLIENTS)
        self._queued = 0
        self._counter = threading.Lock()  # guards _queued
        self.stop = threading.Event()
        self.exit_code = EXIT_OK
        self.services: Any = None
        self.broken: str | None = None  # why the files cannot be read now (every request is declined)
        self._files: list[str] = []
        self._seen: Fingerprint = ()
        self._code_files = code_files()  # walked once; each check stats them (an upgrade rewrites them)
        self._code = fingerprint(self._code_files)
        self._socket = AgentSocket(self.folders, self.key)

    # ------------------------------------------------------------------ sources

    def load(self) -> None:
        """Read the config and the kubeconfig and start the sources (the watches run in background threads).
        Raises HomelabError (ConfigError: exit 3) for bad input; the files' state is recorded either way."""
        from homelab_tui.config import default_key_path, load_settings
        from homelab_tui.errors import ConfigError
        from homelab_tui.services import build_services

        args = self.args
        files = [*self.ident["kubeconfig"], self.ident["config"]]
        self._files, self._seen = files, fingerprint(files)  # before reading: a change while reading is seen next
        settings = load_settings(args.config, explicit=args.config is not None)
        if args.kubeconfig:
            for part in self.ident["kubeconfig"]:
                if not os.path.isfile(part):
                    raise ConfigError(f"--kubeconfig {part}: no such file")
        environ = {**os.environ, **self._key_env}
        key_file = os.path.abspath(os.path.expanduser(settings.litellm.key_file or str(default_key_path(environ))))
        self._files, self._seen = [*files, key_file], self._seen + fingerprint([key_file])
        services = build_services(settings, kubeconfig=args.kubeconfig, context=args.context, read_only=True,
                                  environ=environ)
        services.kube.start()
        old, self.services, self.broken = self.services, services, None
        if old is not None:
            old.close()

    def changed_file(self) -> str | None:
        """The first of the agent's files that changed since it read them (None: none did)."""
        now = dict(fingerprint(self._files))
        for path, seen in self._seen:
            if now.get(path) != seen:
                return path
        return None

    def _reload(self, changed: str) -> None:
        say(f"homelab-tui agent: {changed} changed; reading the files again")
        try:
            self.load()
        except HomelabError as exc:
            self.broken = str(exc)
        except Exception as exc:  # noqa: BLE001 - one line; it tries again when the files change
            self.broken = crash_line(exc).removeprefix("homelab-tui: ")
        if self.broken:
            say(f"homelab-tui agent: {self.broken}; answering no check until the files change")

    # ------------------------------------------------------------------ answering

    def bound(self, wait: float | None) -> float:
        """Seconds within which a check now accepted is answered: the ones queued before it and its own, each
        bounded by the cluster's wait and the other sources' timeouts."""
        settings = self.services.settings if self.services is not None else None
        if settings is None:
            return 5.0
        one = ((settings.kubernetes.timeout + 2.0 if wait is None else wait) + settings.prometheus.timeout
               + 5 * settings.litellm.timeout + settings.ollama.timeout + 2.0)
        return one * (self._queued + 1)

    def answer(self, request: dict[str, Any], gone: Callable[[], bool] = lambda: False) -> dict[str, Any] | None:
        """The answer to one request (the protocol is in :mod:`homelab_tui.agent_link`); None when the client
        went away (``gone``) while the request waited for its turn. The caller holds no lock."""
        problem = _malformed(request, self.key)
        if problem is not None:
            return problem
        with self._lock:
            if gone():
                return None  # it gave up while queued: no work for nobody
            if self.stop.is_set():
                return {"v": PROTOCOL, "declined": "the agent is stopping"}
            if fingerprint(self._code_files) != self._code:
                say("homelab-tui agent: its code changed (an upgrade?); stopping: start it again")
                self.stop.set()
                return {"v": PROTOCOL, "declined": "the agent's code changed"}
            changed = self.changed_file()
            if changed is not None:
                self._reload(changed)
                return {"v": PROTOCOL, "declined": f"{changed} changed"}
            if self.broken is not None:
                return {"v": PROTOCOL, "declined": self.broken}
            return self._check(request)

    def _check(self, request: dict[str, Any]) -> dict[str, Any]:
        from homelab_tui.check import WatchesNotReady, areas_from_flags, render_json, render_table, run_check
        from homelab_tui.sources.litellm_cache import HealthCache

        try:
            areas = areas_from_flags(request.get("only"))
        except HomelabError as exc:
            return {"v": PROTOCOL, "error": str(exc)}
        services = self.services
        for source in (services.prometheus, services.litellm, services.gpu):
            forget = getattr(source, "forget", None)
            if forget is not None:
                forget()  # each check judges its own read, as a check of its own would
        cache = HealthCache()
        try:
            report = run_check(services, areas=areas, conventions=bool(request.get("conventions")),
                               wait=request.get("wait"), full_health=bool(request.get("full_health")),
                               health_cache=cache, watching=True)
        except WatchesNotReady as exc:
            return {"v": PROTOCOL, "declined": str(exc)}
        except Exception as exc:  # noqa: BLE001 - check reads the sources itself, after one warning line
            return {"v": PROTOCOL, "failed": crash_line(exc).removeprefix("homelab-tui: ")}
        warnings = []
        if cache.save_error:
            warnings.append(f"homelab-tui: check: warning: the full /health result was not saved "
                            f"({cache.save_error}); the next runs cannot reuse it")
        output = render_json(report) if request.get("json") else render_table(report)
        return {"v": PROTOCOL, "output": output, "exit_code": report.exit_code, "warnings": warnings}

    def serve_one(self, conn: socket.socket) -> None:
        """Read one request from ``conn``, accept it, answer it and close it (a thread per connection)."""
        try:
            if peer_uid(conn) not in (None, os.getuid()):
                return  # the directory is private already; this is the second lock
            reader = LineReader(conn)
            request = reader.line(REQUEST_TIMEOUT)
            conn.settimeout(REQUEST_TIMEOUT)
            with self._counter:
                send_line(conn, {"v": PROTOCOL, "accepted": True, "bound_s": round(self.bound(
                    request.get("wait") if isinstance(request.get("wait"), (int, float)) else None), 1)})
                self._queued += 1
            try:
                answer = self._answer_safely(request, lambda: gone(conn))
            finally:
                with self._counter:
                    self._queued -= 1
            if answer is not None:
                send_line(conn, answer)
        except (OSError, ValueError):
            pass  # the client went away or sent nonsense: it gets no answer and reads the sources itself
        finally:
            conn.close()
            self._slots.release()

    def _answer_safely(self, request: dict[str, Any], gone: Callable[[], bool]) -> dict[str, Any] | None:
        try:
            return self.answer(request, gone)
        except Exception as exc:  # noqa: BLE001 - the agent keeps serving after a bug
            return {"v": PROTOCOL, "failed": crash_line(exc).removeprefix("homelab-tui: ")}

    # ------------------------------------------------------------------ the socket

    def bind(self) -> None:
        """Listen on the first place that can hold the socket (raises AgentError: exit 1)."""
        self._socket.bind()
        self.path = self._socket.path

    def serve(self) -> None:
        """Accept connections until :attr:`stop` is set."""
        listener = self._socket.listener
        assert listener is not None
        while not self.stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if self.stop.is_set():
                    break
                raise
            if not self._slots.acquire(blocking=False):
                conn.close()  # more clients than MAX_CLIENTS wait already: this one reads the sources itself
                continue
            threading.Thread(target=self.serve_one, args=(conn,), name="agent-client", daemon=True).start()

    def close(self) -> None:
        """Stop listening and remove the socket, let a check in progress finish (at most :data:`CLOSE_WAIT`),
        then close the sources."""
        self.stop.set()
        self._socket.close()
        held = self._lock.acquire(timeout=CLOSE_WAIT)
        try:
            if self.services is not None:
                self.services.close()
                self.services = None
        finally:
            if held:
                self._lock.release()
        self._socket.release()


def _malformed(request: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    if request.get("v") != PROTOCOL:
        return {"v": PROTOCOL, "failed": f"the agent speaks protocol {PROTOCOL}, not {request.get('v')!r}"}
    if request.get("key") != key:
        return {"v": PROTOCOL, "declined": "this agent serves another kubeconfig, context or config file"}
    only, wait = request.get("only"), request.get("wait")
    if only is not None and not (isinstance(only, list) and all(isinstance(o, str) for o in only)):
        return {"v": PROTOCOL, "failed": "malformed request (only)"}
    if wait is not None and (isinstance(wait, bool) or not isinstance(wait, (int, float))
                             or not 0 <= wait <= MAX_SECONDS):
        return {"v": PROTOCOL, "failed": "malformed request (wait)"}
    return None


def run_agent(args: argparse.Namespace, *, ready: Callable[[Agent], None] | None = None) -> int:
    """The ``agent`` command: serve until SIGINT, SIGTERM or SIGHUP (one that is ignored, as under ``nohup``,
    stays ignored), or until its code changes. 0 when stopped so, 3 for bad input at start (as the dashboard),
    1 when it cannot serve (an unsafe directory, another agent already serving)."""
    agent = Agent(args)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) is not signal.SIG_IGN:  # started under nohup: a closed terminal must not stop it
            signal.signal(sig, lambda *_: agent.stop.set())
    try:
        agent.bind()
        agent.load()
        context = agent.services.context or "(current context)"
        say(f"homelab-tui agent: serving check for context {context} at {agent.path}; Ctrl+C stops it")
        if ready is not None:
            ready(agent)
        agent.serve()
    except HomelabError as exc:
        say(f"homelab-tui agent: {exc}")
        return exc.exit_code
    finally:
        agent.close()
    say("homelab-tui agent: stopped")
    return agent.exit_code


__all__ = ["Agent", "AgentError", "run_agent"]
