"""Sums an Nsight Compute CSV (gpu__time_duration.sum, dram__bytes_read.sum) by kernel name.

    python3 tools/ncu_summary.py ncu.csv [--from-last KERNEL]

Prints, per kernel: launches, mean µs, mean MB read from DRAM and GB/s, then the total. With
--from-last, only the launches from the last launch of KERNEL on (e.g. embed_kernel: the last
decoding step of a run).
"""
import csv
import sys
from collections import defaultdict

UNITS = {"nsecond": 1e-9, "usecond": 1e-6, "msecond": 1e-3, "second": 1.0, "ns": 1e-9, "us": 1e-6, "ms": 1e-3,
         "byte": 1.0, "Kbyte": 1e3, "Mbyte": 1e6, "Gbyte": 1e9, "KB": 1e3, "MB": 1e6, "GB": 1e9}


def main(path, from_last=None):
    lines = open(path, errors="replace").read().splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith('"ID"')), None)
    if start is None:
        print("no Nsight Compute rows in", path)
        print("\n".join(lines[-15:]))
        return
    seconds, data, launches = defaultdict(float), defaultdict(float), defaultdict(set)
    rows = list(csv.DictReader(lines[start:]))
    if from_last:
        ids = [int(row["ID"]) for row in rows if from_last in row["Kernel Name"]]
        if not ids:
            print("no launch of", from_last, "in", path)
            return
        rows = [row for row in rows if int(row["ID"]) >= ids[-1]]
    for row in rows:
        name = row["Kernel Name"].split("(")[0].split("<")[0].replace("void ", "").replace("gf::", "")
        value = float(row["Metric Value"].replace(",", "")) * UNITS.get(row["Metric Unit"], 1.0)
        if row["Metric Name"] == "gpu__time_duration.sum":
            seconds[name] += value
        elif row["Metric Name"] == "dram__bytes_read.sum":
            data[name] += value
        launches[name].add(row["ID"])
    total_s = total_b = 0.0
    print(f"{'kernel':28} {'launches':>8} {'mean us':>9} {'mean MB':>9} {'GB/s':>7}")
    for name in sorted(seconds, key=lambda n: -seconds[n]):
        n = len(launches[name])
        total_s += seconds[name]
        total_b += data[name]
        print(f"{name:28} {n:8d} {seconds[name] / n * 1e6:9.2f} {data[name] / n / 1e6:9.2f}"
              f" {data[name] / seconds[name] / 1e9:7.0f}")
    print(f"{'total':28} {'':8} {total_s * 1e6:9.1f} {total_b / 1e6:9.1f} {total_b / total_s / 1e9:7.0f}")


if __name__ == "__main__":
    after = sys.argv[sys.argv.index("--from-last") + 1] if "--from-last" in sys.argv else None
    main(sys.argv[1], after)
