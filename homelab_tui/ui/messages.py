"""Messages that carry data from background threads to the UI thread.

They are posted with ``App.post_message``, which is thread-safe; the App's
handlers run on the UI thread and fold the news into its one ``DashboardState``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

from homelab_tui.model.snapshot import Snapshot

if TYPE_CHECKING:
    from homelab_tui.services import Services


class ClusterChanged(Message):
    """The Kubernetes watch cache applied changes (posted from a watch thread, coalesced)."""


class SourceRefreshed(Message):
    """A polled source (prometheus, litellm, gpu) finished a refresh in a worker thread."""

    def __init__(self, source: str, snapshot: Snapshot[Any]) -> None:
        super().__init__()
        self.source = source
        self.snapshot = snapshot


class SourcesBuilt(Message):
    """The real sources, built in a worker after the first paint (``Services.pending``), are ready to adopt."""

    def __init__(self, built: Services) -> None:
        super().__init__()
        self.built = built
