"""Every top-level screen, declared once.

The App builds its modes, its number-key bindings (footer and ``?`` help) and the
command palette's "Go to …" entries from :data:`SCREENS`. A new screen is one
more :class:`ScreenSpec` here — the key it takes, its title and the Overview
areas it details (Enter on that Overview row opens it). Keys are reserved for
the screens to come: 3 Ingress & TLS, 4 Storage, 5 GPU, 6 Inference.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

from textual.screen import Screen


def _lazy(module: str, name: str) -> Callable[[], Screen[None]]:
    """A screen factory that imports its module on first use: the first paint loads only the Overview."""

    def factory() -> Screen[None]:
        mod = importlib.import_module(f"homelab_tui.ui.screens.{module}")
        return getattr(mod, name)()

    factory.__qualname__ = name
    return factory


@dataclass(frozen=True)
class ScreenSpec:
    #: mode name, also the screen's id ("overview", "namespaces", …)
    mode: str
    #: the key that switches to it ("1" … "9")
    key: str
    #: short title for the footer, the help and the palette ("Namespaces")
    title: str
    #: one line for the palette and the help
    help: str
    factory: Callable[[], Screen[None]]
    #: Overview areas (AreaStatus.area) this screen shows in detail
    areas: tuple[str, ...] = ()


SCREENS: tuple[ScreenSpec, ...] = (
    ScreenSpec("overview", "1", "Overview", "Every area at a glance: ok / warn / fail and why",
               _lazy("overview", "OverviewScreen")),
    ScreenSpec("namespaces", "2", "Namespaces", "Workloads, pods, restarts and the worst problem per namespace",
               _lazy("namespaces", "NamespacesScreen"), areas=("namespaces",)),
    ScreenSpec("ingress", "3", "Ingress & TLS",
               "Exposed hosts, their certificates (expiry, Ready, last failure) and route findings",
               _lazy("ingress", "IngressScreen"), areas=("certificates",)),
    ScreenSpec("storage", "4", "Storage", "PVC usage, days until full, StorageClasses and the default",
               _lazy("storage", "StorageScreen"), areas=("storage",)),
    ScreenSpec("gpu", "5", "GPU", "GPU mode, VRAM, utilisation, temperature, power and 30 min of history",
               _lazy("gpu", "GpuScreen"), areas=("gpu",)),
    ScreenSpec("inference", "6", "Inference", "LiteLLM tiers, which one answers now, full /health and a probe",
               _lazy("inference", "InferenceScreen"), areas=("inference",)),
    ScreenSpec("secrets", "7", "Secrets", "Every secret's keys, sizes and fingerprints (never a value); p patches a key",
               _lazy("secrets", "SecretsScreen")),
    ScreenSpec("conventions", "8", "Conventions", "The home-lab's own rules checked live: rule, resource, why, fix",
               _lazy("conventions", "ConventionsScreen"), areas=("conventions",)),
    ScreenSpec("nodes", "9", "Nodes", "Readiness, pressure, taints, CPU and memory requested, and the pods on each node",
               _lazy("nodes", "NodesScreen"), areas=("nodes",)),
)

DEFAULT_MODE = SCREENS[0].mode


def screen_for_area(area: str) -> ScreenSpec:
    """The screen that details an Overview area (every area has one: KeyError for an unknown area)."""
    for s in SCREENS:
        if area in s.areas:
            return s
    raise KeyError(area)


def spec(mode: str) -> ScreenSpec:
    """The declaration of the screen ``mode``."""
    for s in SCREENS:
        if s.mode == mode:
            return s
    raise KeyError(mode)


def _check_unique() -> None:
    for attr in ("mode", "key"):
        values = [getattr(s, attr) for s in SCREENS]
        duplicates = {v for v in values if values.count(v) > 1}
        if duplicates:
            raise RuntimeError(f"screen registry: duplicate {attr} {sorted(duplicates)}")


_check_unique()
