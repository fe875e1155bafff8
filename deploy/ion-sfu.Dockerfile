# syntax=docker/dockerfile:1
# ion-sfu v1.11.0, unmodified, built with `go install` from the pinned wrapper
# module scripts/ion-sfu-pin (why a wrapper: docs/ion-sfu.md), as
# scripts/lib.sh's ensure_ion_sfu does on a developer machine.
#   docker build -f deploy/ion-sfu.Dockerfile -t ngx-trtc/ion-sfu .
# Signaling listens on 0.0.0.0:7000 inside the container: publish it on a
# private network only (compose keeps it on the internal network), never to
# the internet. Media: UDP 50000-50200 (deploy/ion-sfu.toml), published 1:1.

FROM golang:1.26-bookworm AS build
WORKDIR /src/ion-sfu-pin
COPY scripts/ion-sfu-pin/ ./
# Static binary (no cgo). The version is pinned by the wrapper's go.mod/go.sum: `go install pkg@v1.11.0`
# fails on the proxy's 403 for the module's version list (docs/ion-sfu.md).
# hadolint ignore=DL3062
RUN CGO_ENABLED=0 GOFLAGS=-mod=mod GOBIN=/out go install github.com/pion/ion-sfu/cmd/signal/json-rpc \
    && mv /out/json-rpc /out/ion-sfu

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ion-sfu /usr/local/bin/ion-sfu
COPY deploy/ion-sfu.toml /etc/ion-sfu/ion-sfu.toml
EXPOSE 7000/tcp 8100/tcp 50000-50200/udp
ENTRYPOINT ["/usr/local/bin/ion-sfu", "-c", "/etc/ion-sfu/ion-sfu.toml", "-a", "0.0.0.0:7000", "-m", "0.0.0.0:8100"]
