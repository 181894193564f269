"""`python -m generator` is the same as the `press` command."""

import sys

from generator.cli import main

sys.exit(main())
