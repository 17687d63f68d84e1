#!/usr/bin/env bash
# Installs the Debian packages loadgen needs to build, test and benchmark.
# Idempotent: runs apt-get update once (only when something is missing), then installs
# only the packages that are not installed yet. Needs root (or sudo).
set -euo pipefail

# Build and unit-test dependencies.
BUILD_PKGS=(build-essential cmake pkg-config git libuv1-dev node-llhttp nlohmann-json3-dev catch2
  libssl-dev openssl ca-certificates
  libboost-dev libboost-filesystem-dev libjs-chart.js
  python3 python3-yaml)  # tests/docs: the Kubernetes example is parsed and checked offline
# The embedded stack: run as child processes by loadgen and by the stack tests, never as services.
STACK_PKGS=(haproxy nginx-light mariadb-server php-fpm php-mysql stress-ng)  # stress-ng: the cpu fault
# Tests only (--test, what ci/test.sh asks for): headless Chromium renders the HTML reports and
# the browser tests check every chart was drawn (ctest label "browser").
TEST_PKGS=(chromium)
# Peers for side-by-side benchmarks, and the static web server they target.
BENCH_PKGS=(wrk util-linux procps python3)

want=("${BUILD_PKGS[@]}" "${STACK_PKGS[@]}")
case "${1:-}" in
  --bench) want+=("${BENCH_PKGS[@]}") ;;
  --test) want+=("${TEST_PKGS[@]}") ;;
  "") ;;
  *) echo "usage: $0 [--bench | --test]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
echo "ci/install-deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Services must never auto-start from a package install: loadgen runs them as child processes.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
fi
$SUDO apt-get update -q >/dev/null
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
