#!/usr/bin/python3
"""Summary of bench/run-jmh.sh results: MB/s of data.pkl, verify time as a multiple of SHA-256 / CRC-32.

    bench/jmh-summary.py PASS1.json PASS2-64m.json BENCH_DIR
"""
import json
import os
import sys
import zipfile

d = sys.argv[3]
results = json.load(open(sys.argv[1])) + [dict(r, heap64=True) for r in json.load(open(sys.argv[2]))]
ran64 = any(r.get("heap64") for r in results)
score = {}
for r in results:
    name = ".".join(r["benchmark"].split(".")[-2:]) + ("@64m" if r.get("heap64") else "")
    params = tuple(sorted(r.get("params", {}).items()))
    m = r["primaryMetric"]
    sec = r.get("secondaryMetrics", {})
    alloc = (sec.get("gc.alloc.rate.norm") or sec.get("\u00b7gc.alloc.rate.norm") or {}).get("score")
    score[(name, params)] = (m["score"], m["scoreError"], m["scoreUnit"], alloc)


def get(bench, **p):
    return score.get((bench, tuple(sorted(p.items()))))


def fmt(s):
    return f"{s[0]:9.2f} ± {s[1]:7.2f} {s[2]:<6}"


def alloc(s):
    return f" [allocates {s[3] / 1e6:.1f} MB/op]" if s[3] is not None and s[3] > 1e5 else ""


for f in ("resnet50_sd.pt", "many_small_200k.pt"):
    path = os.path.join(d, f)
    with zipfile.ZipFile(path) as z:
        root = z.infolist()[0].filename.split("/")[0]
        pkl_mb = z.getinfo(root + "/data.pkl").file_size / 1e6
        entries = len(z.infolist())
    size_mb = os.path.getsize(path) / 1e6
    print(f"\n{f}: {size_mb:.1f} MB, {entries} zip entries, data.pkl {pkl_mb:.3f} MB")
    for method, label in (("machine", "PickleMachine.run"), ("machineAndTree", "PickleMachine + TreeBuilder")):
        s = get("PickleThroughputBenchmark." + method, file=f)
        if s:
            print(f"  {label:<30} {fmt(s)} = {s[0] * pkl_mb:8.1f} MB/s of data.pkl"
                  f" ({1e3 / s[0]:.2f} ms per data.pkl){alloc(s)}")
    sha = get("DigestBaselineBenchmark.sha256", file=f)
    crc = get("DigestBaselineBenchmark.crc32", file=f)
    fresh = get("DigestBaselineBenchmark.crc32FreshMap", file=f)
    for s, label in ((sha, "JDK SHA-256 of the file"), (crc, "JDK CRC-32 of the file"),
                     (fresh, "open+map+CRC-32 per call")):
        if s:
            print(f"  {label:<30} {fmt(s)} = {size_mb / (s[0] / 1e3):8.1f} MB/s")
    for c, heap in (("true", ""), ("false", ""), ("true", "@64m"), ("false", "@64m")):
        v = get("VerifyBenchmark.verify" + heap, crc=c, file=f)
        label = f"verify, crc={c}" + (", -Xmx64m" if heap else ", 1 GB heap")
        if v:
            ratios = []
            if sha:
                ratios.append(f"{v[0] / sha[0]:.3f}x SHA-256")
            if crc:
                ratios.append(f"{v[0] / crc[0]:.2f}x CRC-32")
            print(f"  {label:<30} {fmt(v)} = {', '.join(ratios)} of the same file{alloc(v)}")
        elif heap and ran64:
            print(f"  {label:<30} NO RESULT: the benchmark failed in this pass (OutOfMemoryError?), see the log")
