"""Debian's chromium as the browser tests drive it (system binary, never a downloaded browser).

The background-networking flags keep it from trying to reach Google's hosts, which this machine's
closed network refuses, many at a time.
"""

import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
