#!/usr/bin/env bash
# Records the rule scenarios (tests/fixtures/rules/*.jsonl) from a real private daemon with
# the collector in record mode, so each file holds real events WITH the collector's
# enrichment (`falco` key) and its synthetic events. tests/rules/scenarios.json says, for
# every rule, which of these events it must catch; every other event must not match.
#   scripts/record-scenarios.sh [scenario...]      (default: all rule scenarios)
#   scripts/record-scenarios.sh compose            (bench/fixtures/compose.jsonl: the events
#                                                   of the benchmarks, recorded the same way;
#                                                   Docker 20.10, the engine of the benchmarks)
# DKR_RECORD_ENGINE=docker28|podman records the same scenarios on that engine (scripts/engines.sh,
# driven with sid's docker CLI; Podman through its Docker-compatible API) into
# tests/fixtures/rules/<engine>/; what an engine cannot do is left out (Podman: no swarm configs,
# no engine plugins).
set -euo pipefail
cd "$(dirname "$0")/.."
engine=${DKR_RECORD_ENGINE:-docker20}
export DKR_TEST_ROOT=${DKR_TEST_ROOT:-/tmp/dkr-rules}
export DOCKER_HOST
out=tests/fixtures/rules
if [ "$engine" = docker20 ]; then
  DOCKER_HOST=$(scripts/dockerd.sh start)
  cli=docker
  restart() { DKR_TEST_ROOT=$DKR_TEST_ROOT scripts/dockerd.sh restart >/dev/null; }
else
  export DKR_ENGINE_ROOT=${DKR_ENGINE_ROOT:-/tmp/dkr-rules-$engine}
  DOCKER_HOST=$(scripts/engines.sh start "$engine")
  cli=$(scripts/engines.sh cli "$engine")
  out=$out/$engine
  restart() { scripts/engines.sh restart "$engine" >/dev/null; }
fi
docker() { command "$cli" "$@"; }
mkdir -p "$out"
img=dkr-busybox:latest
swarm_port=${DKR_SWARM_PORT:-$((24000 + RANDOM % 8000))}

record() { # record NAME FUNCTION
  local name=$1 fn=$2 file="$out/$1.jsonl"
  [ "$name" = compose ] && file=bench/fixtures/compose.jsonl   # the benchmarks' events, not a rule scenario
  rm -f "$file"
  node build/collector/main.js --record "$file" --endpoint "$DOCKER_HOST" 2>"/tmp/record-$name.log" &
  local pid=$!
  for _ in $(seq 1 50); do grep -q '"Action":"connect"' "$file" 2>/dev/null && break; sleep 0.1; done
  "$fn"
  sleep 1.5
  kill -TERM "$pid"; wait "$pid" || true
  echo "$name: $(wc -l <"$file") events" >&2
}

clean() { docker rm -f $(docker ps -aq --filter label=dkr-scenario) >/dev/null 2>&1 || true; }

# Podman's exec event carries no command: the collector finds the exec among the container's
# sessions, which it can tell apart only when the next exec starts after the event came (the
# event stream's delay here is under 0.5 s): execs are paced on Podman.
pace() { if [ "$engine" = podman ]; then sleep 1; fi; }
s_exec() {
  local c; c=$(docker run -d --label dkr-scenario=exec --name sc-exec $img sleep 60)
  docker exec sc-exec ls / >/dev/null; pace
  docker exec sc-exec sh -c 'id' >/dev/null; pace
  docker exec sc-exec /bin/sh -c true; pace
  docker exec -t sc-exec cat /etc/passwd >/dev/null; pace
  docker exec -u 1000 sc-exec busybox sh -c 'echo x' >/dev/null; pace
  docker exec sc-exec env sh -c 'id' >/dev/null; pace         # a shell through env: still a shell exec
  docker exec sc-exec env X=1 /bin/sh -c true; pace
  docker exec sc-exec env ls / >/dev/null; pace                # env running no shell: any exec
  # A privileged exec in an unprivileged container (all capabilities, no confinement). This
  # machine refuses to start it (the runtime may not apply the capabilities): the daemon still
  # reports exec_start with the exec's settings, which is what the rule reads.
  docker exec --privileged sc-exec id >/dev/null 2>&1 || true; pace
  docker rm -f "$c" >/dev/null
}
s_privileged() {
  docker create --label dkr-scenario=x --name sc-priv --privileged $img sleep 1 >/dev/null
  docker create --label dkr-scenario=x --name sc-plain $img sleep 1 >/dev/null
  docker start sc-plain >/dev/null
  clean
}
s_mounts() {
  mkdir -p /tmp/dkr-scenario-data
  docker create --label dkr-scenario=x --name sc-sock -v /var/run/docker.sock:/var/run/docker.sock $img true >/dev/null
  docker create --label dkr-scenario=x --name sc-etc -v /etc:/host/etc:ro $img true >/dev/null
  docker create --label dkr-scenario=x --name sc-root -v /:/host $img true >/dev/null
  docker create --label dkr-scenario=x --name sc-data -v /tmp/dkr-scenario-data:/data $img true >/dev/null
  docker create --label dkr-scenario=x --name sc-vol -v sc-volume:/vol $img true >/dev/null
  clean; docker volume rm sc-volume >/dev/null
}
s_namespaces() {
  docker create --label dkr-scenario=x --name sc-hostnet --network host $img true >/dev/null
  docker create --label dkr-scenario=x --name sc-hostpid --pid host $img true >/dev/null
  docker create --label dkr-scenario=x --name sc-hostipc --ipc host $img true >/dev/null
  docker create --label dkr-scenario=x --name sc-private $img true >/dev/null
  clean
}
s_capabilities() {
  docker create --label dkr-scenario=x --name sc-sysadmin --cap-add SYS_ADMIN $img true >/dev/null
  docker create --label dkr-scenario=x --name sc-ptrace --cap-add SYS_PTRACE --cap-add NET_BIND_SERVICE $img true >/dev/null
  docker create --label dkr-scenario=x --name sc-bind --cap-add NET_BIND_SERVICE $img true >/dev/null
  clean
}
s_copy() {
  echo payload >/tmp/dkr-scenario-file
  docker run -d --label dkr-scenario=x --name sc-cp $img sleep 60 >/dev/null
  docker cp /tmp/dkr-scenario-file sc-cp:/tmp/file
  docker cp sc-cp:/etc/passwd /tmp/dkr-scenario-out
  clean
}
s_commit() {
  docker run -d --label dkr-scenario=x --name sc-commit $img sleep 60 >/dev/null
  docker commit sc-commit dkr-scenario-committed:1 >/dev/null
  clean; docker rmi dkr-scenario-committed:1 >/dev/null
}
s_oom() {
  docker run --label dkr-scenario=x --name sc-oom -m 8m --memory-swap 8m $img sh -c 'x=a; while true; do x=$x$x; done' >/dev/null 2>&1 || true
  clean
}
s_swarm() {
  if [ "$engine" = podman ]; then
    # No swarm: Podman's secrets are local (no configs); the same network create/remove.
    echo s3cr3t | docker secret create sc-secret - >/dev/null
    docker secret rm sc-secret >/dev/null
    docker network create sc-net >/dev/null; docker network rm sc-net >/dev/null
    return
  fi
  docker info --format '{{.Swarm.LocalNodeState}}' | grep -qx active || docker swarm init --advertise-addr "127.0.0.1:$swarm_port" --listen-addr "127.0.0.1:$swarm_port" >/dev/null
  echo s3cr3t | docker secret create sc-secret - >/dev/null
  echo cfg | docker config create sc-config - >/dev/null
  docker secret rm sc-secret >/dev/null
  docker config rm sc-config >/dev/null
  docker network create sc-net >/dev/null; docker network rm sc-net >/dev/null
}
s_plugin() {
  # No registry here for `docker plugin install`: a plugin is created from a local rootfs
  # (busybox), which the daemon reports as plugin create/remove. Enabling it cannot start here.
  local d; d=$(mktemp -d)
  mkdir -p "$d/rootfs/bin"; cp "$(command -v busybox || echo /bin/busybox)" "$d/rootfs/bin/busybox"; ln -s busybox "$d/rootfs/bin/sh"
  echo '{"description":"scenario plugin","documentation":"none","entrypoint":["/bin/sh","-c","sleep 3600"],"interface":{"types":["docker.volumedriver/1.0"],"socket":"sc.sock"},"network":{"type":"host"}}' >"$d/config.json"
  docker plugin create sc-plugin:1 "$d" >/dev/null
  docker plugin rm -f sc-plugin:1 >/dev/null
  rm -rf "$d"
}
s_healthcheck() {
  docker run -d --label dkr-scenario=x --name sc-health --health-cmd 'test -d /' --health-interval 1s $img sleep 60 >/dev/null
  sleep 3.5
  # Without systemd Podman runs no healthcheck timer: the checks are run by hand.
  if [ "$engine" = podman ]; then scripts/engines.sh podman healthcheck run sc-health >/dev/null; scripts/engines.sh podman healthcheck run sc-health >/dev/null; fi
  docker exec sc-health sh -c 'true'; pace
  docker exec sc-health cat /etc/hostname >/dev/null; pace
  clean
}
s_visibility() {
  restart
  docker run --rm --label dkr-scenario=x --name sc-after $img true
  # the collector reconnects with its backoff (up to 5 s): its replay brings the run
  for _ in $(seq 1 150); do grep -q '"Action":"reconnect"' "$out/visibility.jsonl" && break; sleep 0.1; done
}

s_compose() {
  # What a Compose-managed host sends: an application image with OCI labels (the container
  # events carry them too), services with the labels docker compose sets, healthchecks,
  # execs, a restart and the teardown. Events of 300-2,000 bytes, as daemons really send.
  local h=4d1b2f0c9e6a7d8b3f5e1a2c4b6d8f0e1a3c5e7b9d2f4a6c8e0b1d3f5a7c9e2b
  docker run --name sc-build $img true >/dev/null
  docker commit \
    --change 'LABEL org.opencontainers.image.title="shop-web" org.opencontainers.image.description="Storefront of the shop example application"' \
    --change 'LABEL org.opencontainers.image.version="1.4.2" org.opencontainers.image.revision="9f2c4e1b7a3d5f60c8e2a4b6d8f0a1c3e5b7d9f2"' \
    --change 'LABEL org.opencontainers.image.source="https://git.example.com/shop/web" org.opencontainers.image.url="https://shop.example.com"' \
    --change 'LABEL org.opencontainers.image.created="2025-11-02T09:41:17Z" org.opencontainers.image.licenses="Apache-2.0" org.opencontainers.image.vendor="Example Shop Ltd."' \
    --change 'LABEL org.opencontainers.image.authors="platform-team@example.com" org.opencontainers.image.base.name="docker.io/library/busybox:1.36"' \
    sc-build dkr-shop-web:1.4.2 >/dev/null
  docker rm sc-build >/dev/null
  local compose=(--label com.docker.compose.project=shop --label com.docker.compose.oneoff=False
    --label com.docker.compose.project.config_files=/srv/shop/compose.yaml,/srv/shop/compose.override.yaml
    --label com.docker.compose.project.working_dir=/srv/shop --label com.docker.compose.version=2.29.7
    --label com.docker.compose.config-hash=$h --label com.docker.compose.container-number=1)
  docker run -d --name shop-db-1 "${compose[@]}" --label com.docker.compose.service=db \
    --label com.docker.compose.depends_on= --label com.docker.compose.image=sha256:$h \
    --label dkr-scenario=x -e POSTGRES_DB=shop $img sleep 60 >/dev/null
  docker run -d --name shop-web-1 "${compose[@]}" --label com.docker.compose.service=web \
    --label com.docker.compose.depends_on=db:service_started:false --label com.docker.compose.image=sha256:$h \
    --label dkr-scenario=x \
    --health-cmd 'wget -q -O /dev/null http://127.0.0.1:8080/healthz || exit 0' --health-interval 1s \
    -v /tmp:/srv/cache dkr-shop-web:1.4.2 sleep 60 >/dev/null
  sleep 3.5
  docker exec shop-web-1 sh -c 'ls /srv/cache' >/dev/null
  docker exec -u 1000 shop-db-1 id >/dev/null
  docker restart -t 1 shop-web-1 >/dev/null
  sleep 1.5
  docker stop -t 1 shop-web-1 shop-db-1 >/dev/null
  clean; docker rmi dkr-shop-web:1.4.2 >/dev/null
}

s_combined() {
  # Several risks on one container: under rule_matching: first only the most severe rule
  # fires, and its output carries the rest. The privileged one cannot start in this sandbox.
  docker create --label dkr-scenario=x --name sc-all --privileged -v /var/run/docker.sock:/var/run/docker.sock \
    -v /:/host --pid host --network host --cap-add SYS_ADMIN $img true >/dev/null
  docker run -d --label dkr-scenario=x --name sc-escape -v /var/run/docker.sock:/var/run/docker.sock -v /:/host \
    --pid host --cap-add SYS_ADMIN $img sleep 60 >/dev/null
  docker exec sc-escape sh -c 'cat /host/etc/shadow; id' >/dev/null; pace
  docker create --label dkr-scenario=x --name sc-root-caps -v /:/host --cap-add SYS_PTRACE --ipc host $img true >/dev/null
  docker create --label dkr-scenario=x --name sc-caps-ns --cap-add NET_ADMIN --network host $img true >/dev/null
  clean
}

all=(exec privileged mounts namespaces capabilities copy commit oom swarm plugin healthcheck visibility combined)
[ "$engine" = podman ] && all=("${all[@]/plugin/}")
for s in "${@:-${all[@]}}"; do [ -n "$s" ] && record "$s" "s_$s"; done
