"""Write SVG screenshots of every screen, from the simulated home-lab, into ``screenshots/``.

    python scripts/screenshots.py [--out screenshots] [--size 120x36]

Every screen in the registry (``homelab_tui.ui.screens.registry.SCREENS``) gets
``<mode>.svg``; :data:`EXTRA_SHOTS` adds views that need a few steps (a drill-down).
The demo runs in-process on 127.0.0.1, with its own clock, so ages in the
pictures are real.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Awaitable, Callable

from textual.pilot import Pilot

from homelab_tui.config import Settings
from homelab_tui.services import demo_services
from homelab_tui.ui.app import HomelabApp, make_app
from homelab_tui.ui.screens.registry import SCREENS
from homelab_tui.ui.widgets.table import DashboardTable

#: seconds to wait for the demo's first data
READY_TIMEOUT = 60.0


async def settle(pilot: Pilot[object], extra: float = 0.5) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(extra)


async def docs_detail(pilot: Pilot[object]) -> None:
    """Namespaces → docs → the crash-looping docling pod and its events."""
    await pilot.app.switch_mode("namespaces")
    await settle(pilot)
    pilot.app.screen.query_one(DashboardTable).select_key("docs")
    await pilot.press("enter")
    await settle(pilot)
    table = pilot.app.screen.query_one(DashboardTable)
    pod = next((k for k in table.row_keys if k.startswith("Pod/docling-")), None)
    if pod is not None:
        table.select_key(pod)
    await settle(pilot)


async def certificate_detail(pilot: Pilot[object]) -> None:
    """Ingress & TLS → Enter on the most urgent certificate: its Certificate's conditions and events."""
    await pilot.app.switch_mode("ingress")
    await settle(pilot)
    await pilot.press("down", "enter")  # row 2, openclaw: row 1 is the plain-HTTP Ingress, which has no Certificate
    await settle(pilot)


#: file name → the steps that lead to the view
EXTRA_SHOTS: dict[str, Callable[[Pilot[object]], Awaitable[None]]] = {
    "namespace-detail.svg": docs_detail,
    "certificate-detail.svg": certificate_detail,
}


def ready(app: HomelabApp) -> bool:
    latest = app.latest
    return latest.cluster.ok and latest.metrics.has_data and latest.llm.has_data


async def shoot(out: Path, size: tuple[int, int]) -> list[Path]:
    app = make_app(demo_services(Settings()))
    written: list[Path] = []
    async with app.run_test(size=size) as pilot:
        deadline = time.monotonic() + READY_TIMEOUT
        while not ready(app):
            if time.monotonic() > deadline:
                raise SystemExit(f"the demo gave no data within {READY_TIMEOUT:.0f} s")
            await pilot.pause(0.2)
        for spec in SCREENS:
            await app.switch_mode(spec.mode)
            await settle(pilot)
            written.append(Path(app.save_screenshot(f"{spec.mode}.svg", str(out))))
        for name, steps in EXTRA_SHOTS.items():
            await steps(pilot)
            written.append(Path(app.save_screenshot(name, str(out))))
        await pilot.press("q")
    return written


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, got {text!r}") from None
    return width, height


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "screenshots")
    parser.add_argument("--size", type=parse_size, default=(120, 36), help="terminal size, WIDTHxHEIGHT")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(shoot(args.out, args.size)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
