"""Kubeconfig loading (like kubectl) and a thin JSON client over the official one.

The official ``kubernetes`` client does the parts that must match kubectl —
kubeconfig merging (``KUBECONFIG`` lists), contexts, client certificates,
tokens, exec plugins, in-cluster service accounts, TLS — and its REST layer
carries every request. Responses are read as plain JSON (see ADR-002): the
dashboard keeps watch caches of thousands of objects and does not need the
client's strict pydantic models for them.

The ``kubernetes`` package is imported lazily, off the UI thread, because
importing it costs a noticeable part of a second.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from homelab_tui.model.snapshot import one_line


class KubeError(Exception):
    """A failed Kubernetes call: HTTP status (0 = no answer), reason and a one-line message."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(one_line(f"{status} {reason}: {message}" if status else message))
        self.status = status
        self.reason = reason
        self.message = one_line(message)


@dataclass(frozen=True)
class KubeTarget:
    """Where the dashboard's kubeconfig comes from: an explicit file, $KUBECONFIG, or ~/.kube/config."""

    kubeconfig: str | None = None
    context: str | None = None

    def config_paths(self, environ: Mapping[str, str] | None = None) -> list[Path]:
        env = os.environ if environ is None else environ
        if self.kubeconfig:
            raw = self.kubeconfig
        elif env.get("KUBECONFIG"):
            raw = env["KUBECONFIG"]
        else:
            raw = str(Path.home() / ".kube" / "config")
        return [Path(p).expanduser() for p in raw.split(os.pathsep) if p]


def _status_from_body(status: int, body: bytes | str | None, fallback: str) -> KubeError:
    reason, message = "", fallback
    if body:
        try:
            data = json.loads(body)
            if isinstance(data, dict):
                reason = str(data.get("reason") or "")
                message = str(data.get("message") or fallback)
        except ValueError:
            message = fallback
    return KubeError(status, reason or fallback, message)


def _describe_exception(exc: BaseException) -> str:
    """A short, secret-free description of a transport error."""
    text = str(exc)
    for marker in ("Connection refused", "timed out", "Name or service not known", "No route to host",
                   "Connection reset", "certificate verify failed", "Remote end closed connection"):
        if marker.lower() in text.lower():
            return marker.lower() if marker != "certificate verify failed" else "TLS: certificate verify failed"
    return type(exc).__name__ + (f": {one_line(text, 120)}" if text else "")


class KubeApi:
    """JSON over the official client's REST layer, with a timeout on every call."""

    def __init__(self, api_client: Any, context: str, timeout: float) -> None:
        self._client = api_client
        self.context = context
        self.timeout = timeout

    @property
    def server(self) -> str:
        return str(self._client.configuration.host)

    def _send(self, method: str, path: str, query: Sequence[tuple[str, Any]] | None, body: Any,
              content_type: str | None, timeout: Any, accept: str = "application/json") -> Any:
        headers = {"Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            req = self._client.param_serialize(
                method=method, resource_path=path, query_params=list(query or []),
                header_params=headers, body=body, auth_settings=["BearerToken"],
            )
            return self._client.call_api(*req, _request_timeout=timeout)
        except Exception as exc:  # urllib3/ssl errors: no answer
            raise KubeError(0, "Unreachable", _describe_exception(exc)) from None

    def request(self, method: str, path: str, *, query: Sequence[tuple[str, Any]] | None = None,
                body: Any = None, content_type: str | None = None, timeout: float | None = None) -> Any:
        """One request; returns the decoded JSON body or raises :class:`KubeError`."""
        t = self.timeout if timeout is None else timeout
        resp = self._send(method, path, query, body, content_type, (t, t))
        try:
            data = resp.read()
        except Exception as exc:
            raise KubeError(0, "Unreachable", _describe_exception(exc)) from None
        if not 200 <= resp.status < 300:
            raise _status_from_body(resp.status, data, resp.reason or "error")
        try:
            return json.loads(data) if data else None
        except ValueError:
            raise KubeError(resp.status, "BadResponse", "malformed JSON from the API server") from None

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
                raise _status_from_body(resp.status, raw.data, resp.reason or "error")
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


def load_kube_api(target: KubeTarget, timeout: float) -> KubeApi:
    """Load the kubeconfig like kubectl and return a client. Raises :class:`KubeError` (status 0) on bad config."""
    from kubernetes import client as k8s_client  # lazy: heavy import
    from kubernetes import config as k8s_config
    from kubernetes.config.config_exception import ConfigException

    paths = target.config_paths()
    existing = [p for p in paths if p.is_file()]
    configuration = k8s_client.Configuration()
    try:
        for path in existing:
            problem = _not_a_kubeconfig(path)
            if problem:
                raise KubeError(0, "BadKubeconfig", f"{path}: not a kubeconfig ({problem})")
        if existing and target.context:
            known = _context_names(existing)
            if known is not None and target.context not in known:
                available = ", ".join(sorted(known)) or "none"
                raise KubeError(0, "BadKubeconfig", f"unknown context {target.context!r} (available: {available})")
        if existing:
            k8s_config.load_kube_config(
                config_file=os.pathsep.join(str(p) for p in existing), context=target.context,
                client_configuration=configuration, persist_config=False,
            )
            context = target.context or _current_context(existing)
        elif os.environ.get("KUBERNETES_SERVICE_HOST") and not target.kubeconfig:
            k8s_config.load_incluster_config(client_configuration=configuration)
            context = "in-cluster"
        else:
            looked = ", ".join(str(p) for p in paths)
            raise KubeError(0, "NoKubeconfig", f"no kubeconfig found (looked in {looked})")
    except ConfigException as exc:
        raise KubeError(0, "BadKubeconfig", _config_message(str(exc), target)) from None
    except KubeError:
        raise
    except Exception as exc:  # YAML errors, bad base64 in certificate data, ...
        raise KubeError(0, "BadKubeconfig", f"kubeconfig unusable: {type(exc).__name__}") from None
    configuration.retries = False
    # one long-lived connection per watched resource, plus room for requests beside them
    configuration.connection_pool_maxsize = 48
    api_client = k8s_client.ApiClient(configuration=configuration)
    api_client.user_agent = "homelab-tui"
    return KubeApi(api_client, context or "", timeout)


def _read_configs(paths: list[Path]) -> list[dict]:
    import yaml  # dependency of the kubernetes client

    out = []
    for p in paths:
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except Exception:  # noqa: BLE001 - the client's loader reports unusable files itself
            continue
        if isinstance(data, dict):
            out.append(data)
    return out


def _not_a_kubeconfig(path: Path) -> str:
    """Why ``path`` is not a kubeconfig ("" when it may be one; an empty file is, as for kubectl)."""
    import yaml  # dependency of the kubernetes client

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return "not text"
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    except yaml.YAMLError as exc:
        return "not YAML: " + one_line(str(getattr(exc, "problem", "") or exc), 80)
    if data is None:
        return ""
    if not isinstance(data, dict):
        what = "plain text" if isinstance(data, str) else f"a YAML {type(data).__name__}"
        return f"{what}, not a mapping with clusters, contexts and users"
    if not {"clusters", "contexts", "users", "current-context"} & set(data):
        return "no clusters, contexts or users"
    return ""


def _current_context(paths: list[Path]) -> str:
    for data in _read_configs(paths):
        if data.get("current-context"):
            return str(data["current-context"])
    return ""


def _context_names(paths: list[Path]) -> set[str] | None:
    """Context names across the kubeconfig files; None when they cannot be read (the loader will say why)."""
    configs = _read_configs(paths)
    if not configs:
        return None
    names = set()
    for data in configs:
        for ctx in data.get("contexts") or []:
            if isinstance(ctx, dict) and ctx.get("name"):
                names.add(str(ctx["name"]))
    return names


def _config_message(text: str, target: KubeTarget) -> str:
    if target.context and "context" in text.lower() and "not found" in text.lower():
        return f"unknown context {target.context!r} in kubeconfig"
    return "kubeconfig: " + one_line(text, 160)
