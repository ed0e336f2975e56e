#!/usr/bin/env bash
# One call on the GPU machine (see README, "GPU"): build, GPU checks, the engine's speed, a
# decode profile, optionally the Hugging Face peer and a small sweep; logs under $OUT.
#   bash .device/run.sh 'GRIFFIN_SHARED_DATA=$PWD/.fixtures/gpu bash tools/gpu_run.sh'
set -o pipefail
OUT=${OUT:-/tmp/gpu_out}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
start=$(date +%s)
deno task build 2>&1 | tail -2 | tee "$OUT/build.log"
echo "build: $(($(date +%s) - start)) s"
timeout "${TEST_SECONDS:-150}" deno test --allow-all gpu/ 2>&1 | tee "$OUT/test_gpu.log" |
  grep -E "ok \||FAILED|DIFFERENT|rel error|error:|Error" | tail -14
timeout "${BENCH_SECONDS:-240}" deno run --allow-all bench/engine_speed.ts --out "$OUT" \
  ${BENCH_ARGS:-} 2>&1 | tee "$OUT/bench_engine.log" | tail -14
if [ "${PROFILE_SECONDS:-0}" -gt 0 ]; then
  GRIFFIN_PROFILE=1 timeout "$PROFILE_SECONDS" deno run --allow-all bench/engine_speed.ts \
    --shapes llama2-7b --new-tokens 32 --out /tmp/profile 2>&1 | grep -E "profile" | tee "$OUT/profile.log"
fi
if [ "${PEER_SECONDS:-0}" -gt 0 ]; then
  timeout "$PEER_SECONDS" python3 tools/peer_bench/hf_griffin_bench.py ${PEER_ARGS:---shapes llama2-7b} \
    --out "$OUT/peer.json" 2>&1 | tee "$OUT/peer.log" | tail -8
fi
if [ -n "${SWEEP:-}" ]; then
  timeout "${SWEEP_SECONDS:-150}" deno task bench "$SWEEP" --out /tmp/sweep --plain 2>&1 | tail -6
  cp /tmp/sweep/records.jsonl /tmp/sweep/report.html "$OUT/" 2>/dev/null
fi
echo "total: $(($(date +%s) - start)) s"
