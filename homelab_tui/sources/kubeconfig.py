"""A kubeconfig reader for the common cases, so that most runs never import the kubernetes client.

Importing the official client costs about 0.25 s (most of a ``check`` run, ADR-006). The home-lab's
kubeconfig, like most, is a server, a CA and a token or client certificate: this module reads exactly
that, following kubectl's rules —

* ``$KUBECONFIG`` lists merge: for clusters, contexts and users of the same name the first file wins,
  and so does the first ``current-context`` (the official Python client lets the last one win);
* relative file paths are relative to the file that names them;
* ``*-data`` fields win over their file fields; a token wins over a token file and over an exec plugin;
* ``insecure-skip-tls-verify`` and ``tls-server-name`` are honoured;
* a server without a scheme (``10.0.0.5:6443``) is reached over ``https://``.

Anything else returns None and the caller uses the official client, which does it all and words the
errors: exec plugins, auth providers, impersonation, proxies (``proxy-url`` or ``*_PROXY`` in the
environment), in-cluster service accounts. So this reader never makes a connection the official client
would not have made. A file that is definitely wrong for the context in use (a section that is not a list,
a context that is not a mapping, a cluster without a server, bad base64, a file it names that cannot be
read) is worded here (:func:`kubeconfig_problem`): the official client answers those with an exception's
class name, or not at all.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from homelab_tui.model.snapshot import one_line

#: environment variables that make the official client use a proxy (urllib's getproxies)
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
#: user fields only the official client handles
_OFFICIAL_ONLY_USER = ("auth-provider", "as", "as-uid", "as-groups", "as-user-extra")


@dataclass(frozen=True)
class KubeEndpoint:
    """Where and how to reach the API server (secret parts are never shown in ``repr``)."""

    context: str
    server: str
    verify: bool
    #: PEM text of the CA bundle to trust (None: the system's)
    ca_pem: str | None
    #: PEM bytes of the client certificate and key (None: no client certificate)
    client_cert: tuple[bytes, bytes] | None
    #: the ``Authorization`` header ("Bearer …", "Basic …"), or None
    authorization: str | None
    tls_server_name: str | None

    def __repr__(self) -> str:
        return (f"KubeEndpoint(context={self.context!r}, server={self.server!r}, verify={self.verify}, "
                f"ca={'set' if self.ca_pem else 'system'}, client_cert={'set' if self.client_cert else 'none'}, "
                f"authorization={'set' if self.authorization else 'none'})")


@dataclass(frozen=True)
class Document:
    """One kubeconfig file, parsed once for every use (error wording, context names, the endpoint)."""

    path: Path
    #: the parsed YAML (None for an empty file, or one that could not be parsed)
    data: Any
    #: why the file is not a kubeconfig; "" when it may be one (an empty file is, as for kubectl)
    problem: str = ""

    @property
    def mapping(self) -> dict[str, Any] | None:
        return self.data if not self.problem and isinstance(self.data, dict) else None


def read_documents(paths: Sequence[Path]) -> list[Document]:
    """Each file parsed once, with PyYAML's C loader when it is built; never raises."""
    import yaml  # a dependency of the kubernetes client

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out = []
    for path in paths:
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader
        except UnicodeDecodeError:
            out.append(Document(path, None, "not a kubeconfig (not text)"))
            continue
        except IsADirectoryError:
            out.append(Document(path, None, "is a directory"))
            continue
        except OSError as exc:
            out.append(Document(path, None, f"cannot read ({exc.strerror or type(exc).__name__})"))
            continue
        except yaml.YAMLError as exc:
            problem = one_line(str(getattr(exc, "problem", "") or exc), 80)
            out.append(Document(path, None, f"not a kubeconfig (not YAML: {problem})"))
            continue
        shape = _shape_problem(data)
        out.append(Document(path, data, f"not a kubeconfig ({shape})" if shape else ""))
    return out


def _shape_problem(data: Any) -> str:
    if data is None:
        return ""
    if not isinstance(data, dict):
        what = "plain text" if isinstance(data, str) else f"a YAML {type(data).__name__}"
        return f"{what}, not a mapping with clusters, contexts and users"
    if not {"clusters", "contexts", "users", "current-context"} & set(data):
        return "no clusters, contexts or users"
    for key in ("clusters", "contexts", "users"):
        if data.get(key) is not None and not isinstance(data[key], list):
            return f"{key} is not a list"
        for item in data.get(key) or []:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                return f"an entry of {key} has no name"
    return ""


def current_context(documents: Sequence[Document]) -> str:
    """kubectl's current context: the first file that sets one wins."""
    for doc in documents:
        data = doc.mapping
        if data and isinstance(data.get("current-context"), str) and data["current-context"]:
            return data["current-context"]
    return ""


def context_names(documents: Sequence[Document]) -> set[str] | None:
    """Context names across the files; None when none could be read (the loader will say why)."""
    configs = [doc.mapping for doc in documents if doc.mapping is not None]
    if not configs:
        return None
    return {str(ctx["name"]) for data in configs for ctx in data.get("contexts") or []
            if isinstance(ctx, dict) and ctx.get("name")}


class _Unsupported(Exception):
    """The kubeconfig needs the official client (or is malformed, which the official client explains)."""


class _Invalid(_Unsupported):
    """The kubeconfig cannot work for the context in use; the message says why (one line, no secret)."""


@dataclass(frozen=True)
class _Entry:
    value: Mapping[str, Any]
    base: Path  # the directory of the file that named it


def read_endpoint(paths: Sequence[Path] | Sequence[Document], context: str | None = None,
                  environ: Mapping[str, str] | None = None) -> KubeEndpoint | None:
    """The endpoint of ``context`` (default: the current context) in the merged files (paths, or
    :func:`read_documents`' answer), or None when only the official client can (or should) load it.
    Never raises."""
    env = os.environ if environ is None else environ
    if any(env.get(name) for name in PROXY_VARIABLES):
        return None
    documents = [p if isinstance(p, Document) else read_documents([Path(p)])[0] for p in paths]
    try:
        return _read(documents, context)
    except (_Unsupported, OSError, UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError):
        return None


def kubeconfig_problem(documents: Sequence[Document], context: str | None = None) -> str:
    """Why the merged files cannot work for ``context`` (default: the current one), or "" when they may
    (the official client then decides). Never raises."""
    try:
        _read(documents, context)
    except _Invalid as exc:
        return str(exc)
    except (_Unsupported, OSError, UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError):
        return ""
    return ""


def _read(documents: Sequence[Document], context: str | None) -> KubeEndpoint:
    clusters: dict[str, _Entry] = {}
    users: dict[str, _Entry] = {}
    contexts: dict[str, _Entry] = {}
    current = ""
    for doc in documents:
        path, data = doc.path, doc.data
        if not doc.problem and not data:
            continue  # an empty file in the list: kubectl skips it (the official client refuses it)
        if doc.problem or not isinstance(data, dict):
            raise _Unsupported("empty or not a mapping")  # the official client words this
        base = Path(os.path.abspath(path)).parent  # as the official client: symlinks are not followed
        for key, into in (("clusters", clusters), ("users", users), ("contexts", contexts)):
            for item in data.get(key) or []:
                if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                    raise _Unsupported(f"odd {key} entry")
                into.setdefault(item["name"], _Entry(item, base))  # the first file wins
        if not current and isinstance(data.get("current-context"), str):
            current = data["current-context"]
    name = context or current
    if not name or name not in contexts:
        raise _Unsupported("no such context")
    ctx = _section(contexts[name].value, "context", name)
    cluster_name = str(ctx.get("cluster") or "")
    cluster_entry = clusters.get(cluster_name)
    if cluster_entry is None:
        raise _Unsupported("no such cluster")
    cluster = _section(cluster_entry.value, "cluster", cluster_name)
    user_name = ctx.get("user")
    user_entry = users.get(str(user_name)) if user_name else None
    if user_name and user_entry is None:
        raise _Unsupported("no such user")
    user = _section(user_entry.value, "user", str(user_name)) if user_entry is not None else {}
    server = cluster.get("server")
    if server is None or server == "":
        raise _Invalid(f"cluster {cluster_name!r} has no server")
    if not isinstance(server, str):
        raise _Invalid(f"not a kubeconfig (the server of cluster {cluster_name!r} is not text)")
    if "proxy-url" in cluster or any(k in user for k in _OFFICIAL_ONLY_USER):
        raise _Unsupported("needs the official client")
    if "://" not in server:
        server = "https://" + server  # as kubectl: a server without a scheme is spoken to over TLS
    if not server.startswith(("https://", "http://")):
        raise _Unsupported("no usable server")
    server = server.rstrip("/")
    tls = server.startswith("https://")
    insecure = cluster.get("insecure-skip-tls-verify", False)
    if not isinstance(insecure, bool):
        raise _Unsupported("odd insecure-skip-tls-verify")
    tls_server_name = cluster.get("tls-server-name")
    if tls_server_name is not None and not isinstance(tls_server_name, str):
        raise _Unsupported("odd tls-server-name")
    user_base = user_entry.base if user_entry is not None else cluster_entry.base
    ca = _file_or_data(cluster, "certificate-authority", cluster_entry.base) if tls else None
    cert = _file_or_data(user, "client-certificate", user_base) if tls else None
    key = _file_or_data(user, "client-key", user_base) if tls else None
    if (cert is None) != (key is None):
        raise _Unsupported("a client certificate without its key, or the reverse")
    return KubeEndpoint(
        context=name, server=server, verify=not insecure,
        ca_pem=ca.decode("ascii") if ca is not None else None,
        client_cert=(cert, key) if cert is not None and key is not None else None,
        authorization=_authorization(user, user_base), tls_server_name=tls_server_name or None)


def _section(entry: Mapping[str, Any], key: str, name: str) -> Mapping[str, Any]:
    value = entry.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Invalid(f"not a kubeconfig ({key} {name!r} is not a mapping)")
    return value


def _read_file(path: Path, field: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _Invalid(f"{field} {path}: {exc.strerror or type(exc).__name__}") from None


def _file_or_data(section: Mapping[str, Any], field: str, base: Path) -> bytes | None:
    """``field-data`` (base64) when set and not empty, else the file ``field`` names, else None."""
    data = section.get(f"{field}-data")
    if data:
        if not isinstance(data, str):
            raise _Unsupported(f"odd {field}-data")
        try:
            return base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise _Invalid(f"{field}-data is not valid base64") from None
    name = section.get(field)
    if name:
        if not isinstance(name, str):
            raise _Unsupported(f"odd {field}")
        return _read_file(base / name, field)
    return None


def _authorization(user: Mapping[str, Any], base: Path) -> str | None:
    token = user.get("token")
    if token:
        if not isinstance(token, str):
            raise _Unsupported("odd token")
        return f"Bearer {token.strip()}"
    token_file = user.get("tokenFile")
    if token_file:
        if not isinstance(token_file, str):
            raise _Unsupported("odd tokenFile")
        try:
            token = _read_file(base / token_file, "tokenFile").decode("utf-8").strip()
        except UnicodeDecodeError:
            raise _Invalid(f"tokenFile {base / token_file}: not UTF-8 text") from None
        if token:
            return f"Bearer {token}"
    if user.get("exec"):
        raise _Unsupported("exec plugin")
    if "username" in user and "password" in user:
        username, password = user["username"], user["password"]
        if not isinstance(username, str) or not isinstance(password, str):
            raise _Unsupported("odd username or password")
        return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return None


def exec_command(documents: Sequence[Document], context: str | None = None) -> str:
    """The exec plugin command of ``context``'s user (default: the current context's), "" when none."""
    def named(key: str) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for doc in documents:
            for item in (doc.mapping or {}).get(key) or []:
                if isinstance(item, dict):
                    out.setdefault(item.get("name"), item)  # the first file wins
        return out

    ctx = (named("contexts").get(context or current_context(documents)) or {}).get("context")
    user = (named("users").get(ctx.get("user")) or {}).get("user") if isinstance(ctx, dict) else None
    plugin = user.get("exec") if isinstance(user, dict) else None
    command = plugin.get("command") if isinstance(plugin, dict) else None
    return command if isinstance(command, str) else ""
