#!/usr/bin/env bash
# Starts (or stops) a private Docker daemon for tests and demos, and makes the tiny
# busybox image every test uses. Everything lives under $DKR_TEST_ROOT (default
# /tmp/docker-plugin-dockerd) so it never touches the machine's own daemon.
#   scripts/dockerd.sh start   -> prints the DOCKER_HOST to use
#   scripts/dockerd.sh stop    -> stops it and the containerd it started
#   scripts/dockerd.sh restart -> stops and starts the same daemon (same data root)
#   scripts/dockerd.sh status  -> prints the DOCKER_HOST and exits 0 if it is up, else exits 1
set -euo pipefail
root=${DKR_TEST_ROOT:-/tmp/docker-plugin-dockerd}
sock="$root/docker.sock"
host="unix://$sock"
image=${DKR_TEST_IMAGE:-dkr-busybox:latest}

is_up() { DOCKER_HOST=$host timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

start() {
  mkdir -p "$root"
  if is_up; then echo "$host"; return 0; fi
  command -v dockerd >/dev/null || { echo "dockerd not found: apt-get install docker.io" >&2; exit 1; }
  # containerd is started by dockerd itself when no --containerd is given.
  nohup dockerd --host "$host" --data-root "$root/data" --exec-root "$root/exec" \
    --pidfile "$root/dockerd.pid" --storage-driver vfs --iptables=false --ip-masq=false \
    --bridge=none --log-level warn >>"$root/dockerd.log" 2>&1 &
  for _ in $(seq 1 120); do is_up && break; sleep 0.5; done
  is_up || { echo "dockerd did not come up; see $root/dockerd.log" >&2; tail -20 "$root/dockerd.log" >&2; exit 1; }
  if ! DOCKER_HOST=$host docker image inspect "$image" >/dev/null 2>&1; then
    bb=$(command -v busybox || true)
    [ -x /bin/busybox ] && bb=/bin/busybox
    [ -n "$bb" ] || { echo "busybox not found: apt-get install busybox-static" >&2; exit 1; }
    tmp=$(mktemp -d)
    mkdir -p "$tmp/bin" "$tmp/tmp" "$tmp/etc"
    cp "$bb" "$tmp/bin/busybox"
    for a in sh ls cat echo sleep true false id ps top env printf touch mkdir rm wc head tail kill; do ln -s busybox "$tmp/bin/$a"; done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$tmp/etc/passwd"
    tar -C "$tmp" -c . | DOCKER_HOST=$host docker import --change 'CMD ["/bin/sh"]' - "$image" >/dev/null
    rm -rf "$tmp"
  fi
  echo "$host"
}

# Stops the process whose pid is in file $1 (TERM, then KILL after 30 s), if it runs.
stop_pidfile() {
  [ -f "$1" ] || return 0
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 0
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
}

stop() {
  stop_pidfile "$root/dockerd.pid"
  # dockerd stops the containerd it started when it exits cleanly; not when it was killed.
  stop_pidfile "$root/exec/containerd/containerd.pid"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) is_up && echo "$host" ;;
  *) echo "usage: $0 start|stop|restart|status" >&2; exit 2 ;;
esac
