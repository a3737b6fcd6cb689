"""Kubeconfig loading (like kubectl) and a thin JSON client.

Responses are read as plain JSON (see ADR-002): the dashboard keeps watch caches of
thousands of objects and does not need the official client's pydantic models for them.

Common kubeconfigs (a server, a CA, a token or client certificate) are read by
:mod:`homelab_tui.sources.kubeconfig` and served over urllib3, the library under the
official client (ADR-006): importing the official ``kubernetes`` package costs about
0.25 s, most of a ``check`` run. Everything else — exec plugins, auth providers,
impersonation, proxies, in-cluster service accounts, and every kubeconfig that reader
does not fully understand — goes through the official client, imported lazily and off
the UI thread, which also words every kubeconfig error.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence
from urllib.parse import quote

from homelab_tui.model.snapshot import one_line
from homelab_tui.sources.kube_text import client_log, describe_exception, quiet_insecure, scrub, strip_userinfo
from homelab_tui.sources.kube_mask import WITHHELD, configuration_credentials, credential_forms, mask_forms
from homelab_tui.sources.tcp import keepalive_options
from homelab_tui.sources.kubeconfig import (KubeEndpoint, context_names, current_context, exec_command,
                                            kubeconfig_problem, read_documents, read_endpoint)

USER_AGENT = "homelab-tui"


class KubeError(Exception):
    """A failed Kubernetes call: HTTP status (0 = no answer), reason and a one-line message; ``raw``, the whole
    message (mask secrets in it, :meth:`masked`, before one_line cuts it); the Status's ``details.causes[].field``."""

    def __init__(self, status: int, reason: str, message: str, fields: Sequence[str] = ()) -> None:
        super().__init__(one_line(f"{status} {reason}: {message}" if status else message))
        self.status = status
        self.reason = reason
        self.raw = message
        self.message = one_line(message)
        self.fields = tuple(fields)

    def masked(self, mask: Callable[[str], str]) -> "KubeError":
        """The same error with ``mask`` applied to its reason and whole raw message."""
        return KubeError(self.status, mask(self.reason), mask(self.raw), self.fields)


@dataclass(frozen=True)
class KubeTarget:
    """Where the dashboard's kubeconfig comes from: an explicit file, $KUBECONFIG, or ~/.kube/config."""

    kubeconfig: str | None = None
    context: str | None = None

    def config_paths(self, environ: Mapping[str, str] | None = None) -> list[Path]:
        return [Path(p).expanduser() for p in self._raw(environ)[1].split(os.pathsep) if p]

    def describe(self, environ: Mapping[str, str] | None = None) -> str:
        """Where the paths came from, for "no kubeconfig found": '--kubeconfig', '$KUBECONFIG' or the default."""
        return self._raw(environ)[0]

    def _raw(self, environ: Mapping[str, str] | None) -> tuple[str, str]:
        from homelab_tui.paths import kubeconfig_spec

        return kubeconfig_spec(self.kubeconfig, environ)


def _status_from_body(status: int, body: bytes | str | None, fallback: str) -> KubeError:
    reason, message, fields = "", fallback, []
    if body:
        try:
            data = json.loads(body)
            if isinstance(data, dict):
                reason = str(data.get("reason") or "")
                message = str(data.get("message") or fallback)
                causes = data["details"].get("causes") if isinstance(data.get("details"), dict) else None
                fields = [str(c["field"]) for c in causes if isinstance(c, dict) and c.get("field")] \
                    if isinstance(causes, list) else []
        except ValueError:
            message = fallback
    return KubeError(status, reason or fallback, message, fields)


class OfficialTransport:
    """Requests through the official client's REST layer (auth refresh for exec plugins included)."""

    def __init__(self, api_client: Any) -> None:
        self._client = api_client

    @property
    def host(self) -> str:
        return str(self._client.configuration.host)

    def send(self, method: str, path: str, query: Sequence[tuple[str, Any]], headers: dict[str, str],
             body: Any, timeout: tuple[float, float]) -> Any:
        req = self._client.param_serialize(
            method=method, resource_path=path, query_params=list(query), header_params=headers, body=body,
            auth_settings=["BearerToken"],
        )
        return self._client.call_api(*req, _request_timeout=timeout)

    def credentials(self) -> set[str]:
        return configuration_credentials(self._client.configuration)


class _Response:
    """The parts of the official client's RESTResponse that :class:`KubeApi` reads."""

    def __init__(self, response: Any) -> None:
        self.response = response
        self.status = response.status
        self.reason = response.reason
        self._data: bytes | None = None

    def read(self) -> bytes:
        if self._data is None:
            self._data = self.response.data
        return self._data


class DirectTransport:
    """Requests over urllib3 (the library under the official client) for a :class:`KubeEndpoint`.

    Sends what the official client sends for the same call: the query encoded the same way (booleans
    as ``true``/``false``), a JSON body as ``json.dumps`` writes it, no retries, the same
    ``(connect, read)`` timeouts."""

    def __init__(self, endpoint: KubeEndpoint, maxsize: int = 48) -> None:
        import ssl

        import urllib3

        self._endpoint = endpoint
        self._timeout = urllib3.Timeout
        self._headers = {"User-Agent": USER_AGENT}
        if endpoint.authorization:
            self._headers["Authorization"] = endpoint.authorization
        pool_args: dict[str, Any] = {"maxsize": maxsize, "retries": False, "socket_options": keepalive_options()}
        if endpoint.server.startswith("https://"):
            ctx = ssl.create_default_context(cadata=endpoint.ca_pem) if endpoint.ca_pem else \
                ssl.create_default_context()
            if not endpoint.verify:
                quiet_insecure()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                pool_args.update(cert_reqs="CERT_NONE", assert_hostname=False)
            if endpoint.client_cert is not None:
                _load_client_cert(ctx, *endpoint.client_cert)
            pool_args["ssl_context"] = ctx
            if endpoint.tls_server_name:
                pool_args["server_hostname"] = endpoint.tls_server_name
        self._pool = urllib3.PoolManager(**pool_args)

    @property
    def host(self) -> str:
        return self._endpoint.server

    def credentials(self) -> set[str]:
        key = self._endpoint.client_cert[1] if self._endpoint.client_cert else None
        return credential_forms(self._endpoint.authorization, key)

    def send(self, method: str, path: str, query: Sequence[tuple[str, Any]], headers: dict[str, str],
             body: Any, timeout: tuple[float, float]) -> Any:
        url = self._endpoint.server + quote(path, safe="/:@!$&'()*+,;=-._~")
        if query:
            url += "?" + "&".join(f"{k}={quote(_query_value(v))}" for k, v in query)
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        resp = self._pool.request(method, url, body=body, headers={**self._headers, **headers},
                                  timeout=self._timeout(connect=timeout[0], read=timeout[1]),
                                  preload_content=False, retries=False)
        return _Response(resp)


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _load_client_cert(ctx: Any, cert: bytes, key: bytes) -> None:
    """Python's ssl loads a certificate chain only from files: write both to a private directory
    (0700, files 0600) just long enough to load them."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="homelab-tui-") as tmp:
        paths = []
        for name, data in (("client.crt", cert), ("client.key", key)):
            path = os.path.join(tmp, name)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            paths.append(path)
        ctx.load_cert_chain(paths[0], paths[1])


class KubeApi:
    """JSON over a transport (:class:`DirectTransport`, or the official client's REST layer), with a
    timeout on every call."""

    def __init__(self, transport: Any, context: str, timeout: float) -> None:
        self._transport = transport
        self.context = context
        self.timeout = timeout

    @property
    def server(self) -> str:
        """The server's URL as shown (a ``user:password@`` in it masked)."""
        return strip_userinfo(self._transport.host)

    @property
    def direct(self) -> bool:
        """Whether requests bypass the official client (ADR-006)."""
        return isinstance(self._transport, DirectTransport)

    def _masked(self, exc: KubeError) -> KubeError:
        """``exc`` with this client's credentials (a server or proxy may quote them) and URL userinfo masked."""
        forms = self._transport.credentials()

        def mask(text: str) -> str:
            masked = mask_forms(text, forms, "***")
            return WITHHELD if masked is None else strip_userinfo(masked)
        return exc.masked(mask)

    def _send(self, method: str, path: str, query: Sequence[tuple[str, Any]] | None, body: Any,
              content_type: str | None, timeout: Any, accept: str = "application/json") -> Any:
        headers = {"Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            return self._transport.send(method, path, list(query or []), headers, body, timeout)
        except Exception as exc:  # urllib3/ssl errors: no answer
            raise self._masked(KubeError(0, "Unreachable", describe_exception(exc))) from None

    def request(self, method: str, path: str, *, query: Sequence[tuple[str, Any]] | None = None,
                body: Any = None, content_type: str | None = None, timeout: float | None = None) -> Any:
        """One request; returns the decoded JSON body or raises :class:`KubeError`."""
        t = self.timeout if timeout is None else timeout
        resp = self._send(method, path, query, body, content_type, (t, t))
        try:
            data = resp.read()
        except Exception as exc:
            raise self._masked(KubeError(0, "Unreachable", describe_exception(exc))) from None
        if not 200 <= resp.status < 300:
            raise self._masked(_status_from_body(resp.status, data, resp.reason or "error"))
        try:
            return json.loads(data) if data else None
        except ValueError:
            raise KubeError(resp.status, "BadResponse", "malformed JSON") from None

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw)

    def patch(self, path: str, body: Any, content_type: str = "application/merge-patch+json", **kw: Any) -> Any:
        return self.request("PATCH", path, body=body, content_type=content_type, **kw)

    def stream_lines(self, path: str, query: Sequence[tuple[str, Any]], read_timeout: float,
                     holder: list | None = None, on_open: Callable[[], None] | None = None) -> Iterator[bytes]:
        """Stream a watch: yields each newline-delimited JSON line.

        ``holder`` (a list) receives the open response so another thread can close it to stop;
        ``on_open`` is called once the server has accepted the watch (a 2xx answer), before any line.
        """
        resp = self._send("GET", path, query, None, None, (self.timeout, read_timeout))
        raw = resp.response
        if holder is not None:
            holder.append(raw)
        try:
            if not 200 <= resp.status < 300:
                raise self._masked(_status_from_body(resp.status, raw.data, resp.reason or "error"))
            if on_open is not None:
                on_open()
            buf = b""
            try:
                for chunk in raw.stream(65536, decode_content=True):
                    buf += chunk
                    while b"\n" in buf:
                        line, buf = buf.split(b"\n", 1)
                        if line.strip():
                            yield line
            except Exception:  # noqa: BLE001 - a cut stream is an ended stream: the caller resumes
                return
            if buf.strip():
                yield buf
        finally:
            raw.release_conn()


#: set to "official" to send every request through the official client (ADR-006)
CLIENT_VARIABLE = "HOMELAB_TUI_KUBE_CLIENT"


def load_kube_api(target: KubeTarget, timeout: float) -> KubeApi:
    """Load the kubeconfig like kubectl and return a client. Raises :class:`KubeError` (status 0) on bad config.

    A kubeconfig that :mod:`homelab_tui.sources.kubeconfig` reads completely is served over urllib3 without
    importing the official client (ADR-006); everything else, and ``HOMELAB_TUI_KUBE_CLIENT=official``,
    goes through the official client."""
    paths = target.config_paths()
    existing = [p for p in paths if p.exists()]  # a missing file in a list is skipped, as by kubectl
    documents = read_documents(existing)  # each file parsed once, for all that follows
    for doc in documents:
        if doc.problem:
            raise KubeError(0, "BadKubeconfig", f"{doc.path}: {doc.problem}")
    if existing and target.context:
        known = context_names(documents)
        if known is not None and target.context not in known:
            available = ", ".join(sorted(known)) or "none"
            raise KubeError(0, "BadKubeconfig", f"unknown context {target.context!r} (available: {available})")
    if existing and os.environ.get(CLIENT_VARIABLE, "").strip().lower() != "official":
        endpoint = read_endpoint(documents, target.context)
        if endpoint is not None:
            try:
                return KubeApi(DirectTransport(endpoint), endpoint.context, timeout)
            except Exception:  # noqa: BLE001 - e.g. a CA that is not PEM: the official client words it
                pass
    if existing:
        problem = kubeconfig_problem(documents, target.context)
        if problem:
            where = existing[0] if len(existing) == 1 else "kubeconfig"
            raise KubeError(0, "BadKubeconfig", f"{where}: {problem}")
    log = client_log()
    log.start()
    api: KubeApi | None = None
    error: KubeError | None = None
    try:
        api = _load_official(target, timeout, paths, existing, current_context(documents))
    except KubeError as exc:
        error = exc
    finally:
        failed = log.take()
    if failed:  # an exec plugin failed: the official client only logged it, and went on without credentials
        raise _plugin_failure(failed[0], exec_command(documents, target.context)) from None
    if error is not None or api is None:
        raise error or KubeError(0, "BadKubeconfig", "kubeconfig unusable")
    return api


def _plugin_failure(logged: str, command: str) -> KubeError:
    """The official client's log line about a failed exec plugin as a kubeconfig error: the first line of
    the plugin's stderr, scrubbed of anything secret-looking."""
    reason = next((ln.strip() for ln in logged.removeprefix("exec:").splitlines() if ln.strip()), "")
    return KubeError(0, "BadKubeconfig", f"kubeconfig exec plugin {command or '(unnamed)'} failed: "
                                         f"{one_line(scrub(reason), 200) or 'no reason given'}")


def _load_official(target: KubeTarget, timeout: float, paths: list[Path], existing: list[Path],
                   current: str) -> KubeApi:
    from kubernetes import client as k8s_client  # lazy: heavy import
    from kubernetes import config as k8s_config
    from kubernetes.config.config_exception import ConfigException

    configuration = k8s_client.Configuration()
    try:
        if existing:
            # kubectl's rule: the first file that sets current-context wins (the official client lets the
            # last one win), so name it; the context shown is then the context used
            context = target.context or current
            k8s_config.load_kube_config(
                config_file=os.pathsep.join(str(p) for p in existing), context=context or None,
                client_configuration=configuration, persist_config=False,
            )
        elif os.environ.get("KUBERNETES_SERVICE_HOST") and not target.kubeconfig:
            k8s_config.load_incluster_config(client_configuration=configuration)
            context = "in-cluster"
        elif paths:
            looked = ", ".join(str(p) for p in paths)
            raise KubeError(0, "NoKubeconfig", f"no kubeconfig found (looked in {looked})")
        else:
            raise KubeError(0, "NoKubeconfig", f"no kubeconfig found ({target.describe()} names no file)")
    except ConfigException as exc:
        raise KubeError(0, "BadKubeconfig", _config_message(str(exc), target)) from None
    except KubeError:
        raise
    except Exception as exc:  # YAML errors, bad base64 in certificate data, ...
        raise KubeError(0, "BadKubeconfig", f"kubeconfig unusable: {type(exc).__name__}") from None
    configuration.retries = False
    if "://" not in configuration.host:  # kubectl assumes https://; this client would speak HTTP, and warn
        raise KubeError(0, "BadKubeconfig", f"kubeconfig: server {strip_userinfo(configuration.host)!r} needs "
                                            "https:// in front of it")
    if not configuration.verify_ssl:
        quiet_insecure()
    # one long-lived connection per watched resource, plus room for requests beside them
    configuration.connection_pool_maxsize = 48
    api_client = k8s_client.ApiClient(configuration=configuration)
    api_client.user_agent = USER_AGENT
    return KubeApi(OfficialTransport(api_client), context or "", timeout)


def _config_message(text: str, target: KubeTarget) -> str:
    if target.context and "context" in text.lower() and "not found" in text.lower():
        return f"unknown context {target.context!r} in kubeconfig"
    return "kubeconfig: " + one_line(text, 160)
