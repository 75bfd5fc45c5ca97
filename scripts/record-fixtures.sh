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
set -euo pipefail
cd "$(dirname "$0")/.."
export DKR_TEST_ROOT=${DKR_TEST_ROOT:-/tmp/dkr-extractor}
host=$(bash scripts/dockerd.sh start)
sock=${host#unix://}
export DOCKER_HOST=$host
out=tests/fixtures
img=${DKR_TEST_IMAGE:-dkr-busybox:latest}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

q() { "$@" >/dev/null 2>&1 || true; }        # cleanup, errors ignored
r() { "$@" >/dev/null; }                      # scenario step, must succeed

# record NAME FUNCTION: capture every event from just before FUNCTION runs until 1 s after.
record() {
  local name=$1 fn=$2 since pid
  since=$(date +%s.%N)
  curl -sN --unix-socket "$sock" "http://localhost/events?since=$since" >"$work/$name.jsonl" &
  pid=$!
  sleep 0.5
  "$fn"
  sleep 1.2
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ ! -s "$work/$name.jsonl" ]; then echo "scenario $name recorded no event" >&2; exit 1; fi
  cp "$work/$name.jsonl" "$out/$name.jsonl"
  # Docker 29 shape: drop leading "status"/"id"/"from" members (JSON strings, escapes allowed).
  sed -E ':a; s/^\{"(status|id|from)":"([^"\\]|\\.)*",/{/; ta' "$out/$name.jsonl" >"$out/docker29-$name.jsonl"
  echo "$name: $(wc -l <"$out/$name.jsonl") events" >&2
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
s_exec() {
  r docker run -d --name ex "$img" sleep 300
  r docker exec ex echo hello world
  q docker exec -u 1000 ex sh -c 'exit 2'
  r docker exec -t ex true
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
  r docker exec hc touch /tmp/ok
  sleep 2.5
  r docker rm -f hc
}
s_network() {
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
  q docker network rm dkrnet; q docker volume rm dkrvol
  q docker rmi dkr-busybox:tagged dkr-imported:latest dkr-committed:latest
}

all="container-lifecycle container-misc exec cp rename kill pause health network volume image swarm swarm-service privileged docker-sock-mount control-chars"
cleanup
for s in ${*:-$all}; do
  if [ "$s" = swarm ] || [ "$s" = swarm-service ]; then
    docker info -f '{{.Swarm.LocalNodeState}}' | grep -qx active || r docker swarm init --advertise-addr 127.0.0.1
    q docker secret rm dkrsecret; q docker config rm dkrconfig; q docker service rm dkrsvc
  fi
  record "$s" "s_${s//-/_}"
done
cleanup
docker version -f 'daemon {{.Server.Version}} API {{.Server.APIVersion}}' >&2
