#!/usr/bin/env bash
# The checks that need a real NVIDIA GPU, in one run (CI has none, so they are skipped there):
#   * tests/gpu: NvmlGpuSource reads this host's card, sees memory a process takes, and the dashboard's
#     GPU screen (over the demo lab's cluster) shows the card from NVML, not the demo's DCGM figures;
#   * `homelab-tui check --demo --only gpu --json` on this host;
#   * the GPU screen again while another process holds 3 GiB (its PID, name and size are listed);
#   * `homelab-tui agent` on this host: two checks through it, each reading NVML afresh, then SIGTERM.
# Usage, from the repository root on the GPU host: scripts/gpu-host-check.sh [OUT_DIR]
# OUT_DIR receives nvidia-smi.txt, gpu-tests.txt, check-gpu.json and gpu-nvml.svg (the GPU screen).
set -uo pipefail
out=${1:-.}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
rc=0
fail() { echo "gpu-host-check: FAILED: $*"; rc=1; }
nvidia-smi --query-gpu=name,memory.total,memory.used,driver_version --format=csv | tee "$out/nvidia-smi.txt"
python3 -c "import pynvml, textual, kubernetes; print('nvidia-ml-py from', pynvml.__file__)"
HOMELAB_TUI_SHOTS="$out" python3 -m pytest tests/gpu -v -s -rs --noconftest -p no:cacheprovider 2>&1 \
  | tee "$out/gpu-tests.txt" || fail "tests/gpu"
python3 -m homelab_tui check --demo --only gpu --json --no-agent >"$out/check-gpu.json"
echo "check --only gpu exit $?"
cat "$out/check-gpu.json"

echo "--- the GPU screen while another process holds 3 GiB"
python3 -c "import time, torch; b = torch.empty(3 << 30, dtype=torch.uint8, device='cuda'); \
torch.cuda.synchronize(); print('holding 3 GiB', flush=True); time.sleep(180)" & holder=$!
sleep 10
mkdir -p "$out/with-process"
HOMELAB_TUI_SHOTS="$out/with-process" python3 -m pytest tests/gpu/test_gpu_screen_real.py -q -s --noconftest \
  -p no:cacheprovider 2>&1 | tee "$out/with-process.txt" | grep -E -A3 "Processes|passed|failed|Error"
[ "${PIPESTATUS[0]}" = 0 ] || fail "the GPU screen with another process on the card"

echo "--- homelab-tui agent on the GPU host"
info=$(mktemp)
python3 -m homelab_tui demo-server --workdir "$(mktemp -d)" >"$info" & demo=$!
for _ in $(seq 60); do [ -s "$info" ] && break; sleep 0.5; done
read -r kubeconfig config < <(python3 -c "import json, sys; d = json.load(open(sys.argv[1])); \
print(d['kubeconfig'], d['config'])" "$info") || fail "demo-server did not start"
python3 -m homelab_tui agent --kubeconfig "$kubeconfig" --config "$config" 2>"$out/agent-stderr.txt" & agent=$!
sleep 4
for n in 1 2; do
  # the demo lab has storage warnings: check exits 1 (WARNING), so its JSON, not its exit code, is judged
  python3 -m homelab_tui check --kubeconfig "$kubeconfig" --config "$config" --json --only gpu,storage \
    >"$out/check-agent.json"
  python3 -c "import json, sys; d = json.load(sys.stdin); print('check $n: agent', d['agent'], 'state', \
d['state'], 'gpu', d['sources']['gpu']); sys.exit(0 if d['agent'] and d['sources']['gpu']['name'] == 'nvml' \
and d['sources']['gpu']['ok'] else 1)" <"$out/check-agent.json" || fail "check $n through the agent did not read NVML"
  sleep 2
done
kill -TERM $agent; wait $agent || fail "the agent exited $? on SIGTERM"
echo "agent stopped; its stderr: $(cat "$out/agent-stderr.txt")"
kill $holder $demo 2>/dev/null; wait 2>/dev/null
echo "gpu-host-check: $([ $rc = 0 ] && echo PASSED || echo FAILED)"
exit $rc
