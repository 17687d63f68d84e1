#!/usr/bin/env bash
# The main job (README "Quick start"): installs what is missing, builds loadgen, and runs
# scenarios/smoke.json, which brings up the embedded stack (HAProxy -> nginx/PHP-FPM
# replicas -> MariaDB, all child processes on 127.0.0.1), drives it for about 30 s, tears it
# down, and writes result.json. Prints where the result is.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
bash ci/build.sh release >/dev/null

out=${OUT:-results/smoke}
set +e
build/loadgen/app/loadgen scenarios/smoke.json --out "$out" --overwrite
code=$?
set -e
echo "loadgen exited with $code; result: $out/result.json, report: $out/report.html"
exit $code
