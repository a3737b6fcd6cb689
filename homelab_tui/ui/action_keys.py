"""The ``act`` key of screens with actions, kept apart from the runner so that a screen without
actions (the Overview, painted first) does not import the actions and their modals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual import events

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

    def on_key(self, event: events.Key) -> None:
        """In read-only mode an action key is shown off and does nothing: say so, rather than nothing at all.

        A screen's ``on_key`` runs before the App looks the key up in the (non-priority) bindings."""
        app = cast("HomelabApp", self.app)
        if not app.services.read_only:
            return
        screen = cast(Any, self)
        for binding in screen._bindings.key_to_bindings.get(event.key, ()):
            if binding.action.startswith(f"{ACT}(") and binding.id:
                from homelab_tui.actions import registry

                label = registry.get(binding.id.removeprefix("action.")).label
                app.notify(f"read-only mode: {label} is off (started with --read-only)", title=label,
                           severity="warning")
                event.stop()
                return

    def action_act(self, action_id: str) -> None:
        from homelab_tui.actions import registry
        from homelab_tui.ui.actions_runner import runner_for

        request = self.action_request(action_id)
        if isinstance(request, str):
            self.app.notify(request, title=registry.get(action_id).label, severity="warning")
            return
        runner_for(self.app).start(request)
