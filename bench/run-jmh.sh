#!/usr/bin/env bash
# JMH benchmarks: pickle throughput, whole-file verification, and the JDK SHA-256 baseline over the same
# files, all in one run. Writes JSON to ${OUT:-/tmp/safeload-jmh.json} and prints a summary with ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${SAFELOAD_BENCH_DIR:-/tmp/safeload-bench}
OUT=${OUT:-/tmp/safeload-jmh.json}
mvn -B -q -DskipTests install
/usr/bin/python3 fixtures/generate_bench.py "$DIR"
java -Dsafeload.bench.dir="$DIR" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -jar safeload-bench/target/benchmarks.jar \
  -f 1 -wi 3 -i 5 -w 2s -r 2s -rf json -rff "$OUT" "${@:-.*}" | tee /tmp/safeload-jmh.log
/usr/bin/python3 - "$OUT" "$DIR" <<'PY'
import json, sys, zipfile, os
results, d = json.load(open(sys.argv[1])), sys.argv[2]
score = {}
for r in results:
    key = (r["benchmark"].split(".")[-2] + "." + r["benchmark"].split(".")[-1],
           tuple(sorted(r.get("params", {}).items())))
    score[key] = (r["primaryMetric"]["score"], r["primaryMetric"]["scoreError"])
def get(bench, **p):
    return score.get((bench, tuple(sorted((k, str(v).lower() if isinstance(v, bool) else v) for k, v in p.items()))))
for f in ("resnet50_sd.pt", "many_small_200k.pt"):
    path = os.path.join(d, f)
    with zipfile.ZipFile(path) as z:
        pkl = next(n for n in z.namelist() if n.endswith("/data.pkl"))
        pkl_mb = z.getinfo(pkl).file_size / 1e6
    size_mb = os.path.getsize(path) / 1e6
    print(f"\n{f}: {size_mb:.1f} MB file, data.pkl {pkl_mb:.2f} MB")
    sim = get("PickleThroughputBenchmark.simulate", file=f)
    if sim:
        print(f"  pickle simulation      {sim[0]:8.2f} ± {sim[1]:.2f} ms  = {pkl_mb / (sim[0] / 1e3):7.1f} MB/s of data.pkl")
    sha = get("DigestBaselineBenchmark.sha256", file=f)
    if sha:
        print(f"  JDK SHA-256 baseline   {sha[0]:8.2f} ± {sha[1]:.2f} ms  = {size_mb / (sha[0] / 1e3):7.1f} MB/s")
    for crc in ("true", "false"):
        v = get("VerifyBenchmark.verify", file=f, crc=crc)
        if v:
            ratio = f"  = {v[0] / sha[0]:.2f}x SHA-256 of the file" if sha else ""
            print(f"  verify (crc={crc:5})     {v[0]:8.2f} ± {v[1]:.2f} ms{ratio}")
PY
