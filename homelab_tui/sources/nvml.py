"""GPU telemetry from NVML (``nvidia-ml-py``, ``import pynvml``) when the dashboard runs on the GPU host.

NVML is initialised once, lazily, by the first :meth:`NvmlGpuSource.refresh` (which runs in a
worker thread) — never on import. Without a GPU ``nvmlInit()`` raises an ``NVMLError``
(``NVMLError_LibraryNotFound`` on a machine without the driver); from then on the source
shows the DCGM exporter's metrics that the Prometheus source read, with a ``note`` saying why.

NVML has no timeout: on a GPU wedged after an Xid error a call may never return. No lock is held across
an NVML call, so :meth:`NvmlGpuSource.current` and :meth:`NvmlGpuSource.close` (on the UI thread) never
wait for one, and a call that has not answered for :data:`STALL_INTERVALS` poll intervals is the source's
error ("NVML not answering for 40 s") instead of a GPU panel that says "loading…" forever.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import sys
import threading
import time
from collections import deque
from typing import Any, Callable


from homelab_tui.config import Settings
from homelab_tui.model.metrics import GpuProcess, GpuTelemetry, MetricsData
from homelab_tui.model.snapshot import Snapshot, format_age
from homelab_tui.sources.base import PolledSource, SnapshotKeeper
from homelab_tui.sources.promql import HISTORY_SECONDS

_REASONS = {
    "NVMLError_LibraryNotFound": "library not found",
    "NVMLError_DriverNotLoaded": "driver not loaded",
    "NVMLError_NoPermission": "no permission",
    "NVMLError_LibRmVersionMismatch": "driver/library version mismatch",
}


#: poll intervals an NVML call may go unanswered before the source says NVML is not answering
STALL_INTERVALS = 2.0
#: seconds :meth:`NvmlGpuSource.close` waits for ``nvmlShutdown`` (it runs in a thread of its own)
SHUTDOWN_WAIT = 1.0


def nvml_reason(exc: BaseException) -> str:
    """'library not found', 'driver not loaded', … for an NVMLError."""
    return _REASONS.get(type(exc).__name__) or str(exc) or type(exc).__name__


def nvml_library_loadable() -> bool:
    """Whether NVML's library can be loaded. pynvml loads ``libnvidia-ml.so.1`` by that name on Linux, so
    where the dynamic loader cannot find it NVML cannot work, and importing pynvml (about 10 ms, most of it
    ctypes' helpers) is skipped. Elsewhere (Windows) pynvml's own search decides."""
    if not sys.platform.startswith("linux"):
        return True
    import ctypes

    try:
        ctypes.CDLL("libnvidia-ml.so.1")
    except OSError:
        return False
    return True


class NvmlGpuSource:
    """``PolledSource[GpuTelemetry]``: NVML on a GPU host, else the Prometheus source's DCGM data."""

    def __init__(self, settings: Settings, fallback: PolledSource[MetricsData] | None = None, *,
                 nvml: Any = None, clock: Callable[[], float] = time.time, hostname: str | None = None) -> None:
        self.name = "nvml"
        self.interval = settings.prometheus.interval
        self._fallback = fallback
        self._nvml = nvml
        self._clock = clock
        self._hostname = hostname or socket.gethostname()
        self._keeper: SnapshotKeeper[GpuTelemetry] = SnapshotKeeper(self.name, clock)
        #: guards the fields below; never held across an NVML call (one may never return)
        self._lock = threading.Lock()
        #: None = not tried yet, True = NVML works, False = not used (``_reason`` says why)
        self._nvml_ok: bool | None = None
        #: when the NVML call now running began (None: none is running)
        self._calling_since: float | None = None
        #: close() came while a call was running: the refresh that made it shuts NVML down when it returns
        self._shutdown_pending = False
        #: why NVML is not used, e.g. "NVML: library not found"
        self._reason = ""
        self._util: deque[tuple[float, float]] = deque()
        self._vram: deque[tuple[float, float]] = deque()

    @property
    def using_nvml(self) -> bool:
        return self._nvml_ok is True

    # ------------------------------------------------------------------ PolledSource

    def refresh(self) -> Snapshot[GpuTelemetry]:
        with self._lock:
            ok, since = self._nvml_ok, self._calling_since
            if ok is not False and since is None:
                self._calling_since = self._clock()
        if ok is False:
            return self._from_fallback()
        if since is not None:  # another refresh waits for NVML: never queue behind it
            return self._stalled(self._keeper.current(), since)
        try:
            if not self._ensure_init():
                return self._from_fallback()
            try:
                return self._keeper.success(self._read())
            except self._nvml.NVMLError as exc:
                return self._keeper.failure(f"NVML: {nvml_reason(exc)}")
        finally:
            with self._lock:
                self._calling_since = None
                shutdown, self._shutdown_pending = self._shutdown_pending and self._nvml_ok is True, False
            if shutdown:  # close() came meanwhile
                self._shutdown()

    def forget(self) -> None:
        """Drop what earlier reads left (see :meth:`SnapshotKeeper.forget`)."""
        self._keeper.forget()

    def current(self) -> Snapshot[GpuTelemetry]:
        with self._lock:
            ok, since = self._nvml_ok, self._calling_since
        if ok is False:
            return self._from_fallback()
        return self._stalled(self._keeper.current(), since)

    def close(self) -> None:
        """Shut NVML down; never waits for a call that has not returned (that refresh shuts it down if
        it ever does), and waits at most :data:`SHUTDOWN_WAIT` for ``nvmlShutdown`` itself."""
        with self._lock:
            if self._calling_since is not None:
                self._shutdown_pending = True
                return
            if self._nvml_ok is not True:
                return
            self._calling_since = self._clock()  # no refresh starts a call while NVML shuts down
        closer = threading.Thread(target=self._shutdown, name="nvml-shutdown", daemon=True)
        closer.start()
        closer.join(SHUTDOWN_WAIT)

    # ------------------------------------------------------------------ NVML

    def _stalled(self, snap: Snapshot[GpuTelemetry], since: float | None) -> Snapshot[GpuTelemetry]:
        """``snap``, or an error once an NVML call has gone unanswered for STALL_INTERVALS intervals."""
        if since is None:
            return snap
        waited = self._clock() - since
        if waited < STALL_INTERVALS * self.interval:
            return snap
        return dataclasses.replace(snap, error=f"NVML not answering for {format_age(waited)}", error_since=since)

    def _shutdown(self) -> None:
        with contextlib.suppress(self._nvml.NVMLError):
            self._nvml.nvmlShutdown()
        with self._lock:
            self._nvml_ok = None
            self._calling_since = None

    def _ensure_init(self) -> bool:
        """Initialise NVML on first use. Only the refresh that set ``_calling_since`` gets here."""
        if self._nvml_ok is not None:
            return self._nvml_ok
        if self._nvml is None:
            if not nvml_library_loadable():
                return self._give_up("NVML: library not found")
            import pynvml  # here, in the first poll's worker: not before the first paint

            self._nvml = pynvml
        try:
            self._nvml.nvmlInit()
            if self._nvml.nvmlDeviceGetCount() < 1:
                self._nvml.nvmlShutdown()
                raise LookupError("no GPU found")
        except (self._nvml.NVMLError, LookupError) as exc:
            reason = nvml_reason(exc) if isinstance(exc, self._nvml.NVMLError) else str(exc)
            return self._give_up(f"NVML: {reason}")
        with self._lock:
            self._nvml_ok = True
        return True

    def _give_up(self, reason: str) -> bool:
        with self._lock:
            self._reason = reason
            self._nvml_ok = False
        return False

    def _optional(self, fn: Callable[..., Any], *args: Any) -> Any:
        """A reading some GPUs do not support (power, temperature): None instead of an error."""
        try:
            return fn(*args)
        except self._nvml.NVMLError_NotSupported:
            return None

    def _read(self) -> GpuTelemetry:
        nv = self._nvml
        handle = nv.nvmlDeviceGetHandleByIndex(0)
        name = nv.nvmlDeviceGetName(handle)
        mem = nv.nvmlDeviceGetMemoryInfo(handle)
        util = self._optional(nv.nvmlDeviceGetUtilizationRates, handle)
        temp = self._optional(nv.nvmlDeviceGetTemperature, handle, nv.NVML_TEMPERATURE_GPU)
        power_mw = self._optional(nv.nvmlDeviceGetPowerUsage, handle)
        procs = self._optional(nv.nvmlDeviceGetComputeRunningProcesses, handle) or []
        now = self._clock()
        util_pct = float(util.gpu) if util is not None else None
        self._remember(now, util_pct, float(mem.used))
        count = nv.nvmlDeviceGetCount()
        return GpuTelemetry(
            origin="nvml",
            node=self._hostname,
            model=name.decode() if isinstance(name, bytes) else str(name),
            vram_used_bytes=float(mem.used),
            vram_total_bytes=float(mem.total),
            utilization_percent=util_pct,
            temperature_c=float(temp) if temp is not None else None,
            power_watts=power_mw / 1000.0 if power_mw is not None else None,
            processes=tuple(self._process(p) for p in procs),
            utilization_history=tuple(self._util),
            vram_history=tuple(self._vram),
            note=f"GPU 0 of {count}" if count > 1 else "",
        )

    def _process(self, proc: Any) -> GpuProcess:
        try:
            name = self._nvml.nvmlSystemGetProcessName(proc.pid)
            name = name.decode() if isinstance(name, bytes) else str(name)
        except self._nvml.NVMLError:
            name = f"pid {proc.pid}"
        used = getattr(proc, "usedGpuMemory", None)
        return GpuProcess(int(proc.pid), name, float(used) if used is not None else None)

    def _remember(self, now: float, util: float | None, vram: float) -> None:
        if util is not None:
            self._util.append((now, util))
        self._vram.append((now, vram))
        for history in (self._util, self._vram):
            while history and history[0][0] < now - HISTORY_SECONDS:
                history.popleft()

    # ------------------------------------------------------------------ fallback

    @property
    def note(self) -> str:
        """Why the telemetry comes from Prometheus; empty while NVML is used or not tried yet."""
        return f"{self._reason} — showing DCGM metrics from Prometheus" if self._reason else ""

    #: the snapshot's source name when the data comes from the DCGM exporter (freshness lines say so)
    FALLBACK_NAME = "gpu (DCGM via prometheus)"

    def _from_fallback(self) -> Snapshot[GpuTelemetry]:
        name = self.FALLBACK_NAME
        if self._fallback is None:
            now = self._clock()
            return Snapshot(name, error=f"{self._reason}; no Prometheus configured",
                            error_since=now, attempted_at=now)
        prom = self._fallback.current()
        gpu = prom.data.gpu if prom.data is not None else None
        if gpu is not None:
            return Snapshot(name, data=dataclasses.replace(gpu, note=self.note), fetched_at=prom.fetched_at,
                            error=prom.error, error_since=prom.error_since, attempted_at=prom.attempted_at)
        if prom.error is not None:
            error: str | None = f"{self._reason}; Prometheus: {prom.error}"
        elif prom.has_data:
            error = f"{self._reason}; Prometheus has no DCGM metrics"
        else:
            error = None  # Prometheus has not answered yet: still loading
        since = prom.error_since if prom.error is not None else prom.attempted_at
        return Snapshot(name, error=error, error_since=since if error else None, attempted_at=prom.attempted_at)


def make_gpu_source(settings: Settings, prometheus_source: PolledSource[MetricsData] | None) -> NvmlGpuSource:
    """The GPU source: NVML where it works, else the DCGM data the Prometheus source reads."""
    return NvmlGpuSource(settings, prometheus_source)
