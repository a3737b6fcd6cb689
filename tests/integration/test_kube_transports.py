"""The direct transport (ADR-006) and the official client send the same requests and meet TLS the same way.

Every test runs the same call through both: ``HOMELAB_TUI_KUBE_CLIENT=official`` forces the official client.
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

from homelab_tui.sources.kube_client import CLIENT_VARIABLE, KubeApi, KubeError, KubeTarget, load_kube_api
from tests.integration.kube_server import KubeServer
from tests.pki import Issued, TestCA

CLIENTS = ["direct", "official"]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def api_for(kubeconfig: Path, client: str, monkeypatch: pytest.MonkeyPatch) -> KubeApi:
    if client == "official":
        monkeypatch.setenv(CLIENT_VARIABLE, "official")
    else:
        monkeypatch.delenv(CLIENT_VARIABLE, raising=False)
    api = load_kube_api(KubeTarget(kubeconfig=str(kubeconfig)), 5)
    assert api.direct == (client == "direct")
    return api


def write_kubeconfig(path: Path, server: str, cluster: dict[str, Any], user: dict[str, Any]) -> Path:
    import yaml

    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "lab",
        "clusters": [{"name": "lab", "cluster": {"server": server, **cluster}}],
        "users": [{"name": "me", "user": user}],
        "contexts": [{"name": "lab", "context": {"cluster": "lab", "user": "me"}}]}), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- against the simulated API


@pytest.fixture(scope="module")
def kube(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubeServer]:
    with KubeServer(tmp_path_factory.mktemp("kube"), life_step=None) as srv:
        yield srv


@pytest.mark.parametrize("client", CLIENTS)
def test_lists_patches_watches_and_errors_alike(kube: KubeServer, client: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    api = api_for(kube.kubeconfig, client, monkeypatch)
    pods = api.get("/api/v1/pods")
    assert pods["kind"] == "PodList" and len(pods["items"]) > 20
    with pytest.raises(KubeError) as err:
        api.get("/api/v1/namespaces/apps/configmaps/no-such-thing")
    assert (err.value.status, err.value.reason) == (404, "NotFound")
    label = f"patched-by-{client}"
    patched = api.patch("/api/v1/namespaces/ml/configmaps/litellm-config",
                        {"metadata": {"labels": {"homelab-tui.test/transport": label}}})
    assert patched["metadata"]["labels"]["homelab-tui.test/transport"] == label
    rv = api.get("/api/v1/namespaces/ml/configmaps")["metadata"]["resourceVersion"]
    api.patch("/api/v1/namespaces/ml/configmaps/litellm-config",
              {"metadata": {"labels": {"homelab-tui.test/transport": label + "-again"}}})
    lines = api.stream_lines("/api/v1/namespaces/ml/configmaps",
                             [("watch", True), ("resourceVersion", rv), ("timeoutSeconds", 1)], read_timeout=5)
    events = [json.loads(line) for line in lines]
    assert any(e["type"] == "MODIFIED" and e["object"]["metadata"]["name"] == "litellm-config" for e in events)


@pytest.mark.parametrize("client", CLIENTS)
def test_a_refused_token_is_a_401_for_both(kube: KubeServer, client: str, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    bad = write_kubeconfig(tmp_path / "bad", kube.url, {"certificate-authority": str(kube.ca_file)},
                           {"token": "not-the-token"})
    with pytest.raises(KubeError) as err:
        api_for(bad, client, monkeypatch).get("/api/v1/namespaces")
    assert err.value.status == 401


# ----------------------------------------------------------------------------- against an echo server


class _Echo(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        peer = self.connection.getpeercert() if isinstance(self.connection, ssl.SSLSocket) else None
        subject = dict(x[0] for x in peer["subject"]) if peer else {}
        doc = {"method": self.command, "path": self.path, "authorization": self.headers.get("Authorization"),
               "accept": self.headers.get("Accept"), "content_type": self.headers.get("Content-Type"),
               "body": self.rfile.read(length).decode() if length else None,
               "client_cn": subject.get("commonName")}
        data = json.dumps(doc).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PATCH = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


class EchoServer:
    def __init__(self, server_cert: Issued, client_ca: bytes | None = None) -> None:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        with tempfile.TemporaryDirectory() as tmp:
            chain = Path(tmp) / "chain.pem"
            chain.write_bytes(server_cert.cert_pem + server_cert.key_pem)
            ctx.load_cert_chain(str(chain))
        if client_ca is not None:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(cadata=client_ca.decode())
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "EchoServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def ca() -> TestCA:
    return TestCA()


def test_both_send_the_same_request(ca: TestCA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with EchoServer(ca.server()) as echo:
        config = write_kubeconfig(tmp_path / "config", echo.url, {"certificate-authority-data": b64(ca.pem)},
                                  {"token": "t0ken"})
        seen = {}
        for client in CLIENTS:
            api = api_for(config, client, monkeypatch)
            seen[client] = [
                api.get("/api/v1/namespaces/apps/pods", query=[("watch", True), ("labelSelector", "app=n8n,tier in (a b)"),
                                                                ("resourceVersion", 12), ("allowWatchBookmarks", False)]),
                api.patch("/apis/apps/v1/namespaces/apps/deployments/n8n/scale", {"spec": {"replicas": 0}}),
                api.request("POST", "/api/v1/namespaces/apps/events", body={"message": "naïve ✓", "n": [1, 2.5, None]},
                            content_type="application/json"),
            ]
    assert seen["direct"] == seen["official"]
    first = seen["direct"][0]
    assert first["authorization"] == "Bearer t0ken" and first["accept"] == "application/json"
    assert "watch=true" in first["path"] and "allowWatchBookmarks=false" in first["path"]
    assert seen["direct"][1]["content_type"] == "application/merge-patch+json"


@pytest.mark.parametrize("client", CLIENTS)
def test_client_certificates(ca: TestCA, tmp_path: Path, client: str, monkeypatch: pytest.MonkeyPatch) -> None:
    me = ca.client("homelab-admin")
    with EchoServer(ca.server(), client_ca=ca.pem) as echo:
        config = write_kubeconfig(tmp_path / "config", echo.url, {"certificate-authority-data": b64(ca.pem)},
                                  {"client-certificate-data": b64(me.cert_pem), "client-key-data": b64(me.key_pem)})
        assert api_for(config, client, monkeypatch).get("/version")["client_cn"] == "homelab-admin"
        anonymous = write_kubeconfig(tmp_path / "anon", echo.url, {"certificate-authority-data": b64(ca.pem)},
                                     {"token": "x"})
        with pytest.raises(KubeError) as err:
            api_for(anonymous, client, monkeypatch).get("/version")
        assert err.value.status == 0  # the handshake fails: no answer


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
@pytest.mark.parametrize("client", CLIENTS)
def test_tls_server_name_and_verification(ca: TestCA, tmp_path: Path, client: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    with EchoServer(ca.server("kube.home.lab", ip=None)) as echo:  # no 127.0.0.1 in the certificate
        trusted = {"certificate-authority-data": b64(ca.pem)}
        plain = write_kubeconfig(tmp_path / "plain", echo.url, trusted, {"token": "x"})
        with pytest.raises(KubeError) as err:
            api_for(plain, client, monkeypatch).get("/version")
        assert err.value.status == 0 and "certificate verify failed" in err.value.message.lower()
        named = write_kubeconfig(tmp_path / "named", echo.url, {**trusted, "tls-server-name": "kube.home.lab"},
                                 {"token": "x"})
        assert api_for(named, client, monkeypatch).get("/version")["method"] == "GET"
        stranger = TestCA("someone else")
        untrusted = write_kubeconfig(tmp_path / "untrusted", echo.url,
                                     {"certificate-authority-data": b64(stranger.pem),
                                      "tls-server-name": "kube.home.lab"}, {"token": "x"})
        with pytest.raises(KubeError):
            api_for(untrusted, client, monkeypatch).get("/version")
        insecure = write_kubeconfig(tmp_path / "insecure", echo.url, {"insecure-skip-tls-verify": True},
                                    {"token": "x"})
        assert api_for(insecure, client, monkeypatch).get("/version")["authorization"] == "Bearer x"


def test_no_secret_file_is_left_behind(ca: TestCA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    me = ca.client("homelab-admin")
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    tempfile.tempdir = None  # re-read TMPDIR
    try:
        config = write_kubeconfig(tmp_path / "config", "https://127.0.0.1:1", {"certificate-authority-data": b64(ca.pem)},
                                  {"client-certificate-data": b64(me.cert_pem), "client-key-data": b64(me.key_pem)})
        assert api_for(config, "direct", monkeypatch).direct
        assert os.listdir(tmp_path / "tmp") == []
    finally:
        tempfile.tempdir = None
