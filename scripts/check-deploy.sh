#!/usr/bin/env bash
# Checks the deployment files as far as a machine without a container
# runtime allows (not part of the test suite; run it after changing
# Dockerfile, deploy/ or cmd/kbbot's version and healthcheck commands):
#
#   1. the static binary builds as the Dockerfile builds it (CGO off,
#      -ldflags -X) and is not dynamically linked;
#   2. it runs as an unprivileged user (nobody) in an empty directory:
#      `kbbot version` shows the stamped version, commit and Go version, and
#      `kbbot healthcheck` exits 0 against a server answering /healthz and 1
#      when nothing listens;
#   3. systemd-analyze verify accepts deploy/kbbot.service (and its
#      security exposure is printed when systemd-analyze can do it offline);
#   4. deploy/compose.yaml parses and keeps Redis durable (appendonly yes,
#      appendfsync everysec, noeviction, a named volume) and reads
#      kbbot.env; deploy/kbbot.env.example names every variable app/configvars.go
#      reads; the Dockerfile and README name go.mod's Go version;
#   5. with a reachable Docker daemon: docker compose config and docker
#      build; otherwise it says it skipped them.
# Needs root for step 2 (setpriv). Prints PASS/SKIP/FAIL lines; exits 1 on
# any FAIL.
set -uo pipefail
cd "$(dirname "$0")/.."

fails=0
pass() { echo "PASS $*"; }
skip() { echo "SKIP $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

tmp=$(mktemp -d)
trap 'kill "${httpd:-}" 2>/dev/null; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

# 1. Static binary.
ver=v0.0.0-check
rev=$(git rev-parse HEAD 2>/dev/null || echo unknown)
if CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$ver -X main.commit=$rev" -o "$tmp/kbbot" ./cmd/kbbot; then
  pass "static build (CGO_ENABLED=0, -ldflags -X): $(du -h "$tmp/kbbot" | cut -f1)"
else
  fail "static build"
fi
out=$(ldd "$tmp/kbbot" 2>&1)
if [[ "$out" == *"not a dynamic executable"* || "$out" == *"statically linked"* ]]; then
  pass "binary is statically linked (ldd: ${out//$'\t'/})"
else
  fail "binary is dynamically linked: $out"
fi

# 2. As nobody, in an empty directory.
empty="$tmp/empty"
mkdir -m 755 "$empty"
asnobody() { (cd "$empty" && env -i PATH=/usr/bin:/bin "$@" setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs "$tmp/kbbot" "${args[@]}"); }
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
  skip "run as nobody: needs root and setpriv"
else
  args=(version)
  out=$(asnobody 2>&1)
  if [ $? = 0 ] && [[ "$out" == "kbbot $ver (commit $rev, go"* ]]; then
    pass "kbbot version as uid 65534 in an empty dir: $out"
  else
    fail "kbbot version as nobody: $out"
  fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  args=(healthcheck)
  if asnobody KBBOT_HTTP_ADDR=":$port" >/dev/null 2>&1; then
    fail "kbbot healthcheck exits 0 with nothing listening on :$port"
  else
    pass "kbbot healthcheck exits 1 with nothing listening"
  fi
  www="$tmp/www"
  mkdir "$www" && echo ok >"$www/healthz"
  python3 -m http.server "$port" --bind 127.0.0.1 --directory "$www" >/dev/null 2>&1 &
  httpd=$!
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  if out=$(asnobody KBBOT_HTTP_ADDR=":$port" 2>&1); then
    pass "kbbot healthcheck as nobody against a /healthz server: $out"
  else
    fail "kbbot healthcheck against a /healthz server: $out"
  fi
  kill "$httpd" 2>/dev/null
fi

# 3. systemd unit.
if command -v systemd-analyze >/dev/null; then
  unit="$tmp/kbbot.service"
  # verify checks that ExecStart exists: point it at the binary built above.
  sed "s#/usr/local/bin/kbbot#$tmp/kbbot#" deploy/kbbot.service >"$unit"
  if out=$(systemd-analyze verify "$unit" 2>&1) && [ -z "$out" ]; then
    pass "systemd-analyze verify deploy/kbbot.service ($(systemd-analyze --version | head -1))"
  else
    fail "systemd-analyze verify deploy/kbbot.service: $out"
  fi
  if out=$(systemd-analyze security --offline=true "$unit" 2>&1 | tail -1) && [[ "$out" == *"Overall exposure level"* ]]; then
    pass "systemd-analyze security (offline): ${out#→ }"
  else
    skip "systemd-analyze security --offline: $out"
  fi
else
  skip "systemd-analyze not installed (apt-get install systemd)"
fi

# 4. Compose file and env file.
if out=$(python3 - <<'PY' 2>&1
import re, sys, yaml
c = yaml.safe_load(open("deploy/compose.yaml"))
s = c["services"]
cmd = " ".join(s["redis"]["command"])
for want in ("--appendonly yes", "--appendfsync everysec", "--maxmemory-policy noeviction"):
    assert want in cmd, f"redis command lacks {want!r}: {cmd}"
assert s["redis"]["image"].startswith("redis:7"), s["redis"]["image"]
vol = s["redis"]["volumes"][0].split(":")
assert vol[1] == "/data" and vol[0] in c["volumes"], f"redis data is not on a named volume: {vol}"
bot = s["kbbot"]
assert bot["env_file"] == "kbbot.env", bot["env_file"]
assert bot["environment"]["REDIS_URL"].startswith("redis://redis:"), bot["environment"]
assert bot["depends_on"]["redis"]["condition"] == "service_healthy"
# Every variable the configuration reads (app/configvars.go's table) is
# documented in the example env file.
src = open("app/configvars.go").read()
used = set(re.findall(r'"((?:KBBOT|TELEGRAM|REDIS)_[A-Z_]+)"', src))
doc = set(re.findall(r'^#?((?:KBBOT|TELEGRAM|REDIS)_[A-Z_]+)=', open("deploy/kbbot.env.example").read(), re.M))
missing = sorted(used - doc)
assert not missing, f"kbbot.env.example lacks {missing}"
extra = sorted(doc - used)
assert not extra, f"kbbot.env.example names variables configvars.go does not read: {extra}"
print(f"{len(used)} variables documented")
PY
); then
  pass "deploy/compose.yaml parses, Redis durable; kbbot.env.example: $out"
else
  fail "compose/env check: ${out##*$'\n'}"
fi

# The Dockerfile and README name go.mod's Go version.
gover=$(awk '$1 == "go" {print $2}' go.mod)
if grep -q "^ARG GO_VERSION=$gover\$" Dockerfile && grep -q "Go $gover" README.md; then
  pass "Dockerfile and README name Go $gover, as go.mod does"
else
  fail "Dockerfile (ARG GO_VERSION) or README does not name go.mod's Go $gover"
fi

# 5. Container runtime.
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  cp deploy/kbbot.env.example deploy/kbbot.env.check
  if docker compose version >/dev/null 2>&1; then
    if sed 's/env_file: kbbot.env/env_file: kbbot.env.check/' deploy/compose.yaml >deploy/compose.check.yaml &&
      docker compose -f deploy/compose.check.yaml config -q; then
      pass "docker compose config"
    else
      fail "docker compose config"
    fi
    rm -f deploy/compose.check.yaml
  else
    skip "docker compose: plugin not installed"
  fi
  rm -f deploy/kbbot.env.check
  if docker build -q --build-arg VERSION=$ver --build-arg COMMIT="$rev" -t kbbot:check . >/dev/null &&
    [[ "$(docker run --rm kbbot:check version)" == "kbbot $ver"* ]]; then
    pass "docker build and kbbot version in the image"
  else
    fail "docker build"
  fi
else
  skip "docker build, docker compose config: no reachable Docker daemon"
fi

[ "$fails" = 0 ]
