"""Command palette providers, built from the same declarations as the keys.

* :class:`ScreensProvider` — "Go to Overview", "Go to Namespaces", … from the screen registry.
* :class:`ScreenKeysProvider` — every binding the current screen declares itself (e.g. "Filter",
  later the actions of issue 4), so anything with a key is also reachable from the palette.
"""

from __future__ import annotations

from abc import abstractmethod
from functools import partial
from typing import Iterator

from textual.command import DiscoveryHit, Hit, Hits, Provider

from homelab_tui.ui.keys import described_bindings
from homelab_tui.ui.screens.registry import SCREENS


def _screen_entries(provider: Provider) -> Iterator[tuple[str, str, object]]:
    for spec in SCREENS:
        callback = partial(provider.app.run_action, f"show_screen('{spec.mode}')")
        yield f"Go to {spec.title}", f"key {spec.key} · {spec.help}", callback


def _key_entries(provider: Provider) -> Iterator[tuple[str, str, object]]:
    screen = provider.screen
    for section, active in described_bindings(screen):
        binding = active.binding
        if section != "screen" or active.node is not screen or not active.enabled:
            continue
        callback = partial(screen.run_action, binding.action)
        help_text = " · ".join(filter(None, (f"key {provider.app.get_key_display(binding)}", binding.tooltip)))
        yield binding.description, help_text, callback


class _EntriesProvider(Provider):
    """A provider over (text, help, callback) entries; subclasses say where the entries come from."""

    @abstractmethod
    def entries(self) -> Iterator[tuple[str, str, object]]:
        """(text, help, callback) of every command this provider offers."""

    async def discover(self) -> Hits:
        for text, help_text, callback in self.entries():
            yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help_text, callback in self.entries():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, text=text, help=help_text)


class ScreensProvider(_EntriesProvider):
    """Lists every screen of the registry."""

    def entries(self) -> Iterator[tuple[str, str, object]]:
        return _screen_entries(self)


class ScreenKeysProvider(_EntriesProvider):
    """Lists the bindings of the screen the palette was opened on."""

    def entries(self) -> Iterator[tuple[str, str, object]]:
        return _key_entries(self)
