"""The 10 s poll and a full /health (``h``) overlapping on a recorded litellm 1.106.0 proxy that answers one
request late: the newest /health verdicts stay, whichever read ends last, and a poll never waits for ``h``.

A "gate" holds the first request to one path after it is armed until the test lets it go, so the order in
which the reads end is fixed rather than left to timing."""

from __future__ import annotations

import asyncio
import itertools
import threading
from typing import Any, Callable

from aiohttp import web

from homelab_tui.config import LiteLLMSettings, Settings
from homelab_tui.model.metrics import LiteLLMData
from homelab_tui.model.snapshot import Snapshot
from homelab_tui.sources.litellm import LiteLLMSource
from tests.integration.aio_server import serve
from tests.integration.test_litellm_answers import proxy, recorded
from tests.integration.test_litellm_recordings import KEY

#: far longer than any step here takes: a read still running after it is a hang
BOUND = 10.0


class Gate:
    """Answers like the recorded proxy; once armed, the next request waits until ``release``."""

    def __init__(self) -> None:
        self.armed = False
        self.entered = threading.Event()
        self.release = threading.Event()

    async def __call__(self, request: web.Request) -> web.Response:
        if self.armed:
            self.armed = False
            self.entered.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, BOUND)
        return await recorded(request)


def _source(url: str) -> LiteLLMSource:
    ticks = itertools.count(1000)
    clock: Callable[[], float] = lambda: float(next(ticks))  # every reading of the clock is later
    return LiteLLMSource(Settings(litellm=LiteLLMSettings(url=url, timeout=BOUND)), KEY, clock=clock)


def _in_thread(fn: Callable[[], Snapshot[LiteLLMData]]) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: out.update(snap=fn()), daemon=True)
    thread.start()
    return thread, out


def _checked_at(snap: Snapshot[LiteLLMData]) -> float | None:
    assert snap.data is not None
    return snap.data.health_checked_at


def test_a_poll_that_ends_after_h_does_not_put_the_older_verdicts_back() -> None:
    gate = Gate()
    with serve(proxy(readiness=gate)) as url:
        src = _source(url)
        try:
            first = src.refresh()  # the first poll: a full /health is due
            assert first.ok and _checked_at(first) is not None
            gate.armed = True
            poll, polled = _in_thread(src.refresh)  # started before h; held at /health/readiness
            assert gate.entered.wait(BOUND)
            h = src.refresh(full=True)
            assert h.ok and _checked_at(h) > _checked_at(first)
            gate.release.set()
            poll.join(BOUND)
            assert not poll.is_alive() and polled["snap"].ok
            assert _checked_at(src.current()) == _checked_at(h)
            assert src.current().data.aliases == h.data.aliases
        finally:
            src.close()


def test_a_poll_does_not_wait_for_a_slow_health_and_the_newest_attempt_wins() -> None:
    gate = Gate()
    with serve(proxy(health=gate)) as url:
        src = _source(url)
        try:
            first = src.refresh()
            gate.armed = True
            slow, slow_out = _in_thread(lambda: src.refresh(full=True))  # held at /health
            assert gate.entered.wait(BOUND)
            poll, polled = _in_thread(src.refresh)
            poll.join(BOUND)
            assert not poll.is_alive(), "the poll waited for the full /health"
            assert polled["snap"].ok and _checked_at(polled["snap"]) == _checked_at(first)
            h = src.refresh(full=True)  # started after the slow one, ends before it
            gate.release.set()
            slow.join(BOUND)
            assert not slow.is_alive() and slow_out["snap"].ok
            assert _checked_at(src.current()) == _checked_at(h)
        finally:
            src.close()
