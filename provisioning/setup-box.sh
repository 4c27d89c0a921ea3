#!/usr/bin/env bash
# Turns a fresh Debian 12 box into a roomcast collector or encoder, idempotently: the Debian
# packages of that kind, a Node 20 check, the roomcast system user, directories with their
# owners and modes, the code in /opt/roomcast with its npm packages, the kind's systemd
# units and, on collectors, the DeckLink udev rule. Every step prints `changed: …` or
# `ok: …`; the last line counts them, and a second run prints `0 changed`.
# It never writes configs or secrets: the config pusher puts /etc/roomcast/<kind>.yaml and
# <kind>.env. What each step does and why: provisioning/README.md.
set -Eeuo pipefail
umask 022
# Byte order for sorting and comparing paths, and messages of the tools in English.
export LC_ALL=C

readonly USAGE='usage: setup-box.sh collector|encoder [--root DIR] [--no-packages] [--source DIR]
       setup-box.sh collector|encoder --list-packages | --check-packages

  --source DIR       code to install into /opt/roomcast (default: the checkout this script is in)
  --root DIR         work on DIR as the filesystem root (tests); needs --no-packages, skips
                     npm, systemctl and udevadm
  --no-packages      skip the Debian packages and the Node check
  --list-packages    print the Debian packages of the kind, one per line
  --check-packages   say which of them are missing here, and whether Node 20 is present;
                     exits 1 if anything is missing'

# ---------------------------------------------------------------------------------------
# What a box of each kind needs, as data.

# The Debian packages of each role are listed, with who needs them, in
# scripts/debian-packages.txt (setup.sh installs every role from the same file); what each
# must provide is in core/requirements/catalogue.ts, checked by `roomcast doctor`.
# A collector compiles node-gtk on the box, so it takes the build role's packages too.
readonly PACKAGE_LIST=scripts/debian-packages.txt
box_roles() {
  case "$1" in
    collector) echo collector build ;;
    encoder) echo encoder ;;
  esac
}
# The packages of the given roles, one per line, from a packages file.
packages_of_roles() {
  local file=$1
  shift
  awk -v roles="$*" '
    BEGIN { split(roles, wanted, " ") }
    /^[[:space:]]*(#|$)/ { next }
    {
      split($1, mine, ",")
      for (i in mine) for (j in wanted) if (mine[i] == wanted[j]) { print $2; next }
    }' "$file"
}

# The units start /usr/bin/node; Debian 12's own nodejs is 18, too old for roomcast.
readonly NODE=/usr/bin/node
readonly NODE_MAJOR=20

readonly USER_NAME=roomcast
readonly HOME_DIR=/var/lib/roomcast
readonly CODE_DIR=/opt/roomcast
readonly CONFIG_DIR=/etc/roomcast
readonly UNIT_DIR=/etc/systemd/system
readonly UDEV_RULE=/etc/udev/rules.d/60-roomcast-decklink.rules

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
readonly SCRIPT_DIR

# ---------------------------------------------------------------------------------------
# Output: every step ends in exactly one `changed:` or `ok:` line (or `skipped:`, which is
# not counted: nothing was looked at).

changes=0
unchanged=0
changed() {
  printf 'changed: %s\n' "$*"
  changes=$((changes + 1))
}
ok() {
  printf 'ok: %s\n' "$*"
  unchanged=$((unchanged + 1))
}
skipped() { printf 'skipped: %s\n' "$*"; }
die() {
  printf 'setup-box: %s\n' "$*" >&2
  exit 1
}
usage_error() {
  printf 'setup-box: %s\n%s\n' "$*" "$USAGE" >&2
  exit 2
}
trap 'printf "setup-box: failed at line %s: %s\n" "$LINENO" "$BASH_COMMAND" >&2' ERR

# ---------------------------------------------------------------------------------------
# Arguments

kind=''
root=''
root_mode=0
packages=1
source_dir=''
action=provision
while [ $# -gt 0 ]; do
  case $1 in
    collector | encoder)
      [ -z "$kind" ] || usage_error "one kind per run (got '$kind' and '$1')"
      kind=$1
      ;;
    --root | --source)
      [ $# -ge 2 ] || usage_error "$1 needs a directory"
      if [ "$1" = --root ]; then root=$2 root_mode=1; else source_dir=$2; fi
      shift
      ;;
    --no-packages) packages=0 ;;
    --list-packages) action=list ;;
    --check-packages) action=check ;;
    -h | --help)
      printf '%s\n' "$USAGE"
      exit 0
      ;;
    -*) usage_error "unknown option '$1'" ;;
    *) usage_error "unknown kind '$1': a box is a collector or an encoder" ;;
  esac
  shift
done
[ -n "$kind" ] || usage_error 'which kind of box: collector or encoder?'
if [ "$root_mode" -eq 1 ] && [ "$packages" -eq 1 ] && [ "$action" = provision ]; then
  usage_error '--root needs --no-packages: packages go to the host through its apt, not into DIR'
fi

read -ra roles_of_box <<<"$(box_roles "$kind")"
mapfile -t box_packages < <(packages_of_roles "$SCRIPT_DIR/../$PACKAGE_LIST" "${roles_of_box[@]}")
[ ${#box_packages[@]} -gt 0 ] || die "no packages for $kind in $SCRIPT_DIR/../$PACKAGE_LIST"

# ---------------------------------------------------------------------------------------
# Packages and Node

is_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing_packages() {
  local package
  for package in "${box_packages[@]}"; do
    is_installed "$package" || printf '%s\n' "$package"
  done
}

# Empty when /usr/bin/node is Node 20 or newer; otherwise says what is wrong.
node_problem() {
  local version major
  if [ ! -x "$NODE" ]; then
    printf 'no %s' "$NODE"
    return
  fi
  version=$("$NODE" --version 2>/dev/null) || version=unknown
  major=${version#v}
  major=${major%%.*}
  if ! [[ $major =~ ^[0-9]+$ ]] || [ "$major" -lt "$NODE_MAJOR" ]; then
    printf '%s is %s' "$NODE" "$version"
  fi
}

node_advice() {
  printf '%s\n' \
    "roomcast needs Node $NODE_MAJOR or newer at $NODE; Debian 12's nodejs package is 18." \
    "Install Node $NODE_MAJOR first (the official build from nodejs.org, checked against its" \
    "signed SHASUMS256.txt, or NodeSource's nodejs package), then run this again."
}

step_packages() {
  local problem missing
  problem=$(node_problem)
  # Before anything is installed: a box without Node would be half set up.
  [ -z "$problem" ] || die "$problem. $(node_advice)"
  ok "Node: $NODE $("$NODE" --version)"
  mapfile -t missing < <(missing_packages)
  if [ ${#missing[@]} -eq 0 ]; then
    ok "Debian packages for ${kind}s: all ${#box_packages[@]} installed"
    return
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  changed "Debian packages installed: ${missing[*]}"
}

case $action in
  list)
    printf '%s\n' "${box_packages[@]}"
    exit 0
    ;;
  check)
    mapfile -t missing < <(missing_packages)
    problem=$(node_problem)
    [ ${#missing[@]} -eq 0 ] || printf 'missing: Debian packages: %s\n' "${missing[*]}"
    [ -z "$problem" ] || printf 'missing: Node %s or newer (%s)\n' "$NODE_MAJOR" "$problem"
    if [ ${#missing[@]} -gt 0 ] || [ -n "$problem" ]; then exit 1; fi
    printf 'ok: all %s Debian packages for %ss are installed; %s is %s\n' \
      "${#box_packages[@]}" "$kind" "$NODE" "$("$NODE" --version)"
    printf 'nothing missing\n'
    exit 0
    ;;
esac

# ---------------------------------------------------------------------------------------
# Where to work

[ "$(id -u)" -eq 0 ] ||
  die "must run as root: it creates the $USER_NAME user and hands files to it (try sudo)"

# R prefixes every box path: empty on a real box, the --root directory in tests.
R=''
if [ "$root_mode" -eq 1 ]; then
  [ -d "$root" ] || die "--root $root: no such directory"
  R=$(cd "$root" && pwd -P)
  [ "$R" != / ] || R=''
fi
if [ ! -f "$R/etc/passwd" ] || [ ! -f "$R/etc/group" ]; then
  die "no $R/etc/passwd or $R/etc/group"
fi

source_dir=${source_dir:-$SCRIPT_DIR/..}
[ -d "$source_dir" ] || die "--source $source_dir: no such directory"
SRC=$(cd "$source_dir" && pwd -P)
readonly SRC R
WORK=$(mktemp -d)
readonly WORK
trap 'rm -rf "$WORK"' EXIT
[ -f "$SRC/package.json" ] || die "--source $SRC: not a roomcast checkout (no package.json)"
# Copying a tree into itself would never end; the installed copy as its own source is fine.
case $R$CODE_DIR in
  "$SRC"/*) die "the install directory $R$CODE_DIR is inside the source $SRC" ;;
esac

# ---------------------------------------------------------------------------------------
# Users, owners, modes. Ids are read from the box's own files, never through the host's
# name service, so that --root trees get the ids of their own users.

id_in() { # FILE NAME → the numeric id (field 3), empty if there is no such entry
  awk -F: -v name="$2" '$1 == name { print $3; exit }' "$1"
}
name_in() { # FILE ID → the name of that id, or the id itself
  awk -F: -v id="$2" '$3 == id { print $1; found = 1; exit } END { if (!found) print id }' "$1"
}
owner_label() { # UID GID MODE → root:roomcast 0750
  printf '%s:%s 0%s' "$(name_in "$R/etc/passwd" "$1")" "$(name_in "$R/etc/group" "$2")" "$3"
}

# Sets owner and mode of a host path; prints what it changed (nothing if nothing).
fix_meta() { # HOST_PATH UID GID MODE
  local now_uid now_gid now_mode fixed=''
  read -r now_uid now_gid now_mode < <(stat -c '%u %g %a' "$1")
  if [ "$now_uid:$now_gid" != "$2:$3" ]; then
    # `+` makes chown take the ids as numbers, never as names of the host.
    chown -h "+$2:+$3" "$1"
    fixed+=" owner $(name_in "$R/etc/passwd" "$now_uid"):$(name_in "$R/etc/group" "$now_gid")"
  fi
  # chown clears set-id bits, so the mode is compared and set after it.
  read -r now_mode < <(stat -c '%a' "$1")
  if [ "$now_mode" != "$4" ]; then
    chmod "$4" "$1"
    fixed+=" mode 0$now_mode"
  fi
  printf '%s' "$fixed"
}

# Creates the missing ancestors of a box path (root:root 0755), reporting each one made.
make_parents() { # BOX_PATH
  local parent=${1%/*} missing=()
  while [ -n "$parent" ] && [ ! -d "$R$parent" ]; do
    missing=("$parent" "${missing[@]}")
    parent=${parent%/*}
  done
  for parent in "${missing[@]}"; do
    mkdir "$R$parent"
    chown 0:0 "$R$parent"
    chmod 755 "$R$parent"
    changed "$parent created, root:root 0755"
  done
}

ensure_dir() { # BOX_PATH UID GID MODE
  local path=$1 host=$R$1 fixed
  if [ -L "$host" ] || { [ -e "$host" ] && [ ! -d "$host" ]; }; then
    die "$path exists and is not a directory; move it away and run again"
  fi
  if [ ! -d "$host" ]; then
    make_parents "$path"
    mkdir "$host"
    fix_meta "$host" "$2" "$3" "$4" >/dev/null
    changed "$path created, $(owner_label "$2" "$3" "$4")"
    return
  fi
  fixed=$(fix_meta "$host" "$2" "$3" "$4")
  if [ -n "$fixed" ]; then
    changed "$path is now $(owner_label "$2" "$3" "$4") (was:$fixed)"
  else
    ok "$path $(owner_label "$2" "$3" "$4")"
  fi
}

# Installs one file (atomically: written beside, then renamed over the old one). Returns 0
# when it wrote the file, 1 when the file was already there: call it in a condition.
ensure_file() { # SOURCE BOX_PATH UID GID MODE
  local source=$1 path=$2 host=$R$2 fixed tmp
  if [ -f "$host" ] && [ ! -L "$host" ] && cmp -s "$source" "$host"; then
    fixed=$(fix_meta "$host" "$3" "$4" "$5")
    if [ -n "$fixed" ]; then
      changed "$path is now $(owner_label "$3" "$4" "$5") (was:$fixed)"
    else
      ok "$path same as $source"
    fi
    return 1
  fi
  make_parents "$path"
  tmp=$host.roomcast-new
  cp "$source" "$tmp"
  fix_meta "$tmp" "$3" "$4" "$5" >/dev/null
  mv -fT "$tmp" "$host"
  changed "$path installed from $source, $(owner_label "$3" "$4" "$5")"
}

# ---------------------------------------------------------------------------------------
# Steps

step_user() {
  local root_opt=() uid gid shell home primary want_groups=() group members missing=() list
  [ -z "$R" ] || root_opt=(--root "$R")
  # On a collector the user reads capture devices: video (V4L2, DeckLink through the udev
  # rule) and audio (ALSA). An encoder reads no devices, so it joins no extra group.
  [ "$kind" != collector ] || want_groups=(video audio)

  if [ -z "$(id_in "$R/etc/group" "$USER_NAME")" ]; then
    groupadd "${root_opt[@]}" --system "$USER_NAME"
    changed "group $USER_NAME created (gid $(id_in "$R/etc/group" "$USER_NAME"))"
  else
    ok "group $USER_NAME (gid $(id_in "$R/etc/group" "$USER_NAME"))"
  fi
  gid=$(id_in "$R/etc/group" "$USER_NAME")

  uid=$(id_in "$R/etc/passwd" "$USER_NAME")
  if [ -z "$uid" ]; then
    useradd "${root_opt[@]}" --system --gid "$USER_NAME" --home-dir "$HOME_DIR" \
      --no-create-home --shell /usr/sbin/nologin --comment 'roomcast appliance' "$USER_NAME"
    changed "user $USER_NAME created (uid $(id_in "$R/etc/passwd" "$USER_NAME"))," \
      "home $HOME_DIR, no login shell"
  else
    IFS=: read -r _ _ _ primary _ home shell < <(grep "^$USER_NAME:" "$R/etc/passwd")
    if [ "$primary:$home:$shell" = "$gid:$HOME_DIR:/usr/sbin/nologin" ]; then
      ok "user $USER_NAME (uid $uid), home $HOME_DIR, no login shell"
    else
      usermod "${root_opt[@]}" --gid "$gid" --home "$HOME_DIR" --shell /usr/sbin/nologin \
        "$USER_NAME"
      changed "user $USER_NAME (uid $uid) now has group $USER_NAME, home $HOME_DIR and no" \
        "login shell (was gid $primary, $home, $shell)"
    fi
  fi

  [ ${#want_groups[@]} -gt 0 ] || return 0
  for group in "${want_groups[@]}"; do
    [ -n "$(id_in "$R/etc/group" "$group")" ] || die "no group $group in $R/etc/group"
    members=$(awk -F: -v name="$group" '$1 == name { print $4 }' "$R/etc/group")
    [[ ,$members, == *,"$USER_NAME",* ]] || missing+=("$group")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    ok "user $USER_NAME is in ${want_groups[*]}"
  else
    list=$(
      IFS=,
      printf '%s' "${missing[*]}"
    )
    usermod "${root_opt[@]}" --append --groups "$list" "$USER_NAME"
    changed "user $USER_NAME added to ${missing[*]}"
  fi
}

step_dirs() {
  ensure_dir "$CODE_DIR" 0 0 755
  ensure_dir "$CONFIG_DIR" 0 "$box_gid" 750
  ensure_dir "$HOME_DIR" "$box_uid" "$box_gid" 750
  ensure_dir "$HOME_DIR/$kind" "$box_uid" "$box_gid" 750
  [ "$kind" != collector ] || ensure_dir "$HOME_DIR/collector/recordings" "$box_uid" "$box_gid" 750
}

# Configs the pusher put here: readable by the service (root:roomcast 0640); env files hold
# the secrets and are read by systemd itself (EnvironmentFile=, as root, before it drops
# to the roomcast user), so nobody else needs to read them: root:root 0600.
step_configs() {
  local file fixed count=0 owner=()
  for file in "$R$CONFIG_DIR"/*; do
    if [ ! -f "$file" ] || [ -L "$file" ]; then continue; fi
    count=$((count + 1))
    case $file in
      *.env) owner=(0 0 600) ;;
      *) owner=(0 "$box_gid" 640) ;;
    esac
    fixed=$(fix_meta "$file" "${owner[@]}")
    if [ -n "$fixed" ]; then
      changed "${file#"$R"} is now $(owner_label "${owner[@]}") (was:$fixed)"
    else
      ok "${file#"$R"} $(owner_label "${owner[@]}")"
    fi
  done
  [ "$count" -gt 0 ] ||
    ok "$CONFIG_DIR holds no configs yet: the config pusher puts $kind.yaml and $kind.env there"
}

# The files of the source: a git checkout gives what it tracks plus untracked files it
# does not ignore (never data/, .env, node_modules); any other directory is taken whole
# except .git and node_modules (an exported tree, `git archive`). NUL-separated.
source_files() {
  if [ -e "$SRC/.git" ]; then
    command -v git >/dev/null ||
      die "$SRC is a git checkout but git is not installed (or pass an exported tree as --source)"
    # safe.directory: root reads a checkout that may belong to someone else; fsmonitor off
    # so that such a checkout's config runs nothing as root.
    git -c safe.directory="$SRC" -c core.fsmonitor=false -C "$SRC" \
      ls-files -z --cached --others --exclude-standard
  else
    (cd "$SRC" && find . -mindepth 1 \( -name .git -o -name node_modules \) -prune -o \
      \( -type f -o -type l \) -printf '%P\0')
  fi
}

# /opt/roomcast becomes a copy of the source (root-owned, 0644 or 0755 when the source
# file is executable), leaving only node_modules alone; files no longer in the source go.
step_code() {
  local dest=$R$CODE_DIR list=$WORK/source-files rel dir mode type meta
  local copied=0 removed=0 made=0 dirs_removed=0
  local -A want=() dirs=() have=()
  # Listed into a file first, so that a failing git stops the script here.
  source_files >"$list"
  while IFS= read -r -d '' rel; do
    case /$rel/ in */node_modules/* | */.git/*) continue ;; esac
    # A checkout lists files deleted from the work tree and submodules; neither is copied.
    [ -L "$SRC/$rel" ] || [ -f "$SRC/$rel" ] || continue
    want[$rel]=1
    dir=$rel
    while [[ $dir == */* ]]; do
      dir=${dir%/*}
      dirs[$dir]=1
    done
  done <"$list"

  # What is there now, in one pass: type, owner and mode of every entry.
  find "$dest" -mindepth 1 -path "$dest/node_modules" -prune -o \
    -printf '%P\t%y\t%U:%G:%m\0' >"$list"
  while IFS=$'\t' read -r -d '' rel type meta; do
    have[$rel]="$type $meta"
  done <"$list"

  # Gone from the source: deepest first, so directories are empty when their turn comes.
  for rel in "${!have[@]}"; do
    if [ -z "${want[$rel]:-}" ] && [ -z "${dirs[$rel]:-}" ]; then printf '%s\0' "$rel"; fi
  done | sort -zr >"$list"
  while IFS= read -r -d '' rel; do
    if [ "${have[$rel]%% *}" = d ]; then
      rm -rf "${dest:?}/$rel"
      dirs_removed=$((dirs_removed + 1))
    else
      rm -f "${dest:?}/$rel"
      removed=$((removed + 1))
    fi
  done <"$list"

  # Parents before children.
  for dir in "${!dirs[@]}"; do printf '%s\0' "$dir"; done | sort -z >"$list"
  while IFS= read -r -d '' dir; do
    [ "${have[$dir]:-}" != 'd 0:0:755' ] || continue
    # A file or symlink where the source now has a directory goes first.
    if [ -L "$dest/$dir" ] || { [ -e "$dest/$dir" ] && [ ! -d "$dest/$dir" ]; }; then
      rm -f "$dest/$dir"
    fi
    mkdir -p "$dest/$dir"
    chown 0:0 "$dest/$dir"
    chmod 755 "$dest/$dir"
    made=$((made + 1))
  done <"$list"

  for rel in "${!want[@]}"; do
    if [ -L "$SRC/$rel" ]; then
      if [ -L "$dest/$rel" ] && [ "$(readlink "$dest/$rel")" = "$(readlink "$SRC/$rel")" ]; then
        continue
      fi
      rm -rf "${dest:?}/$rel"
      cp -P "$SRC/$rel" "$dest/$rel"
      chown -h 0:0 "$dest/$rel"
    else
      mode=644
      [ ! -x "$SRC/$rel" ] || mode=755
      if [ "${have[$rel]:-}" = "f 0:0:$mode" ] && cmp -s "$SRC/$rel" "$dest/$rel"; then
        continue
      fi
      if [ -d "$dest/$rel" ] && [ ! -L "$dest/$rel" ]; then rm -rf "${dest:?}/$rel"; fi
      cp "$SRC/$rel" "$dest/$rel.roomcast-new"
      chown 0:0 "$dest/$rel.roomcast-new"
      chmod "$mode" "$dest/$rel.roomcast-new"
      mv -fT "$dest/$rel.roomcast-new" "$dest/$rel"
    fi
    copied=$((copied + 1))
  done

  if [ $((copied + removed + made + dirs_removed)) -eq 0 ]; then
    ok "$CODE_DIR same as $SRC (${#want[@]} files)"
  else
    changed "$CODE_DIR from $SRC (${#want[@]} files): $copied copied, $removed removed;" \
      "directories: $made made, $dirs_removed removed"
  fi
}

# npm packages, production only. They are installed on the box (not copied from the
# source) because node-gtk is native code built for the box's Node and libraries. A stamp
# of package-lock.json, the Node version and the kind tells whether they are current.
step_npm() {
  local dir=$R$CODE_DIR stamp want problem nodedir
  if [ "$root_mode" -eq 1 ]; then
    skipped "npm packages (--root: not installed in test roots)"
    return
  fi
  problem=$(node_problem)
  [ -z "$problem" ] || die "$problem. $(node_advice)"
  command -v npm >/dev/null || die "no npm on PATH (it comes with Node $NODE_MAJOR)"
  stamp=$dir/node_modules/.roomcast-box.sha256
  want=$({
    cat "$dir/package-lock.json"
    "$NODE" --version
    printf '%s\n' "$kind"
  } | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    ok "npm packages in $CODE_DIR/node_modules match package-lock.json"
    return
  fi
  # --ignore-scripts: no package's install script runs as root; nothing roomcast runs
  # needs one (esbuild works without its own), except node-gtk, which is built below.
  # npm ci refuses a lock that lacks other platforms' optional binaries (@deno/*, a dev
  # tool), which it does when the registry mirror only carries this platform's. npm install
  # then installs the same locked versions; --no-save keeps it from rewriting the lock, so
  # /opt/roomcast stays a copy of the source.
  if ! (cd "$dir" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error); then
    printf 'setup-box: npm ci refused the lock file; installing the locked versions with npm install\n'
    (cd "$dir" && npm install --omit=dev --ignore-scripts --no-save --no-audit --no-fund \
      --loglevel=error)
  fi
  if [ "$kind" = collector ]; then
    # node-gtk compiles against the headers of the Node that runs it; pointing node-gyp at
    # them keeps it from downloading headers from nodejs.org.
    nodedir=$(dirname "$(dirname "$(readlink -f "$NODE")")")
    if [ -d "$nodedir/include/node" ]; then export npm_config_nodedir=$nodedir; fi
    (cd "$dir" && npm_config_build_from_source=true npm rebuild node-gtk --loglevel=error)
  fi
  printf '%s\n' "$want" >"$stamp"
  changed "npm packages installed in $CODE_DIR/node_modules (npm ci --omit=dev)"
}

# The kind's units: roomcast-<kind>.service, roomcast-<kind>-*.service, and the watchdog,
# which runs on every box. The edge is not a box kind.
kind_units() {
  local unit name
  for unit in "$SRC"/systemd/roomcast-*.service; do
    [ -f "$unit" ] || continue
    name=${unit##*/}
    case $name in
      "roomcast-$kind.service" | "roomcast-$kind-"*.service | "roomcast-$kind@"*.service | \
        roomcast-watchdog.service | roomcast-watchdog@*.service)
        printf '%s\n' "$name"
        ;;
    esac
  done
}

units_changed=0
step_units() {
  local units=() name
  mapfile -t units < <(kind_units)
  if [ ${#units[@]} -eq 0 ]; then
    skipped "systemd units: no systemd/roomcast-$kind.service in $SRC"
    return
  fi
  for name in "${units[@]}"; do
    if ensure_file "$SRC/systemd/$name" "$UNIT_DIR/$name" 0 0 644; then units_changed=1; fi
  done
}

step_udev() {
  [ "$kind" = collector ] || return 0
  local nodes=()
  if ensure_file "$SCRIPT_DIR/udev/${UDEV_RULE##*/}" "$UDEV_RULE" 0 0 644 &&
    [ "$root_mode" -eq 0 ] && [ -S /run/udev/control ]; then
    udevadm control --reload
    # Cards already present get the rule now rather than at the next boot.
    shopt -s nullglob
    nodes=(/dev/blackmagic/* /dev/blackmagic[0-9]*)
    shopt -u nullglob
    if [ ${#nodes[@]} -gt 0 ] && ! udevadm trigger --action=change "${nodes[@]}"; then
      printf 'setup-box: udevadm trigger failed; the rule applies from the next boot\n' >&2
    fi
  fi
}

step_systemd() {
  local units=() name state
  if [ "$root_mode" -eq 1 ]; then
    skipped "systemctl daemon-reload and enable (--root)"
    return
  fi
  mapfile -t units < <(kind_units)
  [ ${#units[@]} -gt 0 ] || return 0
  if [ ! -d /run/systemd/system ]; then
    skipped "systemctl: systemd is not running here; after boot: systemctl enable ${units[*]}"
    return
  fi
  if [ "$units_changed" -eq 1 ] ||
    systemctl show --property=NeedDaemonReload --value "${units[@]}" | grep -qx yes; then
    systemctl daemon-reload
    changed "systemctl daemon-reload"
  fi
  for name in "${units[@]}"; do
    case $name in
      # The watchdog's template runs as one instance per box, named by the box's kind.
      roomcast-watchdog@.service) name="roomcast-watchdog@$kind.service" ;;
      *@.service) continue ;;
    esac
    state=$(systemctl is-enabled "$name" 2>/dev/null) || true
    case $state in
      enabled | static | alias | indirect | generated) ok "$name is $state" ;;
      *)
        systemctl enable --quiet "$name"
        changed "$name enabled (starts at boot; the config pusher starts it with its config)"
        ;;
    esac
  done
}

# ---------------------------------------------------------------------------------------

echo "setup-box: $kind box${R:+ in $R}, code from $SRC"
if [ "$packages" -eq 1 ]; then step_packages; else skipped 'Debian packages and Node (--no-packages)'; fi
step_user
box_uid=$(id_in "$R/etc/passwd" "$USER_NAME")
box_gid=$(id_in "$R/etc/group" "$USER_NAME")
step_dirs
step_configs
step_code
step_npm
step_units
step_udev
step_systemd
printf '%s changed, %s unchanged\n' "$changes" "$unchanged"
