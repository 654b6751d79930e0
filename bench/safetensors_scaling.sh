#!/usr/bin/env bash
# Does safetensors verification time depend on the data size? It should not: safeload reads the 8-byte
# length and the JSON header, checks the declared byte ranges against the file size, and never reads the
# tensor data (no hashing). This writes three files with the same header shape (8 F32 tensors of shape
# [rows, 1024]) and about 10 MB, 100 MB and 1 GB of data, verifies each RUNS times in one JVM (-Xmx64m)
# after a warm-up, and prints the medians, with one sha256sum of each file for scale. The files are
# deleted at the end (KEEP=1 keeps them).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${SAFELOAD_SCALING_DIR:-/tmp/safeload-safetensors-scaling}
RUNS=${RUNS:-25}
WARMUP=${WARMUP:-20}

mvn -B -q -DskipTests -pl safeload-api,safeload-core,safeload-bench package   # package only: never install

mkdir -p "$DIR"
if [ "${KEEP:-0}" != 1 ]; then
  trap 'rm -rf "$DIR"' EXIT
fi

write() { # FILE ROWS: 8 tensors "layer.<i>.weight", F32 [ROWS, 1024], zeros, header padded to 8 bytes
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, struct, sys
path, rows = sys.argv[1], int(sys.argv[2])
tensor_bytes = rows * 1024 * 4
header = {"__metadata__": {"format": "pt"}}
for i in range(8):
    header[f"layer.{i}.weight"] = {"dtype": "F32", "shape": [rows, 1024],
                                   "data_offsets": [i * tensor_bytes, (i + 1) * tensor_bytes]}
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
chunk = b"\0" * (1 << 24)
with open(path, "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text)
    left = 8 * tensor_bytes
    while left:
        n = min(left, len(chunk))
        f.write(chunk[:n])
        left -= n
PY
}

# rows * 1024 * 4 bytes * 8 tensors: 320 rows = 10 MiB, 3,200 = 100 MiB, 32,768 = 1 GiB
write "$DIR/data_10MiB.safetensors" 320
write "$DIR/data_100MiB.safetensors" 3200
write "$DIR/data_1GiB.safetensors" 32768
ls -l "$DIR"

echo
echo "safeload, in-process, -Xmx64m, median of $RUNS after $WARMUP warm-up rounds:"
java -Xmx64m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp safeload-bench/target/benchmarks.jar \
  dev.safeload.bench.SafetensorsScaling --runs "$RUNS" --warmup "$WARMUP" \
  "$DIR/data_10MiB.safetensors" "$DIR/data_100MiB.safetensors" "$DIR/data_1GiB.safetensors"

echo
echo "for scale, one sha256sum of each file (page cache warm):"
for f in "$DIR"/data_10MiB.safetensors "$DIR"/data_100MiB.safetensors "$DIR"/data_1GiB.safetensors; do
  s=$(date +%s.%N); sha256sum "$f" >/dev/null; e=$(date +%s.%N)
  printf "  %-26s %8.3f s\n" "$(basename "$f")" "$(echo "$e - $s" | bc -l)"
done
