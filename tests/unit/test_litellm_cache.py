"""The saved full LiteLLM /health that ``check`` reuses: fresh results only, one proxy's, never a secret."""

from __future__ import annotations

import json
import stat

from homelab_tui.model.metrics import AliasHealth, TierHealth
from homelab_tui.sources.litellm_cache import HealthCache, default_path

URL = "https://admin:hunter2@litellm.home.jetzinger.com/"
ALIASES = {"vllm-qwen": AliasHealth("vllm-qwen", TierHealth.HEALTHY, "", "hosted_vllm/Qwen/Qwen3-8B-AWQ"),
           "openai-gpt4o": AliasHealth("openai-gpt4o", TierHealth.UNHEALTHY, "RateLimitError: key sk-***")}


def test_a_saved_result_is_reused_while_younger_than_the_interval(tmp_path):
    cache = HealthCache(tmp_path / "state" / "litellm-health.json")
    cache.save(URL, 1000.0, ALIASES, ("vllm-qwen", "openai-gpt4o"))
    got = cache.load(URL, now=1299.0, max_age=300.0)
    assert got is not None and got.checked_at == 1000.0 and got.aliases == ALIASES
    assert got.models == ("vllm-qwen", "openai-gpt4o")
    assert cache.load(URL, now=1301.0, max_age=300.0) is None  # too old
    assert cache.load(URL, now=900.0, max_age=300.0) is None  # from the future: a clock jumped
    assert cache.load("https://other.example", now=1001.0, max_age=300.0) is None  # another proxy's


def test_the_file_is_private_and_holds_no_credentials(tmp_path):
    path = tmp_path / "litellm-health.json"
    HealthCache(path).save(URL, 1000.0, ALIASES, ())
    text = path.read_text(encoding="utf-8")
    assert "hunter2" not in text and "admin" not in text
    assert json.loads(text)["url"] == "https://litellm.home.jetzinger.com"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_broken_or_unwritable_cache_is_no_cache(tmp_path):
    path = tmp_path / "litellm-health.json"
    for junk in ("", "{", "[]", '{"version": 1, "url": "https://litellm.home.jetzinger.com", "checked_at": "x"}',
                 '{"version": 1, "url": "https://litellm.home.jetzinger.com", "checked_at": 1000, '
                 '"aliases": {"a": {"health": "sick"}}}'):
        path.write_text(junk, encoding="utf-8")
        assert HealthCache(path).load(URL, now=1000.0, max_age=300.0) is None, junk
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    HealthCache(blocked / "sub" / "litellm-health.json").save(URL, 1000.0, ALIASES, ())  # no exception


def test_the_default_path_follows_xdg_state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert default_path() == tmp_path / "xdg" / "homelab-tui" / "litellm-health.json"
