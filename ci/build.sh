#!/usr/bin/env bash
# Configures and builds loadgen with warnings as errors.
#   ci/build.sh            -> build/        (RelWithDebInfo)
#   ci/build.sh asan       -> build-asan/   (Debug, AddressSanitizer + UndefinedBehaviorSanitizer)
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
jobs=$(nproc 2>/dev/null || echo 2)
case "$kind" in
  release) dir=build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DLG_ENABLE_ASAN=ON -DLG_ENABLE_UBSAN=ON) ;;
  *) echo "usage: $0 [release|asan]" >&2; exit 2 ;;
esac
cmake -S . -B "$dir" -DLG_WARNINGS_AS_ERRORS=ON "${flags[@]}" >/dev/null
cmake --build "$dir" -j "$jobs"
