#!/usr/bin/env bash
# Install everything the test suite needs, then run the whole suite.
# This is the README's test command; .ci/run runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use for real (browser, web server, ...), installed only when missing.
apt_packages=()
want() { command -v "$1" >/dev/null 2>&1 || apt_packages+=("$2"); }
want git git
want nginx nginx                  # deploy check: serves the built sites under a sub-path
want chromium chromium            # deploy check: axe-core runs in headless chromium
want java default-jre-headless    # deploy check: the Nu HTML Checker (vnu.jar) runs on Java
want npm npm                      # deploy check: installs axe-core
if [ ${#apt_packages[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check -e '.[test]'
# axe-core for the deploy check, into a local, git-ignored folder
[ -f tests/.npm/node_modules/axe-core/axe.min.js ] ||
  npm install --silent --no-audit --no-fund --prefix tests/.npm axe-core@4 >/dev/null
python3 -m ruff check generator tests bench
python3 -m pytest "$@"
# Build the example archive and the real corpus, serve them with nginx under a sub-path, and check them
# as the web would (links, HTML, feeds, accessibility); prints its counts, fails on any that must be 0.
[ "${PRESS_SKIP_DEPLOY_CHECK:-}" = 1 ] || python3 tests/deploy_check.py
