"""Health states and area verdicts shared by every screen and by ``check``."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class State(enum.IntEnum):
    """Ordered by severity; the value is the Nagios exit code (OK 0, WARN 1, FAIL 2, UNKNOWN 3)."""

    OK = 0
    WARN = 1
    FAIL = 2
    UNKNOWN = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def rank(self) -> int:
        """Severity for sorting and roll-ups: OK < UNKNOWN < WARN < FAIL."""
        return _RANK[self]


_RANK = {State.OK: 0, State.UNKNOWN: 1, State.WARN: 2, State.FAIL: 3}


def worst(states) -> State:
    """The most severe of ``states`` (OK when empty)."""
    result = State.OK
    for s in states:
        if s.rank > result.rank:
            result = s
    return result


@dataclass(frozen=True)
class Finding:
    """One problem found in one object."""

    state: State
    subject: str  # e.g. "ml/vllm-server" or "cert apps/n8n-tls"
    reason: str


@dataclass(frozen=True)
class AreaStatus:
    """One row of the Overview (and of ``check``)."""

    area: str  # "nodes", "namespaces", "certificates", "storage", "gpu", "inference"
    title: str  # "Nodes", "Certificates", ...
    state: State
    reason: str  # one line: the worst problem, or a short summary when OK
    #: the sources this verdict depends on, e.g. ("kubernetes", "prometheus")
    sources: tuple[str, ...] = ()
    #: age in seconds of the oldest data used (None = no data yet)
    age: float | None = None
    #: one-line errors of failing sources, "source: error"
    source_errors: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
