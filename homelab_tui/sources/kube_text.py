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
#: space ("token refresh failed") is prose, not a value.
_SECRET_VALUE = re.compile(
    r"(?i)(?<![A-Za-z0-9])((?:[A-Za-z0-9]+[_\-.])*"
    r"(?:password|passwd|passphrase|pwd|secret|token|api[_\-]?key|key|credentials?)"
    r"(?:[_\-.][A-Za-z0-9]+)*[\"']?\s*[=:]\s*)(?!\*\*\*)(\"[^\"]*\"|'[^']*'|[^\s,;'\"&]+)")
#: ``Bearer …`` / ``Basic …``: the word after a space is the credential, unless it is a plain word
#: ("invalid bearer token")
_SCHEME_VALUE = re.compile(r"\b((?i:bearer|basic))(\s+)(?!\*\*\*)"
                           r"(?![A-Za-z]?[a-z]{0,15}[,;:.!?)]*(?:\s|$))[^\s,;'\"]+")
#: a run of base64/hex/JWT characters, long enough to be a token or key (see :func:`_opaque`)
_RUN = re.compile(r"(?<![A-Za-z0-9_\-.+/=~])[A-Za-z0-9_\-.+/=~]{20,}")


def _opaque(run: str) -> str:
    """``***`` for a run that looks like a token or key, else the run itself.

    Opaque: a digit anywhere, or letters of both cases mixed as random text mixes them (at least a quarter of
    each). Kept: ordinary long words, paths and names (``internationalization``, ``/usr/local/bin/kubelogin``,
    ``InvalidCredentialException``, ``KUBERNETES_SERVICE_HOST``).
    """
    if any(c.isdigit() for c in run):
        return "***"
    letters = [c for c in run if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    mixed = bool(letters) and 4 * upper >= len(letters) and 4 * (len(letters) - upper) >= len(letters)
    return "***" if mixed else run


def strip_userinfo(text: str) -> str:
    """``text`` with the ``user:password@`` of every URL in it masked."""
    return _USERINFO.sub(r"\1***@", text)


def scrub(text: str) -> str:
    """``text`` without anything secret-looking: a URL's ``user:password@``, the value after ``password=``,
    ``client_secret:``, ``Bearer`` …, and long opaque runs (tokens, keys)."""
    text = _SECRET_VALUE.sub(lambda m: f"{m.group(1)}***", strip_userinfo(text))
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
