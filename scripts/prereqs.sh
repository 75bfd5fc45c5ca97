#!/usr/bin/env bash
# The Debian packages the build (`build`) or the tests (`test`) need beyond Node.js, Python
# and cargo. Installs the missing ones when run as root (what a fresh machine and CI need);
# otherwise names the apt-get command to run. Called by `npm start`, `npm test` and .ci/run.
set -euo pipefail
build=(cmake ninja-build gcc g++ make libjansson-dev curl)
# The real Falco the tests run (../shared/falco, or $FALCO_BIN) needs these runtime libraries.
falco=(libjsoncpp25 libre2-9 libtbb12 libyaml-cpp0.7 zlib1g)
# debootstrap makes the Debian 12 root file system of the no-Node.js test (tests/falco/no-node.test.ts).
test=("${build[@]}" docker.io busybox-static valgrind debootstrap "${falco[@]}")
case "${1:-build}" in
  build) want=("${build[@]}") ;;
  test) want=("${test[@]}") ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
