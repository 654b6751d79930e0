#!/usr/bin/env bash
# Whole-process benchmark: the CLI as a CI job runs it, with a 64 MB heap, against same-run baselines
# (openssl dgst -sha256 over the same file, and torch.load as the reference loader). Medians of N runs.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${SAFELOAD_BENCH_DIR:-/tmp/safeload-bench}
N=${N:-5}
mvn -B -q -DskipTests install
/usr/bin/python3 fixtures/generate_bench.py "$DIR"
JAR=safeload-cli/target/safeload.jar
BENCH=safeload-bench/target/benchmarks.jar

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
wall() { # wall-clock seconds of one run of "$@", output discarded
  local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
rss() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }

printf "%-20s %-44s %10s %10s\n" file command "median s" "peak RSS"
for f in resnet50_sd.pt many_small_200k.pt; do
  p="$DIR/$f"
  cat "$p" > /dev/null   # page cache, as for every command below
  for label in "safeload CLI -Xmx64m" "safeload CLI -Xmx64m --no-crc" "openssl dgst -sha256" "torch.load weights_only"; do
    case "$label" in
      "safeload CLI -Xmx64m") cmd=(java -Xmx64m -jar "$JAR" verify "$p") ;;
      "safeload CLI -Xmx64m --no-crc") cmd=(java -Xmx64m -jar "$JAR" verify --no-crc "$p") ;;
      "openssl dgst -sha256") cmd=(openssl dgst -sha256 "$p") ;;
      "torch.load weights_only") cmd=(/usr/bin/python3 -c "import torch,sys; torch.load(sys.argv[1], weights_only=True)" "$p") ;;
    esac
    times=$(for _ in $(seq "$N"); do wall "${cmd[@]}"; done | median)
    printf "%-20s %-44s %10.3f %9s KB\n" "$f" "$label" "$times" "$(rss "${cmd[@]}")"
  done
done
echo
echo "In-process, one JVM, -Xmx64m (median of 7 after 3 warm-up verifications):"
for gc in "-XX:+UseSerialGC" "-XX:+UseG1GC"; do
  for crc in "" "--no-crc"; do
    java -Xmx64m $gc -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$BENCH" dev.safeload.bench.VerifyMain $crc \
      "$DIR/resnet50_sd.pt" "$DIR/many_small_200k.pt" | sed "s/^/  $gc /"
  done
done
