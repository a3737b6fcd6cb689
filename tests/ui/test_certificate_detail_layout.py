"""The certificate detail is readable at 80x24 (its events' messages and the issuance details get the width) and
at 120 columns no hostname is cut mid-word."""

from __future__ import annotations

from textual.containers import VerticalScroll

from tests.ui.conftest import screen_text, settle
from tests.ui.data_screens import app_for
from tests.ui.test_ingress_screen import open_certificate_detail

HOST = "_acme-challenge.openclaw.home.jetzinger.com"


async def detail_screens(size: tuple[int, int]) -> list[str]:
    """The certificate detail of openclaw, page by page, down to its end."""
    app = app_for()
    pages = []
    async with app.run_test(size=size) as pilot:
        await open_certificate_detail(pilot)
        box = app.screen.query_one("#certificate-box", VerticalScroll)
        while True:
            pages.append(screen_text(app))
            if box.scroll_y >= box.max_scroll_y:
                return pages
            box.scroll_page_down(animate=False)
            await settle(pilot)


async def test_events_and_issuance_at_80x24_read_as_lines() -> None:
    lines = [line for page in await detail_screens((80, 24)) for line in page.splitlines()]
    assert any("Warning  Failed  5 h (x4)  cert-manager-certificates-issuing" in line for line in lines)
    assert any("The certificate request has failed to complete" in line for line in lines)
    assert any("Challenge openclaw-tls-1-7067851011-51011  ✖ fail invalid" in line for line in lines)
    assert any("No TXT record found at" in line for line in lines)


async def test_no_hostname_is_cut_at_120_columns() -> None:
    inside = [line.split("█")[1].rstrip() for page in await detail_screens((120, 40)) for line in page.splitlines()
              if line.count("█") >= 2]  # the modal's lines, between its borders
    assert any(HOST in line for line in inside)
    for word in ("openclaw.home.jetzinger.com", "urn:ietf:params:acme:error:unauthorized"):
        cut = [line for line in inside if any(line.endswith(word[:i]) for i in range(len(word) // 2, len(word)))]
        assert not cut, cut
