"""Shared by the action tests: an ActionContext on the demo lab, and a hook into the lab's store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homelab_tui.actions.base import ActionContext, make_context
from homelab_tui.config import Settings
from homelab_tui.sources.kube_client import KubeTarget, load_kube_api


def lab_context(lab: Any, tmp_path: Path, settings: Settings | None = None, **options: Any) -> ActionContext:
    """Actions on ``lab`` over its real HTTP API, polling fast, auditing to ``tmp_path/audit.jsonl``."""
    api = load_kube_api(KubeTarget(str(lab.kubeconfig_path)), 5)
    return make_context(api, settings or Settings(), read_only=False, audit_path=str(tmp_path / "audit.jsonl"),
                        poll=0.05, **options)


class StoreHook:
    """``with Hook(lab):`` — :meth:`on_change` runs inside the lab's store as each change is applied (under its
    lock, before any client can read the change), until the block ends."""

    def __init__(self, lab: Any) -> None:
        self.lab = lab

    def __enter__(self) -> "StoreHook":
        self._unsubscribe = self.lab.call(lambda: self.lab.store.subscribe(self.on_change))
        return self

    def __exit__(self, *exc: object) -> None:
        self.lab.call(self._unsubscribe)

    def on_change(self, key: str, event: str, obj: dict) -> None:
        raise NotImplementedError
