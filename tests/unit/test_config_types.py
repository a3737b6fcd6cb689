"""A config value of the wrong TOML type is a one-line error naming the setting: ``true`` is no number."""

from __future__ import annotations

import pytest

from homelab_tui.config import settings_from_mapping
from homelab_tui.errors import ConfigError


@pytest.mark.parametrize("section,name", [("prometheus", "timeout"), ("litellm", "interval")])
def test_true_is_not_a_number(section: str, name: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_mapping({section: {name: True}})
    assert str(info.value).endswith(f"{name}: expected a number, got bool"), info.value
