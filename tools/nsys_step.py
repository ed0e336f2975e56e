"""Where one decoding step's time goes, from an Nsight Systems GPU trace of the CUDA graph.

    nsys profile --cuda-graph-trace=node -t cuda -o decode deno run -A bench/engine_speed.ts \
      --shapes llama2-7b --densities 1 --new-tokens 16
    nsys stats --report cuda_gpu_trace --format csv -o trace decode.nsys-rep
    python3 tools/nsys_step.py trace_cuda_gpu_trace.csv

Takes the last decoding step (from a one-block embed_kernel to the LM head), names each kernel by
its place in the layer (q/k/v, attention, o, gate/up, down), and prints per kind: launches, mean
µs each kernel ran, and the µs it added to the step's wall time (the part of it not overlapped by
the kernel before, under programmatic dependent launch), then the step's wall time.
"""
import csv
import sys
from collections import defaultdict

LAYER = ["q/k/v gemv", "attention", "o gemv", "gate/up", "down"]


def short(name):
    return name.split("(")[0].split("<")[0].replace("void ", "").replace("gf::", "")


def main(path):
    lines = open(path, errors="replace").read().splitlines()
    start = next((i for i, line in enumerate(lines) if "Start" in line and "Name" in line), None)
    if start is None:
        print("no trace rows in", path)
        return
    rows = []
    for row in csv.DictReader(lines[start:]):
        name = row.get("Name", "")
        if "kernel" not in name and "nvjet" not in name:
            continue
        begin = float(row["Start (ns)"].replace(",", ""))
        rows.append((begin, begin + float(row["Duration (ns)"].replace(",", "")), short(name),
                     row.get("GrdX", "")))
    rows.sort()
    # a decoding step opens with the one-block embed_kernel and runs to the next embed
    opens = [i for i, r in enumerate(rows) if r[2] == "embed_kernel" and r[3].strip() == "1"]
    steps = [(a, b) for a, b in zip(opens, opens[1:])]
    if not steps:
        print("no decoding step found")
        return
    a, b = steps[-1]
    step = rows[a:b]
    kinds = []
    layer_at = 0
    for r in step:
        if r[2] == "embed_kernel":
            kinds.append("embed")
        elif r[2] in ("gemv_kernel", "attention_split_kernel", "gate_up_kernel", "down_kernel"):
            kind = LAYER[layer_at % 5]
            kinds.append(kind)
            layer_at += 1
        else:
            kinds.append(r[2])
    if kinds and kinds[-1] == "q/k/v gemv" and layer_at % 5 == 1:
        kinds[-1] = "lm head"
    ran, added, count = defaultdict(float), defaultdict(float), defaultdict(int)
    end = step[0][0]
    for (begin, finish, _, _), kind in zip(step, kinds):
        ran[kind] += finish - begin
        added[kind] += max(0.0, finish - max(end, begin))
        count[kind] += 1
        end = max(end, finish)
    wall = end - step[0][0]
    print(f"{'kernel':<16}{'launches':>9}{'mean us':>10}{'added us':>10}{'share':>8}")
    for kind in sorted(ran, key=lambda k: -added[k]):
        print(f"{kind:<16}{count[kind]:>9}{ran[kind] / count[kind] / 1e3:>10.2f}"
              f"{added[kind] / 1e3:>10.1f}{100 * added[kind] / wall:>7.1f}%")
    print(f"step wall {wall / 1e3:.1f} us over {len(step)} kernels")


if __name__ == "__main__":
    main(sys.argv[1])
