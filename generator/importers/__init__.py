"""Bringing other archives into content/ (`press import`): one module per source format, which
only reads, and archive.py, which writes what they read.

This package's own module is only the list of formats: the command line offers them on every
command, and the rest (YAML writing, the checks against the site's existing articles) is loaded
by `press import` alone, not before every build's first process fork (12 ms of a build's
single-core start).
"""

FORMATS = ("seedtext", "hugo", "jekyll")
