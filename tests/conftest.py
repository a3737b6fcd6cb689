"""Shared fixtures: the simulated home-lab and bounded waiting."""

from __future__ import annotations

import time
from typing import Callable, Iterator

import pytest

from homelab_tui.demo.runner import DemoLab


def wait_until(predicate: Callable[[], object], timeout: float = 10.0, interval: float = 0.05,
               message: str = "condition") -> object:
    """Poll ``predicate`` until it returns something truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


@pytest.fixture(autouse=True)
def _state_home_of_the_test(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test (nor a program it starts) writes the user's audit log or health cache."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))


@pytest.fixture
def lab(tmp_path) -> Iterator[DemoLab]:
    """A fresh simulated home-lab with fast pod transitions."""
    with DemoLab(tmp_path / "lab", step=0.2) as running:
        yield running
