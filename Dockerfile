# syntax=docker/dockerfile:1
# Build: docker build -t groupdesk .
# Run:   docker run -p 8080:8080 -v groupdesk-data:/data groupdesk
# CI cannot run Docker: .ci/dockerfile-check runs the same build commands and
# lints this file (make check-docker). Keep the two in step.

# htmx comes from the pinned npm package, as in `make assets`.
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && mkdir -p /out \
 && cp node_modules/htmx.org/dist/htmx.min.js /out/htmx.min.js

# A static binary: pure-Go SQLite, no cgo.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=assets /out/htmx.min.js static/js/htmx.min.js
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/groupdesk . \
 && mkdir -p /out/data

# No shell, no package manager; user 65532 (nonroot), numeric so that
# Kubernetes' runAsNonRoot can verify it.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/groupdesk /usr/local/bin/groupdesk
COPY --from=build --chown=65532:65532 /out/data /data
ENV GROUPDESK_ADDR=0.0.0.0:8080 GROUPDESK_DATA=/data
VOLUME /data
EXPOSE 8080
USER 65532:65532
# The image has no curl: the binary asks its own /healthz (exit 0 or 1).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/groupdesk", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/groupdesk"]
CMD ["serve"]
