#!/usr/bin/env bash
# Make sure the named commands exist, installing their Debian packages when we can (root + apt-get).
# Usage: scripts/system-deps.sh COMMAND[=PACKAGE] ...   e.g. scripts/system-deps.sh redis-server curl
set -euo pipefail

missing=()
for spec in "$@"; do
    command_name="${spec%%=*}"
    package="${spec#*=}"
    command -v "$command_name" >/dev/null 2>&1 || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    exit 0
fi
if command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    echo "installing Debian packages with sudo: ${missing[*]}" >&2
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    exit 0
fi
echo "missing: ${missing[*]}. Install them with your system's package manager (Debian/Ubuntu: apt-get install ${missing[*]})." >&2
exit 1
