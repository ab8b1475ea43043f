# syntax=docker/dockerfile:1
# Build: docker build -t groupdesk .
# Run:   docker run -p 8080:8080 -v groupdesk-data:/data groupdesk

FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && mkdir -p /out && cp node_modules/htmx.org/dist/htmx.min.js /out/htmx.min.js

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=assets /out/htmx.min.js static/js/htmx.min.js
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/groupdesk . \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/groupdesk /usr/local/bin/groupdesk
COPY --from=build --chown=nonroot:nonroot /out/data /data
ENV GROUPDESK_ADDR=0.0.0.0:8080 GROUPDESK_DATA=/data
VOLUME /data
EXPOSE 8080
USER nonroot
ENTRYPOINT ["/usr/local/bin/groupdesk"]
CMD ["serve"]
