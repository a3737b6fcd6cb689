"""The one-way flow sources → model → ui holds: checked on the import statements themselves."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "homelab_tui"

# package -> prefixes it must never import
FORBIDDEN = {
    "model": ("textual", "homelab_tui.ui", "homelab_tui.sources", "homelab_tui.actions", "homelab_tui.demo",
              "httpx", "kubernetes", "aiohttp", "pynvml", "prometheus_api_client"),
    "sources": ("textual", "homelab_tui.ui", "homelab_tui.actions", "homelab_tui.demo"),
    "actions": ("textual", "homelab_tui.ui", "homelab_tui.demo"),
    "demo": ("textual", "homelab_tui.ui", "homelab_tui.sources", "homelab_tui.actions", "kubernetes"),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


CASES = [(layer, f) for layer in FORBIDDEN for f in sorted((PACKAGE / layer).rglob("*.py"))]


@pytest.mark.parametrize("layer,path", CASES, ids=[f"{lay}/{p.name}" for lay, p in CASES])
def test_layer_imports_stay_in_their_lane(layer: str, path: Path) -> None:
    bad = sorted(n for n in _imports(path) if any(n == f or n.startswith(f + ".") for f in FORBIDDEN[layer]))
    assert not bad, f"{path.relative_to(PACKAGE.parent)} imports {bad}"


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("from textual.app import App\nimport homelab_tui.ui.app\n")
    assert {"textual.app", "homelab_tui.ui.app"} <= _imports(sample)
