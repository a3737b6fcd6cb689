"""A Kubernetes API stand-in on 127.0.0.1 that answers like a server (or auth proxy) quoting what it was sent:
401 Status bodies quoting the Authorization header, and a 422 on a Secret PATCH quoting the request or object."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

SECRET_PATH = "/api/v1/namespaces/apps/secrets/n8n-secrets"


def b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def status(code: int, reason: str, message: str, fields: tuple[str, ...] = ()) -> dict[str, Any]:
    details = {"causes": [{"reason": "FieldValueInvalid", "field": f} for f in fields]} if fields else {}
    return {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": reason, "code": code,
            "message": message, "details": details}


class EchoKube:
    """``with EchoKube(secret, on_patch) as kube:`` — ``kube.url``; GET of :data:`SECRET_PATH` answers ``secret``
    (None: every request is a 401 quoting its Authorization header); lists answer no items; a PATCH answers
    ``on_patch(body, authorization)`` (a 422 Status)."""

    def __init__(self, secret: dict[str, Any] | None = None,
                 on_patch: Callable[[dict[str, Any], str], dict[str, Any]] | None = None) -> None:
        echo = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                auth = self.headers.get("Authorization", "")
                if echo.secret is None:
                    pair = base64.b64decode(auth.split(" ", 1)[-1]).decode("utf-8", "replace") \
                        if auth.startswith("Basic ") else ""
                    self._answer(401, status(401, "Unauthorized", f"invalid credentials {auth} ({pair}), lookup "
                                                                   f"failed for {auth.split(' ', 1)[-1]}"))
                elif self.path.split("?")[0] == SECRET_PATH:
                    self._answer(200, echo.secret)
                else:
                    self._answer(200, {"kind": "List", "apiVersion": "v1", "metadata": {}, "items": []})

            def do_PATCH(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                assert echo.on_patch is not None
                answer = echo.on_patch(body, self.headers.get("Authorization", ""))
                self._answer(int(answer["code"]), answer)

            def _answer(self, code: int, data: dict[str, Any]) -> None:
                raw = json.dumps(data).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                pass

        self.secret, self.on_patch = secret, on_patch
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def kubeconfig(self, path: Path, user: str) -> Path:
        """A kubeconfig for this server; ``user`` is the YAML of the user's fields, e.g. ``token: T``."""
        path.write_text(f"""apiVersion: v1
kind: Config
clusters: [{{name: c, cluster: {{server: "{self.url}"}}}}]
users: [{{name: u, user: {{{user}}}}}]
contexts: [{{name: x, context: {{cluster: c, user: u}}}}]
current-context: x
""")
        path.chmod(0o600)
        return path

    def __enter__(self) -> "EchoKube":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
