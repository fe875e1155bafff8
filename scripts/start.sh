#!/usr/bin/env bash
# The README's start command: installs what is missing, builds, starts ion-sfu
# (signaling on 127.0.0.1 only) and room-server, which serves the conference
# app at http://localhost:8080. Ctrl-C stops every child it started, by PID.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

PORT="${PORT:-8080}"
SFU_PORT="${SFU_PORT:-7000}"
SFU_METRICS_PORT="${SFU_METRICS_PORT:-8100}"

ensure_node_modules
ensure_ion_sfu
# Recording and CDN push (egress) run ffmpeg; without it egress requests answer EGRESS_FAILED
# and the call itself is unaffected, so a failed install is reported, not fatal (subshell: die stays in it).
(ensure_ffmpeg) || log "ffmpeg not available: recording / CDN push disabled (apt-get install ffmpeg)"
build_wasm
build_server
build_app

pids=()
stop_children() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  log "stopped"
}
trap stop_children INT TERM EXIT

"$ION_SFU_BIN" -c config/ion-sfu.toml -a "127.0.0.1:$SFU_PORT" -m "127.0.0.1:$SFU_METRICS_PORT" &
pids+=($!)
log "ion-sfu pid $! on 127.0.0.1:$SFU_PORT"

ROOM_SERVER_PORT="$PORT" ROOM_SERVER_SFU_URL="ws://127.0.0.1:$SFU_PORT/ws" \
  node dist/room-server/main.js --config config/room-server.json --dev &
pids+=($!)
log "room-server pid $! — open http://localhost:$PORT (Ctrl-C stops everything)"

# Whichever child exits first ends the session, and the trap stops the other.
wait -n "${pids[@]}"
