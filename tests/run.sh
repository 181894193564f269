#!/usr/bin/env bash
# Install everything the test suite needs, then run the whole suite.
# This is the README's test command; .ci/run runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use for real (browser, web server, ...), installed only when missing.
apt_packages=()
want() { command -v "$1" >/dev/null 2>&1 || apt_packages+=("$2"); }
want git git
want chromium chromium
if [ ${#apt_packages[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check -e '.[test]'
python3 -m ruff check generator tests bench
python3 -m pytest "$@"
