#!/usr/bin/env bash
# Hashing figures for integrity checks, each against a baseline measured in the same run:
#  1. a 1 GiB safetensors file verified with a SHA-256 pin, in-process (median of RUNS), against
#     `openssl dgst -sha256` on the same file (median of RUNS whole processes) and the JDK's bare
#     MessageDigest loop; the ratio safeload/openssl is reported as openssl time / safeload time.
#  2. a 4-shard model directory (4 x 256 MiB safetensors, pinned by a sha256sum file) verified with one
#     hashing thread (shards one after the other) and with one thread per core.
# Page cache warm (every file is read once first). Files are deleted at the end unless KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${SAFELOAD_HASH_DIR:-/tmp/safeload-hashing}
RUNS=${RUNS:-7}

mvn -B -q -DskipTests -pl safeload-api,safeload-core,safeload-bench package   # package only: never install
mkdir -p "$DIR/shards"
if [ "${KEEP:-0}" != 1 ]; then
  trap 'rm -rf "$DIR"' EXIT
fi

write() { # FILE MIB: one U8 tensor of random bytes, so nothing about the content helps the hash
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, os, struct, sys
path, mib = sys.argv[1], int(sys.argv[2])
n = mib << 20
text = json.dumps({"data": {"dtype": "U8", "shape": [n], "data_offsets": [0, n]}}, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
with open(path, "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text)
    for _ in range(mib // 16):
        f.write(os.urandom(16 << 20))
PY
}
[ -f "$DIR/one_GiB.safetensors" ] || write "$DIR/one_GiB.safetensors" 1024
for i in 1 2 3 4; do
  [ -f "$DIR/shards/model-0000$i-of-00004.safetensors" ] || write "$DIR/shards/model-0000$i-of-00004.safetensors" 256
done
cat "$DIR/one_GiB.safetensors" "$DIR"/shards/* > /dev/null
. bench/cpu-noise.sh; noise_start

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "openssl dgst -sha256 on the 1 GiB file, whole process, median of $RUNS ($(openssl version)):"
for _ in $(seq "$RUNS"); do
  s=$(date +%s%N); openssl dgst -sha256 "$DIR/one_GiB.safetensors" > /dev/null; e=$(date +%s%N)
  echo $(( (e - s) / 1000000 ))
done | median > "$DIR/openssl_ms"
echo "  $(cat "$DIR/openssl_ms") ms"

echo
echo "safeload, in-process (java -Xmx64m, $(java -version 2>&1 | head -1)):"
java -Xmx64m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp safeload-bench/target/benchmarks.jar \
  dev.safeload.bench.HashMain file "$DIR/one_GiB.safetensors" --runs "$RUNS" | tee "$DIR/file.out"
java -Xmx64m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp safeload-bench/target/benchmarks.jar \
  dev.safeload.bench.HashMain dir "$DIR/shards" --runs "$RUNS" | tee "$DIR/dir.out"

echo
echo "whole process, median of $RUNS: java -Xmx64m -jar safeload.jar verify --sha256 HEX (JVM start included):"
mvn -B -q -DskipTests -pl safeload-cli -am package
hex=$(openssl dgst -sha256 -r "$DIR/one_GiB.safetensors" | cut -d' ' -f1)
for _ in $(seq "$RUNS"); do
  s=$(date +%s%N)
  java -Xmx64m -jar safeload-cli/target/safeload.jar verify --sha256 "$hex" "$DIR/one_GiB.safetensors" > /dev/null 2>&1
  e=$(date +%s%N); echo $(( (e - s) / 1000000 ))
done | median > "$DIR/cli_ms"
echo "  $(cat "$DIR/cli_ms") ms"

openssl_ms=$(cat "$DIR/openssl_ms")
safeload_ms=$(sed -n 's/^RESULT file_ms .*safeload=\([0-9.]*\).*/\1/p' "$DIR/file.out")
speedup=$(sed -n 's/^RESULT dir_ms .*speedup=\([0-9.]*\).*/\1/p' "$DIR/dir.out")
echo
printf "ratio: safeload hashing speed / openssl dgst -sha256 = %s / %s ms = %.2f (target >= 0.9)\n" \
  "$openssl_ms" "$safeload_ms" "$(echo "$openssl_ms / $safeload_ms" | bc -l)"
printf "ratio, whole processes: openssl / safeload CLI = %s / %s ms = %.2f\n" "$openssl_ms" "$(cat "$DIR/cli_ms")" \
  "$(echo "$openssl_ms / $(cat "$DIR/cli_ms")" | bc -l)"
printf "ratio: 4 shards in parallel vs one after the other = %sx (target >= 1.7)\n" "$speedup"
noise_report
