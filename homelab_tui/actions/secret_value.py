"""A secret value that cannot leak by accident, and the short fingerprints shown instead of values."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any, NoReturn

MASK = "********"
#: hex digits of SHA-256 shown as a fingerprint
FINGERPRINT_LEN = 12


def fingerprint(data: bytes) -> str:
    """``sha256:`` and the first 12 hex digits of the SHA-256 of the decoded value."""
    return "sha256:" + hashlib.sha256(data).hexdigest()[:FINGERPRINT_LEN]


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
        import hmac

        return isinstance(other, SecretValue) and hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def scrub(self, text: str) -> str:
        """``text`` with every form of the value in :func:`leak_forms` replaced by the mask."""
        if not self._value:
            return text
        for form in leak_forms(self._value):
            text = text.replace(form, MASK)
        return text


#: what Go's encoding/json escapes beyond JSON's own (HTML safety), e.g. ``&`` as ``\\u0026``
GO_HTML_ESCAPED = frozenset("&<>\u2028\u2029")


def json_escaped(raw: str, *, ensure_ascii: bool, go: bool) -> str:
    """``raw`` as the body of a JSON string: Python's ``json.dumps`` (``ensure_ascii`` on or off), or Go's
    encoder (``go``: also ``&<>`` and U+2028/9 as ``\\u00XX``; non-ASCII kept, as Go does when ``ensure_ascii``
    is off)."""
    return "".join(f"\\u{ord(ch):04x}" if go and ch in GO_HTML_ESCAPED
                   else json.dumps(ch, ensure_ascii=ensure_ascii)[1:-1] for ch in raw)


def leak_forms(raw: str) -> list[str]:
    """The ways a value can show up in a message, longest first: as typed, base64 (Secret ``data``),
    Python's ``unicode_escape``, and JSON string bodies as Python and Go (the API server, admission
    webhooks: ``Status.message`` quoting a request) write them."""
    forms = {raw, base64.b64encode(raw.encode()).decode(), raw.encode("unicode_escape").decode()}
    forms |= {json_escaped(raw, ensure_ascii=a, go=g) for a in (True, False) for g in (True, False)}
    return sorted((f for f in forms if f), key=len, reverse=True)
