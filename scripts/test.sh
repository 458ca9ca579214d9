#!/usr/bin/env bash
# Runs kbbot's whole test suite with the race detector against a real Redis.
# When REDIS_URL is unset it starts a throwaway redis-server on a free port
# (installing Debian's redis-server package if it is missing) and stops it
# afterwards. Extra arguments go to `go test`, e.g. scripts/test.sh -run E2E.
set -euo pipefail
cd "$(dirname "$0")/.."

cleanup() { :; }
if [ -z "${REDIS_URL:-}" ]; then
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "redis-server not found; installing Debian package redis-server" >&2
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >&2
  fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)))
  dir=$(mktemp -d)
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  cleanup() {
    if [ -f "$dir/redis.pid" ]; then kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; fi
    rm -rf "$dir"
  }
  trap cleanup EXIT
  for _ in $(seq 1 50); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  export REDIS_URL="redis://127.0.0.1:$port/0"
  echo "started throwaway redis-server at $REDIS_URL" >&2
fi

go vet ./...
go test -race -count=1 -timeout 15m "$@" ./...
