"""homelab-tui benchmark: prints a table and writes a JSON file (never a pass/fail test).

    python bench/run.py [--scales 1,10] [--runs 5] [--idle 60] [--only start,idle,change,check]
                        [--out bench/results.json]

For each scale it starts ``homelab-tui demo-server --scale N`` and measures, as medians of ``--runs``:

1. process start → first paint, and → every panel has data (the real program in a pty);
2. idle CPU of the dashboard process over ``--idle`` seconds on the Overview and on Namespaces;
3. resident memory (VmRSS) once every panel has data;
4. a change in the cluster (scale a deployment through the API) → the row updated on screen (headless Textual,
   in this process: the watch event, the cache, the coalescing and the redraw);
5. requests per minute to each demo server in the steady state (the servers count them): the Kubernetes API must
   see no list calls once the watches run;
6. ``homelab-tui check --json`` wall time versus ``kubectl get pods,deployments,pvc,certificates,ingressroutes -A
   -o json`` against the same server, in the same run, as a ratio: answered by a running ``homelab-tui agent``
   (ADR-011) and on its own (``--no-agent``); beside them ``bench/python_floor.py``, which sends exactly the
   requests ``check`` sends on its own and judges nothing (the floor under any one-shot Python ``check``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import pty
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import fcntl
import termios

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ANSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\x1b\][^\x07]*\x07")
SOURCES = (b"kubernetes: updated", b"prometheus: updated", b"litellm: updated")
TICKS = os.sysconf("SC_CLK_TCK")


def exe(name: str) -> str:
    path = BIN / name
    found = str(path) if path.exists() else shutil.which(name)
    if not found:
        sys.exit(f"bench: {name} not found (pip install -e '.[test]')")
    return found


# ---------------------------------------------------------------------------- demo server


class DemoServer:
    def __init__(self, scale: int) -> None:
        self.proc = subprocess.Popen([exe("homelab-tui"), "demo-server", "--scale", str(scale)],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line:
            sys.exit("bench: demo-server did not start")
        self.info = json.loads(line)

    def counters(self) -> dict[str, dict[str, int]]:
        with urllib.request.urlopen(self.info["control"] + "/-/control", timeout=10) as resp:
            return {k: v["requests"] for k, v in json.load(resp).items()}

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ---------------------------------------------------------------------------- the program in a pty


class Dashboard:
    """The installed dashboard in a 120×40 pseudo-terminal."""

    def __init__(self, info: dict, state_dir: Path) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "XDG_STATE_HOME": str(state_dir)}
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen([exe("homelab-tui"), "--kubeconfig", info["kubeconfig"], "--config",
                                      info["config"]], stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True)
        os.close(slave)
        self.seen = b""

    def pump(self, timeout: float) -> None:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            try:
                self.seen += ANSI.sub(b"", os.read(self.master, 1 << 16))
            except OSError:
                pass
        self.seen = self.seen[-200_000:]

    def wait_for(self, needles: tuple[bytes, ...], timeout: float) -> float | None:
        """Seconds from process start until every needle has been painted (None: not within timeout)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if all(n in self.seen for n in needles):
                return time.perf_counter() - self.t0
            self.pump(0.01)
        return None

    def idle(self, seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            self.pump(0.2)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def rss_mb(self) -> float:
        return rss_mb(self.proc.pid)

    def key(self, k: bytes) -> None:
        os.write(self.master, k)

    def quit(self) -> None:
        self.key(b"q")
        end = time.perf_counter() + 15
        while self.proc.poll() is None and time.perf_counter() < end:
            self.pump(0.1)
        if self.proc.poll() is None:
            self.proc.kill()
        os.close(self.master)


def measure_start(info: dict, runs: int, tmp: Path) -> dict:
    paint, ready, rss = [], [], []
    for i in range(runs):
        d = Dashboard(info, tmp / f"s{i}")
        p = d.wait_for((b"Overview",), 30)
        r = d.wait_for(SOURCES, 60)
        if r is not None:
            d.idle(2)
            rss.append(d.rss_mb())
        d.quit()
        if p is not None:
            paint.append(p)
        if r is not None:
            ready.append(r)
    return {"first_paint_s": _median(paint), "all_panels_s": _median(ready), "rss_mb": _median(rss)}


def measure_idle(info: dict, seconds: float, tmp: Path, server: DemoServer) -> dict:
    d = Dashboard(info, tmp / "idle")
    d.wait_for(SOURCES, 60)
    d.idle(5)  # let the first polls settle
    out: dict = {}
    before_counts = server.counters()
    t0 = time.perf_counter()
    for screen, key in (("overview", b"1"), ("namespaces", b"2")):
        d.key(key)
        d.idle(1)
        c0, w0 = d.cpu_seconds(), time.perf_counter()
        d.idle(seconds)
        out[f"idle_cpu_{screen}_pct"] = round(100 * (d.cpu_seconds() - c0) / (time.perf_counter() - w0), 2)
    minutes = (time.perf_counter() - t0) / 60
    after_counts = server.counters()
    d.quit()
    rates: dict[str, dict[str, float]] = {}
    for srv, counts in after_counts.items():
        before = before_counts.get(srv, {})
        rates[srv] = {k: round((v - before.get(k, 0)) / minutes, 1) for k, v in counts.items()
                      if v - before.get(k, 0)}
    out["requests_per_min"] = rates
    out["kube_list_calls_per_min"] = sum(v for k, v in rates.get("kubernetes", {}).items() if k.endswith("list"))
    return out


def measure_change(info: dict, runs: int) -> dict:
    """Scale apps/n8n through the API; time until the Namespaces row shows the new pod (headless, in-process)."""
    sys.path.insert(0, str(ROOT))
    from homelab_tui.config import load_settings
    from homelab_tui.services import build_services
    from homelab_tui.sources.kube_client import KubeTarget, load_kube_api
    from homelab_tui.ui.app import make_app

    async def run() -> list[float]:
        services = build_services(load_settings(info["config"], explicit=True), kubeconfig=info["kubeconfig"])
        api = load_kube_api(KubeTarget(info["kubeconfig"]), 10)
        app = make_app(services)
        samples: list[float] = []
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("2")
            for _ in range(400):  # the Namespaces screen shows the apps row (the cache synced, the screen drew it)
                await pilot.pause(0.05)
                table = app.screen.query_one("DataTable")
                if services.kube.current().ok and "apps" in getattr(table, "row_keys", ()):
                    break
            else:
                raise SystemExit("bench: the Namespaces screen never showed the apps namespace")
            path = "/apis/apps/v1/namespaces/apps/deployments/n8n/scale"
            for i in range(runs):
                replicas = 2 + (i % 2)
                table = app.screen.query_one("DataTable")
                before = table.get_row("apps")
                t0 = time.perf_counter()
                await asyncio.to_thread(api.patch, path, {"spec": {"replicas": replicas}})
                while time.perf_counter() - t0 < 10:
                    await asyncio.sleep(0.002)
                    if table.get_row("apps") != before:
                        samples.append(time.perf_counter() - t0)
                        break
                await pilot.pause(5.0)  # let the simulated pods settle before the next change
        return samples

    samples = asyncio.run(run())
    return {"change_to_screen_ms": None if not samples else round(1000 * statistics.median(samples), 1)}


def floor_requests(info: dict) -> dict:
    """What ``check --json`` sends, from homelab-tui's own lists, for bench/python_floor.py."""
    import tomllib

    from homelab_tui.model.overview import AREAS, resources_for
    from homelab_tui.sources import promql
    from homelab_tui.sources.resources import SPECS

    config = tomllib.loads(Path(info["config"]).read_text(encoding="utf-8"))
    key = Path(config["litellm"]["key_file"]).read_text(encoding="utf-8").strip()
    requests = [("kubernetes", SPECS[k].path()) for k in sorted(resources_for(AREAS))]
    requests += [("prometheus", "/api/v1/query?" + urllib.parse.urlencode({"query": q.text}))
                 for q in promql.ALL_QUERIES if q.kind == "instant"]
    requests += [("litellm", p) for p in ("/health/liveliness", "/health/readiness", "/model/info")]
    requests += [("ollama", "/api/ps")]
    return {"kubeconfig": info["kubeconfig"], "requests": requests,
            "bases": {k: info[k] for k in ("prometheus", "litellm", "ollama")},
            "headers": {"litellm": {"Authorization": f"Bearer {key}"}}}


def measure_check(info: dict, runs: int, tmp: Path, server: DemoServer) -> dict:
    """``check --json`` with and without ``homelab-tui agent`` (ADR-011), kubectl and the Python floor, interleaved."""
    run_dir = tmp / "run"
    run_dir.mkdir(mode=0o700, exist_ok=True)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(run_dir), "XDG_STATE_HOME": str(tmp / "state")}
    files = ["--kubeconfig", info["kubeconfig"], "--config", info["config"]]
    check = [exe("homelab-tui"), "check", "--json", *files]
    direct = [*check, "--no-agent"]
    kubectl = [exe("kubectl"), "--kubeconfig", info["kubeconfig"], "get",
               "pods,deployments,pvc,certificates,ingressroutes", "-A", "-o", "json"]
    spec = tmp / "floor-requests.json"
    spec.write_text(json.dumps(floor_requests(info)))
    floor = [sys.executable, str(ROOT / "bench" / "python_floor.py"), str(spec)]
    # the floor must send what check sends: the same number of requests to each server
    sent = [_sent(server, cmd, env) for cmd in (direct, floor)]
    if sent[0] != sent[1]:
        sys.exit(f"bench: python_floor.py sent {sent[1]}, check sent {sent[0]}")
    agent = subprocess.Popen([exe("homelab-tui"), "agent", *files], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    try:
        if "serving check" not in (agent.stderr.readline() if agent.stderr else ""):
            sys.exit("bench: homelab-tui agent did not start")
        warm = subprocess.run(check, capture_output=True, text=True, env=env, timeout=120)  # the watches load
        if not json.loads(warm.stdout)["agent"]:
            sys.exit("bench: check did not ask the agent")
        before = server.counters()["kubernetes"].get("GET list", 0)
        via_agent = _sent(server, check, env)
        lists = server.counters()["kubernetes"].get("GET list", 0) - before
        if lists:  # the liveness probe (GET /version) may land in the window; a list must not
            sys.exit(f"bench: check through the agent made {lists} Kubernetes list calls")
        times: dict[str, list[float]] = {"check": [], "agent": [], "kubectl": [], "floor": []}
        for _ in range(runs):
            for name, cmd in (("check", direct), ("agent", check), ("kubectl", kubectl), ("floor", floor)):
                t0 = time.perf_counter()
                subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, timeout=120)
                times[name].append(time.perf_counter() - t0)
        agent_rss = rss_mb(agent.pid)
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait(timeout=30)
    c, a, k, f = (statistics.median(times[n]) for n in ("check", "agent", "kubectl", "floor"))
    return {"check_agent_s": round(a, 3), "check_agent_over_kubectl": round(a / k, 2),
            "check_s": round(c, 3), "kubectl_s": round(k, 3), "check_over_kubectl": round(c / k, 2),
            "python_floor_s": round(f, 3), "python_floor_over_kubectl": round(f / k, 2),
            "requests_per_agent_check": via_agent, "agent_rss_mb": round(agent_rss, 1)}


def _sent(server: DemoServer, cmd: list[str], env: dict) -> dict[str, int]:
    """Requests ``cmd`` made to each simulated server, from their counters."""
    before = server.counters()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, timeout=120)
    after = server.counters()
    return {name: sum(after[name].values()) - sum(before[name].values()) for name in after}


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


# ---------------------------------------------------------------------------- main


TARGETS = {"first_paint_s": 0.6, "all_panels_s": 1.5, "idle_cpu_overview_pct": 2.0, "idle_cpu_namespaces_pct": 2.0,
           "rss_mb": 150.0, "change_to_screen_ms": 250.0, "kube_list_calls_per_min": 0.0,
           "check_agent_over_kubectl": 1.0, "check_over_kubectl": 1.0}


MEASURES = ("start", "idle", "change", "check")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", default="1,10")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--idle", type=float, default=60.0, help="seconds of idle CPU measurement per screen")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    ap.add_argument("--only", default=",".join(MEASURES),
                    help=f"comma-separated measurements (default: all of {','.join(MEASURES)})")
    args = ap.parse_args()
    # the programs measured run as installed: with their bytecode cached (pip writes it; a sandbox may set
    # PYTHONDONTWRITEBYTECODE, which would make every start compile the package again)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    only = set(args.only.split(","))
    if not only <= set(MEASURES):
        ap.error(f"--only: unknown {', '.join(sorted(only - set(MEASURES)))}")
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"homelab-tui-bench-{os.getpid()}"
    tmp.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": _machine(), "runs": args.runs, "idle_seconds": args.idle, "scales": {}}
    for scale in (int(s) for s in args.scales.split(",")):
        server = DemoServer(scale)
        try:
            row: dict = {}
            if "start" in only:
                row.update(measure_start(server.info, args.runs, tmp))
            if "idle" in only:
                row.update(measure_idle(server.info, args.idle, tmp, server))
            if "change" in only:
                row.update(measure_change(server.info, args.runs))
            if "check" in only:
                row.update(measure_check(server.info, args.runs, tmp, server))
            results["scales"][str(scale)] = row
        finally:
            server.stop()
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    _print_table(results)
    print(f"\nwritten: {args.out}")
    return 0


def _machine() -> dict:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    mem = next((ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")),
               "0")
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(int(mem) / 1024 / 1024, 1),
            "python": platform.python_version(), "platform": platform.platform()}


def _print_table(results: dict) -> None:
    m = results["machine"]
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}")
    scales = list(results["scales"])
    print(f"{'metric':28}" + "".join(f"{s + '×':>14}" for s in scales) + f"{'target':>12}")
    for metric, target in TARGETS.items():
        cells = "".join(f"{str(results['scales'][s].get(metric)):>14}" for s in scales)
        print(f"{metric:28}{cells}{('≤ ' + str(target)):>12}")
    for s in scales:
        row = results["scales"][s]
        if "check_s" in row:
            print(f"check at {s}×: {row['check_agent_s']} s through the agent, {row['check_s']} s without, kubectl "
                  f"{row['kubectl_s']} s, python_floor.py {row['python_floor_s']} s (floor ÷ kubectl "
                  f"{row['python_floor_over_kubectl']}); requests per check through the agent: "
                  f"{json.dumps(row['requests_per_agent_check'])}; the agent's RSS {row['agent_rss_mb']} MB")
        if "requests_per_min" in row:
            print(f"requests/min at {s}×: {json.dumps(row['requests_per_min'])}")


if __name__ == "__main__":
    raise SystemExit(main())
