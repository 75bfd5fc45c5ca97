#!/usr/bin/env bash
# The container engines the live tests run, on a Debian 12 machine, beside its own Docker 20.10:
#   docker20  Debian 12's docker.io (the system package, untouched): scripts/dockerd.sh
#   docker28  Debian sid's docker.io 28.5 (Engine API 1.51), containerd 2.1, runc 1.3
#   podman    Debian sid's podman 5.8 as a rootful `podman system service` (Docker-compatible API)
#
# Nothing is installed into /usr, /lib or /etc: the pinned .debs of scripts/engines.lock are
# downloaded with a private apt state (Debian's signed index; each .deb checked against the
# pinned SHA-256), extracted with dpkg-deb -x into the cache, and the binaries that need sid's
# glibc (>= 2.38) get sid's loader as interpreter and sid's library folder as RPATH (patchelf,
# itself bookworm's, extracted). Podman's rootful /etc/containers/policy.json exists only in the
# service's own mount namespace (an overlay over /etc whose upper layer lives on a tmpfs).
#
#   scripts/engines.sh fetch [docker28|podman|all]   download (cached) and extract
#   scripts/engines.sh start ENGINE                  start it (or find it running); prints its DOCKER_HOST
#   scripts/engines.sh stop ENGINE | restart ENGINE
#   scripts/engines.sh cli ENGINE                    the docker CLI to drive it (sid's for docker28 and podman)
#   scripts/engines.sh podman ARGS...                the podman CLI, remote, on the running service
#   scripts/engines.sh lock                          re-pin scripts/engines.lock to the suites' candidates
#
# Environment: DKR_ENGINES_CACHE (default ~/.cache/falco-docker-plugin/engines: apt state, .debs,
# extracted tree), DKR_ENGINE_ROOT (the engine's runtime folder; default $DKR_ENGINES_RUN/ENGINE,
# DKR_ENGINES_RUN default /tmp/dkr-engines; docker20 also honours DKR_TEST_ROOT).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
cache=${DKR_ENGINES_CACHE:-$HOME/.cache/falco-docker-plugin/engines}
runbase=${DKR_ENGINES_RUN:-/tmp/dkr-engines}
lockfile=$repo/scripts/engines.lock
tree=$cache/root
image=${DKR_TEST_IMAGE:-dkr-busybox:latest}

# The Debian suites the pins come from: sid for the engines, bookworm for patchelf.
SOURCES='deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main'
# What each engine needs (plus "common"): the engine, its runtime, and the newer shared libraries.
PKGS_common="libc6 libseccomp2 runc docker-cli"
PKGS_docker28="docker.io containerd tini-static"
PKGS_podman="podman conmon catatonit netavark aardvark-dns golang-github-containers-common golang-github-containers-image
  libgpgme45 libassuan9 libgpg-error0 libsubid6 libglib2.0-0t64 libmount1 libblkid1 libpcre2-8-0 libblake3-0"
PKGS_tools="patchelf=bookworm"
# Binaries that need sid's glibc: sid's loader and library folder (ld.so --library-path cannot
# work: runc and podman re-exec /proc/self/exe). dockerd, containerd, the shim and the CLI need
# only GLIBC_2.34 and run as they are.
PATCH_BINS="usr/sbin/runc usr/bin/podman usr/bin/conmon usr/lib/podman/netavark usr/lib/podman/aardvark-dns
  usr/libexec/podman/rootlessport usr/libexec/podman/quadlet"

apt_updated=0   # the private index is updated at most once per run, and only when a .deb is missing
die() { echo "engines.sh: $*" >&2; exit 1; }
log() { echo "engines.sh: $*" >&2; }

aptopt() {
  printf '%s\n' -o "Dir::Etc::sourcelist=$cache/apt/sources.list" -o "Dir::Etc::sourceparts=$cache/apt/empty.d" \
    -o "Dir::Etc::preferences=$cache/apt/empty.d/none" -o "Dir::Etc::preferencesparts=$cache/apt/empty.d" \
    -o "Dir::State::Lists=$cache/apt/lists" -o "Dir::Cache=$cache/apt/cache" -o Dir::State::status=/dev/null \
    -o APT::Sandbox::User=root -o Acquire::Retries=3
}
apt_private() { local -a o; mapfile -t o < <(aptopt); "$1" "${o[@]}" "${@:2}"; }

apt_update() {
  mkdir -p "$cache/apt/lists/partial" "$cache/apt/cache/archives/partial" "$cache/apt/empty.d"
  printf '%s\n' "$SOURCES" >"$cache/apt/sources.list"
  log "updating the private apt index (Debian sid + bookworm) under $cache/apt"
  apt_private apt-get update -qq >&2 || die "apt-get update of the private index failed"
}

# "engine package version sha256" lines of the lock for an engine (with common and tools).
pins() {
  local e=$1
  grep -v '^#' "$lockfile" | awk -v e="$e" 'NF == 4 && ($1 == e || $1 == "common" || $1 == "tools")'
}

# Downloads (if not cached) and verifies every pinned .deb an engine needs.
download() {
  local e=$1 eng pkg ver sha f tmp
  [ -n "$(pins "$e")" ] || die "no pins for $e in $lockfile (run: scripts/engines.sh lock)"
  mkdir -p "$cache/debs"
  while read -r eng pkg ver sha; do
    f=$cache/debs/$sha.deb
    if [ -f "$f" ] && echo "$sha  $f" | sha256sum -c --status; then continue; fi
    rm -f "$f"
    [ "$apt_updated" = 1 ] || { apt_update; apt_updated=1; }
    tmp=$(mktemp -d "$cache/debs/dl.XXXXXX")
    if ! (cd "$tmp" && apt_private apt-get download -qq "$pkg=$ver" >&2); then
      rm -rf "$tmp"
      die "$pkg=$ver (pinned for $eng) cannot be downloaded: Debian no longer offers it? run scripts/engines.sh lock to move the pins"
    fi
    mv "$tmp"/*.deb "$f"; rmdir "$tmp"
    echo "$sha  $f" | sha256sum -c --status || { rm -f "$f"; die "$pkg=$ver: SHA-256 differs from the pin"; }
    log "downloaded $pkg $ver"
  done < <(pins "$e")
}

# Extracts the verified .debs into the tree (once each) and patches the binaries that need it.
extract() {
  local e=$1 eng pkg ver sha pe ld lib b f
  mkdir -p "$tree/.extracted"
  while read -r eng pkg ver sha; do
    [ "$eng" = tools ] && continue
    [ -f "$tree/.extracted/$sha" ] && continue
    dpkg-deb -x "$cache/debs/$sha.deb" "$tree"
    touch "$tree/.extracted/$sha"
  done < <(pins "$e")
  # patchelf: bookworm's, extracted beside the tree
  sha=$(pins "$e" | awk '$1 == "tools" && $2 == "patchelf" {print $4}')
  pe=$cache/tools/usr/bin/patchelf
  if [ ! -x "$pe" ]; then mkdir -p "$cache/tools"; dpkg-deb -x "$cache/debs/$sha.deb" "$cache/tools"; fi
  lib=$tree/usr/lib/x86_64-linux-gnu
  ld=$lib/ld-linux-x86-64.so.2
  for b in $PATCH_BINS; do
    f=$tree/$b
    [ -f "$f" ] || continue
    [ "$("$pe" --print-interpreter "$f")" = "$ld" ] && continue
    "$pe" --set-interpreter "$ld" --force-rpath --set-rpath "$lib" "$f"
  done
}

fetch() {
  local e=${1:-all}
  case "$e" in
    all) fetch docker28; fetch podman; return ;;
    docker28|podman) ;;
    docker20) return ;;
    *) die "unknown engine $e" ;;
  esac
  mkdir -p "$cache"
  exec 9>"$cache/.lock"
  flock 9
  download "$e"
  extract "$e"
  case "$e" in
    docker28) "$tree/usr/sbin/dockerd" --version >/dev/null && "$tree/usr/sbin/runc" --version >/dev/null \
                || die "the extracted Docker 28 does not run" ;;
    podman) "$tree/usr/bin/podman" --version >/dev/null || die "the extracted Podman does not run" ;;
  esac
  exec 9>&-
}

# The suites' current candidates, written as the new pins.
relock() {
  apt_update
  local out e p pkg suite ver sha
  out=$(mktemp)
  sed -n '/^#/p' "$lockfile" >"$out"
  for e in common docker28 podman tools; do
    local -n list=PKGS_$e
    for p in $list; do
      pkg=${p%%=*}; suite=${p#*=}; [ "$suite" = "$p" ] && suite=sid
      ver=$(apt_private apt-cache madison "$pkg" | awk -F' *\\| *' -v s="$suite" '$3 ~ "(^| )"s"/" {print $2; exit}')
      [ -n "$ver" ] || die "$pkg: no candidate in $suite"
      sha=$(apt_private apt-cache show "$pkg=$ver" | awk '/^SHA256:/ {print $2; exit}')
      printf '%-8s %-32s %-20s %s\n' "$e" "$pkg" "$ver" "$sha" >>"$out"
    done
  done
  mv "$out" "$lockfile"
  log "pinned $(grep -vc '^#' "$lockfile") packages in $lockfile"
}

root_of() {
  if [ -n "${DKR_ENGINE_ROOT:-}" ]; then echo "$DKR_ENGINE_ROOT"
  elif [ "$1" = docker20 ] && [ -n "${DKR_TEST_ROOT:-}" ]; then echo "$DKR_TEST_ROOT"
  else echo "$runbase/$1"; fi
}

# ---- docker20 / docker28: scripts/dockerd.sh with the engine's binaries
dockerd_sh() {
  local e=$1 cmd=$2 root
  root=$(root_of "$e")
  if [ "$e" = docker28 ]; then
    [ "$cmd" = stop ] || fetch docker28
    DKR_TEST_ROOT=$root DKR_DOCKERD=$tree/usr/sbin/dockerd DKR_DOCKERD_PATH=$tree/usr/bin:$tree/usr/sbin \
      DKR_DOCKER_CLI=$tree/usr/bin/docker bash scripts/dockerd.sh "$cmd"
  else
    DKR_TEST_ROOT=$root bash scripts/dockerd.sh "$cmd"
  fi
}

# ---- podman
podman_env() {
  local root=$1
  export CONTAINERS_CONF=$root/conf/containers.conf CONTAINERS_STORAGE_CONF=$root/conf/storage.conf
  export CONTAINERS_REGISTRIES_CONF=$root/conf/registries.conf PODMAN_IGNORE_CGROUPSV1_WARNING=1
  export PATH=$tree/usr/bin:$tree/usr/sbin:/usr/sbin:/usr/bin:/sbin:/bin
}

podman_conf() {
  local root=$1
  mkdir -p "$root/conf" "$root/run" "$root/storage" "$root/tmp" "$root/networks" "$root/events" "$root/etc-ovl"
  cat >"$root/conf/containers.conf" <<EOF
[containers]
seccomp_profile = "$tree/usr/share/containers/seccomp.json"
init_path = "$tree/usr/bin/catatonit"
netns = "none"
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$root/events/events.log"
conmon_path = ["$tree/usr/bin/conmon"]
helper_binaries_dir = ["$tree/usr/lib/podman", "$tree/usr/libexec/podman"]
runtime = "runc"
tmp_dir = "$root/tmp"
database_backend = "sqlite"

[engine.runtimes]
runc = ["$tree/usr/sbin/runc"]

[network]
network_backend = "netavark"
firewall_driver = "none"
network_config_dir = "$root/networks"
EOF
  cat >"$root/conf/storage.conf" <<EOF
[storage]
driver = "vfs"
runroot = "$root/run"
graphroot = "$root/storage"
EOF
  echo 'unqualified-search-registries = []' >"$root/conf/registries.conf"
}

podman_up() { timeout 5 curl -sf --unix-socket "$1/podman.sock" http://localhost/_ping >/dev/null 2>&1; }

podman_start() {
  local root sock pid
  root=$(root_of podman)
  sock=$root/podman.sock
  if podman_up "$root"; then echo "unix://$sock"; return; fi
  fetch podman
  podman_conf "$root"
  rm -f "$sock"
  # Rootful podman reads /etc/containers/policy.json (for commit) and nothing overrides that
  # path: the service runs in a mount namespace of its own where /etc is an overlay holding it.
  (
    podman_env "$root"
    export DKR_PODMAN_ROOT=$root DKR_PODMAN_TREE=$tree
    # shellcheck disable=SC2016
    nohup setsid unshare -m --propagation private -- bash -c '
      set -e
      o=$DKR_PODMAN_ROOT/etc-ovl
      mount -t tmpfs -o size=16m,mode=0700 dkr-podman-etc "$o"
      mkdir -p "$o/upper/containers" "$o/work"
      cp "$DKR_PODMAN_TREE/etc/containers/policy.json" "$o/upper/containers/policy.json"
      mount -t overlay overlay -o "lowerdir=/etc,upperdir=$o/upper,workdir=$o/work" /etc
      exec podman system service --time=0 "unix://$DKR_PODMAN_ROOT/podman.sock"
    ' >>"$root/podman.log" 2>&1 &
    echo $! >"$root/podman.pid"
  )
  for _ in $(seq 1 120); do podman_up "$root" && break; pid=$(cat "$root/podman.pid"); kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  podman_up "$root" || { echo "podman system service did not come up; see $root/podman.log" >&2; tail -20 "$root/podman.log" >&2; exit 1; }
  if ! DOCKER_HOST=unix://$sock "$tree/usr/bin/docker" image inspect "$image" >/dev/null 2>&1; then
    make_rootfs | DOCKER_HOST=unix://$sock "$tree/usr/bin/docker" import --change 'CMD ["/bin/sh"]' - "$image" >/dev/null
  fi
  echo "unix://$sock"
}

podman_stop() { # [keep]: a restart keeps the containers
  local root pid sock ids
  root=$(root_of podman)
  sock=$root/podman.sock
  [ -f "$root/podman.pid" ] || return 0
  pid=$(cat "$root/podman.pid")
  if [ "${1:-}" != keep ] && podman_up "$root"; then
    # Containers outlive the service (conmon): remove what the tests left.
    ids=$(DOCKER_HOST=unix://$sock "$tree/usr/bin/docker" ps -aq 2>/dev/null || true)
    [ -z "$ids" ] || DOCKER_HOST=unix://$sock "$tree/usr/bin/docker" rm -f $ids >/dev/null 2>&1 || true
  fi
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$root/podman.pid"
  # An exec session's conmon outlives its container for its exit delay (300 s): those of this
  # engine's storage go too (by their pids; nothing of another root is touched).
  if [ "${1:-}" != keep ]; then
    for p in $(pgrep -f -- "--exit-dir $root/storage/" || true); do kill "$p" 2>/dev/null || true; done
  fi
}

# A busybox-static root filesystem as a tar stream (the image every test uses).
make_rootfs() {
  local bb tmp
  bb=$(command -v busybox || true)
  [ -x /bin/busybox ] && bb=/bin/busybox
  [ -n "$bb" ] || die "busybox not found: apt-get install busybox-static"
  tmp=$(mktemp -d)
  mkdir -p "$tmp/bin" "$tmp/tmp" "$tmp/etc"
  cp "$bb" "$tmp/bin/busybox"
  for a in sh ls cat echo sleep true false id ps top env printf touch mkdir rm wc head tail kill; do ln -s busybox "$tmp/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$tmp/etc/passwd"
  tar -C "$tmp" -c .
  rm -rf "$tmp"
}

engine_arg() {
  case "${1:-}" in docker20|docker28|podman) echo "$1" ;; *) die "engine must be docker20, docker28 or podman" ;; esac
}

cmd=${1:-}
shift || true
case "$cmd" in
  fetch) fetch "${1:-all}" ;;
  lock) relock ;;
  start|stop|restart)
    e=$(engine_arg "${1:-}")
    if [ "$e" = podman ]; then
      case "$cmd" in start) podman_start ;; stop) podman_stop ;; restart) podman_stop keep; podman_start ;; esac
    else dockerd_sh "$e" "$cmd"; fi ;;
  cli)
    e=$(engine_arg "${1:-}")
    if [ "$e" = docker20 ]; then command -v docker; else fetch "$e" >&2; echo "$tree/usr/bin/docker"; fi ;;
  podman)
    root=$(root_of podman)
    podman_env "$root"
    exec podman --remote --url "unix://$root/podman.sock" "$@" ;;
  *) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
