"""A secret value that cannot leak by accident, and the short keyed fingerprints shown instead of values.

A fingerprint is an HMAC-SHA256 under a random key of this install (ADR-010), so a weak value cannot be
recovered by hashing guesses; it compares values within one install only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
from pathlib import Path
from typing import Any, Iterable, NoReturn

from homelab_tui.config import default_audit_path
from homelab_tui.sources.kube_mask import MIN_MASKED_LEN, mask_forms

MASK = "********"
#: hex digits of the HMAC shown as a fingerprint
FINGERPRINT_LEN = 12
FINGERPRINT_PREFIX = "hmac:"
#: shown instead of a fingerprint when the key cannot be read or made (:func:`fingerprint_problem` says why)
NO_FINGERPRINT = "—"
KEY_FILE = "fingerprint.key"
KEY_BYTES = 32

_KEYS: dict[Path, bytes] = {}
_KEYS_LOCK = threading.Lock()


def fingerprint_key_path() -> Path:
    """``fingerprint.key`` beside the audit log (``$XDG_STATE_HOME/homelab-tui/``)."""
    return default_audit_path().parent / KEY_FILE


def _read_key(path: Path) -> bytes:
    with open(path, "rb") as f:
        key = f.read(KEY_BYTES + 1)
    if len(key) != KEY_BYTES:
        raise ValueError(f"{path} is not a {KEY_BYTES}-byte key (move it away to make a new one)")
    return key


def _read_or_make_key(path: Path) -> bytes:
    """The key at ``path``; made first if there is none: 32 random bytes written to a private file (0600)
    that is then linked into place, so a dashboard starting at the same moment reads the same key."""
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(KEY_BYTES))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)  # atomic, and never over a key another process made first
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)
    return _read_key(path)


def fingerprint_key() -> bytes:
    """This install's fingerprint key (read once per path). Raises ``OSError`` or ``ValueError``."""
    path = fingerprint_key_path()
    with _KEYS_LOCK:
        if path not in _KEYS:
            _KEYS[path] = _read_or_make_key(path)
        return _KEYS[path]


def fingerprint_problem() -> str:
    """Why fingerprints cannot be made, in one line ('' when they can)."""
    try:
        fingerprint_key()
    except OSError as exc:
        return f"fingerprint key {fingerprint_key_path()}: {exc.strerror or type(exc).__name__}"
    except ValueError as exc:
        return f"fingerprint key {exc}"
    return ""


def fingerprint(data: bytes) -> str:
    """``hmac:`` and the first 12 hex digits of the HMAC-SHA256 of the decoded value under this install's key;
    :data:`NO_FINGERPRINT` when there is no key."""
    try:
        key = fingerprint_key()
    except (OSError, ValueError):
        return NO_FINGERPRINT
    return FINGERPRINT_PREFIX + hmac.new(key, data, hashlib.sha256).hexdigest()[:FINGERPRINT_LEN]


class SecretValue:
    """Holds a value typed by the user; ``repr``/``str``/``format`` are masked, pickling is refused.

    Call :meth:`reveal` only where the value goes into the request body.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("SecretValue holds a str")
        object.__setattr__(self, "_value", value)

    def reveal(self) -> str:
        return self._value

    @property
    def fingerprint(self) -> str:
        return fingerprint(self._value.encode("utf-8"))

    @property
    def size(self) -> int:
        return len(self._value.encode("utf-8"))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return f"SecretValue({MASK})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError("SecretValue is immutable")

    def __copy__(self) -> "SecretValue":
        return self

    def __deepcopy__(self, memo: dict) -> "SecretValue":
        return self  # immutable: copies of plans share it instead of pickling it

    def __reduce__(self) -> NoReturn:
        raise TypeError("a SecretValue is never pickled")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretValue) and hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(self._value)  # salted per process; needs no fingerprint key

    def scrub(self, text: str) -> str:
        """``text`` with every form of the value in :func:`leak_forms` replaced by the mask.

        Only for a value of :data:`MIN_MASKED_LEN` characters or more: a shorter one is spelled out by where
        the masks stand, so text that may quote it is withheld instead (:func:`mask_write`)."""
        if not self._value:
            return text
        for form in leak_forms(self._value):
            text = text.replace(form, MASK)
        return text


def stored_forms(data: bytes) -> set[str]:
    """How a value the Secret holds can show in a message: its :func:`leak_forms` (when it is UTF-8 text)
    and its base64, as in the object's ``data``."""
    if not data:
        return set()
    try:
        forms = set(leak_forms(data.decode("utf-8")))
    except UnicodeDecodeError:
        forms = set()
    return forms | {base64.b64encode(data).decode("ascii")}


def mask_write(text: str, value: SecretValue, stored: Iterable[bytes]) -> str | None:
    """A server's whole message about a write of ``value`` to a Secret holding ``stored``, with every form of
    each masked; None (withhold it) when the typed value is under :data:`MIN_MASKED_LEN` characters (the server
    may quote it in a form not foreseen here) or a short stored value shows in it."""
    if value and len(value.reveal()) < MIN_MASKED_LEN:
        return None
    forms = set(leak_forms(value.reveal())).union(*(stored_forms(data) for data in stored))
    return mask_forms(text, forms, MASK)


#: what Go's encoding/json escapes beyond JSON's own (HTML safety), e.g. ``&`` as ``\\u0026``
GO_HTML_ESCAPED = frozenset("&<>\u2028\u2029")


def json_escaped(raw: str, *, ensure_ascii: bool, go: bool) -> str:
    """``raw`` as the body of a JSON string: Python's ``json.dumps`` (``ensure_ascii`` on or off), or Go's
    encoder (``go``: also ``&<>`` and U+2028/9 as ``\\u00XX``; non-ASCII kept, as Go does when ``ensure_ascii``
    is off)."""
    return "".join(f"\\u{ord(ch):04x}" if go and ch in GO_HTML_ESCAPED
                   else json.dumps(ch, ensure_ascii=ensure_ascii)[1:-1] for ch in raw)


def leak_forms(raw: str) -> list[str]:
    """The ways a value can show up in a message, longest first: as typed, with its whitespace collapsed,
    base64 (Secret ``data``), Python's ``unicode_escape``, and JSON string bodies as Python and Go (the API
    server, admission webhooks: ``Status.message`` quoting a request) write them."""
    forms = {raw, " ".join(raw.split()), base64.b64encode(raw.encode()).decode(),
             raw.encode("unicode_escape").decode()}
    forms |= {json_escaped(raw, ensure_ascii=a, go=g) for a in (True, False) for g in (True, False)}
    return sorted((f for f in forms if f), key=len, reverse=True)
