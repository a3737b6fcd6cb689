"""The direct kubeconfig reader (ADR-006) reads what the official client reads, and hands it everything else."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from kubernetes import client as k8s_client
from kubernetes import config as k8s_config

from homelab_tui.sources.kube_client import CLIENT_VARIABLE, KubeError, KubeTarget, load_kube_api
from homelab_tui.sources.kubeconfig import KubeEndpoint, read_endpoint
from tests.pki import TestCA

_CA = TestCA()
_CLIENT = _CA.client("homelab-admin")
CA, CERT, KEY = _CA.pem, _CLIENT.cert_pem, _CLIENT.key_pem


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def kubeconfig(path: Path, *, clusters: list[dict], users: list[dict], contexts: list[dict],
               current: str | None = None) -> Path:
    import yaml

    doc: dict = {"apiVersion": "v1", "kind": "Config", "clusters": clusters, "users": users, "contexts": contexts}
    if current is not None:
        doc["current-context"] = current
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def one(tmp_path: Path, cluster: dict, user: dict, name: str = "home") -> Path:
    return kubeconfig(tmp_path / f"{name}.yaml", clusters=[{"name": name, "cluster": cluster}],
                      users=[{"name": name, "user": user}],
                      contexts=[{"name": name, "context": {"cluster": name, "user": name}}], current=name)


def official(paths: list[Path], context: str | None = None) -> k8s_client.Configuration:
    cfg = k8s_client.Configuration()
    k8s_config.load_kube_config(config_file=os.pathsep.join(map(str, paths)), context=context,
                                client_configuration=cfg, persist_config=False)
    return cfg


def read(path: str | None) -> bytes | None:
    return Path(path).read_bytes() if path else None


def assert_same(ep: KubeEndpoint, cfg: k8s_client.Configuration) -> None:
    """What the official client would use, field by field."""
    assert ep.server == cfg.host
    assert ep.verify == cfg.verify_ssl
    assert (ep.ca_pem.encode() if ep.ca_pem else None) == read(cfg.ssl_ca_cert)
    assert (ep.client_cert[0] if ep.client_cert else None) == read(cfg.cert_file)
    assert (ep.client_cert[1] if ep.client_cert else None) == read(cfg.key_file)
    assert ep.authorization == cfg.api_key.get("BearerToken")
    assert ep.tls_server_name == cfg.tls_server_name


CASES = {
    "token and CA data": ({"server": "https://10.0.0.1:6443/", "certificate-authority-data": b64(CA)},
                          {"token": "t0ken"}),
    "client certificate data (k3s)": ({"server": "https://10.0.0.1:6443", "certificate-authority-data": b64(CA)},
                                      {"client-certificate-data": b64(CERT), "client-key-data": b64(KEY)}),
    "insecure, username and password": ({"server": "https://10.0.0.1:6443", "insecure-skip-tls-verify": True},
                                        {"username": "admin", "password": "pw"}),
    "plain http, no user data": ({"server": "http://127.0.0.1:8001"}, {}),
    "tls-server-name": ({"server": "https://10.0.0.1:6443", "certificate-authority-data": b64(CA),
                         "tls-server-name": "kube.home.lab"}, {"token": "x"}),
    "a token beats an exec plugin": ({"server": "https://10.0.0.1:6443", "certificate-authority-data": b64(CA)},
                                     {"token": "x", "exec": {"apiVersion": "client.authentication.k8s.io/v1",
                                                             "command": "never-run"}}),
}


@pytest.mark.parametrize("case", CASES)
def test_reads_what_the_official_client_reads(tmp_path, case):
    cluster, user = CASES[case]
    path = one(tmp_path, cluster, user)
    ep = read_endpoint([path], environ={})
    assert ep is not None and ep.context == "home"
    assert_same(ep, official([path]))


def test_files_are_relative_to_the_file_that_names_them(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "pki").mkdir(parents=True)
    (tmp_path / "a" / "ca.crt").write_bytes(CA)
    (tmp_path / "b" / "pki" / "me.crt").write_bytes(CERT)
    (tmp_path / "b" / "pki" / "me.key").write_bytes(KEY)
    (tmp_path / "b" / "token").write_text("from-file\n")
    cluster_file = kubeconfig(tmp_path / "a" / "config", current="home",
                              clusters=[{"name": "lab", "cluster": {"server": "https://k:6443",
                                                                    "certificate-authority": "ca.crt"}}],
                              users=[], contexts=[{"name": "home", "context": {"cluster": "lab", "user": "me"}}])
    user_file = kubeconfig(tmp_path / "b" / "config", clusters=[], contexts=[],
                           users=[{"name": "me", "user": {"client-certificate": "pki/me.crt",
                                                          "client-key": "pki/me.key", "tokenFile": "token"}}])
    ep = read_endpoint([cluster_file, user_file], environ={})
    # kubectl resolves each path against the file that names it: the user's certificate under b/
    assert ep is not None and ep.authorization == "Bearer from-file" and ep.client_cert == (CERT, KEY)
    assert ep.ca_pem.encode() == CA
    # (the official Python client looks for the user's certificate next to the *cluster's* file, a/pki/me.crt)
    with pytest.raises(k8s_config.ConfigException, match="a/pki/me.crt"):
        official([cluster_file, user_file])
    (tmp_path / "a" / "pki").mkdir()
    (tmp_path / "a" / "pki" / "me.crt").write_bytes(CERT)
    (tmp_path / "a" / "pki" / "me.key").write_bytes(KEY)
    cfg = official([cluster_file, user_file])
    assert ep.ca_pem.encode() == read(cfg.ssl_ca_cert)
    # kubectl trims the token file; the official Python client keeps its newline (an invalid header)
    assert cfg.api_key["BearerToken"] == "Bearer from-file\n" and ep.authorization == "Bearer from-file"


def test_merged_files_first_one_wins_like_kubectl(tmp_path):
    first = kubeconfig(tmp_path / "first", current="one",
                       clusters=[{"name": "c", "cluster": {"server": "https://first:6443"}}],
                       users=[{"name": "u", "user": {"token": "first"}}],
                       contexts=[{"name": "one", "context": {"cluster": "c", "user": "u"}}])
    second = kubeconfig(tmp_path / "second", current="two",
                        clusters=[{"name": "c", "cluster": {"server": "https://second:6443"}},
                                  {"name": "d", "cluster": {"server": "https://d:6443"}}],
                        users=[{"name": "u", "user": {"token": "second"}}],
                        contexts=[{"name": "two", "context": {"cluster": "d", "user": "u"}}])
    ep = read_endpoint([first, second], environ={})
    assert (ep.context, ep.server, ep.authorization) == ("one", "https://first:6443", "Bearer first")
    other = read_endpoint([first, second], "two", environ={})
    assert (other.server, other.authorization) == ("https://d:6443", "Bearer first")
    # the official client lets the last current-context win; load_kube_api names kubectl's choice to it
    os.environ[CLIENT_VARIABLE] = "official"
    try:
        api = load_kube_api(KubeTarget(kubeconfig=os.pathsep.join([str(first), str(second)])), 5)
    finally:
        del os.environ[CLIENT_VARIABLE]
    assert not api.direct and (api.context, api.server) == ("one", "https://first:6443")


HANDED_OVER = {
    "exec plugin": ({"server": "https://k:6443"},
                    {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "kubelogin"}}),
    "auth provider": ({"server": "https://k:6443"}, {"auth-provider": {"name": "oidc", "config": {}}}),
    "impersonation": ({"server": "https://k:6443"}, {"token": "x", "as": "someone"}),
    "proxy-url": ({"server": "https://k:6443", "proxy-url": "http://proxy:3128"}, {"token": "x"}),
    "no server": ({"certificate-authority-data": b64(CA)}, {"token": "x"}),
    "bad base64": ({"server": "https://k:6443", "certificate-authority-data": "%%%"}, {"token": "x"}),
    "missing CA file": ({"server": "https://k:6443", "certificate-authority": "/nonexistent/ca.crt"}, {}),
    "certificate without key": ({"server": "https://k:6443"}, {"client-certificate-data": b64(CERT)}),
}


@pytest.mark.parametrize("case", HANDED_OVER)
def test_everything_else_goes_to_the_official_client(tmp_path, case):
    cluster, user = HANDED_OVER[case]
    assert read_endpoint([one(tmp_path, cluster, user)], environ={}) is None


def test_a_proxy_in_the_environment_goes_to_the_official_client(tmp_path):
    path = one(tmp_path, *CASES["token and CA data"])
    assert read_endpoint([path], environ={"HTTPS_PROXY": "http://proxy:3128"}) is None
    assert read_endpoint([path], environ={"HTTPS_PROXY": ""}) is not None


def test_an_unknown_context_goes_to_the_official_client_and_an_empty_file_is_skipped(tmp_path):
    path = one(tmp_path, *CASES["token and CA data"])
    assert read_endpoint([path], "elsewhere", environ={}) is None
    empty = tmp_path / "empty"
    empty.write_text("")
    # kubectl skips an empty file in $KUBECONFIG (the official Python client refuses the whole list)
    ep = read_endpoint([empty, path], environ={})
    assert ep is not None and ep.context == "home" and ep.server == "https://10.0.0.1:6443"
    assert read_endpoint([empty], environ={}) is None


def test_the_endpoint_repr_shows_no_secret(tmp_path):
    path = one(tmp_path, {"server": "https://k:6443", "certificate-authority-data": b64(CA)},
               {"token": "s3cr3t-t0ken", "client-certificate-data": b64(CERT), "client-key-data": b64(KEY)})
    text = repr(read_endpoint([path], environ={}))
    assert "s3cr3t" not in text and "MIIB" not in text and "set" in text


def test_an_exec_kubeconfig_loads_through_the_official_client(tmp_path, monkeypatch):
    monkeypatch.delenv(CLIENT_VARIABLE, raising=False)
    credential = json.dumps({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                             "status": {"token": "t"}})
    path = one(tmp_path, {"server": "https://k:6443"},
               {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable,
                         "args": ["-c", f"print({credential!r})"]}})
    assert not load_kube_api(KubeTarget(kubeconfig=str(path)), 5).direct
    token = one(tmp_path, *CASES["token and CA data"], name="token")
    assert load_kube_api(KubeTarget(kubeconfig=str(token)), 5).direct
    monkeypatch.setenv(CLIENT_VARIABLE, "official")
    assert not load_kube_api(KubeTarget(kubeconfig=str(token)), 5).direct


def test_errors_are_still_worded_by_the_official_client(tmp_path, monkeypatch):
    monkeypatch.delenv(CLIENT_VARIABLE, raising=False)
    path = one(tmp_path, *HANDED_OVER["missing CA file"])
    with pytest.raises(KubeError) as err:
        load_kube_api(KubeTarget(kubeconfig=str(path)), 5)
    assert err.value.status == 0 and "/nonexistent/ca.crt" in err.value.message


def test_a_common_kubeconfig_never_imports_the_official_client(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != CLIENT_VARIABLE}

    def run(path: Path) -> list[str]:
        code = ("import sys; from homelab_tui.sources.kube_client import KubeTarget, load_kube_api; "
                f"api = load_kube_api(KubeTarget(kubeconfig={str(path)!r}), 5); "
                "print(api.direct, 'kubernetes' in sys.modules)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
        assert out.returncode == 0, out.stderr
        return out.stdout.split()

    assert run(one(tmp_path, *CASES["client certificate data (k3s)"])) == ["True", "False"]
    # a CA that is not a certificate: the official client takes the file over (and words the TLS error later)
    broken = one(tmp_path, {"server": "https://k:6443", "certificate-authority-data": b64(b"not a certificate")},
                 {"token": "x"}, name="broken")
    assert run(broken) == ["False", "True"]


@pytest.mark.parametrize("content, problem", [
    (b"root:x:0:0:root:/root:/bin/bash\n", "plain text, not a mapping with clusters, contexts and users"),
    (b"- a\n- b\n", "a YAML list, not a mapping with clusters, contexts and users"),
    (b"apiVersion: v1\nkind: Pod\n", "no clusters, contexts or users"),
    (b"clusters: [\n", "not YAML: "),
    (b"\xff\xfe\x00kubeconfig", "not text"),
])
def test_a_file_that_is_not_a_kubeconfig_says_why_and_is_never_loaded(tmp_path, monkeypatch, content, problem):
    monkeypatch.delenv(CLIENT_VARIABLE, raising=False)
    bad = tmp_path / "config"
    bad.write_bytes(content)
    good = one(tmp_path, *CASES["token and CA data"])
    target = KubeTarget(kubeconfig=os.pathsep.join([str(good), str(bad)]))
    with pytest.raises(KubeError) as err:
        load_kube_api(target, 5)
    assert err.value.status == 0
    assert err.value.message.startswith(f"{bad}: not a kubeconfig ({problem}")


def test_an_empty_file_is_a_kubeconfig_as_for_kubectl(tmp_path, monkeypatch):
    monkeypatch.delenv(CLIENT_VARIABLE, raising=False)
    empty = tmp_path / "empty"
    empty.write_text("", encoding="utf-8")
    good = one(tmp_path, *CASES["token and CA data"])
    api = load_kube_api(KubeTarget(kubeconfig=os.pathsep.join([str(empty), str(good)])), 5)
    assert api.context == "home"


def test_each_file_is_parsed_once_per_load(tmp_path, monkeypatch):
    import yaml

    monkeypatch.delenv(CLIENT_VARIABLE, raising=False)
    first, second = one(tmp_path, *CASES["token and CA data"]), one(tmp_path, *CASES["tls-server-name"], name="two")
    parsed: list[str] = []
    real = yaml.load

    def counting(stream, Loader):  # noqa: N803 - PyYAML's name
        parsed.append(stream)
        return real(stream, Loader=Loader)

    monkeypatch.setattr(yaml, "load", counting)
    monkeypatch.setattr(yaml, "safe_load", lambda stream: counting(stream, yaml.SafeLoader))
    api = load_kube_api(KubeTarget(kubeconfig=os.pathsep.join([str(first), str(second)]), context="two"), 5)
    assert api.direct and api.context == "two"
    assert len(parsed) == 2
