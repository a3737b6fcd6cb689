"""Label and field selectors of list and watch requests."""

from __future__ import annotations

import re
from typing import Callable

Predicate = Callable[[dict], bool]
_SET = re.compile(r"^\s*([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")


def _split(selector: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, cur = [], 0, ""
    for ch in selector:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def _requirement(expr: str, lookup: Callable[[dict, str], str | None]) -> Predicate:
    m = _SET.match(expr)
    if m:
        key, op, values = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",") if v.strip()}
        if op == "in":
            return lambda o: lookup(o, key) in values
        return lambda o: lookup(o, key) not in values
    for op in ("!=", "==", "="):
        if op in expr:
            key, value = (s.strip() for s in expr.split(op, 1))
            if op == "!=":
                return lambda o: lookup(o, key) != value
            return lambda o: lookup(o, key) == value
    if expr.startswith("!"):
        return lambda o: lookup(o, expr[1:].strip()) is None
    return lambda o: lookup(o, expr) is not None


def _label(obj: dict, key: str) -> str | None:
    return (obj.get("metadata", {}).get("labels") or {}).get(key)


def _field(obj: dict, path: str) -> str | None:
    node: object = obj
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return "" if path in ("spec.nodeName", "metadata.namespace") else None
        node = node[part]
    return None if isinstance(node, (dict, list)) else str(node)


def compile_selectors(label_selector: str = "", field_selector: str = "") -> Predicate:
    preds = [_requirement(e, _label) for e in _split(label_selector)]
    preds += [_requirement(e, _field) for e in _split(field_selector)]
    return lambda obj: all(p(obj) for p in preds)
