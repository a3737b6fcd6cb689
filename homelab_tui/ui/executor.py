"""The UI loop's default executor: read-only thread workers never hold up the exit.

Textual runs every thread worker with ``loop.run_in_executor(None, …)``. asyncio's own default executor
is a ``ThreadPoolExecutor``: its threads are not daemons, ``asyncio.run`` shuts it down with ``wait=True``
when the app ends, and concurrent.futures joins its threads again at interpreter exit. So ``q`` waited
for whatever a worker was blocked on: a probe or a full ``/health`` (30 s), a Prometheus poll, an event
or plan read on a slow API, or a wedged NVML (forever), and Ctrl+C could not end that wait.

:class:`WorkerExecutor` runs each job in a thread of its own. A job started by a worker of one of
``keep_groups`` (the action runner's execute worker) runs in an ordinary thread, which exit waits for as
before: at quit the action is asked to stop at its next safe point and writes its audit line. Every other
job runs in a daemon thread that exit abandons; those only read, and what they read is not needed then.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, TypeVar

from textual.worker import active_worker

T = TypeVar("T")

#: the worker groups whose jobs an exit waits for: the action runner's (ACTION_GROUP in actions_runner;
#: not imported from there, which would load the action machinery before the first paint)
KEEP_GROUPS = frozenset({"action-execute"})


class WorkerExecutor(ThreadPoolExecutor):
    """A thread per job; shutdown waits only for the jobs of ``keep_groups``' workers.

    A ``ThreadPoolExecutor`` by type only (``loop.set_default_executor`` accepts nothing else): none of
    its pool is used, so no thread of it is registered for concurrent.futures' join at exit.
    """

    def __init__(self, keep_groups: frozenset[str] = KEEP_GROUPS) -> None:
        super().__init__(max_workers=1)
        self._keep_groups = keep_groups
        self._jobs_lock = threading.Lock()
        self._kept: set[threading.Thread] = set()
        self._closed = False

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        worker = active_worker.get(None)  # the Textual worker whose task calls run_in_executor, if any
        keep = worker is not None and worker.group in self._keep_groups
        future: Future[T] = Future()
        name = f"worker: {worker.name or worker.group}" if worker is not None else "worker"
        thread = threading.Thread(target=self._run, args=(future, fn, args, kwargs), name=name, daemon=not keep)
        with self._jobs_lock:
            if self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            if keep:
                self._kept.add(thread)
        thread.start()
        return future

    def _run(self, future: Future[T], fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        try:
            if not future.set_running_or_notify_cancel():
                return
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting worker, as ThreadPoolExecutor does
                future.set_exception(exc)
            else:
                future.set_result(result)
        finally:
            with self._jobs_lock:
                self._kept.discard(threading.current_thread())

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Refuse new jobs; with ``wait``, wait for the kept jobs only (an action stopping at a safe point)."""
        with self._jobs_lock:
            self._closed = True
            kept = list(self._kept)
        if wait:
            for thread in kept:
                thread.join()
