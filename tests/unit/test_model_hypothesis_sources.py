"""Property tests beyond tests/unit/test_model_properties.py: arbitrary SOURCE states and odd DATES.

That file mutilates objects under fixed, healthy snapshots. Here the four sources' snapshots are
arbitrary (no data, stale, failing, from the future), volume figures are arbitrary valid numbers,
and every date the model reads (certificate expiry and renewal, pod start, deletion, conditions)
is an odd but valid RFC 3339 form or an odd instant. The roll-ups must never raise, must keep their
documented states, and the ``check`` JSON built from them must stay valid JSON.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math

from hypothesis import HealthCheck, given, settings, strategies as st

from homelab_tui.check import CheckReport, to_json
from homelab_tui.config import Settings
from homelab_tui.model.certs import cert_rows
from homelab_tui.model.conventions import check_conventions
from homelab_tui.model.health import State
from homelab_tui.model.metrics import AliasHealth, GpuTelemetry, LiteLLMData, MetricsData, TierHealth, VolumeStats
from homelab_tui.model.namespaces import summarize_namespaces
from homelab_tui.model.overview import AREAS, build_overview, overall_state
from homelab_tui.model.snapshot import Snapshot, freshness_text, one_line
from homelab_tui.model.state import DashboardState
from homelab_tui.model.storage import pvc_rows
from tests.unit.factories import NOW, certificate, cluster, exposed, pod, pvc
from tests.unit.test_model_properties import base_objects

S = Settings()
PROFILE = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                          HealthCheck.data_too_large])

instants = st.datetimes(min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(9998, 12, 31),
                        timezones=st.just(dt.timezone.utc))


@st.composite
def odd_dates(draw) -> str:
    """Valid RFC 3339 in its rarer spellings: fractions, offsets, lower-case separators, far past/future."""
    when = draw(instants)
    form = draw(st.sampled_from(["Z", "frac", "offset", "lower", "micro-offset"]))
    if form == "Z":
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")
    if form == "frac":
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{draw(st.integers(0, 999999999)):09d}Z"
    if form == "lower":
        return when.strftime("%Y-%m-%dt%H:%M:%Sz")
    minutes = draw(st.integers(-14 * 60, 14 * 60))
    sign = "-" if minutes < 0 else "+"
    off = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    frac = ".5" if form == "micro-offset" else ""
    return when.strftime("%Y-%m-%dT%H:%M:%S") + frac + off


times = st.one_of(st.none(), st.floats(NOW - 400 * 86400 * 10, NOW + 86400, allow_nan=False))
#: as Snapshot.failed() records them: one line, bounded
errors = st.one_of(st.none(),
                   st.sampled_from(["connection refused", "401: bad key", "x" * 500, "a\nb", ""]).map(one_line))


@st.composite
def snapshots(draw, source: str, data):
    value = draw(st.one_of(st.none(), data))
    fetched = draw(times) if value is not None else None
    return Snapshot(source, value, fetched_at=fetched, error=draw(errors), error_since=draw(times),
                    attempted_at=draw(times))


byte_counts = st.integers(0, 10 ** 13).map(float)  # kubelet reports whole bytes
volume = st.builds(VolumeStats, st.just("apps"), st.sampled_from(["n8n-data", "claw", "other"]),
                   byte_counts, byte_counts,
                   st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)))
metrics = st.builds(MetricsData, volumes=st.dictionaries(st.just(("apps", "n8n-data")) | st.just(("apps", "claw")),
                                                         volume, max_size=2))
llm = st.builds(LiteLLMData, alive=st.booleans(), ready=st.booleans(),
                aliases=st.dictionaries(st.sampled_from(["vllm-qwen", "ollama-qwen", "openai-gpt4o", "odd"]),
                                        st.builds(AliasHealth, st.just("a"), st.sampled_from(list(TierHealth))),
                                        max_size=4),
                health_checked_at=times)
gpu = st.builds(GpuTelemetry, origin=st.sampled_from(["nvml", "prometheus"]),
                vram_used_bytes=st.one_of(st.none(), st.floats(0, 1e11, allow_nan=False)),
                vram_total_bytes=st.one_of(st.none(), st.floats(0, 1e11, allow_nan=False)))


def with_dates(objs: list[dict], dates: list[str]) -> list[dict]:
    """Write odd dates into every date field the model reads."""
    it = itertools.cycle(dates)
    for o in objs:
        md = o.setdefault("metadata", {})
        md["creationTimestamp"] = next(it)
        status = o.get("status") if isinstance(o.get("status"), dict) else None
        if status is None:
            continue
        for key in ("notAfter", "notBefore", "renewalTime", "startTime", "lastTransitionTime"):
            if key in status:
                status[key] = next(it)
        for cond in status.get("conditions") or []:
            cond["lastTransitionTime"] = next(it)
    return objs


@PROFILE
@given(snapshots("prometheus", metrics), snapshots("litellm", llm), snapshots("nvml", gpu), times, errors,
       st.lists(odd_dates(), min_size=1, max_size=6), st.floats(NOW - 86400, NOW + 400 * 86400, allow_nan=False))
def test_roll_ups_never_raise_under_any_source_state(m, l, g, cluster_fetched, cluster_error, dates, now):
    objs = with_dates(base_objects() + [pod("late", "apps", deleted_ago=10)], dates)
    c = cluster(*objs)
    kube = Snapshot("kubernetes", c if cluster_fetched is not None else None, fetched_at=cluster_fetched,
                    error=cluster_error, error_since=cluster_fetched)
    state = DashboardState(cluster=kube, metrics=m, llm=l, gpu=g)
    rows = build_overview(state, S, now)
    assert [a.area for a in rows] == list(AREAS)
    assert all(isinstance(a.state, State) for a in rows)
    assert not any(a.reason.startswith("cannot evaluate") for a in rows), [a.reason for a in rows]
    assert all(a.age is None or (math.isfinite(a.age) and a.age >= 0) for a in rows)
    if not kube.has_data:
        assert all(a.state is State.UNKNOWN for a in rows)  # nothing is judged without the cluster
    overall = overall_state(rows)
    assert isinstance(overall, State)
    doc = to_json(CheckReport(overall, rows, state, now, "ctx"))
    json.loads(json.dumps(doc, allow_nan=False))  # valid JSON: no NaN or inf ages
    for snap in (kube, m, l, g):
        line = freshness_text(snap, now)
        assert "\n" not in line and line.startswith(snap.source)


@PROFILE
@given(st.lists(odd_dates(), min_size=3, max_size=3), st.floats(NOW - 86400, NOW + 20 * 365 * 86400,
                                                                  allow_nan=False))
def test_certificate_join_and_expiry_with_odd_dates(dates, now):
    c = cluster(*with_dates([*exposed("n8n"), *exposed("grafana", "monitoring"),
                             certificate("orphan", "docs", dns=("orphan.home.jetzinger.com",))], dates))
    rows = cert_rows(c, S, now)
    assert rows and all(isinstance(r.state, State) for r in rows)
    assert {r.host for r in rows} >= {"n8n.home.jetzinger.com", "orphan.home.jetzinger.com"}
    for r in rows:
        days = getattr(r, "days_left", None)
        assert days is None or math.isfinite(days)
    assert all(v.state in (State.WARN, State.FAIL) for v in check_conventions(c, S))
    assert all(isinstance(s.state, State) for s in summarize_namespaces(c, S, now))


@PROFILE
@given(st.dictionaries(st.sampled_from([("apps", "a"), ("apps", "b"), ("data", "c")]), volume, max_size=3),
       st.sampled_from(["1Gi", "0", "1", "999Ti", "100m", None]))
def test_storage_figures_with_arbitrary_valid_volume_stats(volumes, size):
    c = cluster(pvc("a", size=size), pvc("b", storage_class=None), pvc("c", "data", phase="Pending"))
    for row in pvc_rows(c, MetricsData(volumes=volumes), S):
        assert isinstance(row.state, State)
        assert row.percent is None or (math.isfinite(row.percent) and row.percent >= 0)
        assert row.days_until_full is None or not math.isnan(row.days_until_full)
