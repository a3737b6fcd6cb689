"""The ``act`` key of screens with actions, kept apart from the runner so that a screen without
actions (the Overview, painted first) does not import the actions and their modals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from textual.app import App

    from homelab_tui.ui.action_types import ActionRequest
    from homelab_tui.ui.app import HomelabApp

#: the binding action every mutation key uses; the read-only gate keys on it
ACT = "act"


class ActionKeys:
    """Mixed into screens with action keys: the read-only gate and the ``act`` action.

    A screen overrides :meth:`action_request` to turn its selection into an :class:`ActionRequest`
    (or a one-line reason why there is nothing to act on).
    """

    app: App[Any]

    def action_request(self, action_id: str) -> ActionRequest | str:
        return "nothing selected to act on here"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Every ``act(...)`` key is shown disabled in read-only mode."""
        if action == ACT and cast("HomelabApp", self.app).services.read_only:
            return None
        return cast(Any, super()).check_action(action, parameters)

    def action_act(self, action_id: str) -> None:
        from homelab_tui.actions import registry
        from homelab_tui.ui.actions_runner import runner_for

        request = self.action_request(action_id)
        if isinstance(request, str):
            self.app.notify(request, title=registry.get(action_id).label, severity="warning")
            return
        runner_for(self.app).start(request)
