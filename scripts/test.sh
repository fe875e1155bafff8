#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, type-checks,
# runs every suite (wasm, room-server, library, e2e) and ends on one line
# "N passed, N failed" summing them all. Exit code non-zero on any failure.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

ensure_node_modules
ensure_ion_sfu
ensure_chromium
ensure_firefox
ensure_redis
ensure_ffmpeg
ensure_nginx_rtmp
ensure_audio_tools
log "Chromium: $CHROME_BIN"
log "Firefox: ${FIREFOX_BIN:-none (E2E_BROWSERS=${E2E_BROWSERS:-})}"

results="$ROOT/.test-results"
rm -rf "$results"
mkdir -p "$results"

build_wasm
build_server
build_app

suites=(typecheck wasm room-server packaging lib e2e)
for suite in "${suites[@]}"; do
  printf '\n\033[1m== %s ==\033[0m\n' "$suite"
  case "$suite" in
    typecheck)
      node scripts/typecheck.mjs
      ;;
    lib)
      TEST_RESULT_FILE="$results/lib.json" npx ng test ngx-trtc --watch=false --no-progress
      ;;
    *)
      node scripts/run-jasmine.mjs "$suite"
      ;;
  esac
  echo "[$suite] exit $?" >> "$results/exits.txt"
done

node scripts/summarize-tests.mjs "$results" "${suites[@]}"
