#!/usr/bin/env bash
# The test command (README "Quick start", and what .ci/run calls): installs what is missing,
# builds with warnings as errors, runs every test; then runs them again under ASan + UBSan.
# Tests only ever send load to 127.0.0.1, bounded in count and time.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh --test
jobs=$(nproc 2>/dev/null || echo 2)

echo "== build (warnings are errors)"
bash ci/build.sh release
# catch_discover_tests splits names at ';' and CMake lists treat '[' ']' as brackets: such a
# name silently merges several tests into one entry that runs none of them.
if ctest --test-dir build -N | grep -E '^ +Test +#[0-9]+: .*[][;]'; then
  echo "test names above contain ';', '[' or ']': rename them" >&2
  exit 1
fi
echo "== tests"
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== build with AddressSanitizer + UndefinedBehaviorSanitizer"
bash ci/build.sh asan
echo "== tests under ASan + UBSan (unit, loop and cli; the real-stack and browser tests ran above)"
# The stack tests judge real timing (autoscaler reaction, cooldowns); sanitizer slowdown would
# make them measure the sanitizer, so they run in the plain build only. The browser test spends
# its seconds in an uninstrumented Chromium; the rendering it checks runs under the sanitizers
# in tests_reports (html_report_test.cpp).
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE 'stack|browser'
