"""Every action the dashboard offers, in one place (a test enumerates them for the read-only gate)."""

from __future__ import annotations

from homelab_tui.actions.base import Action
from homelab_tui.actions.certs import CertRenewAction
from homelab_tui.actions.cordon import CordonAction
from homelab_tui.actions.gpu_mode import GpuModeAction
from homelab_tui.actions.rollout import RestartAction
from homelab_tui.actions.scale import ScaleAction
from homelab_tui.actions.secrets import SecretPatchAction

ACTIONS: tuple[Action, ...] = (
    GpuModeAction(),
    RestartAction(),
    ScaleAction(),
    SecretPatchAction(),
    CertRenewAction(),
    CordonAction(),
)

_BY_ID = {a.id: a for a in ACTIONS}


def all_actions() -> tuple[Action, ...]:
    return ACTIONS


def get(action_id: str) -> Action:
    """The action with this id (KeyError for an unknown id)."""
    return _BY_ID[action_id]


def actions_for(kind: str) -> tuple[Action, ...]:
    """The actions that apply to a selected object of ``kind`` (e.g. "Deployment" → restart, scale)."""
    return tuple(a for a in ACTIONS if a.applies_to(kind))
