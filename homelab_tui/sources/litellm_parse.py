"""Parse what a LiteLLM proxy answers (shapes of litellm 1.106, see shared/fixtures). No I/O.

LiteLLM's errors are long: an exception chain, an SSL context's repr and a whole stack
trace. :func:`first_useful_line` keeps the part a person can act on; :func:`scrub`
removes anything that looks like an API key before any text leaves a source.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any, Iterable, Mapping
from urllib.parse import quote, quote_plus

from homelab_tui.model.metrics import AliasHealth, TierHealth
from homelab_tui.model.snapshot import one_line

#: a key shorter than this (without ``sk-``) cannot be masked in place: replacing every "abc" would garble the
#: text and spell the key out; an error that contains it is withheld instead
SHORT_KEY = 6
WITHHELD = "(message withheld: it contains the LiteLLM key, which is too short to mask)"

_SK_KEY = re.compile(r"\bsk-[A-Za-z0-9_\-.~/+=%]{3,}")
_BEARER = re.compile(r"(Bearer\s+)[^\s\"',]+", re.IGNORECASE)
_SSL_REPR = re.compile(r"\s*ssl:(?:<[^>]*>|default|None|True|False)")
_EXC_PREFIX = re.compile(r"^(?:litellm\.)?[A-Za-z_]*(?:Error|Exception):\s+")
_FALLBACK = re.compile(r"Fallback to ([\w.\-/:]+) also failed")
_PERCENT = re.compile(r"%[0-9A-F]{2}")


def _forms(secret: str, bare: bool) -> set[str]:
    """How an echo may write ``secret``: as is, without ``sk-`` (when ``bare``), with its spaces collapsed,
    percent-encoded (both cases of hex), as JSON or a Python repr writes it, and base64-encoded."""
    forms: set[str] = set()
    for value in {secret, secret.removeprefix("sk-") if bare else secret}:
        encoded = {quote(value, safe=""), quote(value), quote_plus(value)}
        forms |= {value, " ".join(value.split()), json.dumps(value)[1:-1], repr(value)[1:-1],
                  value.replace("/", "\\/")}
        forms |= encoded | {_PERCENT.sub(lambda m: m.group().lower(), form) for form in encoded}
        raw = value.encode()
        forms |= {enc(raw).decode().rstrip("=") for enc in (base64.b64encode, base64.urlsafe_b64encode)}
    return {form for form in forms if form}


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret value and anything shaped like a key (``sk-…``, ``Bearer …``) masked.

    A secret of fewer than :data:`SHORT_KEY` characters (``sk-`` not counted) is not masked in place: a text
    that contains it in any form is replaced by :data:`WITHHELD` as a whole; for such a key that starts with
    ``sk-``, only the forms with ``sk-`` count (``sk-1234``: not the ``1234`` of "after 12340 ms")."""
    for secret in secrets:
        short = len(secret.removeprefix("sk-")) < SHORT_KEY
        forms = sorted(_forms(secret, bare=not short), key=len, reverse=True)
        if short:
            if any(form in text for form in forms):
                return WITHHELD
            continue
        for form in forms:
            text = text.replace(form, "***")
    text = _SK_KEY.sub("sk-***", text)
    return _BEARER.sub(r"\1***", text)


def first_useful_line(text: str) -> str:
    """The first line of a LiteLLM error without exception-class prefixes, SSL reprs or stack trace."""
    head = str(text).split("stack trace:", 1)[0]
    line = next((ln.strip() for ln in head.splitlines() if ln.strip()), "")
    previous = None
    while previous != line:
        previous, line = line, _EXC_PREFIX.sub("", line, count=1)
    line = _SSL_REPR.sub("", line)
    return one_line(line) if line else one_line(str(text))


def summarize_error(text: str, secrets: Iterable[str] = ()) -> str:
    """First useful line, plus the fallbacks LiteLLM says also failed; scrubbed (the whole text, before the
    line is cut to length)."""
    text = scrub(str(text), secrets)  # before any cut: a key cut in half no longer matches
    line = first_useful_line(text)
    failed = _FALLBACK.findall(text)
    if failed:
        line = f"{line}; fallback to {', '.join(failed)} also failed"
    return one_line(line, limit=300)


def error_message(status: int, body: Any, secrets: Iterable[str] = ()) -> str:
    """One line for a non-2xx LiteLLM answer, e.g. '401: Authentication Error, No api key passed in.'."""
    message = ""
    if isinstance(body, Mapping):
        err = body.get("error", body.get("detail"))
        if isinstance(err, Mapping):
            message = str(err.get("message") or err.get("type") or "")
        elif err is not None:
            message = str(err)
    elif isinstance(body, str):
        message = body
    text = summarize_error(message, secrets) if message else "no error message"
    if status == 400 and "No connected db" in message:
        text += " (LiteLLM rejects this key: only the master key works without a database)"
    return f"{status}: {text}"


def models_from(body: Any) -> tuple[str, ...]:
    """Aliases from ``/v1/models``."""
    if not isinstance(body, Mapping) or not isinstance(body.get("data"), list):
        raise ValueError("/v1/models: no data list")
    return tuple(str(m["id"]) for m in body["data"] if isinstance(m, Mapping) and "id" in m)


def alias_map(body: Any) -> tuple[dict[str, str], tuple[str, ...]]:
    """From ``/model/info``: {deployment id or upstream model -> alias} and the aliases in config order."""
    if not isinstance(body, Mapping) or not isinstance(body.get("data"), list):
        raise ValueError("/model/info: no data list")
    mapping: dict[str, str] = {}
    aliases: dict[str, None] = {}
    for entry in body["data"]:
        if not isinstance(entry, Mapping) or not entry.get("model_name"):
            continue
        alias = str(entry["model_name"])
        aliases[alias] = None
        info = entry.get("model_info") or {}
        params = entry.get("litellm_params") or {}
        if info.get("id"):
            mapping[str(info["id"])] = alias
        if params.get("model"):
            mapping.setdefault(str(params["model"]), alias)
    return mapping, tuple(aliases)


def health_from(body: Any, mapping: Mapping[str, str], aliases: Iterable[str],
                secrets: Iterable[str] = ()) -> dict[str, AliasHealth]:
    """Per alias from ``/health``: healthy when any of its deployments is; unknown when not listed."""
    if not isinstance(body, Mapping) or not isinstance(body.get("healthy_endpoints"), list) \
            or not isinstance(body.get("unhealthy_endpoints"), list):
        raise ValueError("/health: no healthy_endpoints/unhealthy_endpoints")
    secrets = tuple(secrets)
    found: dict[str, AliasHealth] = {}

    def alias_of(ep: Mapping[str, Any]) -> str:
        return mapping.get(str(ep.get("model_id", "")), mapping.get(str(ep.get("model", "")), ""))

    for ep in body["unhealthy_endpoints"]:
        alias = alias_of(ep)
        if alias and alias not in found:
            found[alias] = AliasHealth(alias, TierHealth.UNHEALTHY, summarize_error(str(ep.get("error", "")), secrets),
                                       str(ep.get("model", "")))
    for ep in body["healthy_endpoints"]:
        alias = alias_of(ep)
        if alias:
            found[alias] = AliasHealth(alias, TierHealth.HEALTHY, "", str(ep.get("model", "")))
    out = {a: found.get(a, AliasHealth(a, TierHealth.UNKNOWN)) for a in aliases}
    out.update({a: h for a, h in found.items() if a not in out})
    return out
