"""Secrets masked in what a server says: the kubeconfig's credentials (by :class:`~.kube_client.KubeApi`) and a
typed Secret value (by the secret patch). A secret is masked in the whole raw message, before it is collapsed
to one line and cut; a secret too short to mask without spelling it out withholds the message instead."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import quote

#: a secret shorter than this is never masked in place: where the masks stand would spell it out
MIN_MASKED_LEN = 8
#: what stands for a message that quoted a secret too short to mask
WITHHELD = "(message withheld: it may quote a secret)"


def mask_forms(text: str, forms: Iterable[str], mask: str) -> str | None:
    """``text`` with every form (longest first) replaced by ``mask``; None when a form shorter than
    :data:`MIN_MASKED_LEN` shows in it (the caller withholds the whole text instead)."""
    for form in sorted({f for f in forms if f}, key=len, reverse=True):
        if form in text:
            if len(form) < MIN_MASKED_LEN:
                return None
            text = text.replace(form, mask)
    return text


def credential_forms(authorization: str | None, client_key: bytes | None = None) -> set[str]:
    """How a kubeconfig's credentials can show in a server's message: the bearer token; the base64 of
    a Basic header, its ``user:password`` and the password; each line of the client key's PEM — as is,
    JSON-escaped (``\\/``) and percent-encoded."""
    scheme, _, value = (authorization or "").strip().partition(" ")
    secrets = {value.strip()} if value.strip() else set()
    if scheme.lower() == "basic" and secrets:
        try:
            pair = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            pair = ""
        secrets |= {pair, pair.partition(":")[2]} if ":" in pair else set()
    if client_key:
        lines = client_key.decode("ascii", "replace").splitlines()
        secrets |= {ln.strip() for ln in lines if ln.strip() and not ln.startswith("-----")}
    return {form for secret in secrets if secret
            for form in (secret, secret.replace("/", "\\/"), quote(secret, safe=""))}


def configuration_credentials(c: Any) -> set[str]:
    """:func:`credential_forms` of what the official client's configuration ``c`` sends now (an exec
    plugin's token is refreshed into ``api_key``) and of its client key file."""
    forms = set()
    for value in (c.api_key or {}).values():
        forms |= credential_forms(str(value) if " " in str(value) else f"Bearer {value}")
    if c.password:
        basic = base64.b64encode(f"{c.username or ''}:{c.password}".encode()).decode("ascii")
        forms |= credential_forms(f"Basic {basic}")
    if c.key_file:
        try:
            forms |= credential_forms(None, Path(c.key_file).read_bytes())
        except OSError:
            pass  # a key file gone since it was loaded: nothing of it to mask
    return forms
