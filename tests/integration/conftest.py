"""Fixtures of the integration tests that several files use."""

from __future__ import annotations

from typing import Iterator

import pytest

from homelab_tui.demo.runner import DemoLab
from tests.integration.freeze_proxy import FreezeProxy


@pytest.fixture
def proxy(lab: DemoLab) -> Iterator[FreezeProxy]:
    """A TCP proxy in front of the lab's API server that can go silent (``FreezeProxy``)."""
    with FreezeProxy(int(lab.kube_url.rsplit(":", 1)[1])) as running:
        yield running
