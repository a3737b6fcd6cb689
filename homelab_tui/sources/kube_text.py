"""What the Kubernetes transports say, kept to one secret-free line and off stderr.

* :func:`describe_exception` words a failed request; :func:`strip_userinfo` and :func:`scrub` take out
  a URL's ``user:password@`` and anything secret-looking (an exec plugin's stderr).
* The official client logs a failed exec plugin on the root logger (``ERROR:root:…`` and the plugin's
  whole stderr): :func:`client_log` keeps those records for the thread loading the kubeconfig.
* A kubeconfig with ``insecure-skip-tls-verify`` gets no urllib3 warning on every request
  (:func:`quiet_insecure`).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import warnings

from homelab_tui.model.snapshot import one_line

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@]*@")
#: a name whose last or inner part is a secret word (``client_secret``, ``refresh_token``, ``id-token``,
#: ``X-Api-Key``, ``AWS_SECRET_ACCESS_KEY``), then ``=`` or ``:`` (optionally after a closing quote), then
#: the value: quoted or up to a space, comma, semicolon, quote or ``&``. A secret word followed by a plain
#: space ("token refresh failed") is prose, not a value; so is a word of :data:`_PROSE` after the ``:`` or ``=``
#: and a space ("key: Required value"), see :func:`_masked_value`.
_SECRET_VALUE = re.compile(
    r"(?i)(?<![A-Za-z0-9])((?:[A-Za-z0-9]+[_\-.])*"
    r"(?:password|passwd|passphrase|pwd|secret|token|api[_\-]?key|key|credentials?)"
    r"(?:[_\-.][A-Za-z0-9]+)*[\"']?\s*[=:](\s*))(?!\*\*\*)(\"[^\"]*\"|'[^']*'|[^\s,;'\"&]+)")
#: after ``name: `` (a space), these words are the message going on, not a value: Kubernetes' field errors
#: ("secretKeyRef.key: Required value", "token: Not found") and the usual words of a complaint
_PROSE = frozenset((
    "required invalid unsupported duplicate forbidden internal not too no none null nil empty missing unset "
    "undefined unknown expired revoked denied rejected failed error wrong bad incorrect malformed mismatch "
    "is are was were must should cannot could would will has have had the a an"
).split())
#: ``Bearer …`` / ``Basic …``: the word after a space is the credential, unless it is a plain word
#: ("invalid bearer token")
_SCHEME_VALUE = re.compile(r"\b((?i:bearer|basic))(\s+)(?!\*\*\*)"
                           r"(?![A-Za-z]?[a-z]{0,15}[,;:.!?)]*(?:\s|$))[^\s,;'\"]+")
#: a run of base64/hex/JWT characters, long enough to be a token or key (see :func:`_opaque`)
_RUN = re.compile(r"(?<![A-Za-z0-9_\-.+/=~])[A-Za-z0-9_\-.+/=~]{20,}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_WORD_SEPARATORS = re.compile(r"[/._\-~+=]+")


def _class(c: str) -> int:
    """0 for a digit, 1 for an upper-case letter, 2 for anything else."""
    return 0 if c.isdigit() else 1 if c.isupper() else 2


def _random_case(text: str) -> bool:
    """Letters of both cases (and digits) changing as random base64 changes them: at least every other
    character (``QwEr…``, ``eyJhbGci…``), where a name in CamelCase changes about every third
    (``InvalidCredentialException``, ``IPv6Address``)."""
    if len(text) < 8 or text.islower() or text.isupper():
        return False
    changes = sum(_class(a) != _class(b) for a, b in zip(text, text[1:]))
    return changes >= 0.45 * (len(text) - 1)


def _opaque(run: str) -> str:
    """``***`` for a run that looks like a token or key, else the run itself.

    Opaque: letters of both cases changing as in random base64 (a JWT, ``openssl rand -base64`` output), in the
    whole run or in one of its words. Kept: paths (``/usr/local/bin/kubelogin-v1.28.0``,
    ``~/.kube/k3s-homelab-2024.yaml``; under a leading ``/``, hex words such as a pod's UID are names too),
    then file names, host names, versions and Kubernetes names (``k3s-master.lab.home.arpa``,
    ``ollama-7f9c6d5b4-x2k8p``) unless a word of 16 or more characters holds a digit (a hex token) or the run
    is a UUID. Any other run is opaque if it holds a digit or mixes both cases (at least a quarter of each):
    ``kubetok-9f8e7d6c5b4a39281706``, but not ``internationalization``, ``InvalidCredentialException`` or
    ``KUBERNETES_SERVICE_HOST``.
    """
    words = [w for w in _WORD_SEPARATORS.split(run) if w]
    if _random_case("".join(words)) or any(_random_case(w) for w in words):
        return "***"
    if run.startswith(("/", "~/", "./", "../")) or "=/" in run:
        return run
    hex_word = any(len(w) >= 16 and any(c.isdigit() for c in w) for w in words)
    named = "/" in run or "." in run or re.fullmatch(r"[a-z0-9.\-]+", run) is not None
    if named and not hex_word and not _UUID.fullmatch(run):
        return run
    if any(c.isdigit() for c in run):
        return "***"
    letters = [c for c in run if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    mixed = bool(letters) and 4 * upper >= len(letters) and 4 * (len(letters) - upper) >= len(letters)
    return "***" if mixed else run


def strip_userinfo(text: str) -> str:
    """``text`` with the ``user:password@`` of every URL in it masked."""
    return _USERINFO.sub(r"\1***@", text)


def _masked_value(m: re.Match[str]) -> str:
    """``name=***`` for a secret name and its value; kept as it is when a space follows the ``:``/``=`` and
    the value is a word of the message (:data:`_PROSE`)."""
    if m.group(2) and m.group(3).rstrip(".,;:!?)").lower() in _PROSE:
        return m.group(0)
    return f"{m.group(1)}***"


def scrub(text: str) -> str:
    """``text`` without anything secret-looking: a URL's ``user:password@``, the value after ``password=``,
    ``client_secret:``, ``Bearer`` …, and long opaque runs (tokens, keys)."""
    text = _SECRET_VALUE.sub(_masked_value, strip_userinfo(text))
    text = _SCHEME_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    return _RUN.sub(lambda m: _opaque(m.group()), text)


def describe_exception(exc: BaseException) -> str:
    """A short, secret-free description of a transport error."""
    text = str(exc)
    for marker in ("Connection refused", "timed out", "Name or service not known", "No route to host",
                   "Connection reset", "certificate verify failed", "Remote end closed connection"):
        if marker.lower() in text.lower():
            return marker.lower() if marker != "certificate verify failed" else "TLS: certificate verify failed"
    return type(exc).__name__ + (f": {one_line(strip_userinfo(text), 120)}" if text else "")


class _ClientLog(logging.Handler):
    """The official client reports a failed exec plugin with ``logging.error`` on the root logger (which,
    with no handler, would print ``ERROR:root:…`` and the plugin's whole stderr). This handler keeps the
    official client's records for the thread that loads the kubeconfig, and passes every other record
    on as Python does without a handler (``logging.lastResort``)."""

    def __init__(self) -> None:
        super().__init__()
        self._local = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        if f"kubernetes{os.sep}config" in record.pathname:
            kept = getattr(self._local, "kept", None)
            if kept is not None:
                kept.append(record.getMessage())
        elif logging.lastResort is not None and record.levelno >= logging.lastResort.level:
            logging.lastResort.handle(record)

    def start(self) -> None:
        self._local.kept = []

    def take(self) -> list[str]:
        kept, self._local.kept = getattr(self._local, "kept", None) or [], None
        return kept


_CLIENT_LOG = _ClientLog()
_CLIENT_LOG_LOCK = threading.Lock()


def client_log() -> _ClientLog:
    with _CLIENT_LOG_LOCK:
        root = logging.getLogger()
        if _CLIENT_LOG not in root.handlers:
            root.addHandler(_CLIENT_LOG)
    return _CLIENT_LOG


def quiet_insecure() -> None:
    """A kubeconfig that says ``insecure-skip-tls-verify`` meant it: no urllib3 warning on every request."""
    from urllib3.exceptions import InsecureRequestWarning

    warnings.filterwarnings("ignore", category=InsecureRequestWarning)
