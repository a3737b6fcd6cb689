"""The Unix socket ``homelab-tui agent`` listens on (ADR-011): a private directory, one lock per served
kubeconfig/context/config, and who may connect."""

from __future__ import annotations

import os
import socket
import stat
import struct
from pathlib import Path

from homelab_tui.agent_link import MAX_SOCKET_PATH, private_dir_problem, socket_name
from homelab_tui.errors import EXIT_FAILURE, HomelabError
from homelab_tui.paths import try_lock


class AgentError(HomelabError):
    """The agent cannot serve (its socket): exit 1."""

    exit_code = EXIT_FAILURE


class AgentSocket:
    """Where one agent listens: the first of ``folders`` whose socket path fits AF_UNIX."""

    def __init__(self, folders: list[Path], key: str, backlog: int = 16) -> None:
        self.folders = folders
        self.key = key
        self.backlog = backlog
        self.path = folders[0] / socket_name(key)
        self.listener: socket.socket | None = None
        self._lockfile: int | None = None
        self._inode: int | None = None

    def bind(self) -> None:
        """Make the private directory, hold this agent's lock (a second agent for the same files is refused),
        replace a socket a killed agent left, and listen. Raises AgentError."""
        folder = next((f for f in self.folders if len(os.fsencode(f / socket_name(self.key))) <= MAX_SOCKET_PATH),
                      None)
        if folder is None:
            raise AgentError(f"{self.folders[-1]}: the socket path would be longer than {MAX_SOCKET_PATH} bytes")
        self.path = folder / socket_name(self.key)
        try:
            folder.mkdir(mode=0o700, parents=False, exist_ok=True)
        except OSError as exc:
            raise AgentError(f"cannot make {folder}: {exc.strerror or exc}") from None
        problem = private_dir_problem(folder)
        if problem is not None:
            raise AgentError(f"{problem}; the agent's socket must be private")
        self._take_lock(folder)
        try:
            self._listen()
        except BaseException:
            self.release()
            raise

    def _listen(self) -> None:
        try:
            st = os.lstat(self.path)
        except FileNotFoundError:
            pass
        else:
            if not stat.S_ISSOCK(st.st_mode):
                raise AgentError(f"{self.path} exists and is not a socket")
            os.unlink(self.path)  # we hold the lock: no agent serves it (one was killed)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)  # the socket is made 0600: only this user connects
        try:
            listener.bind(str(self.path))
        except OSError as exc:
            listener.close()
            raise AgentError(f"cannot listen on {self.path}: {exc.strerror or exc}") from None
        finally:
            os.umask(old_umask)
        listener.listen(self.backlog)
        listener.settimeout(0.5)
        self.listener = listener
        self._inode = os.lstat(self.path).st_ino

    def _take_lock(self, folder: Path) -> None:
        path = folder / f"agent-{self.key}.lock"
        try:
            fd = try_lock(path)
        except OSError as exc:
            raise AgentError(f"cannot open {path}: {exc.strerror or exc}") from None
        if fd is None:
            raise AgentError("another agent already serves these kubeconfig, context and config files at "
                             f"{self.path}")
        self._lockfile = fd

    def close(self) -> None:
        """Stop listening and remove the socket (never one another agent made since)."""
        if self.listener is not None:
            self.listener.close()
            self.listener = None
            try:
                if os.lstat(self.path).st_ino == self._inode:
                    os.unlink(self.path)
            except OSError:
                pass

    def release(self) -> None:
        """Let another agent serve these files (closing the lock file releases the lock)."""
        if self._lockfile is not None:
            os.close(self._lockfile)
            self._lockfile = None


def gone(conn: socket.socket) -> bool:
    """Whether the client closed its end (it gave up waiting): a peek that finds the end of the stream."""
    timeout = conn.gettimeout()
    conn.setblocking(False)  # with a timeout, recv would wait for data first
    try:
        return conn.recv(1, socket.MSG_PEEK) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True
    finally:
        conn.settimeout(timeout)


def peer_uid(conn: socket.socket) -> int | None:
    """The connecting process's user (Linux: SO_PEERCRED), None where the system does not tell."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    try:
        _pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i")))
    except OSError:
        return None
    return uid
