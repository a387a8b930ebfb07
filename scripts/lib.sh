# shellcheck shell=bash
# Shared helpers of scripts/test and scripts/run. Source it; it defines functions only (and CB_ROOT).
# The functions return non-zero on failure explicitly: callers may run them where `set -e` is off.

CB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# mosquitto lives in /usr/sbin, which is not on a normal user's PATH on Debian.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin" ;; esac
export PATH

if [ -t 2 ]; then _b=$'\033[1m' _r=$'\033[31m' _g=$'\033[32m' _n=$'\033[0m'; else _b='' _r='' _g='' _n=''; fi

log() { printf '%s==> %s%s\n' "$_b" "$*" "$_n" >&2; }
warn() { printf '%swarning:%s %s\n' "$_r" "$_n" "$*" >&2; }
die() { printf '%serror:%s %s\n' "$_r" "$_n" "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# The apt packages the build and the broker need. python3-venv only when the python3 on PATH
# cannot make a virtualenv (Debian's own python3 without it); a pyenv/other python is used as is.
cb_required_packages() {
    local pkgs=(mosquitto mosquitto-clients libmosquitto-dev libsqlite3-dev libssl-dev libcurl4-openssl-dev pkg-config)
    if [ "${1:-}" = "--with-python" ]; then
        # The notify tests make their TLS certificate with the openssl command.
        pkgs+=(openssl)
        if ! command -v python3 >/dev/null 2>&1; then
            pkgs+=(python3 python3-venv)
        elif ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
            pkgs+=(python3-venv)
        fi
    fi
    printf '%s\n' "${pkgs[@]}"
}

# Installs what is missing; does not touch apt at all when everything is there.
ensure_apt_packages() {
    local missing=() p
    for p in "$@"; do
        pkg_installed "$p" || missing+=("$p")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        log "apt packages present: $*"
        return 0
    fi
    command -v apt-get >/dev/null 2>&1 || die "missing packages (${missing[*]}) and no apt-get: install them by hand"
    log "installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q || return 1
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" || return 1
    # The Debian package starts its own broker on localhost:1883. Tests use free ports and do not
    # care; scripts/run says what to do if it is in the way.
}

ensure_swift() {
    command -v swift >/dev/null 2>&1 || die "swift is not on PATH. Install Swift 6 (https://www.swift.org/install/linux/ , e.g. with swiftly) and retry."
    local v
    v="$(swift --version 2>&1 | sed -n 's/.*Swift version \([0-9][0-9]*\)\..*/\1/p' | head -1)"
    if [ -n "$v" ] && [ "$v" -lt 6 ]; then
        die "Swift 6 or later is required (found: $(swift --version 2>&1 | head -1))"
    fi
}

# Creates or refreshes .venv from Tests/integration/requirements.txt with the python3 on PATH.
# pip runs only when the requirements (or the interpreter) changed since the last install.
ensure_venv() {
    local venv="$CB_ROOT/.venv" req="$CB_ROOT/Tests/integration/requirements.txt" py stamp want
    py="$(command -v python3)" || die "python3 not found"
    want="$( { sha256sum "$req" | cut -d' ' -f1; "$py" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
    stamp="$venv/.chargebus-requirements.sha256"
    if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
        && "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
        log "python venv up to date (.venv)"
        return 0
    fi
    # A venv made by another interpreter version is rebuilt rather than patched.
    if [ -x "$venv/bin/python" ] && [ "$("$venv/bin/python" -c 'import sys; print(sys.version)' 2>/dev/null)" != "$("$py" -c 'import sys; print(sys.version)')" ]; then
        log "python changed: recreating .venv"
        rm -rf "$venv"
    fi
    if [ ! -x "$venv/bin/python" ]; then
        log "creating .venv with $py ($("$py" --version 2>&1))"
        "$py" -m venv "$venv" || return 1
    fi
    log "installing Python test dependencies into .venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req" || return 1
    printf '%s\n' "$want" > "$stamp"
}

# True if something accepts TCP connections on 127.0.0.1:$1.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

wait_for_port() { # port seconds pid what
    local port="$1" deadline=$((SECONDS + $2)) pid="$3" what="$4"
    until port_in_use "$port"; do
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            die "$what exited before listening on port $port"
        fi
        [ "$SECONDS" -lt "$deadline" ] || die "$what did not listen on port $port within $2 s"
        sleep 0.2
    done
}

# The clear-text password of a broker user, from the file scripts/mosquitto-users writes.
broker_password() { # user [credentials file]
    local file="${2:-$CB_ROOT/data/mosquitto/credentials}"
    grep "^$1:" "$file" | head -1 | cut -d: -f2-
}
