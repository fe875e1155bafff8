#!/usr/bin/env bash
# `npm run build`: everything a release is made of, into dist/:
#   dist/ngx-trtc, dist/packages/ngx-trtc-<v>.tgz           the library (generated sources first) and its npm tarball
#   dist/room-server, dist/packages/ngx-trtc-room-server-<v>.tgz   the server and its npm tarball (deploy/ builds images from it)
#   dist/conference/browser                                 the sample app, production build
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

ensure_node_modules
# The WASM media core and the other generated library sources, before anything compiles against them.
node scripts/generate.mjs || die "generating library sources failed"
node scripts/pack.mjs lib server || die "packing failed"
build_app
log "built: dist/ngx-trtc, dist/room-server, dist/conference/browser; tarballs in dist/packages/"
