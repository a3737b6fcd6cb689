"""CLI gaps found by mutation testing (round 3): the exit code of a failing ``check`` and the --kubeconfig list."""

from __future__ import annotations

import argparse
import os

import pytest

from homelab_tui import check as check_module
from homelab_tui import cli
from homelab_tui.errors import HomelabError, UsageError


@pytest.mark.parametrize("error", [HomelabError("the cluster went away"), UsageError("the cluster went away")])
def test_any_homelab_error_in_check_is_nagios_unknown(monkeypatch, capsys, error):
    """check is read by Nagios: an error whose own exit code is 1 (WARNING) or 2 (CRITICAL) must still be 3."""
    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(check_module, "run_check", broken)
    assert cli.main(["check", "--demo", "--only", "nodes"]) == 3
    assert capsys.readouterr().err.strip() == "homelab-tui: the cluster went away"
    # the dashboard keeps the error's own code
    monkeypatch.setattr(cli, "_dashboard", broken)
    assert cli.main([]) == error.exit_code


def test_an_empty_entry_of_a_kubeconfig_list_is_skipped_like_kubectl_does(tmp_path):
    """``--kubeconfig a:`` (a KUBECONFIG-style list with an empty entry) names one file, not the current directory."""
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\n")
    for value in (f"{kubeconfig}{os.pathsep}", f"{os.pathsep}{kubeconfig}", f"{kubeconfig}{os.pathsep}{os.pathsep}"):
        cli._check_kubeconfig_flag(argparse.Namespace(kubeconfig=value))  # no error
    with pytest.raises(HomelabError, match="no such file"):
        cli._check_kubeconfig_flag(argparse.Namespace(kubeconfig=f"{kubeconfig}{os.pathsep}{tmp_path / 'nope'}"))
