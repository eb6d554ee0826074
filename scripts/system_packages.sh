#!/usr/bin/env bash
# Install the Debian packages that some tests and the deployment proof need, when they
# are missing and this runs as root (CI and the sandbox run as root; a developer's
# machine without root gets a clear skip from the tests instead):
#
#   scripts/system_packages.sh chromium fonts-noto-cjk   # browser and print tests
#   scripts/system_packages.sh nginx-light wrk           # the two-server deployment proof
#
# Exit status 0 when every named package is installed afterwards.
set -euo pipefail
missing=()
for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    echo "system_packages: missing ${missing[*]} (install them as root with apt-get)" >&2
    exit 1
fi
# A lock keeps two test workers from running apt at once.
exec 9>/tmp/records-office-apt.lock
flock 9
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
    apt-get update -q >/dev/null 2>&1
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}
