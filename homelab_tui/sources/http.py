"""httpx clients for the HTTP sources (Prometheus, LiteLLM): timeouts always, TLS verified by default.

* Every client has an explicit timeout (connect, read, write and pool).
* ``https://`` URLs are verified against the system/certifi trust store (Let's Encrypt) unless the
  config names a CA bundle (``ca_bundle``) or explicitly turns verification off (``verify_tls = false``).
* ``http://`` URLs (in-cluster services such as ``http://litellm.ml.svc.cluster.local:4000``) are allowed.
"""

from __future__ import annotations

import ssl
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Protocol

from homelab_tui.errors import ConfigError

if TYPE_CHECKING:
    import httpx


class HttpSettings(Protocol):
    """What :func:`client_for` reads; ``PrometheusSettings`` and ``LiteLLMSettings`` both fit."""

    url: str
    timeout: float
    verify_tls: bool
    ca_bundle: str


def tls_verify(verify_tls: bool = True, ca_bundle: str = "", *, where: str = "ca_bundle") -> ssl.SSLContext | bool:
    """What to hand httpx as ``verify``: an SSL context built from ``ca_bundle``, ``True`` or ``False``.

    A CA bundle that cannot be read is a :class:`ConfigError` (one line, naming the file).
    """
    if not verify_tls:
        return False
    if not ca_bundle:
        return True
    path = Path(ca_bundle).expanduser()
    try:
        return ssl.create_default_context(cafile=str(path))
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc
        raise ConfigError(f"{where} {path}: cannot use as CA bundle: {reason}") from None


class LazyClient:
    """An :class:`httpx.Client` made on first use, in the worker thread that first needs it.

    Making a client builds an SSL context (the certifi trust store, ~0.1 s a client); doing that
    for every source before the first paint cost a third of the start-up (docs/benchmarks.md).
    Configuration errors (a CA bundle that cannot be read) are still raised at construction.
    """

    def __init__(self, base_url: str, *, timeout: float, verify: ssl.SSLContext | bool,
                 headers: Mapping[str, str]) -> None:
        self._args = {"base_url": base_url, "timeout": timeout, "verify": verify, "headers": dict(headers),
                      "follow_redirects": False}
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                import httpx  # on first use too: importing it is 0.07 s before the first paint otherwise

                self._client = httpx.Client(**{**self._args, "timeout": httpx.Timeout(self._args["timeout"])})
            return self._client

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, url, **kwargs)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(url, **kwargs)

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def __enter__(self) -> LazyClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def make_client(base_url: str, *, timeout: float, verify_tls: bool = True, ca_bundle: str = "",
                headers: Mapping[str, str] | None = None, where: str = "ca_bundle") -> LazyClient:
    """A synchronous client for ``base_url`` with an explicit timeout on every phase (made on first use)."""
    if timeout <= 0:
        raise ValueError("timeout must be positive")
    verify = tls_verify(verify_tls, ca_bundle, where=where)
    if base_url.lower().startswith("http://"):
        # plain HTTP never shakes hands (redirects are not followed): no trust store to load (~0.05 s a client)
        verify = False
    return LazyClient(base_url.rstrip("/"), timeout=timeout, verify=verify, headers=headers or {})


def client_for(settings: HttpSettings, section: str) -> LazyClient:
    """A client configured from one settings section (``section`` names it in error messages)."""
    return make_client(settings.url, timeout=settings.timeout, verify_tls=settings.verify_tls,
                       ca_bundle=settings.ca_bundle, where=f"{section}.ca_bundle")


def describe_transport_error(exc: httpx.HTTPError, what: str) -> str:
    """One line for a failed request: 'Prometheus unreachable: connection refused (http://host:port)'.

    Only the server's origin is named: the same outage reads the same for every path.
    """
    import httpx

    url = ""
    try:
        u = exc.request.url
        url = f"{u.scheme}://{u.host}" + (f":{u.port}" if u.port else "")
    except RuntimeError:  # no request attached
        pass
    if isinstance(exc, httpx.TimeoutException):
        reason = "timed out"
    elif isinstance(exc, httpx.ConnectError):
        text = str(exc)
        if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
            reason = "TLS certificate not trusted (set ca_bundle in the config)"
        elif "refused" in text.lower():
            reason = "connection refused"
        else:
            reason = f"cannot connect ({text.splitlines()[0] if text else type(exc).__name__})"
    else:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{what} unreachable: {reason}" + (f" ({url})" if url else "")
