"""Snapshots keep the last good data on failure and say how fresh they are."""

from __future__ import annotations

from homelab_tui.model.snapshot import Snapshot, format_age, freshness_text, one_line


def test_failure_keeps_last_good_data_and_error_start():
    s = Snapshot("prometheus").succeeded({"x": 1}, now=100.0)
    f1 = s.failed("connection refused", now=110.0)
    f2 = f1.failed("connection refused\nagain", now=120.0)
    assert f2.data == {"x": 1} and f2.fetched_at == 100.0
    assert f2.error_since == 110.0 and f2.error == "connection refused again"
    assert not f2.ok and f2.has_data
    back = f2.succeeded({"x": 2}, now=130.0)
    assert back.ok and back.error is None and back.error_since is None


def test_freshness_texts():
    ok = Snapshot("kubernetes").succeeded(1, now=100.0)
    assert freshness_text(ok, now=100.2) == "kubernetes: updated just now"
    assert freshness_text(ok, now=104.0) == "kubernetes: updated 4 s ago"
    failing = ok.failed("connection refused", now=130.0)
    assert freshness_text(failing, now=142.0) == (
        "kubernetes: failing for 12 s: connection refused — showing data from 42 s ago")
    never = Snapshot("litellm").failed("401", now=5.0)
    assert freshness_text(never, now=65.0) == "litellm: failing for 1 min: 401"
    assert freshness_text(Snapshot("nvml"), now=1.0) == "nvml: loading…"


def test_format_age_and_one_line():
    assert [format_age(x) for x in (None, 0.5, 59, 61, 7200, 200000)] == [
        "never", "just now", "59 s", "1 min", "2 h", "2 d"]
    assert one_line("a\n  b", limit=50) == "a b"
    assert len(one_line("x" * 500)) == 200


def test_a_source_that_never_answered_is_not_ok():
    never = Snapshot("litellm")
    assert not never.ok and not never.has_data and never.age(100.0) is None
    assert Snapshot("litellm").succeeded(None, now=1.0).ok  # loaded, even with no data to show


def test_age_is_never_negative_with_clock_skew():
    """A fetch stamped by a clock ahead of ours (another host's epoch) is "just now", never -10 s."""
    snap = Snapshot("prometheus").succeeded(1, now=100.0)
    assert snap.age(90.0) == 0.0
    assert freshness_text(snap, now=90.0) == "prometheus: updated just now"


def test_a_failed_attempt_is_stamped():
    failing = Snapshot("prometheus").succeeded(1, now=100.0).failed("timed out", now=130.0)
    assert (failing.attempted_at, failing.fetched_at) == (130.0, 100.0)
