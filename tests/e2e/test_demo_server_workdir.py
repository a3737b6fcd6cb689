"""``homelab-tui demo-server --workdir DIR`` never replaces a file it did not write, and its secrets are 0600."""

from __future__ import annotations

import os
import signal
import stat
import subprocess

import pytest

from tests.e2e.procs import installed, start_demo_server

FILES = ("kubeconfig", "config.toml", "litellm.key")


def demo_server(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([installed("homelab-tui"), "demo-server", *args], capture_output=True, text=True,
                          timeout=60)


def serve_once(workdir) -> dict:
    proc, info = start_demo_server("--workdir", str(workdir))
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0
    return info


@pytest.mark.parametrize("name", FILES)
def test_a_file_it_did_not_write_is_refused_and_kept(tmp_path, name):
    workdir = tmp_path / "wd"
    workdir.mkdir()
    (workdir / name).write_text("# mine\nsk-real\n")
    out = demo_server("--workdir", str(workdir))
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip() == (f"homelab-tui: demo-server: --workdir {workdir}: {name} already there and not "
                                  "written by demo-server; nothing was changed (give an empty or new directory)")
    assert (workdir / name).read_text() == "# mine\nsk-real\n"
    assert sorted(os.listdir(workdir)) == [name]


def test_a_link_is_refused_and_its_target_kept(tmp_path):
    workdir, real = tmp_path / "wd", tmp_path / "real.key"
    workdir.mkdir()
    real.write_text("sk-real\n")
    (workdir / "litellm.key").symlink_to(real)
    assert demo_server("--workdir", str(workdir)).returncode == 2
    assert real.read_text() == "sk-real\n"


def test_a_workdir_that_is_a_file_is_one_line(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    out = demo_server("--workdir", str(afile))
    assert out.returncode == 2
    assert out.stderr.strip() == f"homelab-tui: demo-server: --workdir {afile}: not a directory"


def test_its_own_files_are_replaced_and_the_secrets_made_private(tmp_path):
    workdir = tmp_path / "wd"
    first = serve_once(workdir)
    key = (workdir / "litellm.key").read_text()
    for name in FILES:
        (workdir / name).chmod(0o644)  # as an older demo-server left them
    second = serve_once(workdir)
    assert second["kubeconfig"] == first["kubeconfig"] and (workdir / "litellm.key").read_text() != key
    for name in ("kubeconfig", "litellm.key"):
        assert stat.S_IMODE((workdir / name).stat().st_mode) == 0o600, name


def test_a_relative_workdir_gives_files_that_work_from_anywhere(tmp_path):
    proc, info = start_demo_server("--workdir", "wd", cwd=tmp_path)
    try:
        assert info["kubeconfig"] == str(tmp_path / "wd" / "kubeconfig")
        assert info["config"] == str(tmp_path / "wd" / "config.toml")
        out = subprocess.run([installed("homelab-tui"), "check", "--only", "inference", "--kubeconfig",
                              info["kubeconfig"], "--config", info["config"]], capture_output=True, text=True,
                             timeout=60, cwd=tmp_path / "wd")
        assert out.returncode == 0, out.stdout + out.stderr  # the key file is found from config.toml
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0


def test_a_second_server_on_the_same_workdir_is_refused_and_the_first_keeps_its_files(tmp_path):
    workdir = tmp_path / "wd"
    proc, info = start_demo_server("--workdir", str(workdir))
    try:
        before = {name: (workdir / name).read_text() for name in FILES}
        out = demo_server("--workdir", str(workdir))
        assert out.returncode == 2 and out.stdout == ""
        assert out.stderr.strip() == (f"homelab-tui: demo-server: --workdir {workdir}: another demo-server is "
                                      "serving from this directory; nothing was changed (stop it, or give another "
                                      "directory)")
        assert {name: (workdir / name).read_text() for name in FILES} == before
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    serve_once(workdir)  # the lock went with the first server
