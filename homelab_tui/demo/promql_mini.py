"""A small PromQL subset for the simulated Prometheus: parse and evaluate like the real engine.

Supported: vector selectors (``name{label="v", other=~"re", x!="", y!~"re"}``, ``{__name__=~"a|b"}``),
aggregations ``sum``/``max``/``min``/``avg``/``count`` with ``by``/``without`` before or after the
argument, and ``deriv(selector[duration])``. This covers every query in
:data:`homelab_tui.sources.promql.ALL_QUERIES`; anything else is a :class:`PromQLError`, which the
server answers as Prometheus does a query it cannot parse (400 ``bad_data``).

Label rules follow Prometheus: a plain selector keeps ``__name__``; functions and aggregations drop
it; ``by`` keeps only the grouping labels a series has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Union

Labels = dict[str, str]
Sample = tuple[Labels, float]
#: all series that exist at time t, each with its value at t (the latest scrape at or before t)
#: every series at time t; the second argument, when not None, is the only metric name asked for (a hint)
SeriesAt = Callable[[float, "str | None"], list[Sample]]

AGGREGATIONS = ("sum", "max", "min", "avg", "count")
FUNCTIONS = ("deriv",)
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_TOKEN = re.compile(r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<op>=~|!~|!=|=)
    |(?P<dur>(?:\d+(?:ms|[smhdwy]))+)|(?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)|(?P<punct>[(){}\[\],]))""", re.X)


class PromQLError(Exception):
    """Not parseable (or not supported here); the message is Prometheus-style ``1:COL: parse error: …``."""


@dataclass(frozen=True)
class Selector:
    matchers: tuple[tuple[str, str, str], ...]
    range_seconds: float | None = None


@dataclass(frozen=True)
class Aggregate:
    op: str
    labels: tuple[str, ...]
    without: bool
    expr: "Node"


@dataclass(frozen=True)
class Call:
    func: str
    arg: Selector


Node = Union[Selector, Aggregate, Call]


def parse_duration(text: str) -> float:
    parts = re.findall(r"(\d+)(ms|[smhdwy])", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a valid duration string: {text!r}")
    return sum(int(n) * _DURATION_UNITS[u] for n, u in parts)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                col = len(text) - len(text[pos:].lstrip()) + 1
                raise PromQLError(f"1:{col}: parse error: unexpected character {text[col - 1]!r}")
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind), m.start(kind) + 1))
            pos = m.end()
        self.i = 0

    def fail(self, message: str) -> PromQLError:
        col = self.tokens[self.i][2] if self.i < len(self.tokens) else len(self.text) + 1
        return PromQLError(f"1:{col}: parse error: {message}")

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, value: str | None = None, kind: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value) or (kind is not None and tok[0] != kind):
            want = repr(value) if value else (kind or "token")
            raise self.fail(f"unexpected {'end of input' if tok is None else repr(tok[1])}, expected {want}")
        self.i += 1
        return tok[1]

    def parse(self) -> Node:
        if not self.tokens:
            raise PromQLError("1:1: parse error: no expression found in input")
        node = self.expr()
        if self.peek() is not None:
            raise self.fail(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return node

    def expr(self) -> Node:
        tok = self.peek()
        if tok and tok[0] == "ident" and tok[1] in AGGREGATIONS:
            return self.aggregate()
        if tok and tok[0] == "ident" and self.i + 1 < len(self.tokens) and self.tokens[self.i + 1][1] == "(":
            if tok[1] not in FUNCTIONS:
                raise self.fail(f"function {tok[1]!r} is not supported by the simulated Prometheus")
            self.take()
            self.take("(")
            arg = self.selector()
            self.take(")")
            if arg.range_seconds is None:
                raise self.fail(f"expected type range vector in call to function {tok[1]!r}, got instant vector")
            return Call(tok[1], arg)
        sel = self.selector()
        if sel.range_seconds is not None:
            raise self.fail("range vector results are not supported by the simulated Prometheus")
        return sel

    def grouping(self) -> tuple[bool, tuple[str, ...]] | None:
        tok = self.peek()
        if not tok or tok[1] not in ("by", "without"):
            return None
        self.take()
        self.take("(")
        labels: list[str] = []
        while self.peek() and self.peek()[1] != ")":  # type: ignore[index]
            labels.append(self.take(kind="ident"))
            if self.peek() and self.peek()[1] == ",":  # type: ignore[index]
                self.take(",")
        self.take(")")
        return tok[1] == "without", tuple(labels)

    def aggregate(self) -> Aggregate:
        op = self.take()
        group = self.grouping()
        self.take("(")
        inner = self.expr()
        self.take(")")
        without, labels = group or self.grouping() or (False, ())
        return Aggregate(op, labels, without, inner)

    def selector(self) -> Selector:
        matchers: list[tuple[str, str, str]] = []
        tok = self.peek()
        if tok and tok[0] == "ident":
            matchers.append(("__name__", "=", self.take()))
        if self.peek() and self.peek()[1] == "{":  # type: ignore[index]
            self.take("{")
            while self.peek() and self.peek()[1] != "}":  # type: ignore[index]
                label = self.take(kind="ident")
                op = self.take(kind="op")
                raw = self.take(kind="str")
                matchers.append((label, op, bytes(raw[1:-1], "utf-8").decode("unicode_escape")))
                if self.peek() and self.peek()[1] == ",":  # type: ignore[index]
                    self.take(",")
            self.take("}")
        if not matchers:
            raise self.fail("unexpected " + (repr(tok[1]) if tok else "end of input"))
        if all(_matches({}, ((name, op, v),)) for name, op, v in matchers):
            raise self.fail("vector selector must contain at least one non-empty matcher")
        range_seconds = None
        if self.peek() and self.peek()[1] == "[":  # type: ignore[index]
            self.take("[")
            range_seconds = parse_duration(self.take(kind="dur"))
            self.take("]")
        return Selector(tuple(matchers), range_seconds)


def parse(text: str) -> Node:
    return _Parser(text).parse()


# --------------------------------------------------------------------------- evaluation

def _matches(labels: Labels, matchers: tuple[tuple[str, str, str], ...]) -> bool:
    for name, op, value in matchers:
        have = labels.get(name, "")
        if op == "=":
            ok = have == value
        elif op == "!=":
            ok = have != value
        else:
            ok = (re.fullmatch(value, have) is not None) == (op == "=~")
        if not ok:
            return False
    return True


def _metric_name(sel: "Selector") -> str | None:
    """The metric name a selector asks for exactly (``foo{…}`` or ``{__name__="foo"}``), else None."""
    return next((value for name, op, value in sel.matchers if name == "__name__" and op == "="), None)


def _slope(points: list[tuple[float, float]]) -> float:
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    cov = sum((t - mean_t) * (v - mean_v) for t, v in points)
    var = sum((t - mean_t) ** 2 for t, _ in points)
    return cov / var if var else 0.0


def _key(labels: Labels) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(labels.items()))


#: "this labels dict was not looked at yet" (None means: looked at, does not match)
_UNSEEN: list[tuple[float, float]] = []


class Evaluator:
    """Evaluates parsed queries over ``series_at``; range selectors sample the scrape grid, at most
    ``max_points`` times a window: the simulated volumes grow linearly, so a least-squares slope over 40 points
    is theirs (a real Prometheus reads every scrape), and a 10× lab's ~4,000 volume series stay cheap."""

    def __init__(self, series_at: SeriesAt, scrape_interval: float, max_points: int = 40) -> None:
        self.series_at = series_at
        self.scrape = scrape_interval
        self.max_points = max_points

    def instant(self, node: Node, t: float) -> list[Sample]:
        if isinstance(node, Selector):
            return [(dict(lb), v) for lb, v in self.series_at(t, _metric_name(node))
                    if _matches(lb, node.matchers)]
        if isinstance(node, Call):
            return self._deriv(node.arg, t)
        return self._aggregate(node, t)

    def _deriv(self, sel: Selector, t: float) -> list[Sample]:
        window = sel.range_seconds or 0.0
        step = max(self.scrape, window / self.max_points)
        step -= step % self.scrape
        last = t - t % self.scrape
        times = [last - k * step for k in range(int(window // step) + 1) if last - k * step >= t - window]
        points: dict[tuple, tuple[Labels, list[tuple[float, float]]]] = {}
        name = _metric_name(sel)
        # a series' labels are often the same dict at every time: match and key them once per dict (a 10× lab
        # has ~4,000 volume series read at ~120 times), keeping each dict alive so that its id stays its own
        by_id: dict[int, list[tuple[float, float]] | None] = {}
        alive: list[Labels] = []
        for ts in sorted(times):
            for labels, v in self.series_at(ts, name):
                pts = by_id.get(id(labels), _UNSEEN)
                if pts is _UNSEEN:
                    alive.append(labels)
                    pts = points.setdefault(_key(labels), (labels, []))[1] if _matches(labels, sel.matchers) \
                        else None
                    by_id[id(labels)] = pts
                if pts is not None:
                    pts.append((ts, v))
        out = []
        for labels, pts in points.values():
            if len(pts) >= 2:
                out.append(({k: v for k, v in labels.items() if k != "__name__"}, _slope(pts)))
        return out

    def _aggregate(self, node: Aggregate, t: float) -> list[Sample]:
        groups: dict[tuple, tuple[Labels, list[float]]] = {}
        for labels, v in self.instant(node.expr, t):
            if node.without:
                out = {k: x for k, x in labels.items() if k not in node.labels and k != "__name__"}
            else:
                out = {k: labels[k] for k in node.labels if labels.get(k)}
            groups.setdefault(_key(out), (out, []))[1].append(v)
        fn: dict[str, Callable[[list[float]], float]] = {
            "sum": sum, "max": max, "min": min, "count": lambda xs: float(len(xs)),
            "avg": lambda xs: sum(xs) / len(xs)}
        return [(labels, float(fn[node.op](values))) for labels, values in groups.values()]

    def range(self, node: Node, start: float, end: float, step: float) -> list[tuple[Labels, list]]:
        series: dict[tuple, tuple[Labels, list[tuple[float, float]]]] = {}
        n = int((end - start) // step)
        for k in range(n + 1):
            ts = start + k * step
            for labels, v in self.instant(node, ts):
                series.setdefault(_key(labels), (labels, []))[1].append((ts, v))
        return list(series.values())
