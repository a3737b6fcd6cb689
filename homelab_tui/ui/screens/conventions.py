"""Conventions: the home-lab's own rules (project-context.md) checked live, one row per violation."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from homelab_tui.model.convention_types import Violation
from homelab_tui.model.conventions import NOT_CHECKED_LIVE, RULES, check_conventions, rule
from homelab_tui.model.overview import resources_for
from homelab_tui.model.state import DashboardState
from homelab_tui.ui.screens.base import DashboardScreen
from homelab_tui.ui.styles import stylesheet
from homelab_tui.ui.widgets.badge import BADGE_WIDTH, badge
from homelab_tui.ui.widgets.table import Col, DashboardTable

COLUMNS = (
    Col("state", "State", BADGE_WIDTH),
    Col("rule", "#", 3),
    Col("title", "Rule", 22, drop=2),
    Col("resource", "Resource", 28, flex=True),
    Col("message", "Problem", 30, flex=True, drop=1),
)


def row_key(v: Violation, index: int) -> str:
    return f"{v.rule_id}|{v.resource}|{index}"


def violation_cells(v: Violation) -> dict[str, object]:
    r = rule(v.rule_id)
    return {
        "state": badge(v.state),
        "rule": str(r.number),
        "title": r.title,
        "resource": v.resource,
        "message": v.message,
    }


def explain(v: Violation) -> Text:
    """The highlighted violation in full: the rule, why it matters and how to fix it (the document's terms)."""
    r = rule(v.rule_id)
    return Text.assemble(
        (f"Rule {r.number}: {r.title}\n", "bold"),
        (f"{v.resource}: ", "bold"), f"{v.message}\n",
        ("Why: ", "bold"), f"{r.why}\n",
        ("Fix: ", "bold"), r.fix,
    )


class ConventionsScreen(DashboardScreen):
    """Every violation of the home-lab's conventions, live from the watch cache."""

    SCREEN_TITLE = "Conventions"
    SOURCES = ("cluster",)
    RESOURCES = resources_for(("conventions",))
    CSS_PATH = stylesheet("conventions.tcss")

    def __init__(self) -> None:
        super().__init__(id="conventions")
        self._violations: dict[str, Violation] = {}

    def compose_body(self) -> ComposeResult:
        yield Static(id="conventions-summary")
        yield DashboardTable(COLUMNS, id="violations")
        yield Static(id="conventions-explain")

    def render_state(self, state: DashboardState, now: float) -> None:
        cluster = state.cluster.data
        summary = self.query_one("#conventions-summary", Static)
        if cluster is None:
            summary.update(Text("No cluster data yet: conventions cannot be checked.", style="italic"))
            violations: tuple[Violation, ...] = ()
        else:
            violations = check_conventions(cluster, self.homelab.services.settings)
            broken = len({v.rule_id for v in violations})
            summary.update(Text.assemble(
                (f"{len(violations)} violation(s)", "bold" if violations else ""),
                f" of {broken} rule(s) · {len(RULES)} of the project context's rules checked live\n",
                (f"not checkable from the cluster ({len(NOT_CHECKED_LIVE)}): " + " · ".join(NOT_CHECKED_LIVE), "dim")))
        self._violations = {row_key(v, i): v for i, v in enumerate(violations)}
        self.query_one("#violations", DashboardTable).set_rows(
            [(key, violation_cells(v)) for key, v in self._violations.items()])
        self._explain_highlighted()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._explain_highlighted()

    def _explain_highlighted(self) -> None:
        box = self.query_one("#conventions-explain", Static)
        key = self.query_one("#violations", DashboardTable).highlighted_key
        v = self._violations.get(key) if key is not None else None
        box.update(explain(v) if v else Text("No violations: the cluster follows every checked rule.", style="green"))
