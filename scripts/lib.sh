#!/usr/bin/env bash
# Shared setup for scripts/start.sh and scripts/test.sh: each `ensure_*`
# installs what is missing and says what it did. Sourced, not run.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ION_SFU_VERSION="v1.11.0"
ION_SFU_BIN="$ROOT/bin/ion-sfu"
export ION_SFU_BIN

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[31m[setup] %s\033[0m\n' "$*" >&2; exit 1; }

ensure_node() {
  command -v node >/dev/null || die "Node.js 20.19+ is required (https://nodejs.org)."
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || die "Node.js 20.19+ is required; found $(node --version)."
}

ensure_node_modules() {
  ensure_node
  local stamp="$ROOT/node_modules/.package-lock.json"
  if [ ! -d "$ROOT/node_modules" ] || [ ! -f "$stamp" ] || [ "$ROOT/package-lock.json" -nt "$stamp" ]; then
    # `npm install` honours package-lock.json. Not `npm ci`: npm 11 writes locks without
    # other platforms' optional packages (@rollup/rollup-*, …) and then `npm ci` refuses them.
    log "installing npm packages (npm install, from package-lock.json)"
    (cd "$ROOT" && npm install --no-audit --no-fund) || die "npm install failed"
  fi
}

# ion-sfu is installed with `go install` from a tiny wrapper module
# (scripts/ion-sfu-pin) that pins github.com/pion/ion-sfu at $ION_SFU_VERSION;
# see docs/ion-sfu.md for why this version and why the wrapper.
ensure_ion_sfu() {
  if [ -x "$ION_SFU_BIN" ] && [ -f "$ROOT/bin/.ion-sfu-version" ] \
     && [ "$(cat "$ROOT/bin/.ion-sfu-version")" = "$ION_SFU_VERSION" ]; then
    return 0
  fi
  command -v go >/dev/null || die "Go 1.21+ is required to install ion-sfu ($ION_SFU_VERSION): https://go.dev/dl/"
  log "installing ion-sfu $ION_SFU_VERSION with go install (first time takes a few minutes)"
  mkdir -p "$ROOT/bin"
  (cd "$ROOT/scripts/ion-sfu-pin" \
    && GOFLAGS=-mod=mod GOBIN="$ROOT/bin" go install github.com/pion/ion-sfu/cmd/signal/json-rpc) \
    || die "go install of ion-sfu failed"
  mv -f "$ROOT/bin/json-rpc" "$ION_SFU_BIN"
  echo "$ION_SFU_VERSION" > "$ROOT/bin/.ion-sfu-version"
}

# Installs Debian packages when root, waiting for apt's lock rather than failing
# when another install runs at the same time. Returns non-zero when it cannot.
apt_install() {
  [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null || return 1
  log "installing $* from Debian's packages"
  if [ -z "${_APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq || return 1
    _APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@" >/dev/null
}

# Chromium: $CHROME_BIN, else a system chromium/chrome, else Debian's
# `chromium` package when root, else a clear message.
ensure_chromium() {
  local candidate
  if [ -n "${CHROME_BIN:-}" ] && [ -x "$CHROME_BIN" ]; then export CHROME_BIN; return 0; fi
  # Debian's /usr/bin/chromium is a shell wrapper; the binary itself is preferred.
  for candidate in /usr/lib/chromium/chromium /usr/bin/chromium /usr/bin/chromium-browser \
                   /usr/bin/google-chrome /usr/bin/google-chrome-stable; do
    if [ -x "$candidate" ]; then export CHROME_BIN="$candidate"; return 0; fi
  done
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    apt_install chromium || die "apt-get install chromium failed"
    export CHROME_BIN=/usr/lib/chromium/chromium
    [ -x "$CHROME_BIN" ] || export CHROME_BIN=/usr/bin/chromium
    return 0
  fi
  die "No Chromium found. Install Chromium or Chrome and set CHROME_BIN=/path/to/chrome."
}

# Firefox ESR for the e2e browser matrix (driven over WebDriver BiDi by
# puppeteer-core; never a downloaded browser build): $FIREFOX_BIN, else a
# system firefox-esr/firefox, else Debian's `firefox-esr` package when root,
# else a clear message (the matrix then runs Chromium only, E2E_BROWSERS=chromium).
ensure_firefox() {
  local candidate
  if [ -n "${FIREFOX_BIN:-}" ] && [ -x "$FIREFOX_BIN" ]; then export FIREFOX_BIN; return 0; fi
  for candidate in /usr/bin/firefox-esr /usr/bin/firefox; do
    if [ -x "$candidate" ]; then export FIREFOX_BIN="$candidate"; return 0; fi
  done
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    apt_install firefox-esr || die "apt-get install firefox-esr failed"
    export FIREFOX_BIN=/usr/bin/firefox-esr
    [ -x "$FIREFOX_BIN" ] || die "firefox-esr installed but /usr/bin/firefox-esr is missing"
    return 0
  fi
  log "Firefox not found and not root: the e2e matrix runs Chromium only (install firefox-esr or set FIREFOX_BIN)"
  export E2E_BROWSERS="${E2E_BROWSERS:-chromium}"
}

# Redis for room-server's cluster specs (they start their own redis-server on
# loopback): $REDIS_SERVER_BIN, else redis-server on PATH, else Debian's
# `redis-server` package when root, else a clear message (those specs then
# report pending).
ensure_redis() {
  if [ -n "${REDIS_SERVER_BIN:-}" ] && [ -x "$REDIS_SERVER_BIN" ]; then export REDIS_SERVER_BIN; return 0; fi
  if command -v redis-server >/dev/null; then export REDIS_SERVER_BIN="$(command -v redis-server)"; return 0; fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    apt_install redis-server || die "apt-get install redis-server failed"
    # Debian's package starts a system service; the tests run their own instance.
    export REDIS_SERVER_BIN=/usr/bin/redis-server
    return 0
  fi
  log "redis-server not found and not root: the Redis cluster specs will be pending (install redis-server or set REDIS_SERVER_BIN)"
}

# ffmpeg + ffprobe for room-server's egress (recording, RTMP push) and its
# specs, which read the output back: on PATH, else Debian's `ffmpeg` package
# when root, else a clear message (the egress specs then report pending).
ensure_ffmpeg() {
  if command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null; then return 0; fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    apt_install ffmpeg || die "apt-get install ffmpeg failed"
    command -v ffprobe >/dev/null || die "ffmpeg was installed but ffprobe is not on PATH"
    return 0
  fi
  log "ffmpeg/ffprobe not found and not root: the egress specs will be pending (apt-get install ffmpeg)"
}

# nginx with Debian's RTMP module, the RTMP server the egress specs push to
# (they run their own foreground nginx on loopback with a prefix of its own):
# $NGINX_BIN + $NGINX_RTMP_MODULE, else Debian's paths, else the packages
# `nginx` + `libnginx-mod-rtmp` when root. Debian's nginx starts a system
# service on port 80 when installed; a policy-rc.d that refuses service starts
# keeps it from doing so (removed again unless one was there before).
NGINX_RTMP_MODULE_DEFAULT=/usr/lib/nginx/modules/ngx_rtmp_module.so
ensure_nginx_rtmp() {
  export NGINX_BIN="${NGINX_BIN:-/usr/sbin/nginx}"
  export NGINX_RTMP_MODULE="${NGINX_RTMP_MODULE:-$NGINX_RTMP_MODULE_DEFAULT}"
  if [ -x "$NGINX_BIN" ] && [ -f "$NGINX_RTMP_MODULE" ]; then return 0; fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    local policy=/usr/sbin/policy-rc.d made_policy=""
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\n# ngx-trtc scripts/lib.sh: no service starts while nginx is installed\nexit 101\n' > "$policy"
      chmod 755 "$policy"
      made_policy=1
    fi
    apt_install nginx libnginx-mod-rtmp
    local status=$?
    [ -n "$made_policy" ] && rm -f "$policy"
    [ "$status" = "0" ] || die "apt-get install nginx libnginx-mod-rtmp failed"
    [ -x "$NGINX_BIN" ] && [ -f "$NGINX_RTMP_MODULE" ] || die "nginx/libnginx-mod-rtmp installed but $NGINX_BIN or $NGINX_RTMP_MODULE is missing"
    return 0
  fi
  log "nginx with libnginx-mod-rtmp not found and not root: the RTMP egress specs will be pending (apt-get install nginx libnginx-mod-rtmp)"
}

# espeak-ng (a voice) and sox (noise, mixing) make the noise-suppression e2e's
# fake microphone: when missing, Debian's packages when root, else a clear
# message (that spec then reports pending).
ensure_audio_tools() {
  local missing=()
  command -v espeak-ng >/dev/null || missing+=(espeak-ng)
  command -v sox >/dev/null || missing+=(sox)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    apt_install "${missing[@]}" || die "apt-get install ${missing[*]} failed"
    return 0
  fi
  log "${missing[*]} not found and not root: the noise-suppression e2e will be pending (install ${missing[*]})"
}

build_wasm() {
  (cd "$ROOT" && node wasm/scripts/build.mjs) || die "WASM build failed"
  # The E2EE worker bundle and the RNNoise binary module the library imports.
  (cd "$ROOT" && node scripts/build-media-extras.mjs) || die "media extras build failed"
}
build_server() {
  (cd "$ROOT" && npx tsc -p projects/room-server/tsconfig.json) || die "room-server build failed"
  # dist/room-server is ESM; say so, or Node re-parses every file with a warning.
  cp "$ROOT/projects/room-server/package.json" "$ROOT/dist/room-server/package.json"
}
build_app() { (cd "$ROOT" && npx ng build conference --configuration production) || die "conference build failed"; }
