"""Actions that change the cluster: GPU mode, rollout restart, scale, secret patch, certificate renew.

Each is an :class:`~homelab_tui.actions.base.Action` listed in :mod:`homelab_tui.actions.registry`;
see :mod:`homelab_tui.actions.base` for the plan → confirm → execute contract.
"""
