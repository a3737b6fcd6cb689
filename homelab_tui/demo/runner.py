"""The simulated home-lab: real HTTP servers on 127.0.0.1, one asyncio loop in a background thread.

The Kubernetes API speaks TLS with a throw-away CA (kubectl sends a bearer token only over https);
Prometheus and LiteLLM speak plain http, as in-cluster URLs do.

Used by ``homelab-tui --demo`` (in-process), ``homelab-tui demo-server`` and the tests.
It writes a kubeconfig, a dashboard config file and a LiteLLM key file into its work directory, so a
stock kubectl, curl or the dashboard itself can talk to it like to the real home-lab. A work directory
given to it may hold only files it wrote itself (:data:`MARK`, or a demo key): it never replaces another.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Callable, TypeVar

from aiohttp import web

from homelab_tui.demo.control import create_control_app
from homelab_tui.demo.faults import Faults
from homelab_tui.errors import UsageError
from homelab_tui.paths import try_lock

T = TypeVar("T")

HOST = "127.0.0.1"
SERVERS = ("kubernetes", "prometheus", "litellm", "ollama")
#: the first line of the kubeconfig and the config file demo-server writes: only such files are replaced
MARK = "# written by homelab-tui demo-server"
#: the whole of a key file demo-server wrote (it cannot carry a comment: the file is the key)
#: held (flock) by the demo-server serving from a --workdir
LOCK_NAME = ".demo-server.lock"
DEMO_KEY = re.compile(r"sk-demo-[0-9a-f]{32}\n?")


class DemoLab:
    """Start with ``with DemoLab() as lab:`` or ``lab.start()`` / ``lab.stop()``."""

    def __init__(self, workdir: str | os.PathLike[str] | None = None, *, now: dt.datetime | None = None,
                 clock: Callable[[], float] = time.time, step: float = 1.0, scale: int = 1,
                 life: bool = True) -> None:
        self._own_workdir = workdir is None
        # absolute: the files name each other (config.toml's key_file) and the printed paths work from anywhere
        self.workdir = Path(workdir).absolute() if workdir else Path(tempfile.mkdtemp(prefix="homelab-tui-demo-"))
        self._lock_fd: int | None = None
        self.now = now or dt.datetime.now(dt.timezone.utc)
        self.clock = clock
        self.step = step
        self.scale = scale
        self.life_enabled = life
        self.token = "demo-" + secrets.token_hex(16)
        self.litellm_key = "sk-demo-" + secrets.token_hex(16)
        self.faults = Faults()
        self.store: Any = None
        self.ports: dict[str, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runners: dict[str, web.AppRunner] = {}
        self._sites: dict[str, web.TCPSite] = {}
        self._tasks: list[asyncio.Task] = []
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self.tls: Any = None

    # ------------------------------------------------------------------ URLs and files

    def url(self, server: str) -> str:
        scheme = "https" if server == "kubernetes" else "http"
        return f"{scheme}://{HOST}:{self.ports[server]}"

    @property
    def kube_url(self) -> str:
        return self.url("kubernetes")

    @property
    def prometheus_url(self) -> str:
        return self.url("prometheus")

    @property
    def litellm_url(self) -> str:
        return self.url("litellm")

    @property
    def ollama_url(self) -> str:
        return self.url("ollama")

    @property
    def control_url(self) -> str:
        return self.url("control")

    @property
    def kubeconfig_path(self) -> Path:
        return self.workdir / "kubeconfig"

    @property
    def config_path(self) -> Path:
        return self.workdir / "config.toml"

    @property
    def key_file(self) -> Path:
        return self.workdir / "litellm.key"

    def info(self) -> dict[str, str]:
        """What ``demo-server`` prints once ready."""
        return {
            "kubeconfig": str(self.kubeconfig_path),
            "config": str(self.config_path),
            "prometheus": self.prometheus_url,
            "litellm": self.litellm_url,
            "ollama": self.ollama_url,
            "control": self.control_url,
        }

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> "DemoLab":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 30.0) -> "DemoLab":
        if not self._own_workdir:
            self._check_workdir()
        self._thread = threading.Thread(target=self._thread_main, name="demo-lab", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the simulated home-lab did not start in time")
        if self._startup_error is not None:
            raise RuntimeError(f"the simulated home-lab failed to start: {self._startup_error}")
        self._write_files()
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=15)
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the lock
            self._lock_fd = None
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def call(self, fn: Callable[[], T], timeout: float = 10.0) -> T:
        """Run ``fn`` on the lab's loop thread and return its result."""
        assert self._loop is not None
        fut: Future = Future()

        def runner() -> None:
            try:
                fut.set_result(fn())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                fut.set_exception(exc)

        self._loop.call_soon_threadsafe(runner)
        return fut.result(timeout)

    def set_down(self, server: str, down: bool = True) -> None:
        """Really stop (or restart) a server's listening socket: clients get 'connection refused'."""
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(self._set_down(server, down), self._loop).result(timeout=15)

    # ------------------------------------------------------------------ loop thread

    def _thread_main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._startup())
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self._startup_error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _startup(self) -> None:
        from homelab_tui.demo import kube_api, litellm_sim, ollama_sim, prometheus_sim
        from homelab_tui.demo.life import Life
        from homelab_tui.demo.seed import build_objects
        from homelab_tui.demo.store import ClusterStore

        from homelab_tui.demo.tls import make_server_tls

        # kubectl sends bearer tokens only over TLS, as a real K3s API server speaks it
        self.tls = make_server_tls(HOST)
        self.store = ClusterStore(build_objects(self.now, scale=self.scale))
        apps = {
            "kubernetes": kube_api.create_app(self.store, self.faults["kubernetes"], self.token),
            "prometheus": prometheus_sim.create_app(self.store, self.faults["prometheus"], self.clock),
            "litellm": litellm_sim.create_app(self.store, self.faults["litellm"], self.litellm_key),
            "ollama": ollama_sim.create_app(self.store, self.faults["ollama"], self.clock),
            "control": create_control_app(self),
        }
        for name, app in apps.items():
            runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
            await runner.setup()
            site = web.TCPSite(runner, HOST, 0, reuse_address=True, ssl_context=self._ssl(name))
            await site.start()
            self._runners[name] = runner
            self._sites[name] = site
            self.ports[name] = runner.addresses[0][1]
        if self.life_enabled:
            self._tasks.append(asyncio.get_running_loop().create_task(Life(self.store, step=self.step).run()))

    def _ssl(self, server: str):
        return self.tls.context if server == "kubernetes" else None

    async def _shutdown(self) -> None:
        for task in self._tasks:
            task.cancel()
        for runner in self._runners.values():
            await runner.cleanup()

    async def _set_down(self, server: str, down: bool) -> None:
        if server not in SERVERS:
            raise ValueError(f"unknown server {server!r} (one of {', '.join(SERVERS)})")
        self.faults[server].down = down
        runner = self._runners[server]
        if down:
            site = self._sites.pop(server, None)
            if site is not None:
                await site.stop()
            # end open connections too (watches), as a crashed server would
            for conn in list(getattr(runner.server, "connections", []) or []):
                conn.force_close()
        elif server not in self._sites:
            site = web.TCPSite(runner, HOST, self.ports[server], reuse_address=True, ssl_context=self._ssl(server))
            await site.start()
            self._sites[server] = site

    # ------------------------------------------------------------------ files

    def _check_workdir(self) -> None:
        """Before anything starts: the work directory is a directory and holds none of the user's files."""
        where = f"demo-server: --workdir {self.workdir}"
        if self.workdir.exists() and not self.workdir.is_dir():
            raise UsageError(f"{where}: not a directory")
        try:
            self.workdir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RuntimeError(f"--workdir {self.workdir}: cannot create the directory: "
                               f"{exc.strerror or type(exc).__name__}") from None
        theirs = [p.name for p in (self.kubeconfig_path, self.config_path, self.key_file)
                  if os.path.lexists(p) and not _written_here(p)]
        if theirs:
            raise UsageError(f"{where}: {', '.join(theirs)} already there and not written by demo-server; "
                             "nothing was changed (give an empty or new directory)")
        self._lock_workdir(where)

    def _lock_workdir(self, where: str) -> None:
        """Hold a lock on the directory while this server runs: a second demo-server there would point the
        first one's clients at its own ports. The kernel drops the lock when the process ends, however."""
        lock = self.workdir / LOCK_NAME
        try:
            fd = try_lock(lock)
        except OSError as exc:
            raise RuntimeError(f"{where}: cannot create {LOCK_NAME}: {exc.strerror or type(exc).__name__}") from None
        if fd is None:
            raise UsageError(f"{where}: another demo-server is serving from this directory; nothing was changed "
                             "(stop it, or give another directory)")
        self._lock_fd = fd

    def _write_files(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        _write_private(self.key_file, self.litellm_key + "\n")
        _write_private(self.kubeconfig_path, KUBECONFIG_TEMPLATE.format(
            mark=MARK, server=self.kube_url, token=self.token, ca=self.tls.certificate_authority_data))
        self.config_path.write_text(CONFIG_TEMPLATE.format(
            mark=MARK, prometheus=self.prometheus_url, litellm=self.litellm_url, key_file=self.key_file,
            ollama=self.ollama_url), encoding="utf-8")


def _written_here(path: Path) -> bool:
    """Whether ``path`` is a regular file demo-server wrote (a link, or an unreadable file, is not)."""
    if path.is_symlink() or not path.is_file():
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(len(MARK) + 64)
    except OSError:
        return False
    text = head.decode("utf-8", "replace")
    return text.startswith(MARK + "\n") or (path.name == "litellm.key" and DEMO_KEY.fullmatch(text) is not None)


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` readable by the owner only, also when replacing an older file (O_TRUNC keeps its mode)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(text)


KUBECONFIG_TEMPLATE = """\
{mark}
apiVersion: v1
kind: Config
clusters:
- name: homelab-demo
  cluster:
    server: {server}
    certificate-authority-data: {ca}
contexts:
- name: homelab-demo
  context:
    cluster: homelab-demo
    user: homelab-demo-admin
current-context: homelab-demo
users:
- name: homelab-demo-admin
  user:
    token: {token}
"""

CONFIG_TEMPLATE = """\
{mark}
# homelab-tui config for the simulated home-lab
[prometheus]
url = "{prometheus}"

[litellm]
url = "{litellm}"
key_file = "{key_file}"

[ollama]
url = "{ollama}"
"""
