# syntax=docker/dockerfile:1
# room-server as a container, built from the packed npm package (the same
# tarball `npm test` installs and starts in a clean folder).
#   docker build -f deploy/room-server.Dockerfile -t ngx-trtc/room-server .            (server only)
#   docker build -f deploy/room-server.Dockerfile --target with-app -t ngx-trtc/room-server:app .
# Configuration comes from ROOM_SERVER_* variables (and *_FILE secrets):
# `docker run --rm ngx-trtc/room-server --help` lists them.

FROM node:20.19-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# The workspace's own lock; install scripts off: no browser downloads, no native rebuilds.
RUN npm install --no-audit --no-fund --ignore-scripts
COPY . .
RUN node scripts/pack.mjs server

FROM build AS app
# The sample conference app (generated WASM core first), for the with-app image.
RUN node scripts/generate.mjs && npx ng build conference --configuration production

FROM node:20.19-bookworm-slim AS runtime
ENV NODE_ENV=production \
    ROOM_SERVER_HOST=0.0.0.0 \
    ROOM_SERVER_PORT=8080 \
    ROOM_SERVER_STATIC_DIR=null \
    ROOM_SERVER_RECORDINGS_DIR=/var/lib/room-server/recordings
# Egress (recording, RTMP) encodes with ffmpeg; Debian's package, as on a developer machine.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/room-server/recordings \
    && chown -R 1000:1000 /var/lib/room-server
COPY --from=build /src/dist/packages/ /tmp/packages/
# Only the package's own dependencies, as `npm install <tarball>` resolves them
# (@roamhq/wrtc, the egress's WebRTC peer, comes with its prebuilt linux-x64 binary).
RUN npm install --global --omit=dev --no-audit --no-fund /tmp/packages/ngx-trtc-room-server-*.tgz \
    && rm -rf /tmp/packages \
    && npm cache clean --force
# The node image's unprivileged `node` user, by number (resolvable whatever the host's /etc/passwd).
USER 1000:1000
WORKDIR /var/lib/room-server
VOLUME ["/var/lib/room-server/recordings"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.ROOM_SERVER_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["room-server"]

FROM runtime AS with-app
COPY --from=app /src/dist/conference/browser/ /srv/app/
ENV ROOM_SERVER_STATIC_DIR=/srv/app

# The default target: the server without the sample app.
FROM runtime
