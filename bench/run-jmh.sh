#!/usr/bin/env bash
# JMH benchmarks in one run: pickle-simulation throughput, whole-file SafeModelLoader.verify (CRC on/off),
# and the JDK SHA-256 / CRC-32 baselines over the same files. Prints a summary with MB/s and ratios.
#
#   bench/run-jmh.sh                      # all of the above, about 13 minutes on 2 cores
#   bench/run-jmh.sh '^dev.safeload.bench.VerifyBenchmark'   # JMH benchmark regexps, as for benchmarks.jar
#
# Two JMH passes: (1) PickleThroughputBenchmark, VerifyBenchmark and DigestBaselineBenchmark (or the
# regexps given) in forks with a fixed 1 GB heap; (2) unless SKIP_64M=1 or regexps are given,
# VerifyBenchmark again in forks with -Xmx64m, the heap the targets are stated for.
#
# Environment: SAFELOAD_BENCH_DIR (inputs, default /tmp/safeload-bench), OUT (JSON of pass 1, default
# /tmp/safeload-jmh-<time>.json; pass 2 writes <OUT minus .json>-64m.json), JMH_OPTS (default
# "-f 1 -wi 5 -w 3s -i 5 -r 4s -prof gc"; the gc profiler adds allocated bytes per operation).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=cpu-noise.sh
source bench/cpu-noise.sh
DIR=${SAFELOAD_BENCH_DIR:-/tmp/safeload-bench}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${OUT:-/tmp/safeload-jmh-$STAMP.json}
OUT64=${OUT%.json}-64m.json
LOG=${OUT%.json}.log
JMH_OPTS=${JMH_OPTS:--f 1 -wi 5 -w 3s -i 5 -r 4s -prof gc}
PROPS="-Dsafeload.bench.dir=$DIR -Dorg.slf4j.simpleLogger.defaultLogLevel=warn"

echo "== build (mvn -q -B -DskipTests package -pl safeload-bench -am)"
mvn -q -B -DskipTests package -pl safeload-bench -am

if [[ ! -f "$DIR/many_small_200k.pt" || ! -f "$DIR/resnet50_sd.pt" ]]; then
  echo "== generating benchmark inputs into $DIR (torch via /usr/bin/python3)"
  /usr/bin/python3 fixtures/generate_bench.py "$DIR"
fi

# Runs benchmarks.jar with the given arguments, appending to $LOG. Another JMH run on this box (JMH holds
# /tmp/jmh.lock while it runs) would distort the figures, so wait for it: retry every 30 s, up to 30 min.
run_jmh() {
  local attempt rc
  for attempt in $(seq 60); do
    rc=0
    [[ -n ${_NOISE_STARTED:-} ]] || noise_start  # the CPU-noise window starts with the first real run
    java -jar safeload-bench/target/benchmarks.jar "$@" 2>&1 | tee "$LOG.part" || rc=$?
    if grep -q "Unable to acquire the JMH lock" "$LOG.part"; then
      [[ $attempt == 1 ]] && echo "another JMH run holds /tmp/jmh.lock; waiting for it (up to 30 min)"
      sleep 30
      continue
    fi
    _NOISE_STARTED=1
    cat "$LOG.part" >>"$LOG"
    rm -f "$LOG.part"
    return $rc
  done
  echo "gave up waiting for /tmp/jmh.lock" >&2
  return 1
}

: >"$LOG"
echo "== JMH pass 1, -Xms1g -Xmx1g: $JMH_OPTS -> $OUT (log $LOG)"
# Default: this module's three benchmark classes only (the module also holds other formats' benchmarks).
MINE='^dev\.safeload\.bench\.(PickleThroughputBenchmark|VerifyBenchmark|DigestBaselineBenchmark)\.'
if [[ $# -eq 0 ]]; then set -- "$MINE"; DEFAULT=1; else DEFAULT=0; fi
# shellcheck disable=SC2086  # JMH_OPTS is a list of options
run_jmh $JMH_OPTS -jvmArgsAppend "-Xms1g -Xmx1g $PROPS" -rf json -rff "$OUT" "$@"
if [[ $DEFAULT == 1 && ${SKIP_64M:-0} != 1 ]]; then
  echo "== JMH pass 2, VerifyBenchmark with -Xmx64m -> $OUT64"
  # shellcheck disable=SC2086
  run_jmh $JMH_OPTS -jvmArgsAppend "-Xmx64m $PROPS" -rf json -rff "$OUT64" '^dev\.safeload\.bench\.VerifyBenchmark\.'
else
  echo "[]" >"$OUT64"
fi
noise_report

echo
echo "== summary ($(nproc) cores, $(java -version 2>&1 | head -1), $(date -u +%F))"
/usr/bin/python3 bench/jmh-summary.py "$OUT" "$OUT64" "$DIR"
echo
echo "JSON: $OUT $OUT64"
