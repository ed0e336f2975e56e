#!/usr/bin/env bash
# One call on the GPU machine (see README, "GPU"): build, GPU checks, the engine's speed, and
# optionally a decode profile (PROFILE_SECONDS), Nsight Compute per kernel (NCU_SECONDS), the
# decoding kernels against plain reads (LAB=1, tools/stream_lab.cu), the
# engine's speed with switches changed (AB_ENV, e.g. "GRIFFIN_PDL=0;GRIFFIN_COMPACT=1"), the Hugging Face peer
# (PEER_SECONDS, PEER_ARGS) and a small sweep (SWEEP); logs under $OUT.
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
if [ "${NCU_SECONDS:-0}" -gt 0 ]; then # one decoding step's kernels (d=1), timed by Nsight Compute
  ncu=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu /usr/local/cuda/bin/ncu 2>/dev/null | head -1)
  timeout "$NCU_SECONDS" "$ncu" --clock-control none --graph-profiling node --csv \
    -k 'regex:gemv|gate_up|down_kernel|attention_split|attention_decode' --launch-skip 400 --launch-count 161 \
    --metrics gpu__time_duration.sum,dram__bytes_read.sum deno run --allow-all bench/engine_speed.ts \
    --shapes llama2-7b --new-tokens 8 --out /tmp/ncu >"$OUT/ncu.csv" 2>&1
  python3 tools/ncu_summary.py "$OUT/ncu.csv" | tee "$OUT/ncu_summary.log"
  # the prompt phase's first layer, every kernel
  timeout "$NCU_SECONDS" "$ncu" --clock-control none --csv --launch-skip 39 --launch-count 24 \
    --metrics gpu__time_duration.sum,dram__bytes_read.sum deno run --allow-all bench/engine_speed.ts \
    --shapes llama2-7b --new-tokens 8 --out /tmp/ncu >"$OUT/ncu_prompt.csv" 2>&1
  python3 tools/ncu_summary.py "$OUT/ncu_prompt.csv" | tee -a "$OUT/ncu_summary.log"
fi
if [ -n "${LAB:-}" ]; then # the decoding kernels against plain reads of the same bytes
  nvcc -O3 -std=c++17 -arch=sm_90 -Icuda tools/stream_lab.cu cuda/build/libgriffin.so \
    -Xlinker -rpath,"$PWD/cuda/build" -o /tmp/stream_lab && /tmp/stream_lab | tee "$OUT/stream_lab.log"
fi
if [ -n "${AB_ENV:-}" ]; then # the same figures with switches changed: AB_ENV="GRIFFIN_PDL=0;GRIFFIN_COMPACT=1"
  IFS=';' read -ra settings <<<"$AB_ENV"
  for setting in "${settings[@]}"; do
    echo "== $setting" | tee -a "$OUT/bench_ab.log"
    env $setting timeout 200 deno run --allow-all bench/engine_speed.ts --out /tmp/ab ${AB_ARGS:-} \
      2>&1 | grep -E " d=|^\| [a-z]" | tee -a "$OUT/bench_ab.log"
  done
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
