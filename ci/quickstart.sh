#!/usr/bin/env bash
# The main job (README "Quick start"): installs what is missing, builds loadgen, starts a
# local nginx serving a small static file on 127.0.0.1, runs scenarios/local-static.json
# against it, and prints where the results are. nginx runs as a child of this script and is
# stopped on every path out. (Until the embedded stack lands, this is the system under test.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh --bench
bash ci/build.sh release >/dev/null

run=$(mktemp -d /tmp/loadgen-quickstart.XXXXXX)
nginx_pid=""
cleanup() {
  if [[ -n $nginx_pid ]]; then
    kill -QUIT "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  rm -rf "$run"
}
trap cleanup EXIT INT TERM

bash bench/static-nginx.sh "$run" 18080 &
nginx_pid=$!
for _ in $(seq 100); do
  [[ -s $run/nginx.pid ]] && break
  kill -0 "$nginx_pid" 2>/dev/null || { echo "nginx failed to start:"; cat "$run"/error.log; exit 3; }
  sleep 0.05
done

out=${OUT:-results/quickstart}
set +e
build/loadgen/app/loadgen scenarios/local-static.json --out "$out"
code=$?
set -e
echo "loadgen exited with $code; result: $out/result.json"
exit $code
