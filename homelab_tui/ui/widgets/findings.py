"""A panel listing findings (what is wrong, and where) for the highlighted row of a table."""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual.widgets import Static

from homelab_tui.model.health import Finding
from homelab_tui.ui.widgets.badge import badge, state_style


def finding_line(finding: Finding) -> Text:
    """``✖ fail  Pod apps/n8n-0: CrashLoopBackOff`` — badge, subject, reason."""
    return Text.assemble(badge(finding.state), "  ", (finding.subject, "bold"), ": ",
                         (finding.reason, state_style(finding.state)))


class FindingsPanel(Static):
    """Shows a title and findings; ``notes`` (e.g. failing sources) come first, in red."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, classes="findings")

    def show(self, title: str, findings: Sequence[Finding], *, notes: Sequence[str] = (),
             empty: str = "No findings.") -> None:
        self.border_title = title
        lines = [Text(note, style="red") for note in notes]
        lines += [finding_line(f) for f in findings]
        self.update(Text("\n").join(lines) if lines else Text(empty, style="dim"))
