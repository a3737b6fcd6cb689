"""What every dashboard screen shares: header, footer, source-status lines, re-rendering from the App's state."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header
from textual.worker import Worker, WorkerState

from homelab_tui.model.state import DashboardState
from homelab_tui.ui.action_keys import ActionKeys
from homelab_tui.ui.widgets.freshness import SourceStatus

if TYPE_CHECKING:
    from homelab_tui.ui.app import HomelabApp


#: terminals narrower than this get the compact footer
NARROW_BELOW = 100


class DashboardScreen(ActionKeys, Screen[None]):
    """A screen that renders the App's :class:`DashboardState`.

    Action keys (``act_binding``) are disabled in read-only mode by :class:`ActionKeys`; a screen
    with one answers :meth:`ActionKeys.action_request` for its selection.

    Subclasses yield their panels from :meth:`compose_body`, draw data in
    :meth:`render_state` (called when the state changed, never for a mere clock
    tick) and refresh age texts in :meth:`update_ages` (called every second).
    """

    #: shown in the header's sub-title ("Overview")
    SCREEN_TITLE: ClassVar[str] = ""
    #: DashboardState fields this screen's data comes from; their freshness is shown at the bottom
    SOURCES: ClassVar[tuple[str, ...]] = ("cluster",)
    #: the cluster resources (ClusterState keys) it reads: the footer names only their watch errors (None: all)
    RESOURCES: ClassVar[frozenset[str] | None] = None
    #: set when the state changed while the screen was not shown (drawn on resume)
    _stale: bool = False
    #: the main table has the focus first (not a hidden filter input)
    AUTO_FOCUS = "DashboardTable"

    @property
    def homelab(self) -> HomelabApp:
        return cast("HomelabApp", self.app)

    def heading(self) -> str:
        """The screen's name in the header."""
        return self.SCREEN_TITLE

    def compose(self) -> ComposeResult:
        yield Header()
        yield from self.compose_body()
        yield SourceStatus(self.SOURCES, resources=self.RESOURCES, id="source-status")
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        """Below 100 columns the footer drops its "^p palette" hint (the Help lists it) so that
        a screen's own keys, the screen numbers, Help and Quit all stay visible at 80 columns."""
        self.query_one(Footer).show_command_palette = event.size.width >= NARROW_BELOW

    def compose_body(self) -> ComposeResult:
        """The screen's own panels, between the header and the source-status lines."""
        yield from ()

    def on_mount(self) -> None:
        app = self.homelab
        self.sub_title = self.heading() + (" · READ-ONLY" if app.services.read_only else "")
        self.watch(app, "state", self._state_changed)
        self.watch(app, "now", self._tick, init=False)

    @property
    def shown(self) -> bool:
        """In the current mode's screen stack (on top, or under a modal or drill-down).

        The screens of the other modes stay installed but are not drawn: they skip the
        re-rendering (at 10× it doubled the UI thread's work) and catch up when resumed.
        """
        return self in self.app.screen_stack

    def _state_changed(self, state: DashboardState) -> None:
        if not self.shown:
            self._stale = True
            return
        self._stale = False
        now = self.homelab.clock()
        self.query_one(SourceStatus).show(self.homelab.latest, now)
        self.render_state(state, now)

    def _tick(self, now: float) -> None:
        if not self.shown:
            return
        self.query_one(SourceStatus).show(self.homelab.latest, now)
        self.update_ages(now)

    def on_screen_resume(self) -> None:
        """Back on screen: draw what changed while another mode was shown."""
        if self._stale:
            self._state_changed(self.homelab.state)
        else:
            self._tick(self.homelab.clock())

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Workers started by a screen report failures through the App, like the App's own."""
        if event.state == WorkerState.ERROR:
            self.homelab.report_failure(event.worker)

    def render_state(self, state: DashboardState, now: float) -> None:
        """Draw the data of ``state`` (the default draws nothing beyond the source status)."""

    def update_ages(self, now: float) -> None:
        """Refresh "x s ago" texts (the default has none beyond the source status)."""
