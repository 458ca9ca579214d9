#!/usr/bin/env bash
# Runs kbbot's whole test suite with the race detector against a real Redis.
# When REDIS_URL is unset it starts a throwaway redis-server on a free port
# (installing Debian's redis-server package if it is missing) and stops it
# afterwards. When REDIS_CLUSTER_ADDRS is unset it also starts a throwaway
# Redis Cluster of three masters (no replicas) for the tests that run on a
# cluster; KBBOT_TEST_CLUSTER=0 skips it (those tests then skip). Extra
# arguments go to `go test`, e.g. scripts/test.sh -run E2E.
#
# The normal run runs the whole suite on the single server and, beside it,
# the redisstore and app packages again with REDIS_URL naming the cluster
# (redis://host1:port1?addr=host2:port2&addr=host3:port3), so that every
# store and the whole bot run on Redis Cluster in CI.
# scripts/test.sh --cluster runs the whole suite on the cluster instead.
# scripts/test.sh -short is the quick run: the long end-to-end tests
# (10,000-recipient broadcasts, limits at scale) skip, and so does the
# second pass on the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=both
if [ "${1:-}" = "--cluster" ]; then
  mode=cluster
  shift
fi

# dirs are the throwaway servers' directories, each with their pid files.
dirs=()
cleanup() {
  local d f pids=()
  for d in "${dirs[@]}"; do
    for f in "$d"/*.pid; do
      [ -f "$f" ] && pids+=("$(cat "$f")")
    done
  done
  [ "${#pids[@]}" -gt 0 ] && kill "${pids[@]}" 2>/dev/null
  for _ in $(seq 1 30); do # let them exit before their files go
    kill -0 "${pids[@]}" 2>/dev/null || break
    sleep 0.1
  done
  for d in "${dirs[@]}"; do rm -rf "$d"; done
  return 0
}
trap cleanup EXIT

# free_port prints a free TCP port on 127.0.0.1 whose cluster bus port
# (port + 10000) is free too.
free_port() {
  python3 - 2>/dev/null <<'EOF' || echo $((20000 + RANDOM % 30000))
import socket
while True:
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    if p + 10000 > 65535:
        a.close(); continue
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 10000))
    except OSError:
        a.close(); b.close(); continue
    a.close(); b.close(); print(p); break
EOF
}

wait_ping() {
  for _ in $(seq 1 50); do
    redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server not found; installing Debian package redis-server" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >&2
fi

if [ -z "${REDIS_URL:-}" ]; then
  port=$(free_port)
  dir=$(mktemp -d); dirs+=("$dir")
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  wait_ping "$port"
  export REDIS_URL="redis://127.0.0.1:$port/0"
  echo "started throwaway redis-server at $REDIS_URL" >&2
fi

# start_cluster starts three cluster-enabled servers and joins them; it
# prints their addresses, or fails.
start_cluster() {
  local dir=$1 addrs=() p
  for _ in 1 2 3; do
    p=$(free_port)
    redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file "$dir/nodes-$p.conf" \
      --cluster-node-timeout 5000 --save '' --appendonly no --dir "$dir" \
      --daemonize yes --pidfile "$dir/redis-$p.pid" --logfile "$dir/redis-$p.log" >&2 || return 1
    addrs+=("127.0.0.1:$p")
  done
  for a in "${addrs[@]}"; do wait_ping "${a##*:}" || return 1; done
  redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1 || return 1
  for _ in $(seq 1 100); do
    local ok=1
    for a in "${addrs[@]}"; do
      redis-cli -p "${a##*:}" cluster info 2>/dev/null | grep -q 'cluster_state:ok' || ok=0
    done
    [ "$ok" = 1 ] && { (IFS=,; echo "${addrs[*]}"); return 0; }
    sleep 0.1
  done
  return 1
}

if [ -z "${REDIS_CLUSTER_ADDRS:-}" ] && [ "${KBBOT_TEST_CLUSTER:-1}" != 0 ]; then
  cdir=$(mktemp -d); dirs+=("$cdir")
  if addrs=$(start_cluster "$cdir"); then
    export REDIS_CLUSTER_ADDRS="$addrs"
    echo "started throwaway Redis Cluster at $REDIS_CLUSTER_ADDRS" >&2
  else
    echo "could not start a Redis Cluster (see below); cluster tests will skip" >&2
    cat "$cdir"/create.log "$cdir"/*.log 2>/dev/null | tail -n 20 >&2 || true
  fi
fi

go vet ./...

cluster_url=""
if [ -n "${REDIS_CLUSTER_ADDRS:-}" ]; then
  IFS=, read -r -a seeds <<<"$REDIS_CLUSTER_ADDRS"
  cluster_url="redis://${seeds[0]}"
  sep="?"
  for a in "${seeds[@]:1}"; do cluster_url+="${sep}addr=$a"; sep="&"; done
fi

if [ "$mode" = cluster ]; then
  [ -n "$cluster_url" ] || { echo "--cluster: no Redis Cluster (REDIS_CLUSTER_ADDRS unset and none started)" >&2; exit 1; }
  echo "running the suite on the Redis Cluster: REDIS_URL=$cluster_url" >&2
  REDIS_URL="$cluster_url" go test -race -count=1 -timeout 15m "$@" ./...
  exit 0
fi

short=0
for a in "$@"; do [ "$a" = -short ] && short=1; done
cluster_pid=""
if [ -n "$cluster_url" ] && [ "$short" = 0 ]; then
  # Every store and the whole bot run on the cluster too (-short: the
  # long volume tests and the real-process kill tests run in the main
  # pass; -skip: the tests whose cost is drawing charts, posters and
  # spreadsheets, whose Redis reads redisstore's own tests cover on the
  # cluster). This pass runs beside the main one: much of the main pass
  # waits on leases and clocks rather than the CPU. Its output follows.
  clog="$(mktemp)"
  # Built once, first: two go commands started together would each
  # compile the same race-instrumented packages.
  go test -race -count=1 -run '^$' ./redisstore ./app >/dev/null 2>&1 || true
  REDIS_URL="$cluster_url" go test -race -short -count=1 -timeout 15m \
    -skip 'TestE2EPoster|TestE2ERekap|TestE2ERegisterExport|TestE2EImportFromSpreadsheet' \
    "$@" ./redisstore ./app >"$clog" 2>&1 &
  cluster_pid=$!
fi
rc=0
go test -race -count=1 -timeout 15m "$@" ./... || rc=$?
if [ -n "$cluster_pid" ]; then
  echo "redisstore and app on the Redis Cluster: REDIS_URL=$cluster_url" >&2
  wait "$cluster_pid" || rc=$?
  cat "$clog"
  rm -f "$clog"
fi
exit "$rc"
