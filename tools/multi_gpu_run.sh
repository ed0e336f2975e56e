#!/usr/bin/env bash
# Issue #9 in one call on nvidia-h200-x2: the same sweep on GPUs 0,1 and on GPU 0 alone (wall
# times side by side), then the sweep again on both GPUs with a worker on GPU 1 killed mid-run.
# Logs and stores under $OUT.
#   bash .device/run.sh 'GRIFFIN_DATA=$PWD/.h200data bash tools/multi_gpu_run.sh'
set -o pipefail
OUT=${OUT:-/tmp/multi_out}
SWEEP=${SWEEP:-sweeps/h200_multi.jsonc}
mkdir -p "$OUT"
nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader | tee "$OUT/gpus.log"
deno task build 2>&1 | tail -1
now() { date +%s.%N; }
sweep() { # name gpus
  local t0 t1
  t0=$(now)
  timeout 200 deno task bench "$SWEEP" --out "/tmp/$1" --gpus "$2" --plain >"$OUT/$1.log" 2>&1
  local rc=$?
  t1=$(now)
  echo "$1 (--gpus $2): exit $rc, $(python3 -c "print(round($t1-$t0,1))") s wall" | tee -a "$OUT/summary.log"
  cp "/tmp/$1/records.jsonl" "$OUT/$1.jsonl"
}
sweep two 0,1
sweep one 0
# A worker on GPU 1 killed with SIGKILL once six jobs are recorded.
t0=$(now)
timeout 200 deno task bench "$SWEEP" --out /tmp/kill --gpus 0,1 --plain >"$OUT/kill.log" 2>&1 &
bench=$!
until [ "$(grep -c '"type":"job"' /tmp/kill/records.jsonl 2>/dev/null)" -ge 6 ]; do sleep 0.2; done
for p in $(pgrep -f bench/worker.ts); do
  if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx CUDA_VISIBLE_DEVICES=1; then
    kill -9 "$p" && echo "killed worker $p (CUDA_VISIBLE_DEVICES=1)" | tee -a "$OUT/summary.log"
    break
  fi
done
wait $bench
rc=$?
echo "kill (--gpus 0,1): exit $rc, $(python3 -c "print(round($(now)-$t0,1))") s wall" | tee -a "$OUT/summary.log"
cp /tmp/kill/records.jsonl "$OUT/kill.jsonl"
python3 - "$OUT" <<'PY' | tee -a "$OUT/summary.log"
import json, sys, collections
for name in ["two", "one", "kill"]:
    jobs = {}
    for line in open(f"{sys.argv[1]}/{name}.jsonl"):
        r = json.loads(line)
        if r.get("type") == "job": jobs[r["jobId"]] = r
    status = collections.Counter(r["status"] for r in jobs.values())
    workers = collections.Counter(r["worker"].split("#")[0] for r in jobs.values())
    retried = [(r["model"]["label"], r["task"]["name"], r["density"], r["attempt"], r["worker"])
               for r in jobs.values() if r["attempt"] > 1]
    print(name, dict(status), "by GPU", dict(workers), "retried", retried)
PY
