#!/usr/bin/env bash
# Records raw Docker engine events into tests/fixtures/<scenario>.jsonl.
#
# Starts (or reuses) a PRIVATE daemon under $DKR_TEST_ROOT (default /tmp/dkr-extractor, never
# the machine's own daemon), subscribes to GET /events with curl on its unix socket for each
# scenario, runs the scenario with the docker CLI, and keeps the daemon's lines byte for byte.
# Then writes docker29-<scenario>.jsonl: the same lines with the deprecated top-level
# "status", "id" and "from" keys cut out of the text (Docker 29 / API 1.52 no longer sends
# them), everything else unchanged.
#
#   scripts/record-fixtures.sh            # all scenarios
#   scripts/record-fixtures.sh exec kill  # only these
#
# DKR_RECORD_ENGINE=docker28 records on Debian sid's Docker 28 (scripts/engines.sh, its own CLI,
# GET /v1.51/events) into docker28-<scenario>.jsonl; DKR_RECORD_ENGINE=podman on Podman's
# Docker-compatible API through the collector in record mode (the daemon's bytes plus the
# collector's `falco` key: the engine, and the exec command Podman's events lack) into
# podman-<scenario>.jsonl, with Podman's own steps where Docker's cannot work (healthchecks run
# by hand, containers on a network before connect, no swarm).
set -euo pipefail
cd "$(dirname "$0")/.."
engine=${DKR_RECORD_ENGINE:-docker20}
out=tests/fixtures
prefix=""
api=""
if [ "$engine" = docker20 ]; then
  export DKR_TEST_ROOT=${DKR_TEST_ROOT:-/tmp/dkr-extractor}
  host=$(bash scripts/dockerd.sh start)
  cli=docker
else
  export DKR_ENGINE_ROOT=${DKR_ENGINE_ROOT:-/tmp/dkr-extractor-$engine}
  host=$(bash scripts/engines.sh start "$engine")
  cli=$(bash scripts/engines.sh cli "$engine")
  prefix=$engine-
  [ "$engine" = docker28 ] && api=/v1.51
fi
docker() { command "$cli" "$@"; }
sock=${host#unix://}
export DOCKER_HOST=$host
img=${DKR_TEST_IMAGE:-dkr-busybox:latest}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
podman() { [ "$engine" = podman ]; }

q() { "$@" >/dev/null 2>&1 || true; }        # cleanup, errors ignored
r() { "$@" >/dev/null; }                      # scenario step, must succeed

# record NAME FUNCTION: capture every event from just before FUNCTION runs until 1 s after.
record() {
  local name=$1 fn=$2 since pid
  since=$(date +%s.%N)
  if podman; then
    node build/collector/main.js --record "$work/$name.jsonl" --endpoint "$host" 2>"$work/$name.log" &
    pid=$!
    for _ in $(seq 1 50); do grep -q '"Action":"connect"' "$work/$name.jsonl" 2>/dev/null && break; sleep 0.1; done
  else
    curl -sN --unix-socket "$sock" "http://localhost$api/events?since=$since" >"$work/$name.jsonl" &
    pid=$!
    sleep 0.5
  fi
  "$fn"
  sleep 1.2
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ ! -s "$work/$name.jsonl" ]; then echo "scenario $name recorded no event" >&2; exit 1; fi
  cp "$work/$name.jsonl" "$out/$prefix$name.jsonl"
  # Docker 29 shape: drop leading "status"/"id"/"from" members (JSON strings, escapes allowed).
  [ "$engine" = docker20 ] && sed -E ':a; s/^\{"(status|id|from)":"([^"\\]|\\.)*",/{/; ta' "$out/$name.jsonl" >"$out/docker29-$name.jsonl"
  echo "$prefix$name: $(wc -l <"$out/$prefix$name.jsonl") events" >&2
}

s_container_lifecycle() {
  r docker create --name life --label com.example.team=secops \
    --label 'com.example.note=quote" backslash\ <tag> & é 😀' "$img" sleep 300
  r docker start life
  r docker update --cpu-shares 512 life
  r docker top life
  r docker stop -t 1 life
  r docker start life
  r docker restart -t 1 life
  r docker rm -f life
  q docker run --name exiter "$img" sh -c 'exit 3'
  r docker rm exiter
}
s_container_misc() {
  r docker run -d --name misc "$img" sleep 300
  r docker commit misc dkr-committed:latest
  r docker export -o "$work/misc.tar" misc
  r docker rm -f misc
  r docker rmi dkr-committed:latest
}
# Podman's exec events carry no command: the collector tells the exec's session only when the
# next exec starts after the event came (see record-scenarios.sh): paced on Podman.
pace() { if podman; then sleep 1; fi; }
s_exec() {
  r docker run -d --name ex "$img" sleep 300
  r docker exec ex echo hello world; pace
  q docker exec -u 1000 ex sh -c 'exit 2'; pace
  r docker exec -t ex true; pace
  q docker exec --privileged ex true     # fails here (no caps in this sandbox), events still recorded
  r docker rm -f ex
}
s_cp() {
  r docker run -d --name cpc "$img" sleep 300
  r docker cp cpc:/etc/passwd "$work/passwd"
  r docker cp "$work/passwd" cpc:/tmp/
  r docker rm -f cpc
}
s_rename() {
  r docker create --name before "$img" true
  r docker rename before after
  r docker rm after
}
s_kill() {
  r docker run -d --name killme "$img" sleep 300
  r docker kill -s USR1 killme
  sleep 0.5
  r docker start killme
  r docker kill killme
  r docker rm -f killme
}
s_pause() {
  r docker run -d --name pauseme "$img" sleep 300
  r docker pause pauseme
  r docker unpause pauseme
  r docker rm -f pauseme
}
s_health() {
  r docker run -d --name hc --health-cmd 'cat /tmp/ok' --health-interval 1s --health-retries 1 "$img" sleep 300
  sleep 2.5
  # Podman runs no healthcheck timer without systemd: the checks are run by hand.
  if podman; then q bash scripts/engines.sh podman healthcheck run hc; fi
  r docker exec hc touch /tmp/ok
  sleep 2.5
  if podman; then q bash scripts/engines.sh podman healthcheck run hc; fi
  r docker rm -f hc
}
s_network() {
  if podman; then
    # Podman's containers have no network by default (netns none here): one on a network first.
    r docker network create --internal dkrnet0
    r docker run -d --name netc --network dkrnet0 "$img" sleep 300
    r docker network create --internal dkrnet
    r docker network connect dkrnet netc
    r docker network disconnect dkrnet netc
    r docker network rm dkrnet
    r docker rm -f netc
    r docker network rm dkrnet0
    return
  fi
  r docker run -d --name netc "$img" sleep 300
  r docker network create dkrnet
  r docker network connect dkrnet netc
  r docker network disconnect dkrnet netc
  r docker network rm dkrnet
  r docker rm -f netc
}
s_volume() {
  r docker volume create dkrvol
  r docker run --rm -v dkrvol:/data "$img" true
  r docker run --rm -v dkrvol:/ro:ro "$img" true
  r docker volume rm dkrvol
}
s_image() {
  r docker tag "$img" dkr-busybox:tagged
  r docker rmi dkr-busybox:tagged
  mkdir -p "$work/root/etc"; echo hi >"$work/root/etc/hi"
  tar -C "$work/root" -c . | r docker import - dkr-imported:latest
  r docker save -o "$work/img.tar" dkr-imported:latest
  r docker rmi dkr-imported:latest
  r docker load -i "$work/img.tar"
  r docker rmi dkr-imported:latest
}
s_swarm() {
  local sid cid v
  r docker secret create dkrsecret - <<<"s3cr3t"
  sid=$(docker secret inspect -f '{{.ID}}' dkrsecret)
  v=$(docker secret inspect -f '{{.Version.Index}}' dkrsecret)
  r curl -sf --unix-socket "$sock" -H 'Content-Type: application/json' -X POST \
    -d '{"Name":"dkrsecret","Labels":{"com.example.rotated":"yes"},"Data":"czNjcjN0Cg=="}' \
    "http://localhost/secrets/$sid/update?version=$v"
  r docker secret rm dkrsecret
  r docker config create dkrconfig - <<<"key=value"
  cid=$(docker config inspect -f '{{.ID}}' dkrconfig)
  v=$(docker config inspect -f '{{.Version.Index}}' dkrconfig)
  r curl -sf --unix-socket "$sock" -H 'Content-Type: application/json' -X POST \
    -d '{"Name":"dkrconfig","Labels":{"com.example.rev":"2"},"Data":"a2V5PXZhbHVlCg=="}' \
    "http://localhost/configs/$cid/update?version=$v"
  r docker config rm dkrconfig
}
s_swarm_service() {
  # A service with one task: its container carries the com.docker.swarm.* labels.
  r docker service create --detach --name dkrsvc --label com.example.svc=yes "$img" sleep 300
  for _ in $(seq 1 40); do
    [ -n "$(docker ps -q --filter label=com.docker.swarm.service.name=dkrsvc)" ] && break
    sleep 0.5
  done
  sleep 1
  r docker service rm dkrsvc
  sleep 3
}
s_privileged() {
  r docker create --privileged --name priv --cap-add SYS_ADMIN "$img" sh
  r docker rm priv
}
s_docker_sock_mount() {
  r docker create --name sockmount -v "$sock:/var/run/docker.sock" "$img" sleep 300
  r docker start sockmount
  r docker rm -f sockmount
}
s_control_chars() {
  # A label and an exec command line holding a newline, terminal escapes and DEL: what a user
  # could use to forge lines in Falco's text outputs (the fields escape them, ABI.md).
  r docker run -d --name ctl --label $'com.example.note=line1\nline2 \e[31mred\e[0m \x7f' "$img" sleep 300
  q docker exec ctl sh -c $'true\n2026-11-30T00:00:00 Critical fake alert\e[2K'
  r docker rm -f ctl
}

cleanup() {
  for c in life exiter misc ex cpc before after killme pauseme hc netc priv sockmount ctl; do q docker rm -f "$c"; done
  q docker network rm dkrnet; q docker network rm dkrnet0; q docker volume rm dkrvol
  q docker rmi dkr-busybox:tagged dkr-imported:latest dkr-committed:latest
}

all="container-lifecycle container-misc exec cp rename kill pause health network volume image swarm swarm-service privileged docker-sock-mount control-chars"
podman && all=${all/swarm swarm-service /}
swarm_port=${DKR_SWARM_PORT:-$((24000 + RANDOM % 8000))}
cleanup
for s in ${*:-$all}; do
  if [ "$s" = swarm ] || [ "$s" = swarm-service ]; then
    docker info -f '{{.Swarm.LocalNodeState}}' | grep -qx active ||
      r docker swarm init --advertise-addr "127.0.0.1:$swarm_port" --listen-addr "127.0.0.1:$swarm_port"
    q docker secret rm dkrsecret; q docker config rm dkrconfig; q docker service rm dkrsvc
  fi
  record "$s" "s_${s//-/_}"
done
cleanup
if ! podman && docker info -f '{{.Swarm.LocalNodeState}}' | grep -qx active && [ "$engine" != docker20 ]; then
  q docker swarm leave --force; q docker network rm docker_gwbridge
fi
docker version -f 'daemon {{.Server.Version}} API {{.Server.APIVersion}}' >&2
