"""An NVML that stops answering (a GPU wedged after an Xid error: NVML calls have no timeout): the source
names it after two poll intervals, never queues another call behind it, and close() never waits for it."""

from __future__ import annotations

import threading
from typing import Any, Callable

from homelab_tui.config import Settings
from homelab_tui.model.snapshot import freshness_text
from homelab_tui.sources.nvml import NvmlGpuSource
from tests.unit.test_nvml import FakeNvml

#: far longer than any of these steps takes: a thread still blocked after it is a hang, not slowness
BOUND = 10.0


class WedgingNvml(FakeNvml):
    """FakeNvml whose calls named in ``wedge`` block until ``release`` is set."""

    def __init__(self, *wedge: str) -> None:
        super().__init__()
        self.wedge = set(wedge)
        self.entered = threading.Event()
        self.release = threading.Event()

    def _block(self, call: str) -> None:
        if call in self.wedge:
            self.entered.set()
            assert self.release.wait(BOUND), "the test never released NVML"

    def nvmlInit(self) -> None:
        self._block("init")
        super().nvmlInit()

    def nvmlDeviceGetMemoryInfo(self, handle: str) -> Any:
        self._block("read")
        return super().nvmlDeviceGetMemoryInfo(handle)

    def nvmlShutdown(self) -> None:
        self._block("shutdown")
        super().nvmlShutdown()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _in_thread(fn: Callable[[], Any]) -> threading.Thread:
    thread = threading.Thread(target=fn, daemon=True)
    thread.start()
    return thread


def _source(nv: FakeNvml, clock: Clock) -> NvmlGpuSource:
    return NvmlGpuSource(Settings(), None, nvml=nv, clock=clock, hostname="gpu-host")  # interval 10 s


def test_an_init_that_never_returns_is_named_and_close_does_not_wait_for_it() -> None:
    nv, clock = WedgingNvml("init"), Clock()
    src = _source(nv, clock)
    poll = _in_thread(src.refresh)
    assert nv.entered.wait(BOUND)
    clock.now += 15  # 1.5 intervals: still "loading"
    assert src.current().error is None
    clock.now += 10
    snap = src.current()
    assert snap.error == "NVML not answering for 25 s" and snap.data is None
    assert freshness_text(snap, clock.now) == "nvml: failing for 25 s: NVML not answering for 25 s"
    assert src.refresh().error == "NVML not answering for 25 s"  # a second poll does not queue behind it
    closing = _in_thread(src.close)
    closing.join(BOUND)
    assert not closing.is_alive(), "close() waited for the wedged nvmlInit"
    assert nv.shutdowns == 0
    nv.release.set()  # NVML answers after all: the refresh that waited shuts it down, as close() asked
    poll.join(BOUND)
    assert not poll.is_alive() and nv.shutdowns == 1 and not src.using_nvml


def test_a_read_that_never_returns_keeps_the_last_data_and_names_the_wait() -> None:
    nv, clock = WedgingNvml(), Clock()
    src = _source(nv, clock)
    assert src.refresh().ok
    nv.wedge.add("read")
    clock.now += 10
    poll = _in_thread(src.refresh)
    assert nv.entered.wait(BOUND)
    clock.now += 20
    snap = src.current()
    assert snap.error == "NVML not answering for 20 s" and snap.data is not None
    assert freshness_text(snap, clock.now).endswith("— showing data from 30 s ago")
    nv.release.set()
    poll.join(BOUND)
    assert src.current().ok


def test_close_waits_for_a_hung_nvml_shutdown_only_briefly() -> None:
    nv, clock = WedgingNvml(), Clock()
    src = _source(nv, clock)
    assert src.refresh().ok
    nv.wedge.add("shutdown")
    closing = _in_thread(src.close)
    closing.join(BOUND)
    assert not closing.is_alive(), "close() waited for the hung nvmlShutdown"
    nv.release.set()
