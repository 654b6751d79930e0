#!/usr/bin/env bash
# Legacy torch.save verification time against data size: three legacy checkpoints with the same eight
# tensors, scaled to about 10 MB, 100 MB and 1 GB. Verification reads the pickles and each storage's
# 8-byte count, never the data, so the times should not grow with the size. Files go to $DIR and are
# deleted afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${SAFELOAD_BENCH_DIR:-/tmp/safeload-legacy-scaling}
mkdir -p "$DIR"
mvn -B -q -DskipTests -pl safeload-api,safeload-core,safeload-bench -am package
/usr/bin/python3 - "$DIR" <<'PY'
import sys, torch
d = sys.argv[1]
for label, mb in (("10mb", 10), ("100mb", 100), ("1gb", 1024)):
    n = mb * (1 << 20) // 4 // 8          # float32 elements per tensor, eight tensors
    sd = {f"layer{i}.weight": torch.zeros(n) for i in range(8)}
    torch.save(sd, f"{d}/legacy_{label}.pt", _use_new_zipfile_serialization=False)
PY
ls -l "$DIR"
java -Xmx64m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp safeload-bench/target/benchmarks.jar \
  dev.safeload.bench.VerifyMain --no-crc "$DIR"/legacy_10mb.pt "$DIR"/legacy_100mb.pt "$DIR"/legacy_1gb.pt
rm -f "$DIR"/legacy_*.pt
