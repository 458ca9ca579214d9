# kbbot image: a static binary on distroless, running as non-root.
#
#   docker build --build-arg VERSION=v1.0.0 --build-arg COMMIT=$(git rev-parse HEAD) -t kbbot .
#   docker run --env-file deploy/kbbot.env kbbot          # runs `kbbot serve`
#
# deploy/compose.yaml runs it with Redis; docs/operations.md is the runbook.

# The exact Go version of go.mod.
ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
# CGO off: a static binary that needs no libc. Zones are embedded
# (time/tzdata), so the image needs no zoneinfo either.
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /out/kbbot ./cmd/kbbot \
 && /out/kbbot version

# distroless/static: CA certificates (Telegram and rediss:// need them),
# /etc/passwd with the nonroot user (uid 65532), nothing else: no shell, no
# curl, hence `kbbot healthcheck`.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/kbbot /usr/local/bin/kbbot
USER 65532:65532
ENV KBBOT_HTTP_ADDR=:8080
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/kbbot", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/kbbot"]
CMD ["serve"]
