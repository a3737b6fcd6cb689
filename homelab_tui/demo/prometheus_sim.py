"""The simulated Prometheus: the HTTP API the dashboard uses, answering like Prometheus 2.x.

``/api/v1/query`` and ``/api/v1/query_range`` (GET, or POST with a form body) evaluate a PromQL
subset (:mod:`homelab_tui.demo.promql_mini`) over the series :mod:`homelab_tui.demo.lab_metrics`
derives from the simulated cluster. Answers have the real shapes: ``{"status":"success","data":
{"resultType":"vector"|"matrix","result":[...]}}`` with ``[timestamp, "value"]`` pairs formatted as
Prometheus formats them, and ``{"status":"error","errorType":"bad_data","error":"invalid parameter
\\"query\\": 1:5: parse error: …"}`` with status 400 for what cannot be parsed or evaluated here.
Also ``/-/ready``, ``/-/healthy`` and ``/api/v1/status/buildinfo``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from decimal import Decimal
from typing import Any, Callable

from aiohttp import web

from homelab_tui.demo.faults import ServerFaults, fault_middleware
from homelab_tui.demo.lab_metrics import SCRAPE_INTERVAL, LabMetrics
from homelab_tui.demo.promql_mini import Evaluator, PromQLError, parse, parse_duration

#: Prometheus refuses range queries with more points per series than this
MAX_POINTS = 11000

_BUILD_INFO = {"version": "2.42.0", "revision": "simulated", "branch": "homelab-tui-demo",
               "buildUser": "homelab-tui", "buildDate": "20260101-00:00:00", "goVersion": "go1.19.8"}


class BadData(Exception):
    """Answered as 400 ``bad_data`` with this message."""


def format_value(v: float) -> str:
    """A sample value as Prometheus writes it (Go's ``strconv.FormatFloat(v, 'f', -1, 64)``)."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    text = format(Decimal(repr(float(v))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_ts(t: float) -> int | float:
    """A timestamp as Prometheus writes it: seconds with millisecond precision, no fraction when whole."""
    ms = round(t * 1000)
    return ms // 1000 if ms % 1000 == 0 else ms / 1000


def parse_time(name: str, text: str | None, default: float | None = None) -> float:
    if text is None or text == "":
        if default is not None:
            return default
        raise BadData(f'invalid parameter "{name}": cannot parse "" to a valid timestamp')
    try:
        return round(float(text) * 1000) / 1000
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        prefix = f"Invalid time value for '{name}': " if name == "time" else ""
        raise BadData(f'invalid parameter "{name}": {prefix}cannot parse "{text}" to a valid timestamp') from None


def parse_step(text: str | None) -> float:
    text = text or ""
    try:
        step = float(text)
    except ValueError:
        try:
            step = parse_duration(text)
        except ValueError:
            raise BadData(f'invalid parameter "step": cannot parse "{text}" to a valid duration') from None
    if step <= 0:
        raise BadData('invalid parameter "step": zero or negative query resolution step widths are not accepted. '
                      "Try a positive integer")
    return step


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(body=json.dumps(body, separators=(",", ":")).encode(), status=status,
                        headers={"Content-Type": "application/json"})


def _labels_key(labels: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(labels.items())


def _sorted_labels(labels: dict[str, str]) -> dict[str, str]:
    return dict(sorted(labels.items()))


def create_app(store: Any, faults: ServerFaults, clock: Callable[[], float] = time.time) -> web.Application:
    """The simulated Prometheus over ``store`` (a :class:`homelab_tui.demo.store.ClusterStore`)."""
    app = web.Application(middlewares=[fault_middleware(faults)])
    metrics = LabMetrics(store, clock)

    async def params(request: web.Request) -> dict[str, str]:
        merged = dict(request.query)
        if request.method == "POST":
            merged.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        return merged

    def evaluator() -> Evaluator:
        return Evaluator(metrics.frame().series_at, SCRAPE_INTERVAL)

    def parsed(text: str | None) -> Any:
        try:
            return parse(text or "")
        except PromQLError as exc:
            raise BadData(f'invalid parameter "query": {exc}') from None

    async def query(request: web.Request) -> web.Response:
        faults.count(f"{request.method} query")
        p = await params(request)
        try:
            t = parse_time("time", p.get("time"), default=clock())
            node = parsed(p.get("query"))
        except BadData as exc:
            return _bad_data(str(exc))
        samples = sorted(evaluator().instant(node, t), key=lambda s: _labels_key(s[0]))
        result = [{"metric": _sorted_labels(labels), "value": [format_ts(t), format_value(v)]}
                  for labels, v in samples]
        return _json({"status": "success", "data": {"resultType": "vector", "result": result}})

    async def query_range(request: web.Request) -> web.Response:
        faults.count(f"{request.method} query_range")
        p = await params(request)
        try:
            start = parse_time("start", p.get("start"))
            end = parse_time("end", p.get("end"))
            step = parse_step(p.get("step"))
            if end < start:
                raise BadData('invalid parameter "end": end timestamp must not be before start time')
            if (end - start) / step > MAX_POINTS:
                raise BadData("exceeded maximum resolution of 11,000 points per timeseries. "
                              "Try decreasing the query resolution (?step=XX)")
            node = parsed(p.get("query"))
        except BadData as exc:
            return _bad_data(str(exc))
        series = sorted(evaluator().range(node, start, end, step), key=lambda s: _labels_key(s[0]))
        result = [{"metric": _sorted_labels(labels), "values": [[format_ts(t), format_value(v)] for t, v in points]}
                  for labels, points in series]
        return _json({"status": "success", "data": {"resultType": "matrix", "result": result}})

    async def ready(request: web.Request) -> web.Response:
        faults.count(f"{request.method} ready")
        return web.Response(text="Prometheus Server is Ready.\n")

    async def healthy(request: web.Request) -> web.Response:
        faults.count(f"{request.method} healthy")
        return web.Response(text="Prometheus Server is Healthy.\n")

    async def buildinfo(request: web.Request) -> web.Response:
        faults.count(f"{request.method} buildinfo")
        return _json({"status": "success", "data": _BUILD_INFO})

    for path, handler in (("/api/v1/query", query), ("/api/v1/query_range", query_range)):
        app.router.add_get(path, handler)
        app.router.add_post(path, handler)
    app.router.add_get("/-/ready", ready)
    app.router.add_get("/-/healthy", healthy)
    app.router.add_get("/api/v1/status/buildinfo", buildinfo)
    return app


def _bad_data(message: str) -> web.Response:
    return _json({"status": "error", "errorType": "bad_data", "error": message}, status=400)
