#!/usr/bin/env bash
# The README's first command as a newcomer runs it, on a Debian 12 that has nothing but a
# minimal base system, Node 20 and root: a debootstrap --variant=minbase root (made once in
# ROOT, reused after), this machine's Node copied in, a clone of HEAD, then `npm run demo`
# in a chroot. Passes when the demo prints its banner and the demo room is live within
# 15 s of it; prints both times. Takes 5-10 minutes on a first run (Debian packages, npm,
# node-gtk), a minute after. Not part of npm test: it needs root, debootstrap and Debian's
# mirror, and the demo's default ports (8080, 1935, 8088-8090) free on this machine.
#
#   sudo scripts/fresh-debian-demo.sh /var/tmp/roomcast-fresh-root
set -euo pipefail
cd "$(dirname "$0")/.."
readonly ROOT=${1:?usage: fresh-debian-demo.sh ROOT}
readonly LIVE_WITHIN_S=15
readonly LOG=$ROOT.demo.log

[ "$(id -u)" -eq 0 ] || { echo "fresh-debian-demo: needs root (debootstrap, chroot)" >&2; exit 2; }
if [ ! -x "$ROOT/usr/bin/apt-get" ]; then
  command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap
  debootstrap --variant=minbase bookworm "$ROOT" http://deb.debian.org/debian
fi
# Node 20 as the newcomer has it (NodeSource's package: the binary, npm, the headers).
node_bin=$(command -v node)
node_prefix=$(dirname "$(dirname "$(readlink -f "$node_bin")")")
cp "$node_bin" "$ROOT/usr/bin/node"
mkdir -p "$ROOT/usr/lib/node_modules" "$ROOT/usr/include"
cp -a "$node_prefix/lib/node_modules/npm" "$ROOT/usr/lib/node_modules/"
[ ! -d "$node_prefix/include/node" ] || cp -a "$node_prefix/include/node" "$ROOT/usr/include/"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOT/usr/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOT/usr/bin/npx"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# debootstrap leaves /etc/hosts to the installer; an installed Debian names localhost in it.
[ -s "$ROOT/etc/hosts" ] || printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$ROOT/etc/hosts"
# A chroot has no init: packages must not start their services (as in container images).
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod +x "$ROOT/usr/sbin/policy-rc.d"
# Where this machine reaches the registry through a proxy with its own CA, so must the root.
extra_ca=()
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  mkdir -p "$ROOT/etc/ssl/certs"
  cp "$NODE_EXTRA_CA_CERTS" "$ROOT/etc/ssl/certs/extra-ca.crt"
  extra_ca=(NODE_EXTRA_CA_CERTS=/etc/ssl/certs/extra-ca.crt)
fi

for fs in proc sys dev; do
  mountpoint -q "$ROOT/$fs" || mount --rbind "/$fs" "$ROOT/$fs"
done
cleanup() {
  for fs in dev sys proc; do umount -R "$ROOT/$fs" 2>/dev/null || true; done
}
trap cleanup EXIT

rm -rf "$ROOT/root/roomcast"
git clone -q "$PWD" "$ROOT/root/roomcast"

start=$(date +%s%N)
env -i HOME=/root TERM=dumb "${extra_ca[@]}" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  chroot "$ROOT" bash -c 'cd /root/roomcast && exec npm run demo' >"$LOG" 2>&1 </dev/null &
demo=$!
stop_demo() {
  # Ctrl-C for the demo itself: the `node bin/roomcast.js demo` whose root is ROOT.
  local proc
  for proc in /proc/[0-9]*; do
    [ "$(readlink "$proc/root" 2>/dev/null)" = "$(readlink -f "$ROOT")" ] || continue
    tr '\0' ' ' <"$proc/cmdline" 2>/dev/null | grep -q '^node bin/roomcast.js demo' &&
      kill -INT "${proc#/proc/}" 2>/dev/null
  done
  wait "$demo" 2>/dev/null || true
}
until grep -q 'demo is running' "$LOG"; do
  if ! kill -0 "$demo" 2>/dev/null; then
    echo "fresh-debian-demo: the demo ended before its banner; the end of $LOG:" >&2
    tail -20 "$LOG" >&2
    exit 1
  fi
  sleep 0.1
done
banner=$(date +%s%N)
deadline=$((banner + LIVE_WITHIN_S * 1000000000))
until node -e 'fetch("http://127.0.0.1:8080/api/v1/public/rooms/demo").then(r => r.json())
  .then(b => process.exit(b.state === "live" ? 0 : 1), () => process.exit(1))'; do
  if [ "$(date +%s%N)" -gt "$deadline" ]; then
    stop_demo
    echo "fresh-debian-demo: the demo room was not live ${LIVE_WITHIN_S} s after the banner; $LOG" >&2
    exit 1
  fi
  sleep 0.2
done
live=$(date +%s%N)
stop_demo
printf 'fresh-debian-demo: banner %.1f s after npm run demo, room live %.1f s after the banner\n' \
  "$(((banner - start) / 1000000))e-3" "$(((live - banner) / 1000000))e-3"
if [ -n "$(git -C "$ROOT/root/roomcast" status --porcelain --untracked-files=no)" ]; then
  echo "fresh-debian-demo: npm run demo changed tracked files of the clone" >&2
  exit 1
fi
