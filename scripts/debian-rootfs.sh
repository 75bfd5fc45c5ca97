#!/usr/bin/env bash
# A minimal Debian 12 root file system with only what Falco needs at run time: debootstrap
# --variant=minbase bookworm plus Falco's runtime libraries (ldd of falco: libjsoncpp, re2, tbb,
# yaml-cpp, zlib; libstdc++, libgcc_s and glibc come with minbase). No Node.js, no compiler
# (checked). Cached as a tarball under ~/.cache/falco-docker-plugin/; prints its path.
# Exit 3 when debootstrap is missing or cannot reach Debian's packages (callers skip, loudly).
# DKR_DEBIAN_MIRROR overrides the mirror (default http://deb.debian.org/debian).
set -euo pipefail
pkgs=(libjsoncpp25 libre2-9 libtbb12 libyaml-cpp0.7 zlib1g)
mirror=${DKR_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/falco-docker-plugin
key=$(echo "bookworm minbase ${pkgs[*]} v1" | sha256sum | cut -c1-12)
out=$cache/debian12-falco-rootfs-$key.tar
if [ -s "$out" ]; then echo "$out"; exit 0; fi
command -v debootstrap >/dev/null || { echo "debootstrap not found (apt-get install debootstrap)" >&2; exit 3; }
[ "$(id -u)" = 0 ] || { echo "debootstrap needs root" >&2; exit 3; }
mkdir -p "$cache"
work=$(mktemp -d "$cache/.rootfs-XXXXXX")
trap 'rm -rf "$work"' EXIT
if ! debootstrap --variant=minbase --include="$(IFS=,; echo "${pkgs[*]}")" bookworm "$work/root" "$mirror" >"$work/log" 2>&1; then
  if grep -qiE "Failed getting release file|Couldn't download|Temporary failure|Could not resolve|Connection (refused|timed out)|Network is unreachable" "$work/log"; then
    echo "debootstrap cannot reach Debian's packages at $mirror: $(grep -iE 'E:|W:' "$work/log" | tail -1)" >&2
    exit 3
  fi
  echo "debootstrap failed:" >&2
  tail -20 "$work/log" >&2
  exit 1
fi
for p in node nodejs gcc cc c++ clang tcc; do
  if chroot "$work/root" /bin/sh -c "command -v $p" >/dev/null 2>&1; then echo "the root file system has $p" >&2; exit 1; fi
done
rm -rf "$work/root"/var/cache/apt/archives/*.deb "$work/root"/var/lib/apt/lists/* "$work/root"/var/log/*.log
tar --numeric-owner -C "$work/root" -cf "$out.tmp" .
mv "$out.tmp" "$out"
echo "$out"
