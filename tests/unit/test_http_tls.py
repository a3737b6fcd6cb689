"""TLS for the HTTP sources: verified by default, a CA bundle from the config is used, plain http allowed."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess

import httpx
import pytest
from aiohttp import web

from homelab_tui.config import LiteLLMSettings, PrometheusSettings, Settings
from homelab_tui.errors import ConfigError
from homelab_tui.sources.http import client_for, describe_transport_error, make_client, tls_verify
from homelab_tui.sources.litellm import LiteLLMSource
from tests.integration.aio_server import serve


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (the openssl CLI comes with Debian's ca-certificates)."""
    openssl = shutil.which("openssl")
    if not openssl:
        if os.environ.get("CI"):
            pytest.fail("openssl is not installed")
        pytest.skip("openssl is not installed")
    d = tmp_path_factory.mktemp("tls")
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem"), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True, timeout=60)
    return d / "cert.pem", d / "key.pem"


@pytest.fixture
def https_url(cert):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert[0]), str(cert[1]))

    async def ok(_: web.Request) -> web.Response:
        return web.json_response("I'm alive!")

    app = web.Application()
    app.router.add_get("/{tail:.*}", ok)
    with serve(app, ssl_context=ctx) as url:
        yield url


def test_verification_is_on_by_default(https_url):
    assert PrometheusSettings().verify_tls and LiteLLMSettings().verify_tls
    with client_for(PrometheusSettings(url=https_url), "prometheus") as client, \
            pytest.raises(httpx.ConnectError) as raised:
        client.get("/-/ready")
    assert "TLS certificate not trusted" in describe_transport_error(raised.value, "Prometheus")


def test_the_configured_ca_bundle_is_used(https_url, cert):
    settings = PrometheusSettings(url=https_url, ca_bundle=str(cert[0]))
    with client_for(settings, "prometheus") as client:
        assert client.get("/-/ready").status_code == 200


def test_verification_can_be_turned_off_explicitly(https_url):
    with make_client(https_url, timeout=5.0, verify_tls=False) as client:
        assert client.get("/").status_code == 200


def test_plain_http_is_allowed():
    async def ok(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/", ok)
    with serve(app) as url, make_client(url, timeout=5.0) as client:
        assert client.get("/").text == "ok"


def test_an_unreadable_ca_bundle_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"litellm.ca_bundle .*missing.pem"):
        client_for(LiteLLMSettings(ca_bundle=str(tmp_path / "missing.pem")), "litellm")
    (tmp_path / "junk.pem").write_text("not a certificate")
    with pytest.raises(ConfigError, match="cannot use as CA bundle"):
        tls_verify(True, str(tmp_path / "junk.pem"))


def test_untrusted_certificate_reaches_the_snapshot_as_one_line(https_url, cert):
    untrusted = LiteLLMSource(Settings(litellm=LiteLLMSettings(url=https_url)), "sk-test-key-123456")
    snap = untrusted.refresh()
    untrusted.close()
    assert snap.error is not None and "TLS certificate not trusted" in snap.error and "\n" not in snap.error
    trusted = LiteLLMSource(Settings(litellm=LiteLLMSettings(url=https_url, ca_bundle=str(cert[0]))), None)
    snap = trusted.refresh()
    trusted.close()
    assert snap.ok and snap.data is not None and snap.data.alive


def test_every_client_has_a_timeout():
    with make_client("http://127.0.0.1:9", timeout=2.5) as client:
        assert client.client.timeout == httpx.Timeout(2.5)
    with pytest.raises(ValueError):
        make_client("http://127.0.0.1:9", timeout=0)


def test_clients_are_made_on_first_use_not_before_the_first_paint(monkeypatch, https_url):
    made: list[str] = []
    real = httpx.Client

    def counting(**kwargs):
        made.append(kwargs["base_url"])
        return real(**kwargs)

    monkeypatch.setattr(httpx, "Client", counting)
    from homelab_tui.config import Settings
    from homelab_tui.services import build_services

    services = build_services(Settings(), kubeconfig="/nonexistent")
    try:
        assert made == []  # building the sources makes no client (no SSL context) on the UI thread
    finally:
        services.close()
    with make_client(https_url, timeout=5.0, verify_tls=False) as client:
        assert client.get("/").status_code == 200 and client.get("/").status_code == 200
    assert made == [https_url]  # one client, reused
