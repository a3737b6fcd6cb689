"""What the UI passes around while it runs an action: the request a key makes, and a run in progress.

Plain data, no Textual: :class:`ActionRequest` is what a screen's action key asks for (the target and
the values the confirmation modal pre-fills or must not ask); :class:`RunState` is one execution, shared
by the runner (which feeds it from the worker) and the progress modal (which draws it).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Mapping

from homelab_tui.actions import registry
from homelab_tui.actions.base import FollowUp, Input, Outcome, Plan, Target

#: progress lines a run keeps (the modal shows the newest)
MAX_LINES = 200


@dataclass(frozen=True)
class ActionRequest:
    """Run ``action`` on ``target``; ``params`` are given (not asked), the other inputs are asked."""

    action: str
    target: Target
    params: Mapping[str, Any] = field(default_factory=dict)
    #: pre-filled text of an asked input (e.g. the current replica count)
    defaults: Mapping[str, str] = field(default_factory=dict)
    #: (value, label) pairs: the options of a choice input, the suggestions of a text input
    choices: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    #: lines shown above the inputs (the keys a secret has, a half-done GPU switch, ...)
    hints: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return registry.get(self.action).label

    @property
    def target_text(self) -> str:
        """The target as a window title says it ("GpuMode" is the actions' name for the GPU node's mode)."""
        t = self.target
        return f"GPU node {t.name}" if t.kind == "GpuMode" else str(t)

    def asked(self) -> tuple[Input, ...]:
        """The inputs the modal must ask for."""
        return tuple(i for i in registry.get(self.action).inputs if i.name not in self.params)


@dataclass
class RunState:
    """One confirmed plan being executed (or done)."""

    plan: Plan
    lines: list[str] = field(default_factory=list)
    outcome: Outcome | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    #: set by the worker itself when ``execute`` returned, with :attr:`ended` (the UI loop may be gone by then)
    done: threading.Event = field(default_factory=threading.Event)
    ended: Outcome | None = None
    #: follow-ups offered when done: the outcome's, then those carried over from the run before
    #: (the other "restart the workloads using this secret" offers)
    carried: tuple[FollowUp, ...] = ()

    @property
    def running(self) -> bool:
        return self.outcome is None

    def add(self, line: str) -> None:
        self.lines.append(line)
        del self.lines[:-MAX_LINES]

    @property
    def offers(self) -> tuple[FollowUp, ...]:
        if self.outcome is None:
            return ()
        own = tuple(self.outcome.follow_ups)
        return own + tuple(f for f in self.carried if f not in own)
