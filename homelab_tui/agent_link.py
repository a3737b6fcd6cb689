"""The line between ``homelab-tui check`` and a running ``homelab-tui agent`` (ADR-011), standard library only.

An agent serves one kubeconfig, context and config file — the same three a ``check`` would read — on a Unix
socket named after them in a private directory (mode 0700, owned by the user): the first of
``$XDG_RUNTIME_DIR/homelab-tui``, ``/run/user/UID/homelab-tui`` and ``/tmp/homelab-tui-UID`` that can hold it.
``check`` looks in each of them (cron has no ``$XDG_RUNTIME_DIR``; a ``systemd --user`` service has one)
before it imports anything else: when an agent answers, its verdicts are printed as they came; when none can,
``check`` reads the sources itself. This module is what both sides share, and the client.

One request, then up to two answer lines, JSON each::

    → {"v": 1, "key": KEY, "only": [...] | null, "conventions": bool, "wait": SECONDS | null,
       "full_health": bool, "json": bool}
    ← {"v": 1, "accepted": true, "bound_s": SECONDS}   at once: the agent answers within that many seconds
    ← {"v": 1, "output": TEXT, "exit_code": N, "warnings": [LINE, ...]}
    ← {"v": 1, "error": LINE}       bad input (an unknown --only area): exit 3, as without an agent
    ← {"v": 1, "declined": REASON}  the agent cannot stand in for a check now (its files changed, a watch
                                    failed or is loading): ``check`` reads the sources itself, silently
    ← {"v": 1, "failed": LINE}      the agent broke: one warning line, then ``check`` reads the sources itself
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import sys
import time
from pathlib import Path
from typing import Any, Mapping

from homelab_tui.paths import default_config_path, kubeconfig_spec

PROTOCOL = 1
#: the longest request or answer line either side accepts
MAX_LINE = 4 * 1024 * 1024
#: seconds a client waits to be accepted, and then for the "accepted" line: a live agent sends it at once, a
#: stopped one (Ctrl-Z, SIGSTOP) never does
ACCEPT_TIMEOUT = 2.0
#: seconds a client waits beyond the bound the agent gave
ANSWER_MARGIN = 2.0
#: the longest AF_UNIX socket path (108 bytes with the terminating NUL on Linux)
MAX_SOCKET_PATH = 107


class AgentUnavailable(Exception):
    """No agent answered usefully (none runs, its directory is not private, it answered nonsense)."""


def runtime_dirs(environ: Mapping[str, str] | None = None, run_user: Path = Path("/run/user")) -> list[Path]:
    """Where an agent's socket may be, in the order an agent picks and a client looks."""
    env = os.environ if environ is None else environ
    uid = os.getuid()
    out: list[Path] = []
    base = env.get("XDG_RUNTIME_DIR")
    if base and os.path.isabs(base) and os.path.isdir(base):
        out.append(Path(base) / "homelab-tui")
    mine = run_user / str(uid)
    try:
        if os.lstat(mine).st_uid == uid and stat.S_ISDIR(os.lstat(mine).st_mode):
            out.append(mine / "homelab-tui")
    except OSError:
        pass
    out.append(Path("/tmp") / f"homelab-tui-{uid}")  # noqa: S108 - checked private (private_dir_problem)
    return list(dict.fromkeys(out))


def private_dir_problem(path: Path) -> str | None:
    """Why ``path`` cannot hold the socket (None: a directory of this user's that no one else may enter)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return f"{path} does not exist"
    except OSError as exc:
        return f"{path}: {exc.strerror or exc}"
    if not stat.S_ISDIR(st.st_mode):
        return f"{path} is not a directory"
    if st.st_uid != os.getuid():
        return f"{path} belongs to another user (uid {st.st_uid})"
    if st.st_mode & 0o077:
        return f"{path} is open to other users (mode {stat.S_IMODE(st.st_mode):04o}; it must be 0700)"
    return None


def identity(kubeconfig: str | None, context: str | None, config: str | None,
             environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What an agent's answers depend on, as the command line and the environment name it: the kubeconfig
    files (``--kubeconfig``, ``$KUBECONFIG`` or ``~/.kube/config``), the context asked for (empty: the
    kubeconfig's current one) and the config file. Absolute paths: cron's working directory is not the shell's."""
    _, raw = kubeconfig_spec(kubeconfig, environ)
    files = [os.path.abspath(os.path.expanduser(p)) for p in raw.split(os.pathsep) if p]
    cfg = os.path.abspath(os.path.expanduser(config)) if config else str(default_config_path())
    return {"kubeconfig": files, "context": context or "", "config": cfg}


def agent_key(ident: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:16]


def socket_name(key: str) -> str:
    return f"agent-{key}.sock"


def send_line(sock: socket.socket, doc: Mapping[str, Any]) -> None:
    sock.sendall(json.dumps(doc, separators=(",", ":")).encode() + b"\n")


class LineReader:
    """JSON lines from a socket, each within a deadline for the whole line (not per ``recv``: a peer that
    sends a byte now and then cannot hold a reader forever)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buf = b""

    def line(self, timeout: float) -> dict[str, Any]:
        """The next line as a JSON object. Raises ``TimeoutError``, ``ValueError`` (not a JSON object, too
        long, the peer closed first) and ``OSError`` as the socket does."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no complete line in time")
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ValueError("closed before a complete line")
            self._buf += chunk
            if len(self._buf) > MAX_LINE:
                raise ValueError("line too long")
        raw, self._buf = self._buf.split(b"\n", 1)
        doc = json.loads(raw.decode("utf-8"))
        if not isinstance(doc, dict):
            raise ValueError("not a JSON object")
        return doc


def ask(path: Path, request: Mapping[str, Any]) -> dict[str, Any]:
    """Send ``request`` to the agent at ``path`` and return its answer. Raises :class:`AgentUnavailable` when
    no agent listens there (the usual case: the caller says nothing) and ``TimeoutError`` when one took the
    connection and did not accept the request, or did not answer within the bound it gave."""
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        raise AgentUnavailable(f"no socket at {path}: longer than {MAX_SOCKET_PATH} bytes")
    problem = private_dir_problem(path.parent)
    if problem is not None:
        raise AgentUnavailable(problem)
    if not os.path.exists(path):
        raise AgentUnavailable(f"no socket at {path}")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(ACCEPT_TIMEOUT)
        try:
            sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            raise AgentUnavailable(str(exc)) from None
        reader = LineReader(sock)
        try:
            send_line(sock, request)
            answer = reader.line(ACCEPT_TIMEOUT)
            if answer.get("accepted") is True:
                bound = answer.get("bound_s")
                if not isinstance(bound, (int, float)) or not 0 <= bound <= 7 * 86400:
                    raise ValueError(f"bound_s {bound!r}")
                answer = reader.line(bound + ANSWER_MARGIN)
        except (ValueError, UnicodeDecodeError) as exc:
            raise AgentUnavailable(f"unreadable answer ({exc})") from None
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise AgentUnavailable(f"connection closed ({exc})") from None
    finally:
        sock.close()
    if answer.get("v") != PROTOCOL:
        raise AgentUnavailable(f"protocol {answer.get('v')!r}, not {PROTOCOL}")
    return answer


def check_via_agent(args: Any, environ: Mapping[str, str] | None = None,
                    run_user: Path = Path("/run/user")) -> tuple[str, int, list[str]] | None:
    """``check``'s answer from a running agent — (output, exit code, warning lines) — or None when no agent
    serves these kubeconfig, context and config files (or it must not be asked: ``--demo``, ``--no-agent``),
    or it declined, or it could not answer (a timeout, a failure: one warning line on stderr first) — then
    ``check`` reads the sources itself. Raises ``ValueError`` with the agent's one line for bad input (exit 3)."""
    if getattr(args, "demo", False) or getattr(args, "no_agent", False):
        return None
    key = agent_key(identity(args.kubeconfig, args.context, args.config, environ))
    request = {"v": PROTOCOL, "key": key, "only": args.only, "conventions": bool(args.conventions),
               "wait": args.wait, "full_health": bool(args.full_health), "json": bool(args.json)}
    for folder in runtime_dirs(environ, run_user):
        path = folder / socket_name(key)
        try:
            answer = ask(path, request)
        except AgentUnavailable:
            continue
        except TimeoutError:
            _warn(f"homelab-tui: check: the agent at {path} did not answer in time; reading the sources directly")
            return None
        except OSError as exc:
            _warn(f"homelab-tui: check: the agent at {path} could not be asked ({exc.strerror or exc}); "
                  "reading the sources directly")
            return None
        return _result(answer, path)
    return None


def _result(answer: dict[str, Any], path: Path) -> tuple[str, int, list[str]] | None:
    if "error" in answer:
        raise ValueError(str(answer["error"]))
    if "declined" in answer:
        return None
    if "failed" in answer:
        _warn(f"homelab-tui: check: the agent at {path} failed ({answer['failed']}); reading the sources directly")
        return None
    output, code, warnings = answer.get("output"), answer.get("exit_code"), answer.get("warnings", [])
    if not isinstance(output, str) or not isinstance(code, int) or not isinstance(warnings, list):
        _warn(f"homelab-tui: check: the agent at {path} answered an incomplete result; reading the sources directly")
        return None
    return output, code, [str(w) for w in warnings]


def _warn(line: str) -> None:
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass
