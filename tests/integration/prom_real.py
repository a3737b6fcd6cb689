"""A real Prometheus for tests: data written as OpenMetrics, imported with promtool, served on loopback.

``promtool tsdb create-blocks-from openmetrics`` turns the text into TSDB blocks that a Prometheus
started on that directory can query at once (no scrape, no waiting). Query at the data's own
timestamps: the blocks hold exactly what the test wrote.

Without the binaries the tests skip with the reason — except in CI (env ``CI`` set), where a missing
binary fails the test: CI installs the Debian package ``prometheus``.
"""

from __future__ import annotations

import math
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import httpx
import pytest

Point = tuple[float, float]
#: metric name -> [(labels without __name__, [(t, value), ...]), ...]
Families = Mapping[str, Iterable[tuple[Mapping[str, str], Iterable[Point]]]]


def binary(name: str) -> str:
    """Path of a Prometheus binary; skip (or fail in CI) when it is not installed."""
    path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if path:
        return path
    reason = f"{name} is not installed (Debian: apt-get install --no-install-recommends prometheus)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return repr(float(v))


def openmetrics(families: Families) -> str:
    """OpenMetrics text (gauges) for ``families``; samples of each series in time order."""
    lines = []
    for name, series in families.items():
        lines.append(f"# TYPE {name} gauge")
        for labels, points in series:
            label_text = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
            prefix = f"{name}{{{label_text}}}" if label_text else name
            for t, v in sorted(points):
                lines.append(f"{prefix} {_number(v)} {t:.3f}")
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RealPrometheus:
    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_prometheus(workdir: Path, families: Families, timeout: float = 30.0) -> RealPrometheus:
    """Import ``families`` with promtool and start Prometheus on them; ready when this returns."""
    prometheus, promtool = binary("prometheus"), binary("promtool")
    workdir.mkdir(parents=True, exist_ok=True)
    data_file, tsdb = workdir / "data.om", workdir / "tsdb"
    data_file.write_text(openmetrics(families), encoding="utf-8")
    imported = subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", str(data_file), str(tsdb)],
                              capture_output=True, text=True, timeout=120)
    if imported.returncode != 0:
        pytest.fail(f"promtool could not import the test data: {imported.stderr.strip()[-500:]}")
    config = workdir / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 1h\n", encoding="utf-8")
    port = _free_port()
    log = open(workdir / "prometheus.log", "w", encoding="utf-8")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [prometheus, f"--config.file={config}", f"--storage.tsdb.path={tsdb}",
         f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=30d", "--log.level=warn"],
        stdout=log, stderr=subprocess.STDOUT)
    log.close()
    server = RealPrometheus(f"http://127.0.0.1:{port}", proc)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            text = (workdir / "prometheus.log").read_text(encoding="utf-8")[-800:]
            pytest.fail(f"prometheus exited with {proc.returncode}: {text}")
        try:
            if httpx.get(f"{server.url}/-/ready", timeout=1.0).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    pytest.fail(f"prometheus was not ready within {timeout} s")
