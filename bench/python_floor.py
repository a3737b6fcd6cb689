"""The least a Python ``check`` could cost: the same requests, nothing else (a benchmark helper, not product code).

    python bench/python_floor.py REQUESTS.json

``REQUESTS.json`` (written by ``bench/run.py`` from homelab-tui's own resource list and queries) names the
kubeconfig and every request ``homelab-tui check`` sends: the Kubernetes lists, the Prometheus instant queries,
LiteLLM's and Ollama's cheap endpoints. This program reads the kubeconfig (token and CA data, as the demo writes
it), sends those requests over the standard library's ``http.client`` from eight threads, parses every JSON
answer, and exits without judging anything. Its wall time is the floor under any Python implementation of
``check`` on this machine: interpreter start, the imports a request needs (json, ssl, yaml for the kubeconfig,
http.client) and the round trips. docs/benchmarks.md compares it with kubectl.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import ssl
import sys
import threading
from urllib.parse import urlsplit

import yaml


def main(spec_path: str) -> int:
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    with open(spec["kubeconfig"], encoding="utf-8") as f:
        kubeconfig = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    cluster = kubeconfig["clusters"][0]["cluster"]
    token = kubeconfig["users"][0]["user"]["token"]
    context = ssl.create_default_context(cadata=base64.b64decode(cluster["certificate-authority-data"]).decode())
    bases = {"kubernetes": cluster["server"], **spec["bases"]}
    headers = {"kubernetes": {"Authorization": f"Bearer {token}"}, **spec.get("headers", {})}
    jobs = [(server, path) for server, path in spec["requests"]]
    failures: list[str] = []

    def worker(mine: list[tuple[str, str]]) -> None:
        connections: dict[str, http.client.HTTPConnection] = {}
        for server, path in mine:
            conn = connections.get(server)
            if conn is None:
                url = urlsplit(bases[server])
                conn = (http.client.HTTPSConnection(url.hostname, url.port, context=context, timeout=10)
                        if url.scheme == "https" else http.client.HTTPConnection(url.hostname, url.port, timeout=10))
                connections[server] = conn
            conn.request("GET", path, headers=headers.get(server, {}))
            resp = conn.getresponse()
            body = resp.read()
            if resp.status == 200:
                json.loads(body)
            elif resp.status != 404:  # an absent optional CRD answers 404, as for check
                failures.append(f"{server} {path}: {resp.status}")

    threads = [threading.Thread(target=worker, args=(jobs[i::8],), daemon=True) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        print("; ".join(failures), file=sys.stderr)
    sys.stdout.flush()
    os._exit(1 if failures else 0)


if __name__ == "__main__":
    main(sys.argv[1])
