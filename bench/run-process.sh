#!/usr/bin/env bash
# Whole-process benchmark: safeload's verify as a one-shot command with a 64 MB heap (the CLI, or
# dev.safeload.bench.VerifyMain --once when safeload-cli/target/safeload.jar is missing), against same-run
# references on the same files: openssl dgst -sha256, and torch.load(weights_only=True) in Debian's python3.
# Wall time is the median of N runs (hyperfine when installed, else a loop); peak RSS from /usr/bin/time -v.
# Then the in-process numbers the targets are stated in: VerifyMain in one -Xmx64m JVM, warmed up, median of
# several verifications (G1 and Serial GC, CRC on and off), and torch.load timed inside one python3.
#
#   bench/run-process.sh        # about 5 minutes on 2 cores;  N=10 bench/run-process.sh for more runs
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=cpu-noise.sh
source bench/cpu-noise.sh
DIR=${SAFELOAD_BENCH_DIR:-/tmp/safeload-bench}
N=${N:-5}
read -r -a FILES <<<"${BENCH_FILES:-resnet50_sd.pt many_small_200k.pt}"
BENCH_JAR=safeload-bench/target/benchmarks.jar
CLI_JAR=safeload-cli/target/safeload.jar
QUIET=-Dorg.slf4j.simpleLogger.defaultLogLevel=warn
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/safeload-process.XXXXXX)

echo "== build"
mvn -q -B -DskipTests package -pl safeload-bench -am
if [[ -d safeload-cli ]]; then
  mvn -q -B -DskipTests package -pl safeload-cli -am || echo "(safeload-cli did not build; using VerifyMain --once)"
fi
if [[ ! -f "$DIR/many_small_200k.pt" || ! -f "$DIR/resnet50_sd.pt" ]]; then
  echo "== generating benchmark inputs into $DIR"
  $PY fixtures/generate_bench.py "$DIR"
fi

if [[ -f $CLI_JAR ]]; then
  SAFELOAD=(java -Xmx64m "$QUIET" -jar "$CLI_JAR" verify)
  SAFELOAD_NOCRC=(java -Xmx64m "$QUIET" -jar "$CLI_JAR" verify --no-crc)
  WHO="safeload CLI"
else
  SAFELOAD=(java -Xmx64m "$QUIET" -cp "$BENCH_JAR" dev.safeload.bench.VerifyMain --once)
  SAFELOAD_NOCRC=(java -Xmx64m "$QUIET" -cp "$BENCH_JAR" dev.safeload.bench.VerifyMain --once --no-crc)
  WHO="VerifyMain --once"
fi
TORCH_LOAD='import sys, torch; torch.load(sys.argv[1], weights_only=True)'

# One command line per row: label, then the command (the file is appended where it takes one).
rows() {
  local p=$1
  printf '%s\t%s\n' "$WHO -Xmx64m" "$(printf '%q ' "${SAFELOAD[@]}" "$p")"
  printf '%s\t%s\n' "$WHO -Xmx64m --no-crc" "$(printf '%q ' "${SAFELOAD_NOCRC[@]}" "$p")"
  printf '%s\t%s\n' "openssl dgst -sha256" "$(printf '%q ' openssl dgst -sha256 "$p")"
  printf '%s\t%s\n' "python3 torch.load(weights_only)" "$(printf '%q ' "$PY" -c "$TORCH_LOAD" "$p")"
}
FLOORS=$(printf '%s\t%s\n' "java -Xmx64m -version (JVM floor)" "java -Xmx64m -version"
         printf '%s\t%s\n' "python3 -c 'import torch' (floor)" "$(printf '%q ' "$PY" -c "import torch")")

median_s() { # median wall seconds of N runs of the bash command line $1
  if command -v hyperfine >/dev/null; then
    hyperfine -i --shell bash --style none --warmup 1 --runs "$N" --export-json "$WORK/h.json" "$1" >/dev/null 2>&1
    $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$WORK/h.json"
  else
    for _ in $(seq "$N"); do
      local s e; s=$(date +%s%N); bash -c "$1" >/dev/null 2>&1 || true; e=$(date +%s%N)
      echo "$(( (e - s) / 1000 ))"
    done | sort -n | awk '{a[NR]=$1} END {printf "%.6f\n", a[int((NR+1)/2)]/1e6}'
  fi
}

# One checked run under /usr/bin/time -v: exit status, peak RSS, and the first line of output that says
# what happened (a verdict, or an error such as OutOfMemoryError).
checked_run() {
  RC=0
  /usr/bin/time -v -o "$WORK/time.txt" bash -c "$1" >"$WORK/out.txt" 2>&1 || RC=$?
  RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
  NOTE=$(grep -m1 -E 'OutOfMemoryError|Exception|Error|VERIFIED|REJECTED|verdict=' "$WORK/out.txt" | cut -c1-100 || true)
}

noise_start
FMT='%-18s %-34s %9s %9s %10s %3s  %s\n'
echo
echo "== whole process: median wall time of $N runs ($(command -v hyperfine >/dev/null && echo hyperfine || echo loop)), peak RSS of one run, exit status"
printf "$FMT" file command "median s" "x openssl" "peak RSS" rc "output"
while IFS=$'\t' read -r label cmd; do
  checked_run "$cmd"
  printf "$FMT" - "$label" "$(printf %.3f "$(median_s "$cmd")")" "" "$RSS_KB KB" "$RC" ""
done <<<"$FLOORS"
for f in "${FILES[@]}"; do
  p="$DIR/$f"
  cat "$p" >/dev/null  # warm the page cache, as it is for every command below
  labels=() times=() rss=() rcs=() notes=() base=""
  while IFS=$'\t' read -r label cmd; do
    checked_run "$cmd"
    t=$(median_s "$cmd")
    labels+=("$label") times+=("$t") rss+=("$RSS_KB") rcs+=("$RC") notes+=("$NOTE")
    [[ $label == openssl* ]] && base=$t
  done < <(rows "$p")
  for k in "${!labels[@]}"; do
    ratio=$(awk -v t="${times[k]}" -v b="$base" 'BEGIN {printf "%.1f", t / b}')
    printf "$FMT" "$f" "${labels[k]}" "$(printf %.3f "${times[k]}")" "$ratio" "${rss[k]} KB" "${rcs[k]}" "${notes[k]}"
  done
done

echo
echo "== in process, one JVM, -Xmx64m: 3 warm-up verifications, then the median of 9 (VerifyMain)"
status=0
for gc in -XX:+UseG1GC -XX:+UseSerialGC; do
  for crc in "" --no-crc; do
    java -Xmx64m $gc "$QUIET" -cp "$BENCH_JAR" dev.safeload.bench.VerifyMain $crc \
      "$DIR/resnet50_sd.pt" "$DIR/many_small_200k.pt" | sed "s/^/  $gc /" || status=$?
  done
done

echo
echo "== in process, one python3: torch.load median of 5 after 1 warm-up (torch $($PY -c 'import torch; print(torch.__version__)' 2>/dev/null))"
$PY - "$DIR" "${FILES[@]}" <<'PY'
import statistics, sys, time, warnings
warnings.filterwarnings("ignore")
import torch
d, files = sys.argv[1], sys.argv[2:]
for f in files:
    for weights_only in (True, False):
        def once():
            t = time.perf_counter(); torch.load(f"{d}/{f}", weights_only=weights_only); return (time.perf_counter() - t) * 1e3
        once()
        ms = sorted(once() for _ in range(5))
        print(f"  {f:<20} torch.load(weights_only={weights_only!s:<5}) median={statistics.median(ms):9.2f}ms min={ms[0]:9.2f}ms")
PY
noise_report
rm -rf "$WORK"
exit $status
