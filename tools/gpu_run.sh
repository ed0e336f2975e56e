#!/usr/bin/env bash
# One call on the GPU machine (see README, "GPU"): build, GPU checks, the engine's speed and the
# Hugging Face peer in the same run; logs and tables under $OUT.
#   bash .device/run.sh 'GRIFFIN_SHARED_DATA=$PWD/.fixtures/gpu bash tools/gpu_run.sh'
set -o pipefail
OUT=${OUT:-/tmp/gpu_out}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/gpu.txt"
start=$(date +%s)
deno task build 2>&1 | tail -3 | tee "$OUT/build.log"
echo "build: $(($(date +%s) - start)) s" | tee -a "$OUT/build.log"
timeout "${TEST_SECONDS:-150}" deno test --allow-all gpu/ 2>&1 | tee "$OUT/test_gpu.log" |
  grep -E "ok \||FAILED|rel error|error:|Error" | tail -30
timeout "${BENCH_SECONDS:-220}" deno run --allow-all bench/engine_speed.ts --out "$OUT" \
  ${BENCH_ARGS:-} 2>&1 | tee "$OUT/bench_engine.log" | tail -22
if [ "${PEER_SECONDS:-0}" -gt 0 ]; then
  timeout "$PEER_SECONDS" python3 tools/peer_bench/hf_griffin_bench.py ${PEER_ARGS:---shapes llama2-7b} \
    --out "$OUT/peer.json" 2>&1 | tee "$OUT/peer.log" | tail -15
fi
echo "total: $(($(date +%s) - start)) s"
