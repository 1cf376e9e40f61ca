#!/usr/bin/python3
"""Summarises bench/out/infer.txt (lines written by Program.cs and torch_infer.py, several rounds per tool and batch):
per tool and batch, over all timed runs of all rounds: median and p90 wall latency of one batch, images/s (batch /
median), median process CPU time per batch; then ONNX Runtime ÷ each peer (time ratios: < 1 means ONNX Runtime is
faster) for wall and for CPU time. p90 = the value at rank round(0.9 (n - 1)) of the sorted runs."""
import statistics
import sys
from collections import defaultdict

runs = defaultdict(lambda: {"wall": [], "cpu": [], "version": ""})
order = []
for line in open(sys.argv[1]):
    fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
    if "tool" not in fields:
        continue
    key = (fields["tool"], int(fields["batch"]))
    if key not in runs:
        order.append(key)
    runs[key]["wall"] += [float(v) for v in fields["wall_ms"].split(",")]
    runs[key]["cpu"] += [float(v) for v in fields["cpu_ms"].split(",")]
    runs[key]["version"] = fields["version"]
    runs[key]["threads"] = fields["threads"]


def p90(values):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(0.9 * (len(s) - 1))))]


summary = {}
print("tool batch: runs | median ms | p90 ms | images/s | median CPU ms per batch | version")
for tool, batch in sorted(order, key=lambda k: (k[1], k[0] != "ort", k[0])):
    r = runs[(tool, batch)]
    med, cpu = statistics.median(r["wall"]), statistics.median(r["cpu"])
    summary[(tool, batch)] = (med, cpu)
    print(f"{tool} {batch}: {len(r['wall'])} | {med:.1f} | {p90(r['wall']):.1f} | {batch * 1000 / med:.2f} | {cpu:.1f} | {r['version']} ({r['threads']} threads)")
print()
print("ort / peer, batch: wall-time ratio | CPU-time ratio  (< 1: ONNX Runtime faster; speed-up = 1 / ratio)")
for tool, batch in sorted(order, key=lambda k: (k[1], k[0])):
    if tool == "ort" or ("ort", batch) not in summary:
        continue
    (ow, oc), (pw, pc) = summary[("ort", batch)], summary[(tool, batch)]
    print(f"ort/{tool}, batch {batch}: {ow / pw:.3f} (x{pw / ow:.2f}) | {oc / pc:.3f} (x{pc / oc:.2f})")
