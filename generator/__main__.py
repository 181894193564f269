"""`python -m generator` is the same as the `press` command."""

from generator.cli import run

run()
